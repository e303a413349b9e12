#include "conformance_app.hpp"

#include <string>

namespace sio::signalling {

namespace {
constexpr uint32_t kAuthDelayMs = 15;
}

ConformanceApp::ConformanceApp(ServerContext& server)
    : auth_timer_(server.main_context, &ConformanceApp::on_auth_timer, this) {}

void ConformanceApp::on_connect(SioSocket& socket, const json::Value& auth) {
  pending_auth_.push_back({&socket, auth, g_get_monotonic_time() + kAuthDelayMs * 1000});
  if (!auth_timer_.armed()) auth_timer_.arm_ms(kAuthDelayMs);
}

void ConformanceApp::on_auth_timer(void* self_ptr) {
  auto* self = static_cast<ConformanceApp*>(self_ptr);
  const gint64 now = g_get_monotonic_time();
  while (!self->pending_auth_.empty() && self->pending_auth_.front().due_us <= now) {
    PendingAuth pending = std::move(self->pending_auth_.front());
    self->pending_auth_.pop_front();
    pending.socket->emit(json::Array{json::Value("auth"), std::move(pending.auth)});
  }
  if (!self->pending_auth_.empty()) {
    self->auth_timer_.arm_ms(static_cast<uint32_t>((self->pending_auth_.front().due_us - now + 999) / 1000));
  }
}

void ConformanceApp::on_disconnect(SioSocket& socket, const char*) {
  std::erase_if(pending_auth_, [&](const PendingAuth& p) { return p.socket == &socket; });
}

void ConformanceApp::on_event(SioSocket& socket, socketio::Packet& packet) {
  json::Array& args = packet.data->as_array();
  if (!args[0].is_string()) return;
  if (args[0].as_string() == "message") {
    args[0] = json::Value("message-back");
    socket.emit(std::move(*packet.data));
  } else if (args[0].as_string() == "message-with-ack" && packet.ack_id) {
    args.erase(args.begin());
    socket.ack(*packet.ack_id, std::move(*packet.data));
  }
}

void EchoHandler::on_message(std::string_view data, bool binary) {
  if (binary) {
    session_.send_binary(data);
    return;
  }
  std::string packet;
  packet.reserve(data.size() + 1);
  packet += '4';
  packet += data;
  session_.send_text_packet(packet);
}

}  // namespace sio::signalling
