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

void EioSession::release_ws(WsConnection*& connection) {
  if (!connection) return;
  endpoint_.retire_websocket(connection);
  connection = nullptr;
}

void EioSession::attach_websocket(WsConnection* connection) {
  connection->set_listener(this);
  ws_ = connection;
  transport_ = Transport::WebSocket;
}

void EioSession::begin_upgrade(WsConnection* connection) {
  if (state_ != State::Open || upgrading() || upgraded_ || transport_ != Transport::Polling) {
    // engine.io closes such a WebSocket right after accepting it.
    endpoint_.retire_websocket(connection);
    return;
  }
  connection->set_listener(this);
  probe_ws_ = connection;
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
  ws_ = probe_ws_;
  probe_ws_ = nullptr;
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
    const std::string queued = outbox_.take();
    if (auto packets = engineio::decode_payload(queued)) {
      for (const engineio::Packet& packet : *packets) {
        if (packet.binary) {
          ws_->send_binary(packet.data);
        } else {
          ws_->send_text(engineio::encode_text(packet));
        }
      }
    }
  }
  SIO_LOG_DEBUG("engine.io session %s upgraded to websocket", sid_.c_str());
}

void EioSession::on_ws_message(WsConnection& connection, std::string_view frame, bool binary) {
  const bool is_probe = &connection == probe_ws_;
  if (binary) {
    if (is_probe) {
      abandon_upgrade("binary frame on the probe");
      return;
    }
    on_packet(engineio::PacketType::Message, frame, true);
    return;
  }
  // Text frame: the frame decoder already checked it is UTF-8. Read the type digit in place (no
  // copy on the relay path); the rare "b<base64>" form goes through the codec.
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
    endpoint_.server().stats.count(Refusal::Flood);
    abandon_upgrade("flood on the probe");
    return;
  }
  if (packet_type == engineio::PacketType::Ping && payload == "probe") {
    connection.send_text("3probe");
    probe_answered_ = true;
    if (pending_poll_) schedule_noop_check();
  } else if (packet_type == engineio::PacketType::Upgrade) {
    finish_upgrade();
  } else {
    abandon_upgrade("unexpected packet before the upgrade");
  }
}

void EioSession::on_ws_closed(WsConnection& connection) {
  if (&connection == probe_ws_) {
    abandon_upgrade("probe closed");
    return;
  }
  if (&connection == ws_) close("transport close");
}

void EioSession::on_ws_error(WsConnection& connection, uint16_t code, const char* reason) {
  // The client broke RFC 6455 (frame over maxPayload: 1009, bad UTF-8: 1007, bad framing: 1002);
  // the connection sends that close code and on_ws_closed follows.
  SIO_LOG_WARN("engine.io session %s: websocket%s: %s (close %u); closing it", sid_.c_str(),
               &connection == probe_ws_ ? " probe" : "", reason, static_cast<unsigned>(code));
  endpoint_.server().stats.protocol_errors++;
}

}  // namespace sio::signalling
