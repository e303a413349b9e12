#include "loop_tail.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include "batch_window.hpp"
#include "log.hpp"
#include "ws_connection.hpp"

namespace sio::signalling {

namespace {

struct TailSource {
  GSource base;
  LoopTail* owner;
};

// Enough for work that leads to more work (a read at the first flush relays to another
// connection, a dead peer triggers a broadcast); anything left waits for the next iteration.
constexpr int kMaxRounds = 8;
constexpr gint64 kLogFlushUs = 20000;

}  // namespace

LoopTail::LoopTail(GMainContext* context, uint32_t batch_window_us)
    : context_(context),
      scratch_(new char[kScratchSize]),
      batch_window_us_(batch_window_us),
      log_timer_(context, &LoopTail::on_log_timer, this) {
  static GSourceFuncs funcs = {&LoopTail::prepare, nullptr, nullptr, nullptr, nullptr, nullptr};
  source_ = g_source_new(&funcs, sizeof(TailSource));
  reinterpret_cast<TailSource*>(source_)->owner = this;
  g_source_set_name(source_, "sio-signalling loop tail");
  // GLib stops calling prepare() on lower priorities once a source is ready: be first.
  g_source_set_priority(source_, G_PRIORITY_HIGH - 100);
  g_source_attach(source_, context_);

  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ >= 0) {
    static GSourceFuncs epoll_funcs = {nullptr, nullptr, &LoopTail::dispatch_epoll, nullptr, nullptr, nullptr};
    epoll_source_ = g_source_new(&epoll_funcs, sizeof(TailSource));
    reinterpret_cast<TailSource*>(epoll_source_)->owner = this;
    g_source_set_name(epoll_source_, "sio-signalling websockets");
    epoll_tag_ = g_source_add_unix_fd(epoll_source_, epoll_fd_, G_IO_IN);
    // Not "blocked" around dispatch: that costs two eventfd writes per dispatch (see
    // ws_connection.cpp), and nothing here iterates the context recursively.
    g_source_set_can_recurse(epoll_source_, TRUE);
    g_source_attach(epoll_source_, context_);
  }
}

LoopTail::~LoopTail() {
  g_source_destroy(source_);
  g_source_unref(source_);
  if (epoll_source_) {
    g_source_destroy(epoll_source_);
    g_source_unref(epoll_source_);
  }
  for (auto& [raw, connection] : connections_) {
    connection->set_listener(nullptr);
    connection->flush();  // one attempt at the close frames the sessions queued
    connection->shut_down();
  }
  connections_.clear();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  log::flush();
}

bool LoopTail::watch(int fd, WsConnection* connection, bool want_write) {
  if (epoll_fd_ < 0) return false;
  struct epoll_event event = {};
  event.events = want_write ? EPOLLIN | EPOLLOUT : EPOLLIN;
  event.data.ptr = connection;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0) return true;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void LoopTail::unwatch(int fd) {
  if (epoll_fd_ >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

gboolean LoopTail::dispatch_epoll(GSource* source, GSourceFunc, gpointer) {
  LoopTail* self = reinterpret_cast<TailSource*>(source)->owner;
  // Level-triggered: whatever is not handled now is reported again. Connections are only
  // freed in run(), so every pointer here is valid even if an earlier one closed it.
  struct epoll_event events[256];
  const int n = epoll_wait(self->epoll_fd_, events, 256, 0);
  if (n > 0) self->websocket_events_ += n;
  for (int i = 0; i < n; ++i) {
    static_cast<WsConnection*>(events[i].data.ptr)->on_io(events[i].events);
  }
  return G_SOURCE_CONTINUE;
}

void LoopTail::add_hook(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }

WsConnection* LoopTail::adopt(GIOStream* stream, uint64_t max_message_size, uint64_t max_send_buffer) {
  auto owned = std::make_unique<WsConnection>(*this, stream, max_message_size, max_send_buffer);
  WsConnection* connection = owned.get();
  connections_.emplace(connection, std::move(owned));
  return connection;
}

void LoopTail::retire(WsConnection* connection) {
  if (!connection || connection->retired) return;
  connection->retired = true;
  connection->set_listener(nullptr);
  if (connection->is_finished()) {
    finished_.push_back(connection);
  } else {
    connection->close(websocket::close_code::kNormal);
  }
}

void LoopTail::want_flush(WsConnection* connection) {
  if (connection->dirty) return;
  connection->dirty = true;
  dirty_.push_back(connection);
}

void LoopTail::connection_finished(WsConnection* connection) {
  if (connection->retired) finished_.push_back(connection);
}

gboolean LoopTail::prepare(GSource* source, gint* timeout) {
  *timeout = -1;
  LoopTail* self = reinterpret_cast<TailSource*>(source)->owner;
  if (self->running_) return FALSE;  // a nested main loop inside a hook
  self->run();
  // GLib has released the context's lock around prepare(): other threads can still wake it.
  const gint64 now = g_get_monotonic_time();
  const int64_t wait = batch_wait_us(now, self->polled_us_, self->batch_window_us_, self->websocket_events_ > 0);
  self->websocket_events_ = 0;
  if (wait > 0) g_usleep(static_cast<gulong>(wait));
  self->polled_us_ = now + wait;
  return FALSE;
}

void LoopTail::run() {
  if (running_) return;  // a nested main loop inside a hook
  running_ = true;
  std::vector<WsConnection*> batch;
  for (int round = 0; round < kMaxRounds; ++round) {
    for (auto& hook : hooks_) hook();
    if (dirty_.empty()) break;
    batch.swap(dirty_);
    for (WsConnection* connection : batch) {
      connection->dirty = false;
      connection->flush();
    }
    batch.clear();
  }
  if (!finished_.empty()) {
    std::vector<WsConnection*> dead;
    dead.swap(finished_);
    for (WsConnection* connection : dead) {
      if (!connections_.count(connection)) continue;  // listed twice
      if (connection->dirty) {
        for (auto& entry : dirty_) {
          if (entry == connection) entry = nullptr;
        }
        std::erase(dirty_, nullptr);
      }
      connections_.erase(connection);  // a duplicate entry erases nothing
    }
  }
  flush_log(false);
  running_ = false;
}

void LoopTail::flush_log(bool force) {
  if (!log::has_buffered()) return;
  const gint64 now = g_get_monotonic_time();
  if (force || now - log_flushed_us_ >= kLogFlushUs) {
    log::flush();
    log_flushed_us_ = now;
    // The timer stays armed if it was: moving a GSource's ready time wakes the context
    // (an eventfd write), and a spare tick finds nothing to write.
  } else if (!log_timer_.armed()) {
    log_timer_.arm_at(log_flushed_us_ + kLogFlushUs);  // an idle loop still writes them
  }
}

void LoopTail::on_log_timer(void* self) { static_cast<LoopTail*>(self)->flush_log(true); }

}  // namespace sio::signalling
