// Work done once per main-loop iteration, after every event of the iteration was dispatched and
// before the loop polls again (a GSource whose prepare() runs first): coalesced application
// work (the `clients` broadcast), then one write per WebSocket connection with queued frames
// (corking), then the buffered log lines (at most every 20 ms: one write per iteration would
// cost a syscall per couple of relayed messages). Also owns the WebSocket connections, so that one is
// only freed here, never inside its own callbacks. Plain-TCP WebSocket sockets are watched by one
// epoll instance, so GLib polls one fd for all of them instead of every socket per iteration.
// While they bring messages, the loop goes to poll at most once per batch window (batch_window.hpp),
// after this iteration's writes are out.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "timer.hpp"

namespace sio::signalling {

class WsConnection;

class LoopTail {
 public:
  LoopTail(GMainContext* context, uint32_t batch_window_us);
  ~LoopTail();  // closes and frees every connection left

  // Runs at every iteration's end, before the flushes (cheap when there is nothing to do).
  void add_hook(std::function<void()> hook);

  // A connection over a stolen HTTP connection (after the 101), owned here.
  WsConnection* adopt(GIOStream* stream, uint64_t max_message_size, uint64_t max_send_buffer);
  // The listener is done with it: it is closed politely and freed once its socket is closed.
  void retire(WsConnection* connection);

  // For WsConnection.
  void want_flush(WsConnection* connection);
  void connection_finished(WsConnection* connection);  // socket closed; free once retired
  // The epoll set: WsConnection::on_io(events) runs when `fd` is ready. False if epoll failed
  // (the caller then uses a GSource).
  bool watch(int fd, WsConnection* connection, bool want_write);
  void unwatch(int fd);
  GMainContext* context() const { return context_; }
  // What the WebSocket connections read and wrote (metrics).
  struct Traffic {
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    uint64_t send_buffer_overflows = 0;
  };
  Traffic& traffic() { return traffic_; }
  // A read buffer shared by all connections (reads never nest).
  char* scratch() { return scratch_.get(); }
  static constexpr std::size_t kScratchSize = 64 * 1024;

  LoopTail(const LoopTail&) = delete;
  LoopTail& operator=(const LoopTail&) = delete;

 private:
  static gboolean prepare(GSource* source, gint* timeout);
  static gboolean dispatch_epoll(GSource* source, GSourceFunc, gpointer);
  static void on_log_timer(void* self);
  void run();
  void flush_log(bool force);

  GMainContext* context_;
  GSource* source_ = nullptr;        // prepare() only, highest priority: always runs
  GSource* epoll_source_ = nullptr;  // default priority, so HTTP requests are not starved
  int epoll_fd_ = -1;
  gpointer epoll_tag_ = nullptr;
  std::vector<std::function<void()>> hooks_;
  std::vector<WsConnection*> dirty_;
  std::vector<WsConnection*> finished_;
  std::unordered_map<WsConnection*, std::unique_ptr<WsConnection>> connections_;
  std::unique_ptr<char[]> scratch_;
  bool running_ = false;
  uint32_t batch_window_us_;
  int websocket_events_ = 0;  // since the last poll
  gint64 polled_us_ = 0;      // when the loop last went to poll
  gint64 log_flushed_us_ = 0;
  Timer log_timer_;
  Traffic traffic_;
};

}  // namespace sio::signalling
