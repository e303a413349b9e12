#include "ws_connection.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "log.hpp"

namespace sio::signalling {

namespace {

using websocket::Event;
using websocket::Opcode;

// How long a closing connection waits for the client's close frame (or for the client to read
// ours) before the socket is closed anyway.
constexpr uint32_t kCloseTimeoutMs = 2000;
// Frames up to this size are copied into the queue; larger shared payloads are referenced.
constexpr std::size_t kCopyLimit = 2048;
// One writev takes at most this many chunks (IOV_MAX is 1024; a queue is rarely longer).
constexpr int kMaxVectors = 64;
// Reads per readiness event, so that one busy client cannot starve the others.
constexpr int kMaxReads = 4;

// The GSocket under a stream libsoup gave back (soup_server_message_steal_connection): its
// SoupIOStream wraps the GSocketConnection the Acceptor handed it. Null for TLS.
GSocket* socket_under(GIOStream* stream) {
  if (G_IS_SOCKET_CONNECTION(stream)) return g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream));
  if (!g_object_class_find_property(G_OBJECT_GET_CLASS(stream), "base-iostream")) return nullptr;
  GIOStream* base = nullptr;
  g_object_get(stream, "base-iostream", &base, nullptr);
  GSocket* socket = G_IS_SOCKET_CONNECTION(base) ? g_socket_connection_get_socket(G_SOCKET_CONNECTION(base)) : nullptr;
  if (base) g_object_unref(base);  // the connection keeps its socket; the stream keeps the connection
  return socket;
}

struct FdSource {
  GSource base;
  WsConnection* owner;
};

}  // namespace

WsConnection::WsConnection(LoopTail& tail, GIOStream* stream, uint64_t max_message_size, uint64_t max_send_buffer)
    : tail_(tail),
      stream_(G_IO_STREAM(g_object_ref(stream))),
      input_(G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream))),
      output_(G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(stream))),
      decoder_(max_message_size),
      max_send_buffer_(max_send_buffer),
      close_timer_(tail.context(), &WsConnection::on_close_timeout, this) {
  // Only a plain TCP stream writes straight to its socket; with TLS the socket carries records,
  // and the streams are used.
  GSocket* socket = socket_under(stream);
  static const GType socket_output_type = g_type_from_name("GSocketOutputStream");
  if (socket && socket_output_type != 0 && G_TYPE_CHECK_INSTANCE_TYPE(output_, socket_output_type)) {
    // Our own descriptor for the socket, so that the GIO and libsoup objects around it (about
    // 1 KB per client) can go once libsoup's buffer is read: see release_stream().
    fd_ = fcntl(g_socket_get_fd(socket), F_DUPFD_CLOEXEC, 0);
  }
  if (fd_ >= 0) watched_ = tail_.watch(fd_, this, false);
  if (fd_ >= 0 && !watched_) {
    static GSourceFuncs funcs = {nullptr, nullptr, &WsConnection::on_fd_ready, nullptr, nullptr, nullptr};
    fd_source_ = g_source_new(&funcs, sizeof(FdSource));
    reinterpret_cast<FdSource*>(fd_source_)->owner = this;
    g_source_set_name(fd_source_, "sio-signalling websocket");
    fd_tag_ = g_source_add_unix_fd(fd_source_, fd_, G_IO_IN);
    // GLib "blocks" a non-recursive source around its dispatch by removing its fd from the
    // poll set and adding it back, and each of those writes the context's eventfd: two
    // syscalls per dispatch and a spurious wake-up. Nothing here runs a nested main loop.
    g_source_set_can_recurse(fd_source_, TRUE);
    g_source_attach(fd_source_, tail_.context());
  }
  // TLS: the read source is made after the first read (flush()): libsoup's stream makes an
  // always-ready source while it holds buffered bytes.
  // Bytes libsoup read past the HTTP request are in its stream's buffer, not in the socket:
  // read once at the end of this iteration whatever the socket says.
  tail_.want_flush(this);
}

WsConnection::~WsConnection() {
  if (state_ != State::Finished) finish();
  release_stream();
}

void WsConnection::release_stream() {
  if (!stream_) return;
  // Unreferencing closes the GSocket's descriptor; the socket stays open through fd_.
  g_object_unref(stream_);
  stream_ = nullptr;
  input_ = nullptr;
  output_ = nullptr;
}

// --- sending ----------------------------------------------------------------------------------

void WsConnection::queue_bytes(std::string_view bytes) {
  if (out_.empty() || out_.back().shared || out_.back().own.size() + bytes.size() > 64 * 1024) {
    out_.emplace_back();
    out_.back().own.reserve(std::max<std::size_t>(bytes.size(), 1024));  // a few frames per iteration
  }
  out_.back().own.append(bytes);
  queued_ += bytes.size();
}

// A client that does not read (or reads slower than others send to it) would have the server
// buffer for it without end: over the bound its queue is dropped and the connection closed, at
// the end of this iteration (not here: the caller may be going through a list of connections).
// A close frame would wait behind the same unread bytes, so the transport is closed.
bool WsConnection::over_send_buffer(std::size_t more) {
  if (overflowed_) return true;
  // One message always fits an empty queue (messages are bounded by --max-payload).
  if (queued_ == 0 || queued_ + more <= max_send_buffer_) return false;
  overflowed_ = true;
  tail_.traffic().send_buffer_overflows++;
  SIO_LOG_WARN("websocket client: %zu bytes queued and not read, %zu more would pass --max-send-buffer (%llu); "
               "closing the connection",
               queued_, more, static_cast<unsigned long long>(max_send_buffer_));
  out_.clear();
  out_offset_ = 0;
  queued_ = 0;
  tail_.want_flush(this);
  return true;
}

void WsConnection::send(Opcode opcode, std::string_view payload) {
  if (state_ != State::Open || over_send_buffer(payload.size() + 10)) return;
  char header[10];
  const std::size_t n = websocket::encode_header(opcode, payload.size(), header);
  queue_bytes(std::string_view(header, n));
  queue_bytes(payload);
  tail_.want_flush(this);
}

void WsConnection::send_text_shared(std::shared_ptr<const std::string> payload) {
  if (state_ != State::Open || over_send_buffer(payload->size() + 10)) return;
  if (payload->size() <= kCopyLimit) {
    send(Opcode::Text, *payload);
    return;
  }
  char header[10];
  const std::size_t n = websocket::encode_header(Opcode::Text, payload->size(), header);
  queue_bytes(std::string_view(header, n));
  queued_ += payload->size();
  out_.emplace_back();
  out_.back().shared = std::move(payload);
  tail_.want_flush(this);
}

void WsConnection::queue_control(Opcode opcode, std::string_view payload) {
  char header[10];
  const std::size_t n = websocket::encode_header(opcode, payload.size(), header);
  queue_bytes(std::string_view(header, n));
  queue_bytes(payload);
  tail_.want_flush(this);
}

void WsConnection::close(uint16_t code, std::string_view reason) {
  if (state_ != State::Open) return;
  queue_control(Opcode::Close, websocket::close_payload(code, reason));
  state_ = State::Closing;
  close_timer_.arm_ms(kCloseTimeoutMs);
}

void WsConnection::flush() {
  if (overflowed_ && state_ != State::Finished) {
    peer_gone();
    return;
  }
  if (first_read_) {
    first_read_ = false;
    on_readable();
    // A plain socket is read and written through fd_ from now on (libsoup's buffer is empty).
    if (fd_ >= 0) release_stream();
    if (fd_ < 0 && !read_source_ && state_ != State::Finished) {
      read_source_ = g_pollable_input_stream_create_source(input_, nullptr);
      g_source_set_callback(read_source_, G_SOURCE_FUNC(&WsConnection::on_stream_readable), this, nullptr);
      g_source_attach(read_source_, tail_.context());
    }
  }
  while (state_ != State::Finished && !out_.empty() && !write_blocked_) {
    struct iovec vectors[kMaxVectors];
    int count = 0;
    std::size_t total = 0;
    for (auto it = out_.begin(); it != out_.end() && count < kMaxVectors; ++it, ++count) {
      std::string_view bytes = it->bytes();
      if (count == 0) bytes.remove_prefix(out_offset_);
      vectors[count].iov_base = const_cast<char*>(bytes.data());
      vectors[count].iov_len = bytes.size();
      total += bytes.size();
    }
    const gssize written = write_some(vectors, count);
    if (written == -2) {
      peer_gone();
      return;
    }
    if (written == -1) {
      write_blocked_ = true;
      update_poll();
      return;
    }
    // Drop what went out.
    tail_.traffic().bytes_out += static_cast<uint64_t>(written);
    auto left = static_cast<std::size_t>(written);
    queued_ -= std::min(queued_, left);
    while (left > 0) {
      const std::size_t front = out_.front().bytes().size() - out_offset_;
      if (left < front) {
        out_offset_ += left;
        break;
      }
      left -= front;
      out_offset_ = 0;
      out_.pop_front();
    }
    if (static_cast<std::size_t>(written) < total) {
      write_blocked_ = true;  // the socket buffer is full: wait until it is writable
      update_poll();
      return;
    }
  }
  if (state_ == State::Finished || !out_.empty()) return;
  if (state_ == State::Finishing) {
    finish();
  } else if (state_ == State::Closing && shutdown_after_flush_) {
    // Our close frame is out. Half-close and keep reading until the client hangs up: closing
    // with its unread bytes would reset the connection and could lose the close frame.
    shutdown_after_flush_ = false;
    if (fd_ >= 0) shutdown(fd_, SHUT_WR);
  }
}

// --- receiving --------------------------------------------------------------------------------

void WsConnection::on_readable() {
  for (int round = 0; round < kMaxReads && state_ != State::Finished; ++round) {
    char* buffer = tail_.scratch();
    const gssize n = read_some(buffer, LoopTail::kScratchSize);
    if (n == -1) return;
    if (n <= 0) {
      peer_gone();
      return;
    }
    const auto size = static_cast<std::size_t>(n);
    tail_.traffic().bytes_in += size;
    if (discard_input_) continue;  // failed: only waiting for the client to hang up
    std::size_t consumed = 0;
    bool more;
    if (in_.empty()) {
      more = process(buffer, size, consumed);
      if (more && consumed < size) in_.assign(buffer + consumed, size - consumed);
    } else {
      in_.append(buffer, size);
      more = process(in_.data(), in_.size(), consumed);
      if (more) in_.erase(0, consumed);
    }
    if (!more) {
      in_.clear();
      in_.shrink_to_fit();
      return;
    }
    if (in_.capacity() > 2 * LoopTail::kScratchSize && in_.size() < LoopTail::kScratchSize) in_.shrink_to_fit();
    // A short read drained the socket; poll says when more comes. (Not with TLS: decrypted
    // records may wait in the TLS layer with nothing left on the socket.)
    if (size < LoopTail::kScratchSize && fd_ >= 0) return;
  }
}

bool WsConnection::process(char* data, std::size_t size, std::size_t& consumed) {
  for (;;) {
    const Event event = decoder_.next(data + consumed, size - consumed);
    consumed += event.consumed;
    switch (event.kind) {
      case Event::Kind::NeedMore:
        return true;
      case Event::Kind::Text:
      case Event::Kind::Binary:
        // While closing, data frames are dropped (RFC 6455 1.4: we sent our close).
        if (state_ == State::Open && listener_) {
          listener_->on_ws_message(*this, event.data, event.kind == Event::Kind::Binary);
        }
        if (state_ == State::Finished || state_ == State::Finishing) return false;
        break;
      case Event::Kind::Ping:
        // Pongs count against --max-send-buffer like anything else sent: a client flooding pings
        // without reading the pongs had the server queue them without end (+2 GB in 8.5 s).
        if (state_ == State::Open && !over_send_buffer(event.data.size() + 2)) queue_control(Opcode::Pong, event.data);
        break;
      case Event::Kind::Pong:
        break;
      case Event::Kind::Close:
        if (state_ == State::Open) {
          // Answer with the same code, then close the socket once the answer is written.
          queue_control(Opcode::Close, websocket::close_payload(event.code, {}));
          state_ = State::Finishing;
          close_timer_.arm_ms(kCloseTimeoutMs);
          notify_closed();
        } else {
          finish();  // the client's answer to our close
        }
        return false;
      case Event::Kind::Error:
        fail(event.code, event.reason);
        return false;
    }
  }
}

void WsConnection::fail(uint16_t code, const char* reason) {
  if (state_ == State::Open) {
    if (listener_) listener_->on_ws_error(*this, code, reason);
    if (state_ == State::Open) {
      queue_control(Opcode::Close, websocket::close_payload(code, {}));
      state_ = State::Closing;
      close_timer_.arm_ms(kCloseTimeoutMs);
    }
  }
  if (state_ == State::Closing) {
    discard_input_ = true;
    shutdown_after_flush_ = true;
    tail_.want_flush(this);
  } else if (state_ == State::Finishing) {
    finish();
  }
  notify_closed();
}

void WsConnection::peer_gone() {
  const bool was_open = state_ == State::Open;
  finish();
  if (was_open) notify_closed();
}

void WsConnection::notify_closed() {
  if (notified_) return;
  notified_ = true;
  if (listener_) listener_->on_ws_closed(*this);
}

void WsConnection::on_close_timeout(void* self_ptr) {
  auto* self = static_cast<WsConnection*>(self_ptr);
  if (self->state_ == State::Closing || self->state_ == State::Finishing) self->finish();
}

void WsConnection::finish() {
  if (state_ == State::Finished) return;
  state_ = State::Finished;
  close_timer_.disarm();
  out_.clear();
  queued_ = 0;
  in_.clear();
  in_.shrink_to_fit();
  for (GSource** source : {&fd_source_, &read_source_, &write_source_}) {
    if (*source) {
      g_source_destroy(*source);
      g_source_unref(*source);
      *source = nullptr;
    }
  }
  if (watched_) {
    tail_.unwatch(fd_);  // before close(2): the fd number may be reused at once
    watched_ = false;
  }
  if (fd_ >= 0) {
    if (stream_) g_io_stream_close(stream_, nullptr, nullptr);  // the GSocket's descriptor
    ::close(fd_);  // a plain socket: close(2), never blocks
  } else {
    g_io_stream_close_async(stream_, G_PRIORITY_DEFAULT, nullptr, nullptr, nullptr);  // TLS close_notify
  }
  tail_.connection_finished(this);
}

void WsConnection::shut_down() { finish(); }

// --- I/O ----------------------------------------------------------------------------------

gssize WsConnection::read_some(char* buffer, std::size_t size) {
  if (fd_ >= 0 && !buffered_) {
    const ssize_t n = recv(fd_, buffer, size, 0);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
  }
  // libsoup's filter stream hands out what it buffered (all of it: it is smaller than ours)
  // before reading the socket, so after one read the socket is all there is.
  buffered_ = false;
  GError* error = nullptr;
  const gssize n = g_pollable_input_stream_read_nonblocking(input_, buffer, size, nullptr, &error);
  if (n >= 0) return n;
  const bool would_block = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_error_free(error);
  return would_block ? -1 : -2;
}

gssize WsConnection::write_some(const struct iovec* vectors, int count) {
  if (fd_ >= 0) {
    struct msghdr message = {};
    message.msg_iov = const_cast<struct iovec*>(vectors);
    message.msg_iovlen = static_cast<std::size_t>(count);
    const ssize_t n = sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
  }
  GOutputVector out[kMaxVectors];
  for (int i = 0; i < count; ++i) out[i] = {vectors[i].iov_base, vectors[i].iov_len};
  gsize written = 0;
  GError* error = nullptr;
  const GPollableReturn result = g_pollable_output_stream_writev_nonblocking(
      output_, out, static_cast<gsize>(count), &written, nullptr, &error);
  if (result == G_POLLABLE_RETURN_OK) return static_cast<gssize>(written);
  if (error) g_error_free(error);
  return result == G_POLLABLE_RETURN_WOULD_BLOCK ? -1 : -2;
}

void WsConnection::update_poll() {
  if (watched_) {
    tail_.watch(fd_, this, write_blocked_);
    return;
  }
  if (fd_source_) {
    g_source_modify_unix_fd(fd_source_, fd_tag_,
                            static_cast<GIOCondition>(G_IO_IN | (write_blocked_ ? G_IO_OUT : 0)));
    return;
  }
  if (write_blocked_ && !write_source_ && state_ != State::Finished) {
    write_source_ = g_pollable_output_stream_create_source(output_, nullptr);
    g_source_set_callback(write_source_, G_SOURCE_FUNC(&WsConnection::on_stream_writable), this,
                          nullptr);
    g_source_attach(write_source_, tail_.context());
  } else if (!write_blocked_ && write_source_) {
    g_source_destroy(write_source_);
    g_source_unref(write_source_);
    write_source_ = nullptr;
  }
}

void WsConnection::on_io(uint32_t epoll_events) {
  if (state_ == State::Finished) return;
  if (epoll_events & EPOLLOUT) {
    write_blocked_ = false;
    update_poll();
    flush();
  }
  if (state_ != State::Finished && (epoll_events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable();
}

gboolean WsConnection::on_fd_ready(GSource* source, GSourceFunc, gpointer) {
  WsConnection* self = reinterpret_cast<FdSource*>(source)->owner;
  const GIOCondition ready = g_source_query_unix_fd(source, self->fd_tag_);
  if (ready & G_IO_OUT) {
    self->write_blocked_ = false;
    self->update_poll();
    self->flush();
  }
  if (self->state_ != State::Finished && (ready & (G_IO_IN | G_IO_HUP | G_IO_ERR))) self->on_readable();
  return G_SOURCE_CONTINUE;
}

gboolean WsConnection::on_stream_readable(GObject*, gpointer self_ptr) {
  static_cast<WsConnection*>(self_ptr)->on_readable();
  return G_SOURCE_CONTINUE;
}

gboolean WsConnection::on_stream_writable(GObject*, gpointer self_ptr) {
  auto* self = static_cast<WsConnection*>(self_ptr);
  self->write_blocked_ = false;
  self->update_poll();
  self->flush();
  return G_SOURCE_CONTINUE;
}

}  // namespace sio::signalling
