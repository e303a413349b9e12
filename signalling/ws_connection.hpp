// A server-side WebSocket (RFC 6455) on the connection libsoup hands over after the 101: frames
// decoded by protocol/websocket_frame, read with one large buffer per readiness event, outgoing
// frames queued and written once per main-loop iteration (LoopTail) with one writev. Replaces
// SoupWebsocketConnection, which reads 1 KB at a time, copies every frame, wakes the main
// context per message and writes one frame per syscall.
//
// Plain TCP: recv/sendmsg on the socket's fd. TLS (--tls-cert): the pollable streams of the
// GTlsConnection. Lifetime: owned by LoopTail; the listener calls LoopTail::retire() when done.
#pragma once

#include <gio/gio.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loop_tail.hpp"
#include "timer.hpp"
#include "websocket_frame.hpp"

namespace sio::signalling {

class WsConnection {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // A whole message (views valid during the call).
    virtual void on_ws_message(WsConnection& connection, std::string_view data, bool binary) = 0;
    // The client broke the protocol; the connection is failing with `code`. on_ws_closed follows.
    virtual void on_ws_error(WsConnection& connection, uint16_t code, const char* reason) = 0;
    // No more messages: close frame received, peer gone, or error. Called once.
    virtual void on_ws_closed(WsConnection& connection) = 0;
  };

  // max_send_buffer: bytes queued and not yet written to the client; a send beyond it drops the
  // queue and closes the connection at the end of the iteration (logged).
  WsConnection(LoopTail& tail, GIOStream* stream, uint64_t max_message_size, uint64_t max_send_buffer);
  ~WsConnection();

  void set_listener(Listener* listener) { listener_ = listener; }
  Listener* listener() const { return listener_; }
  bool is_open() const { return state_ == State::Open; }
  bool is_finished() const { return state_ == State::Finished; }

  // Ignored unless open. Sent at the end of the main-loop iteration.
  void send_text(std::string_view payload) { send(websocket::Opcode::Text, payload); }
  void send_binary(std::string_view payload) { send(websocket::Opcode::Binary, payload); }
  // The same bytes for many connections (a broadcast): referenced, not copied.
  void send_text_shared(std::shared_ptr<const std::string> payload);
  // Close handshake (server side): our close frame, then the socket closes when the client
  // answers, hangs up, or after a timeout. No listener callbacks from here on.
  void close(uint16_t code, std::string_view reason = {});

  // For LoopTail.
  void flush();      // writes what is queued (and the first read, see start_reading)
  void shut_down();  // server going away: close the socket now
  void on_io(uint32_t epoll_events);  // the socket is ready (LoopTail's epoll set)
  bool dirty = false;    // in LoopTail's flush list
  bool retired = false;  // the listener let go: LoopTail frees it once finished

  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

 private:
  enum class State : uint8_t {
    Open,
    Closing,   // close frame queued/sent; reading until the client's close frame or EOF
    Finishing, // write what is queued (e.g. our reply to the client's close), then close
    Finished,  // socket closed
  };
  struct Chunk {
    std::string own;                            // small frames, copied
    std::shared_ptr<const std::string> shared;  // a large shared payload
    std::string_view bytes() const { return shared ? std::string_view(*shared) : std::string_view(own); }
  };
  // The outgoing frames, oldest first. A vector read from `head_` rather than a std::deque, which
  // holds a 512-byte block and its map from construction on: most connections are idle with
  // nothing queued, and that was ~1 KB of each one's memory.
  class ChunkQueue {
   public:
    bool empty() const { return head_ == chunks_.size(); }
    Chunk& front() { return chunks_[head_]; }
    Chunk& back() { return chunks_.back(); }
    void emplace_back() { chunks_.emplace_back(); }
    void pop_front() {
      chunks_[head_++] = Chunk{};  // its bytes go now, not when the queue empties
      if (empty()) clear();
    }
    void clear() {
      // A busy connection keeps room for two frames (no allocation per iteration); more goes.
      if (chunks_.capacity() > 2) std::vector<Chunk>().swap(chunks_);
      chunks_.clear();
      head_ = 0;
    }
    std::vector<Chunk>::iterator begin() { return chunks_.begin() + static_cast<std::ptrdiff_t>(head_); }
    std::vector<Chunk>::iterator end() { return chunks_.end(); }

   private:
    std::vector<Chunk> chunks_;
    std::size_t head_ = 0;
  };

  void send(websocket::Opcode opcode, std::string_view payload);
  bool over_send_buffer(std::size_t more);
  void queue_bytes(std::string_view bytes);
  void queue_control(websocket::Opcode opcode, std::string_view payload);
  void on_readable();
  bool process(char* data, std::size_t size, std::size_t& consumed);
  void fail(uint16_t code, const char* reason);
  void peer_gone();
  void finish();
  void notify_closed();
  void update_poll();
  void release_stream();
  // I/O: >0 bytes, 0 EOF (reads), -1 would block, -2 error.
  gssize read_some(char* buffer, std::size_t size);
  gssize write_some(const struct iovec* vectors, int count);
  static gboolean on_fd_ready(GSource* source, GSourceFunc, gpointer self);
  static gboolean on_stream_readable(GObject*, gpointer self);
  static gboolean on_stream_writable(GObject*, gpointer self);
  static void on_close_timeout(void* self);

  LoopTail& tail_;
  GIOStream* stream_;  // ref held; plain TCP: only until the first read (then null)
  GPollableInputStream* input_;
  GPollableOutputStream* output_;
  int fd_ = -1;            // plain TCP: our duplicate of the socket's descriptor, used directly
  bool buffered_ = true;   // libsoup's input stream may still hold bytes read past the request
  bool watched_ = false;  // in LoopTail's epoll set (else fd_source_)
  GSource* fd_source_ = nullptr;
  gpointer fd_tag_ = nullptr;
  GSource* read_source_ = nullptr;   // TLS path
  GSource* write_source_ = nullptr;  // TLS path, while a write is blocked
  bool write_blocked_ = false;
  bool first_read_ = true;             // see the constructor
  bool discard_input_ = false;         // failed: ignore whatever else the client sends
  bool shutdown_after_flush_ = false;  // failed: half-close once the close frame is out
  State state_ = State::Open;
  bool notified_ = false;
  Listener* listener_ = nullptr;
  websocket::Decoder decoder_;
  std::string in_;  // an incomplete frame carried over to the next read
  ChunkQueue out_;
  std::size_t out_offset_ = 0;  // bytes of out_.front() already written
  std::size_t queued_ = 0;      // bytes in out_ not yet written
  uint64_t max_send_buffer_;
  bool overflowed_ = false;     // over max_send_buffer_: closed by the next flush()
  Timer close_timer_;
};

}  // namespace sio::signalling
