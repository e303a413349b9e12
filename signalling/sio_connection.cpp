#include "sio_connection.hpp"

#include "ids.hpp"
#include "log.hpp"

namespace sio::signalling {

void SioSocket::send(const socketio::Packet& packet) const { connection->send(packet); }

void SioSocket::emit(json::Value args) const {
  socketio::Packet packet;
  packet.type = socketio::PacketType::Event;
  packet.nsp = nsp;
  packet.data = std::move(args);
  connection->send(packet);
}

void SioSocket::ack(uint64_t ack_id, json::Value args) const {
  socketio::Packet packet;
  packet.type = socketio::PacketType::Ack;
  packet.nsp = nsp;
  packet.ack_id = ack_id;
  packet.data = std::move(args);
  connection->send(packet);
}

void SioSocket::send_encoded(std::string_view engineio_packet) const {
  connection->send_encoded(engineio_packet);
}

SioConnection::SioConnection(EioSession& session, SioApp& app, ServerContext& server)
    : session_(session),
      app_(app),
      server_(server),
      // One packet's attachments together get the same bound as one message (maxHttpBufferSize).
      decoder_(socketio::DecodeOptions{.max_attachment_bytes = server.config.max_payload}),
      connect_timer_(server.main_context, &SioConnection::on_connect_timeout, this) {
  // socket.io closes a connection that joins no namespace within connectTimeout.
  connect_timer_.arm_ms(server.config.connect_timeout_ms);
}

SioConnection::~SioConnection() = default;

void SioConnection::on_connect_timeout(void* self_ptr) {
  auto* self = static_cast<SioConnection*>(self_ptr);
  if (!self->sockets_.empty()) return;
  SIO_LOG_DEBUG("socket.io session %s: no CONNECT within %u ms; closing it", self->session_.sid().c_str(),
                self->server_.config.connect_timeout_ms);
  self->session_.close("forced server close", EioSession::CloseMode::Graceful);
}

void SioConnection::send(const socketio::Packet& packet) {
  socketio::Encoded encoded = socketio::encode(packet);
  std::string frame;
  frame.reserve(encoded.text.size() + 1);
  frame += '4';  // Engine.IO Message
  frame += encoded.text;
  session_.send_text_packet(frame);
  for (const std::string& attachment : encoded.attachments) session_.send_binary(attachment);
}

void SioConnection::bad_input(const char* what) {
  // socket.io's Client.onerror / "invalid state": the whole connection goes, at once (a
  // waiting poll gets "1"; later requests get "Session ID unknown").
  SIO_LOG_WARN("socket.io session %s: %s; closing it", session_.sid().c_str(), what);
  server_.stats.protocol_errors++;
  session_.close("parse error");
}

SioSocket* SioConnection::find(std::string_view nsp) {
  for (auto& socket : sockets_) {
    if (socket->nsp == nsp) return socket.get();
  }
  return nullptr;
}

void SioConnection::on_message(std::string_view data, bool binary) {
  // The relay's fast path: the packet is checked to be valid canonical JSON, so the general
  // path would have produced the same bytes (relay_fast_path.hpp).
  if (!binary && !decoder_.waiting_for_attachments()) {
    if (auto splice = fast_relay::parse(data)) {
      SioSocket* socket = find("/");
      if (socket && app_.on_splice(*socket, *splice)) return;
    }
  }
  auto result = binary ? decoder_.feed_binary(data) : decoder_.feed_text(data);
  if (!result) {
    const std::string what = "bad packet (" + result.error().reason + ")";
    bad_input(what.c_str());
    return;
  }
  if (!result->has_value()) return;  // waiting for attachments
  socketio::Packet& packet = **result;
  if (!socketio::payload_valid(packet)) {
    bad_input("invalid payload");
    return;
  }
  dispatch(packet);
}

void SioConnection::dispatch(socketio::Packet& packet) {
  using socketio::PacketType;
  SioSocket* socket = find(packet.nsp);
  if (!socket) {
    if (packet.type == PacketType::Connect) {
      connect(packet);
    } else {
      bad_input("packet for a namespace not joined");
    }
    return;
  }
  switch (packet.type) {
    case PacketType::Event:
    case PacketType::BinaryEvent:
      app_.on_event(*socket, packet);
      break;
    case PacketType::Ack:
    case PacketType::BinaryAck:
      break;  // the applications here never ask for acks
    case PacketType::Disconnect: {
      for (auto it = sockets_.begin(); it != sockets_.end(); ++it) {
        if (it->get() != socket) continue;
        std::unique_ptr<SioSocket> gone = std::move(*it);
        sockets_.erase(it);
        app_.on_disconnect(*gone, "client namespace disconnect");
        break;
      }
      break;
    }
    case PacketType::Connect:
    case PacketType::ConnectError:
      bad_input("CONNECT for a namespace already joined");
      break;
  }
}

void SioConnection::connect(socketio::Packet& packet) {
  if (!app_.has_namespace(packet.nsp)) {
    socketio::Packet refusal;
    refusal.type = socketio::PacketType::ConnectError;
    refusal.nsp = packet.nsp;
    refusal.data = json::Object{{"message", json::Value("Invalid namespace")}};
    send(refusal);
    return;
  }
  if (server_.auth.required()) {
    const json::Value* token = packet.data ? packet.data->find("token") : nullptr;
    if (!token || !token->is_string() || !server_.auth.accepts(token->as_string())) {
      // As a socket.io middleware's next(new Error("unauthorized")); the connection is closed
      // after the refusal has gone out.
      server_.stats.count(Refusal::Unauthorized);
      SIO_LOG_WARN("socket.io session %s: CONNECT %s; refused (unauthorized) and closed", session_.sid().c_str(),
                   token ? "with an unknown token" : "without a token (auth {\"token\": ...})");
      socketio::Packet refusal;
      refusal.type = socketio::PacketType::ConnectError;
      refusal.nsp = packet.nsp;
      refusal.data = json::Object{{"message", json::Value("unauthorized")}};
      send(refusal);
      session_.close("unauthorized", EioSession::CloseMode::Graceful);
      return;
    }
  }
  auto owned = std::make_unique<SioSocket>();
  owned->id = random_id();
  owned->nsp = packet.nsp;
  owned->connection = this;
  SioSocket& socket = *owned;
  sockets_.push_back(std::move(owned));
  connect_timer_.disarm();

  socketio::Packet reply;
  reply.type = socketio::PacketType::Connect;
  reply.nsp = socket.nsp;
  reply.data = json::Object{{"sid", json::Value(socket.id)}};
  send(reply);
  static const json::Value kNoAuth = json::Object{};
  app_.on_connect(socket, packet.data ? *packet.data : kNoAuth);
}

void SioConnection::on_close(const char* reason) {
  connect_timer_.disarm();
  std::vector<std::unique_ptr<SioSocket>> gone;
  gone.swap(sockets_);
  for (auto& socket : gone) app_.on_disconnect(*socket, reason);
}

}  // namespace sio::signalling
