// Engine.IO WebSocket transport (engine.io's transports/websocket.js): one packet per frame,
// text frames "<type><data>", binary frames are binary messages. Also the upgrade of a polling
// session (engine.io's Socket._maybeUpgrade): "2probe" -> "3probe", then "5" switches.
#include <algorithm>

#include "eio_endpoint.hpp"
#include "eio_session.hpp"
#include "http_util.hpp"
#include "log.hpp"

namespace sio::signalling {

namespace {
constexpr gint64 kUpgradeTimeoutMs = 10000;
constexpr gint64 kNoopCheckMs = 50;
}  // namespace

void EioSession::ws_send_text(SoupWebsocketConnection* connection, std::string_view packet) {
  if (soup_websocket_connection_get_state(connection) != SOUP_WEBSOCKET_STATE_OPEN) return;
  // A static GBytes: libsoup copies the bytes into its frame before returning.
  glib::GBytesPtr bytes(g_bytes_new_static(packet.data(), packet.size()));
  soup_websocket_connection_send_message(connection, SOUP_WEBSOCKET_DATA_TEXT, bytes.get());
}

void EioSession::ws_send_binary(SoupWebsocketConnection* connection, std::string_view bytes) {
  if (soup_websocket_connection_get_state(connection) != SOUP_WEBSOCKET_STATE_OPEN) return;
  soup_websocket_connection_send_binary(connection, bytes.data(), bytes.size());
}

void EioSession::connect_ws_signals(SoupWebsocketConnection* connection) {
  soup_websocket_connection_set_max_incoming_payload_size(connection, endpoint_.config().max_payload);
  g_signal_connect(connection, "message", G_CALLBACK(ws_message_cb), this);
  g_signal_connect(connection, "closed", G_CALLBACK(ws_closed_cb), this);
  g_signal_connect(connection, "error", G_CALLBACK(ws_error_cb), this);
}

void EioSession::release_ws(glib::GObjectPtr<SoupWebsocketConnection>& connection) {
  if (!connection) return;
  g_signal_handlers_disconnect_by_data(connection.get(), this);
  endpoint_.retire_websocket(std::move(connection));
}

void EioSession::attach_websocket(glib::GObjectPtr<SoupWebsocketConnection> connection) {
  connect_ws_signals(connection.get());
  ws_ = std::move(connection);
  transport_ = Transport::WebSocket;
}

void EioSession::begin_upgrade(glib::GObjectPtr<SoupWebsocketConnection> connection) {
  if (state_ != State::Open || upgrading() || upgraded_ || transport_ != Transport::Polling) {
    // engine.io closes such a WebSocket right after accepting it.
    endpoint_.retire_websocket(std::move(connection));
    return;
  }
  connect_ws_signals(connection.get());
  probe_ws_ = std::move(connection);
  probe_answered_ = false;
  upgrade_deadline_us_ = g_get_monotonic_time() + kUpgradeTimeoutMs * 1000;  // engine.io's default
  upgrade_timer_.arm_at(upgrade_deadline_us_);
}

void EioSession::schedule_noop_check() {
  // Not at once: a client that sends "2probe" and "5" back to back must see its polls refused
  // after the switch, not answered just before it (engine.io checks every 100 ms).
  const gint64 check = g_get_monotonic_time() + kNoopCheckMs * 1000;
  upgrade_timer_.arm_at(std::min(check, upgrade_deadline_us_));
}

void EioSession::abandon_upgrade(const char* why) {
  if (!probe_ws_) return;
  SIO_LOG_DEBUG("engine.io session %s: upgrade abandoned (%s)", sid_.c_str(), why);
  upgrade_timer_.disarm();
  probe_answered_ = false;
  release_ws(probe_ws_);
}

void EioSession::finish_upgrade() {
  upgrade_timer_.disarm();
  probe_answered_ = false;
  upgraded_ = true;
  transport_ = Transport::WebSocket;
  ws_ = std::move(probe_ws_);
  // A compliant client has no poll left (it waits for its poll to end before sending "5"); one
  // that raced the switch is refused, as polls on an upgraded session are. What no poll fetched
  // moves over to the WebSocket.
  if (pending_poll_) {
    SoupServerMessage* msg = pending_poll_;
    drop_pending_poll_handler();
    pending_poll_ = nullptr;
    http::respond_engineio_error(msg, engineio::ServerError::BadRequest);
    soup_server_message_unpause(msg);
    g_object_unref(msg);
  }
  if (!outbox_.empty()) {
    std::string queued = std::move(outbox_);
    outbox_.clear();
    outbox_.shrink_to_fit();
    if (auto packets = engineio::decode_payload(queued)) {
      for (const engineio::Packet& packet : *packets) {
        if (packet.binary) {
          ws_send_binary(ws_.get(), packet.data);
        } else {
          ws_send_text(ws_.get(), engineio::encode_text(packet));
        }
      }
    }
  }
  SIO_LOG_DEBUG("engine.io session %s upgraded to websocket", sid_.c_str());
}

void EioSession::on_ws_message(SoupWebsocketConnection* connection, int type, GBytes* message) {
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(message, &size));
  const std::string_view frame(data ? data : "", size);
  const bool is_probe = connection == probe_ws_.get();

  if (type == SOUP_WEBSOCKET_DATA_BINARY) {
    if (is_probe) {
      abandon_upgrade("binary frame on the probe");
      return;
    }
    on_packet(engineio::PacketType::Message, frame, true);
    return;
  }
  // Text frame: libsoup already checked it is UTF-8. Read the type digit in place (no copy on
  // the relay path); the rare "b<base64>" form goes through the codec.
  if (frame.empty() || frame[0] < '0' || frame[0] > '6') {
    if (!frame.empty() && frame[0] == 'b' && !is_probe) {
      auto packet = engineio::decode_text(frame);
      if (packet) {
        on_packet(packet->type, packet->data, packet->binary);
        return;
      }
    }
    if (is_probe) {
      abandon_upgrade("bad packet on the probe");
    } else {
      protocol_error("malformed websocket frame");
    }
    return;
  }
  const auto packet_type = static_cast<engineio::PacketType>(frame[0] - '0');
  const std::string_view payload = frame.substr(1);
  if (!is_probe) {
    on_packet(packet_type, payload, false);
    return;
  }
  if (state_ != State::Open) return;
  if (!take_flood_token()) {
    abandon_upgrade("flood on the probe");
    return;
  }
  if (packet_type == engineio::PacketType::Ping && payload == "probe") {
    ws_send_text(connection, "3probe");
    probe_answered_ = true;
    if (pending_poll_) schedule_noop_check();
  } else if (packet_type == engineio::PacketType::Upgrade) {
    finish_upgrade();
  } else {
    abandon_upgrade("unexpected packet before the upgrade");
  }
}

void EioSession::on_ws_closed(SoupWebsocketConnection* connection) {
  if (connection == probe_ws_.get()) {
    abandon_upgrade("probe closed");
    return;
  }
  if (connection == ws_.get()) close("transport close");
}

void EioSession::ws_message_cb(SoupWebsocketConnection* connection, gint type, GBytes* message, gpointer self) {
  static_cast<EioSession*>(self)->on_ws_message(connection, type, message);
}

void EioSession::ws_closed_cb(SoupWebsocketConnection* connection, gpointer self) {
  static_cast<EioSession*>(self)->on_ws_closed(connection);
}

void EioSession::ws_error_cb(SoupWebsocketConnection* connection, GError* error, gpointer self_ptr) {
  // "closed" follows. Protocol errors (frame over maxPayload, bad UTF-8, bad framing) are the
  // client's fault and worth a warning; I/O errors are a peer going away.
  auto* self = static_cast<EioSession*>(self_ptr);
  if (error && g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG) &&
      soup_websocket_connection_get_state(connection) == SOUP_WEBSOCKET_STATE_OPEN) {
    // libsoup drops the TCP connection without a close frame; say 1009 first, as Node's ws does.
    soup_websocket_connection_close(connection, SOUP_WEBSOCKET_CLOSE_TOO_BIG, nullptr);
  }
  if (error && error->domain == SOUP_WEBSOCKET_ERROR) {
    SIO_LOG_WARN("engine.io session %s: websocket%s: %s; closing it", self->sid_.c_str(),
                 connection == self->probe_ws_.get() ? " probe" : "", error->message);
    self->endpoint_.server().stats.protocol_errors++;
  } else {
    SIO_LOG_DEBUG("engine.io session %s: websocket error: %s", self->sid_.c_str(),
                  error ? error->message : "?");
  }
}

}  // namespace sio::signalling
