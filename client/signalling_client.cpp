#include "signalling_client.hpp"

#include <algorithm>
#include <utility>

namespace sio::client {

bool is_retryable(ClientError error) {
  switch (error) {
    case ClientError::Unreachable:
    case ClientError::HandshakeFailed:  // a proxy or a restarting server answering 502/503
    case ClientError::ServerClosed:
    case ClientError::PingTimeout:
    case ClientError::ProtocolError:
      return true;
    case ClientError::BadUrl:
    case ClientError::TlsFailure:
    case ClientError::ConnectRefused:
      return false;
  }
  return false;
}

SignallingClient::SignallingClient(GMainContext* context, ClientConfig config, SignallingCallbacks callbacks,
                                   ReconnectPolicy reconnect)
    : context_(context), config_(std::move(config)), callbacks_(std::move(callbacks)), reconnect_(reconnect) {}

SignallingClient::~SignallingClient() {
  *alive_ = false;
  if (retry_ != nullptr) {
    g_source_destroy(retry_);
    g_source_unref(retry_);
  }
  client_.reset();  // closes without calling back
}

bool SignallingClient::start(std::string& error) { return connect_client(error); }

bool SignallingClient::connect_client(std::string& error) {
  ClientCallbacks callbacks;
  callbacks.connected = [this](const std::string& id) {
    local_id_ = id;
    attempt_ = 0;
    if (callbacks_.connected) callbacks_.connected(id);
  };
  callbacks.event = [this](const json::Value& args) { on_event(args); };
  callbacks.failed = [this](ClientError e, const std::string& message) { on_client_failed(e, message); };
  client_ = std::make_unique<Client>(context_, config_, std::move(callbacks));
  return client_->connect(error);
}

void SignallingClient::on_client_failed(ClientError error, const std::string& message) {
  const bool was_connected = !local_id_.empty();
  local_id_.clear();
  peers_.clear();
  peer_stable_ids_.clear();
  if (!reconnect_.enabled || !is_retryable(error)) {
    if (callbacks_.failed) callbacks_.failed(error, message);
    return;
  }
  // The failed Client stays until the next attempt replaces it: it is inert, and destroying it
  // here would be from inside its own callback.
  const uint32_t delay = reconnect_.backoff.delay_ms(attempt_++, g_random_double());
  retry_ = g_timeout_source_new(delay);
  g_source_set_callback(retry_, &SignallingClient::on_retry, this, nullptr);
  g_source_attach(retry_, context_);
  if (callbacks_.lost) callbacks_.lost(error, message, delay, was_connected);
}

gboolean SignallingClient::on_retry(gpointer self_ptr) {
  auto* self = static_cast<SignallingClient*>(self_ptr);
  g_source_unref(self->retry_);
  self->retry_ = nullptr;
  self->client_.reset();
  std::string error;
  // The URL and settings were good the first time: a failure here is reported like any other.
  if (!self->connect_client(error)) self->on_client_failed(ClientError::BadUrl, error);
  return G_SOURCE_REMOVE;
}

bool SignallingClient::has_peer(const std::string& id) const {
  return std::find(peers_.begin(), peers_.end(), id) != peers_.end();
}

std::string SignallingClient::stable_id_of(const std::string& id) const {
  auto it = std::find(peers_.begin(), peers_.end(), id);
  return it == peers_.end() ? std::string() : peer_stable_ids_[it - peers_.begin()];
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
    peer_stable_ids_.clear();
    for (size_t i = 0; i < clients->ids.size(); ++i) {
      if (clients->ids[i] == local_id_) continue;
      peers_.push_back(clients->ids[i]);
      peer_stable_ids_.push_back(i < clients->stable_ids.size() ? clients->stable_ids[i] : std::string());
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
