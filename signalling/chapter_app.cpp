#include "chapter_app.hpp"

#include <algorithm>

#include "chapter.hpp"
#include "log.hpp"
#include "loop_tail.hpp"
#include "sio_connection.hpp"

namespace sio::signalling {

namespace {

bool is_relayed_event(std::string_view name) {
  return name == "peerOffer" || name == "peerAnswer" || name == "peerIce" || name == "signal";
}

void count_relay(ServerStats& stats, std::string_view event) {
  stats.relayed_messages++;
  for (size_t i = 0; i < std::size(kRelayedEvents); ++i) {
    if (event == kRelayedEvents[i]) {
      stats.relayed_by_event[i]++;
      return;
    }
  }
}

}  // namespace

ChapterApp::ChapterApp(ServerContext& server) : server_(server) {
  if (server_.tail) server_.tail->add_hook([this] { flush_clients(); });
}

void ChapterApp::on_connect(SioSocket& socket, const json::Value& auth) {
  ids_.push_back(socket.id);
  stable_ids_.push_back(chapter::stable_id_of_auth(auth));
  sockets_.push_back(&socket);
  by_id_.emplace(socket.id, &socket);
  server_.stats.clients = ids_.size();
  broadcast_clients();
}

void ChapterApp::on_disconnect(SioSocket& socket, const char* reason) {
  auto it = by_id_.find(socket.id);
  if (it == by_id_.end() || it->second != &socket) return;
  by_id_.erase(it);
  const auto position = std::find(sockets_.begin(), sockets_.end(), &socket) - sockets_.begin();
  sockets_.erase(sockets_.begin() + position);
  ids_.erase(ids_.begin() + position);
  stable_ids_.erase(stable_ids_.begin() + position);
  server_.stats.clients = ids_.size();
  SIO_LOG_DEBUG("socket %s disconnected (%s)", socket.id.c_str(), reason);
  if (!server_.shutting_down) broadcast_clients();
}

void ChapterApp::broadcast_clients() {
  clients_changed_ = true;
  if (!server_.tail) flush_clients();  // no main-loop hook (not started by Server)
}

void ChapterApp::flush_clients() {
  if (!clients_changed_) return;
  clients_changed_ = false;
  if (server_.shutting_down || sockets_.empty()) return;
  // Encoded once; every socket gets the same bytes.
  socketio::Packet packet;
  packet.type = socketio::PacketType::Event;
  packet.data = chapter::clients_event(ids_, stable_ids_);
  socketio::Encoded encoded = socketio::encode(packet);
  auto frame = std::make_shared<std::string>();
  frame->reserve(encoded.text.size() + 1);
  *frame += '4';
  *frame += encoded.text;
  std::shared_ptr<const std::string> shared = std::move(frame);
  for (SioSocket* socket : sockets_) socket->connection->session().send_state_packet(shared);
}

bool ChapterApp::on_splice(SioSocket& socket, const fast_relay::Splice& splice) {
  // What on_event does for the same packet, without the JSON tree.
  log::write_parts(log::Level::Info, {"Received ", splice.event, " from ", socket.id, " to ", splice.target});
  auto it = by_id_.find(splice.target);
  if (it == by_id_.end()) {
    server_.stats.dropped_messages++;
    SIO_LOG_DEBUG("%.*s from %s dropped: no socket %.*s", static_cast<int>(splice.event.size()),
                  splice.event.data(), socket.id.c_str(), static_cast<int>(splice.target.size()),
                  splice.target.data());
    return true;
  }
  splice_buffer_.clear();
  fast_relay::append_relayed(splice, socket.id, splice_buffer_);
  it->second->send_encoded(splice_buffer_);
  count_relay(server_.stats, splice.event);
  return true;
}

void ChapterApp::on_event(SioSocket& socket, socketio::Packet& packet) {
  const json::Array& args = packet.data->as_array();
  if (!args[0].is_string() || !is_relayed_event(args[0].as_string())) return;
  const std::string& name = args[0].as_string();
  std::optional<chapter::Relay> relay = chapter::relay(*packet.data, socket.id);
  SioSocket* target = nullptr;
  if (relay) {
    SIO_LOG_INFO("Received %s from %s to %s", name.c_str(), socket.id.c_str(), relay->target_id.c_str());
    auto it = by_id_.find(relay->target_id);
    if (it != by_id_.end()) target = it->second;
  } else {
    SIO_LOG_INFO("Received %s from %s to undefined", name.c_str(), socket.id.c_str());
  }
  if (target) {
    target->emit(std::move(relay->args));
    count_relay(server_.stats, name);
  } else {
    server_.stats.dropped_messages++;
    SIO_LOG_DEBUG("%s from %s dropped: no socket %s", name.c_str(), socket.id.c_str(),
                  relay ? relay->target_id.c_str() : "(peer id not a string)");
  }
  // Extension: an ack says whether the peer id was known (the Node server never acks).
  if (packet.ack_id) socket.ack(*packet.ack_id, json::Array{json::Value(target != nullptr)});
}

}  // namespace sio::signalling
