// The signalling side of a call, without GStreamer: one Socket.IO connection to the chapter's
// server, the `clients` list, and the chapter's messages per peer, in either dialect. What
// socketiosignaller (and anything else that wants to place calls) drives its calls with, in the
// way gst-plugins-rs splits its signaller interface (start/stop/send_sdp/add_ice) from the media.
//
// Threading as sio::client::Client: construct, call and destroy it on the thread that iterates
// `context` (pushed as thread-default); every callback runs there. Callbacks may destroy it.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chapter.hpp"
#include "dialect.hpp"
#include "reconnect_backoff.hpp"
#include "sio_client.hpp"

namespace sio::client {

struct SignallingCallbacks {
  std::function<void(const std::string& local_id)> connected;
  // Every `clients` broadcast: the other clients, in the server's order, without our own id.
  std::function<void(const std::vector<std::string>& peers)> peers_changed;
  // A relayed message addressed to us (from_id set), dialect-neutral.
  std::function<void(const IncomingSignal& signal)> signal;
  // The connection is gone or never came up, and is not tried again (reconnect off, or an error
  // that another attempt cannot fix: bad URL, TLS, refused); nothing else follows.
  std::function<void(ClientError error, const std::string& message)> failed;
  // Reconnecting: the connection was lost (`was_connected`) or the server could not be reached,
  // and the next attempt starts in `retry_ms`. `connected` follows when one succeeds, with the new
  // socket id the server gives us (the peers get new ones too when the server restarted).
  std::function<void(ClientError error, const std::string& message, uint32_t retry_ms, bool was_connected)> lost;
  // Something a peer sent that we ignore (cannot decode it): for the log, the connection goes on.
  std::function<void(const std::string& message)> ignored;
};

struct ReconnectPolicy {
  bool enabled = false;  // off: the first failure is final (`failed`)
  ReconnectBackoff backoff;
};

// Errors another attempt may fix: the server is down, restarting, or was unreachable for a while.
bool is_retryable(ClientError error);

class SignallingClient {
 public:
  SignallingClient(GMainContext* context, ClientConfig config, SignallingCallbacks callbacks,
                   ReconnectPolicy reconnect = {});
  ~SignallingClient();  // closes the connection; no callback follows

  // Connects. False (nothing called) for a bad URL or bad settings; `error` says which.
  bool start(std::string& error);

  // Outgoing messages to `peer_id`. `on_unknown_peer` runs if the server acks that it does not know
  // the peer (sio-signalling does; the chapter's Node server never acks, so it may never run).
  void send_description(chapter::Dialect dialect, const std::string& peer_id, const std::string& type,
                        const std::string& sdp, std::function<void()> on_unknown_peer = {});
  void send_candidate(chapter::Dialect dialect, const std::string& peer_id, const chapter::IceCandidate& candidate);
  // Classic pages expect a null candidate when gathering is complete; simple-peer has none (no-op).
  void send_end_of_candidates(chapter::Dialect dialect, const std::string& peer_id);

  const std::string& local_id() const { return local_id_; }  // "" until connected
  const std::vector<std::string>& peers() const { return peers_; }
  bool has_peer(const std::string& id) const;
  // The stableId the server lists for peer `id` (sio-signalling, for a client that sent one in its
  // auth), "" if none.
  std::string stable_id_of(const std::string& id) const;

  SignallingClient(const SignallingClient&) = delete;
  SignallingClient& operator=(const SignallingClient&) = delete;

 private:
  bool connect_client(std::string& error);
  void on_client_failed(ClientError error, const std::string& message);
  static gboolean on_retry(gpointer self);
  void on_event(const json::Value& args);
  void send(const chapter::Message& message, std::function<void()> on_unknown_peer);

  GMainContext* context_;
  ClientConfig config_;
  SignallingCallbacks callbacks_;
  ReconnectPolicy reconnect_;
  unsigned attempt_ = 0;        // failed attempts since the last connection
  GSource* retry_ = nullptr;    // the next attempt, while waiting
  std::unique_ptr<Client> client_;
  std::string local_id_;
  std::vector<std::string> peers_;
  std::vector<std::string> peer_stable_ids_;  // parallel to peers_ ("" = none)
  // Acks may come after we are gone: they check this flag (shared with the lambdas) first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sio::client
