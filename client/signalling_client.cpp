#include "signalling_client.hpp"

#include <algorithm>
#include <utility>

namespace sio::client {

SignallingClient::SignallingClient(GMainContext* context, ClientConfig config, SignallingCallbacks callbacks)
    : context_(context), config_(std::move(config)), callbacks_(std::move(callbacks)) {}

SignallingClient::~SignallingClient() {
  *alive_ = false;
  client_.reset();  // closes without calling back
}

bool SignallingClient::start(std::string& error) {
  ClientCallbacks callbacks;
  callbacks.connected = [this](const std::string& id) {
    local_id_ = id;
    if (callbacks_.connected) callbacks_.connected(id);
  };
  callbacks.event = [this](const json::Value& args) { on_event(args); };
  callbacks.failed = [this](ClientError e, const std::string& message) {
    if (callbacks_.failed) callbacks_.failed(e, message);
  };
  client_ = std::make_unique<Client>(context_, config_, std::move(callbacks));
  return client_->connect(error);
}

bool SignallingClient::has_peer(const std::string& id) const {
  return std::find(peers_.begin(), peers_.end(), id) != peers_.end();
}

void SignallingClient::on_event(const json::Value& args) {
  Result<chapter::Message> decoded = chapter::decode(args);
  if (!decoded) {
    // A peer's malformed message must not end our connection.
    if (callbacks_.ignored) callbacks_.ignored("a signalling message we cannot decode: " + decoded.error().reason);
    return;
  }
  if (const auto* clients = std::get_if<chapter::Clients>(&*decoded)) {
    peers_.clear();
    for (const auto& id : clients->ids) {
      if (id != local_id_) peers_.push_back(id);
    }
    if (callbacks_.peers_changed) callbacks_.peers_changed(peers_);
    return;
  }
  std::optional<IncomingSignal> in = to_incoming(*decoded);
  if (!in) {
    if (callbacks_.ignored) callbacks_.ignored("a relayed message without its sender's id");
    return;
  }
  if (callbacks_.signal) callbacks_.signal(*in);
}

void SignallingClient::send(const chapter::Message& message, std::function<void()> on_unknown_peer) {
  if (!client_) return;
  std::function<void(const json::Value&)> ack;
  if (on_unknown_peer) {
    ack = [alive = alive_, on_unknown_peer = std::move(on_unknown_peer)](const json::Value& ack_args) {
      if (!*alive) return;
      if (ack_args.is_array() && !ack_args.as_array().empty() && ack_args.as_array()[0].is_bool() &&
          !ack_args.as_array()[0].as_bool()) {
        on_unknown_peer();
      }
    };
  }
  client_->emit(chapter::encode(message), std::move(ack));
}

void SignallingClient::send_description(chapter::Dialect dialect, const std::string& peer_id,
                                        const std::string& type, const std::string& sdp,
                                        std::function<void()> on_unknown_peer) {
  send(description_message(dialect, peer_id, type, sdp), std::move(on_unknown_peer));
}

void SignallingClient::send_candidate(chapter::Dialect dialect, const std::string& peer_id,
                                      const chapter::IceCandidate& candidate) {
  send(candidate_message(dialect, peer_id, candidate), {});
}

void SignallingClient::send_end_of_candidates(chapter::Dialect dialect, const std::string& peer_id) {
  if (auto message = end_of_candidates_message(dialect, peer_id)) send(*message, {});
}

}  // namespace sio::client
