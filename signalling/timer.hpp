// A re-armable one-shot timer on a GMainContext. Sessions re-arm their heartbeat on every pong;
// one GSource per timer moved with g_source_set_ready_time avoids creating and destroying a
// timeout source each time. The source is created on first use, so an idle timer costs a pointer.
#pragma once

#include <glib.h>

#include <cstdint>

namespace sio::signalling {

class Timer {
 public:
  using Callback = void (*)(void* data);

  // `context` must outlive the timer; `callback(data)` runs on it when the timer expires.
  Timer(GMainContext* context, Callback callback, void* data)
      : context_(context), callback_(callback), data_(data) {}
  ~Timer();

  void arm_ms(uint32_t delay_ms);  // (re)starts the countdown
  void arm_at(gint64 monotonic_us);  // fires at that g_get_monotonic_time() value
  void disarm();
  bool armed() const;

  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  static gboolean dispatch(GSource* source, GSourceFunc, gpointer);

  GMainContext* context_;
  Callback callback_;
  void* data_;
  GSource* source_ = nullptr;
};

}  // namespace sio::signalling
