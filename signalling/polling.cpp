// Engine.IO long-polling transport (engine.io's transports/polling.js): a GET is held until
// packets are queued, then gets all of them as one payload; a POST carries a payload of packets
// from the client and is answered "ok".
#include <algorithm>

#include "eio_endpoint.hpp"
#include "eio_session.hpp"
#include "http_util.hpp"
#include "log.hpp"

namespace sio::signalling {

namespace {

// The queue of a client that stopped polling is bounded: beyond this it is disconnected.
uint64_t outbox_limit(const ServerConfig& config) {
  return std::max<uint64_t>(config.max_payload * 16, 1 << 20);
}

void respond_payload(ServerStats& stats, SoupServerMessage* msg, std::string_view body) {
  stats.bytes_out += body.size();
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response(msg, "text/plain; charset=UTF-8", SOUP_MEMORY_COPY, body.data(),
                                   body.size());
}

}  // namespace

void EioSession::flush_poll() {
  if (pending_poll_ && !outbox_.empty()) {
    answer_poll(outbox_.take());
    return;
  }
  if (outbox_.size() > outbox_limit(endpoint_.config()) && state_ == State::Open) {
    // Not closed here: we may be inside another session's broadcast loop. The heartbeat timer
    // fires at once and closes it from the main loop.
    SIO_LOG_WARN("engine.io session %s: %zu bytes queued and no poll; closing it", sid_.c_str(),
                 outbox_.size());
    endpoint_.server().stats.count(Refusal::SendBuffer);
    outbox_.clear();
    heartbeat_ = Heartbeat::WaitingForPong;
    ping_timeout_refreshed_ = true;
    heartbeat_due_us_ = g_get_monotonic_time();
    heartbeat_timer_.arm_at(heartbeat_due_us_);
  }
}

void EioSession::answer_poll(std::string_view body) {
  SoupServerMessage* msg = pending_poll_;
  drop_pending_poll_handler();
  pending_poll_ = nullptr;
  respond_payload(endpoint_.server().stats, msg, body);
  soup_server_message_unpause(msg);
  g_object_unref(msg);
}

void EioSession::drop_pending_poll_handler() {
  if (pending_poll_finished_id_) {
    g_signal_handler_disconnect(pending_poll_, pending_poll_finished_id_);
    pending_poll_finished_id_ = 0;
  }
}

void EioSession::on_poll_finished(SoupServerMessage* msg, gpointer self_ptr) {
  // The held GET ended without our answer: the client went away (engine.io: "poll connection
  // closed prematurely").
  auto* self = static_cast<EioSession*>(self_ptr);
  if (self->pending_poll_ != msg) return;
  self->drop_pending_poll_handler();
  self->pending_poll_ = nullptr;
  g_object_unref(msg);
  self->close("transport error");
}

void EioSession::handle_poll(SoupServerMessage* msg) {
  if (state_ == State::Closing) {
    // Collecting a graceful close: whatever was queued, then the close packet.
    if (closed_by_client_) {
      respond_payload(endpoint_.server().stats, msg, "6");
    } else {
      outbox_.append_text("1");
      respond_payload(endpoint_.server().stats, msg, outbox_.payload());
    }
    outbox_.clear();
    close("forced close");
    return;
  }
  if (pong_overdue() || state_ != State::Open) {
    http::respond_engineio_error(msg, engineio::ServerError::UnknownSid);
    return;
  }
  if (pending_poll_) {
    // engine.io: "overlap from client" is a transport error; the held poll gets "1".
    SIO_LOG_WARN("engine.io session %s: second concurrent poll; closing it", sid_.c_str());
    endpoint_.server().stats.protocol_errors++;
    http::respond_engineio_error(msg, engineio::ServerError::BadRequest);
    close("transport error");
    return;
  }
  if (!outbox_.empty()) {
    respond_payload(endpoint_.server().stats, msg, outbox_.take());
    return;
  }
  pending_poll_ = static_cast<SoupServerMessage*>(g_object_ref(msg));
  pending_poll_finished_id_ = g_signal_connect(msg, "finished", G_CALLBACK(on_poll_finished), this);
  soup_server_message_pause(msg);
  // Upgrading: this poll ends with a noop shortly, so the client can pause polling and send "5".
  if (probe_answered_) schedule_noop_check();
}

void EioSession::handle_post(SoupServerMessage* msg) {
  if (state_ == State::Closing) {
    http::respond_text(msg, SOUP_STATUS_OK, "text/html", "ok");
    return;
  }
  if (pong_overdue() || state_ != State::Open) {
    http::respond_engineio_error(msg, engineio::ServerError::UnknownSid);
    return;
  }
  if (http::body_too_large(msg)) {
    SIO_LOG_WARN("engine.io session %s: POST body over maxPayload (%llu bytes); closing it",
                 sid_.c_str(), static_cast<unsigned long long>(endpoint_.config().max_payload));
    endpoint_.server().stats.protocol_errors++;
    soup_server_message_set_status(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, nullptr);
    close("transport error");
    return;
  }
  const char* content_type =
      soup_message_headers_get_content_type(soup_server_message_get_request_headers(msg), nullptr);
  if (content_type && g_ascii_strcasecmp(content_type, "application/octet-stream") == 0) {
    // v4 carries binary as base64 text in the payload (engine.io: "invalid content").
    SIO_LOG_WARN("engine.io session %s: binary POST body; closing it", sid_.c_str());
    endpoint_.server().stats.protocol_errors++;
    http::respond_engineio_error(msg, engineio::ServerError::BadRequest);
    close("transport error");
    return;
  }
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  glib::GBytesPtr bytes(soup_message_body_flatten(body));
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes.get(), &size));
  endpoint_.server().stats.bytes_in += size;
  auto packets = engineio::decode_payload(std::string_view(data ? data : "", size));
  if (!packets) {
    SIO_LOG_WARN("engine.io session %s: bad polling payload (%s at byte %zu); closing it",
                 sid_.c_str(), packets.error().reason.c_str(), packets.error().offset);
    endpoint_.server().stats.protocol_errors++;
    http::respond_engineio_error(msg, engineio::ServerError::BadRequest);
    close("parse error");
    return;
  }
  // Answer first: a close packet below must not leave the POST without a response.
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
  http::respond_text(msg, SOUP_STATUS_OK, "text/html", "ok");
  for (const engineio::Packet& packet : *packets) {
    if (state_ != State::Open) break;
    on_packet(packet.type, packet.data, packet.binary);
  }
}

}  // namespace sio::signalling
