// One thread iterating a private GMainContext: where socketiosignaller's Socket.IO client, timers
// and signalling state live. Other threads (the application's, webrtcbin's, streaming threads)
// hand work over with post(); nothing here ever waits for the network.
#pragma once

#include <glib.h>

#include <functional>
#include <mutex>

namespace sio::gst {

class NetworkThread {
 public:
  NetworkThread() = default;
  ~NetworkThread();  // stop()s

  // Creates the context and starts the thread. Idempotent.
  void start(const char* name);
  // Runs `on_stop` on the thread (to close what lives there), then quits the loop, joins the thread
  // and frees the context; tasks still queued are dropped (captures destroyed). Never call it from
  // the network thread itself. Idempotent.
  void stop(std::function<void()> on_stop = {});

  // Queues `task` to run on the network thread; returns false (dropping it) when not running.
  // Callable from any thread.
  bool post(std::function<void()> task);

  GMainContext* context() const { return context_; }  // valid between start() and stop()
  bool on_thread() const { return g_main_context_is_owner(context_); }

  NetworkThread(const NetworkThread&) = delete;
  NetworkThread& operator=(const NetworkThread&) = delete;

 private:
  static gpointer run(gpointer data);

  std::mutex mutex_;  // guards context_/loop_/thread_ against post() from other threads
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  GThread* thread_ = nullptr;
};

}  // namespace sio::gst
