// Engine.IO session core: incoming packets, heartbeat, flood protection and closing.
// Transport specifics are in polling.cpp and websocket.cpp.
#include "eio_session.hpp"

#include <algorithm>

#include "eio_endpoint.hpp"
#include "log.hpp"

namespace sio::signalling {

namespace {
// How long a poll racing the client's own close packet (sent concurrently on another
// connection) still gets its noop.
constexpr uint32_t kClientCloseGraceMs = 20;
}  // namespace

EioSession::EioSession(EioEndpoint& endpoint, std::string sid, Transport transport)
    : endpoint_(endpoint),
      sid_(std::move(sid)),
      transport_(transport),
      heartbeat_timer_(endpoint.server().main_context, &EioSession::on_heartbeat_timer, this),
      upgrade_timer_(endpoint.server().main_context, &EioSession::on_upgrade_timer, this),
      flood_tokens_(static_cast<double>(endpoint.config().flood_burst)),
      flood_refill_us_(g_get_monotonic_time()) {}

EioSession::~EioSession() {
  // Normally close() already released everything; this covers ~EioEndpoint.
  if (pending_poll_) answer_poll("1");
  release_ws(probe_ws_);
  release_ws(ws_);
}

void EioSession::open() {
  const ServerConfig& config = endpoint_.config();
  engineio::Handshake handshake;
  handshake.sid = sid_;
  if (transport_ == Transport::Polling) handshake.upgrades = {"websocket"};
  handshake.ping_interval_ms = config.ping_interval_ms;
  handshake.ping_timeout_ms = config.ping_timeout_ms;
  handshake.max_payload = config.max_payload;
  std::string packet = "0";
  packet += engineio::encode_handshake(handshake);
  send_text_packet(packet);
  // Engine.IO v4: the server pings every pingInterval and expects a pong within pingTimeout.
  schedule_ping(g_get_monotonic_time());
}

void EioSession::schedule_ping(gint64 now_us) {
  heartbeat_ = Heartbeat::WaitingToPing;
  heartbeat_due_us_ = now_us + static_cast<gint64>(endpoint_.config().ping_interval_ms) * 1000;
  heartbeat_timer_.arm_at(heartbeat_due_us_);
}

bool EioSession::pong_overdue() {
  if (state_ != State::Open || heartbeat_ != Heartbeat::WaitingForPong ||
      g_get_monotonic_time() < heartbeat_due_us_) {
    return false;
  }
  SIO_LOG_DEBUG("engine.io session %s: ping timeout", sid_.c_str());
  close("ping timeout");
  return true;
}

void EioSession::send_text_packet(std::string_view packet) {
  if (state_ != State::Open) return;
  if (transport_ == Transport::WebSocket && ws_) {
    ws_->send_text(packet);
  } else {
    outbox_.append_text(packet);
    flush_poll();
  }
}

void EioSession::send_state_packet(const std::shared_ptr<const std::string>& packet) {
  if (state_ != State::Open) return;
  if (transport_ == Transport::WebSocket && ws_) {
    ws_->send_text_shared(packet);
  } else {
    outbox_.append_state(*packet);
    flush_poll();
  }
}

void EioSession::send_binary(std::string_view bytes) {
  if (state_ != State::Open) return;
  if (transport_ == Transport::WebSocket && ws_) {
    ws_->send_binary(bytes);
  } else {
    outbox_.append_binary(bytes);
    flush_poll();
  }
}

bool EioSession::take_flood_token() {
  const ServerConfig& config = endpoint_.config();
  if (config.flood_packets_per_s == 0) return true;
  const gint64 now = g_get_monotonic_time();
  flood_tokens_ = std::min(static_cast<double>(config.flood_burst),
                           flood_tokens_ + static_cast<double>(now - flood_refill_us_) *
                                               config.flood_packets_per_s / 1e6);
  flood_refill_us_ = now;
  if (flood_tokens_ < 1.0) return false;
  flood_tokens_ -= 1.0;
  return true;
}

void EioSession::protocol_error(const char* what) {
  SIO_LOG_WARN("engine.io session %s: %s; closing it", sid_.c_str(), what);
  endpoint_.server().stats.protocol_errors++;
  close("parse error");
}

void EioSession::on_packet(engineio::PacketType type, std::string_view data, bool binary) {
  using engineio::PacketType;
  if (state_ != State::Open) return;
  if (!take_flood_token()) {
    SIO_LOG_WARN("engine.io session %s: more than %u packets/s (burst %u); closing it",
                 sid_.c_str(), endpoint_.config().flood_packets_per_s, endpoint_.config().flood_burst);
    endpoint_.server().stats.protocol_errors++;
    endpoint_.server().stats.count(Refusal::Flood);
    close("flood");
    return;
  }
  // As engine.io: any packet while a pong is awaited extends the deadline, once per ping.
  if (heartbeat_ == Heartbeat::WaitingForPong && !ping_timeout_refreshed_ && type != PacketType::Pong) {
    heartbeat_due_us_ = g_get_monotonic_time() + static_cast<gint64>(endpoint_.config().ping_timeout_ms) * 1000;
    heartbeat_timer_.arm_at(heartbeat_due_us_);
    ping_timeout_refreshed_ = true;
  }
  switch (type) {
    case PacketType::Pong:
      // Only the answer to our ping counts: an unsolicited pong rescheduled the next ping, so a
      // client sending pongs without reading was never dropped.
      if (heartbeat_ == Heartbeat::WaitingForPong) schedule_ping(g_get_monotonic_time());
      break;
    case PacketType::Ping:
      // v4: only the server pings.
      SIO_LOG_WARN("engine.io session %s: ping from the client (invalid heartbeat direction); closing it",
                   sid_.c_str());
      endpoint_.server().stats.protocol_errors++;
      close("transport error");
      break;
    case PacketType::Close:
      closed_by_client_ = true;
      close("transport close");
      break;
    case PacketType::Message:
      if (handler_) handler_->on_message(data, binary);
      break;
    case PacketType::Open:
    case PacketType::Upgrade:
    case PacketType::Noop:
      break;  // ignored, as engine.io does
  }
}

void EioSession::on_heartbeat_timer(void* self_ptr) {
  auto* self = static_cast<EioSession*>(self_ptr);
  if (self->state_ == State::Closing) {
    // A graceful polling close that no poll came to collect.
    self->state_ = State::Closed;
    self->endpoint_.session_closed(*self);
    return;
  }
  if (self->state_ != State::Open) return;
  if (self->heartbeat_ == Heartbeat::WaitingToPing) {
    self->heartbeat_ = Heartbeat::WaitingForPong;
    self->ping_timeout_refreshed_ = false;
    self->heartbeat_due_us_ += static_cast<gint64>(self->endpoint_.config().ping_timeout_ms) * 1000;
    self->send_text_packet("2");
    if (self->state_ == State::Open) self->heartbeat_timer_.arm_at(self->heartbeat_due_us_);
  } else {
    SIO_LOG_DEBUG("engine.io session %s: ping timeout", self->sid_.c_str());
    self->close("ping timeout");
  }
}

void EioSession::on_upgrade_timer(void* self_ptr) {
  auto* self = static_cast<EioSession*>(self_ptr);
  if (g_get_monotonic_time() >= self->upgrade_deadline_us_) {
    self->abandon_upgrade("upgrade timeout");
    return;
  }
  // engine.io's upgrade "check": a poll held while upgrading ends with a noop.
  if (self->probe_answered_ && self->pending_poll_) self->answer_poll("6");
  self->upgrade_timer_.arm_at(self->upgrade_deadline_us_);
}

void EioSession::close(const char* reason, CloseMode mode) {
  if (state_ == State::Closed) return;
  if (state_ == State::Closing) {
    if (mode == CloseMode::Now) {
      state_ = State::Closed;
      heartbeat_timer_.disarm();
      endpoint_.session_closed(*this);
    }
    return;
  }
  SIO_LOG_DEBUG("engine.io session %s closed: %s", sid_.c_str(), reason);
  state_ = State::Closed;  // from here sends are ignored, also from the handler's on_close
  heartbeat_timer_.disarm();
  upgrade_timer_.disarm();
  release_ws(probe_ws_);
  if (handler_) handler_->on_close(reason);

  if (transport_ == Transport::WebSocket) {
    release_ws(ws_);
  } else if (pending_poll_) {
    // engine.io answers a waiting poll: "1" when the server closes, a noop when the client did.
    if (mode == CloseMode::Graceful && !outbox_.empty()) {
      outbox_.append_text("1");
      answer_poll(outbox_.take());
    } else {
      answer_poll(closed_by_client_ ? "6" : "1");
    }
  } else if (mode == CloseMode::Graceful || closed_by_client_) {
    // Keep the sid until the next poll collects what is queued plus "1" (engine.io buffers the
    // close the same way), bounded by one heartbeat period. After a client's close packet, a
    // poll it had already sent (racing the POST) gets the noop it would have got if first.
    state_ = State::Closing;
    const ServerConfig& config = endpoint_.config();
    if (closed_by_client_) {
      // Only polls already on their way: later requests get 400 "Session ID unknown" as in Node.
      outbox_.clear();
      heartbeat_timer_.arm_ms(kClientCloseGraceMs);
    } else {
      heartbeat_timer_.arm_ms(config.ping_interval_ms + config.ping_timeout_ms);
    }
    return;
  }
  outbox_.clear();
  endpoint_.session_closed(*this);
}

}  // namespace sio::signalling
