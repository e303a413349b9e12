// A re-armable one-shot timer on a GMainContext. Every timer of a context shares one GSource (a
// TimerQueue ordered by deadline, whose ready time is the earliest one): GLib's main loop visits
// each attached source on every iteration, so a source per timer (three per client: heartbeat,
// connect and upgrade deadlines) made each iteration cost O(clients) — a fifth of the server's
// CPU under relay load with 1,000 idle clients — and ~0.2 KB of memory per client. An idle timer
// costs a pointer; an armed one a node in its queue.
#pragma once

#include <glib.h>

#include <cstdint>
#include <map>
#include <memory>

namespace sio::signalling {

class TimerQueue;

class Timer {
 public:
  using Callback = void (*)(void* data);

  // `context` must outlive the timer; `callback(data)` runs on it when the timer expires. Arm,
  // disarm and destroy it on the thread that runs `context`.
  Timer(GMainContext* context, Callback callback, void* data)
      : context_(context), callback_(callback), data_(data) {}
  ~Timer();

  void arm_ms(uint32_t delay_ms);    // (re)starts the countdown
  void arm_at(gint64 monotonic_us);  // fires at that g_get_monotonic_time() value
  void disarm();
  bool armed() const { return armed_; }

  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  friend class TimerQueue;
  GMainContext* context_;
  Callback callback_;
  void* data_;
  std::shared_ptr<TimerQueue> queue_;  // the context's, from the first arm
  std::multimap<gint64, Timer*>::iterator position_;  // in queue_ while armed_
  bool armed_ = false;
};

}  // namespace sio::signalling
