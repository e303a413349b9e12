// One Engine.IO path (/socket.io/ or, in conformance mode, /engine.io/): validates requests as
// engine.io's Server.verify does, performs handshakes (polling and WebSocket), routes requests to
// sessions by sid, and owns the sessions. Closed sessions are freed from an idle callback, never
// inside their own callbacks.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "eio_session.hpp"
#include "gobject_ptr.hpp"
#include "log.hpp"
#include "server_context.hpp"

namespace sio::signalling {

class EioEndpoint {
 public:
  // Makes the handler of each new session (Socket.IO connection or echo).
  using HandlerFactory = std::function<std::unique_ptr<EioSessionHandler>(EioSession&)>;

  EioEndpoint(ServerContext& server, std::string path, HandlerFactory factory);
  ~EioEndpoint();  // closes every session and connection it still has
  void close_all_gracefully(const char* reason);  // see Server::begin_shutdown

  // A request on this path (CORS already applied by the caller).
  void handle_request(SoupServerMessage* msg);

  ServerContext& server() { return server_; }
  // Open sessions by transport, added to `stats` (metrics).
  void count_transports(ServerStats& stats) const;
  const ServerConfig& config() const { return server_.config; }

  // For EioSession.
  void session_closed(EioSession& session);  // forget it; freed on the next idle
  // Closes a WebSocket politely; the server's LoopTail frees it once its socket is closed.
  void retire_websocket(WsConnection* connection);

  EioEndpoint(const EioEndpoint&) = delete;
  EioEndpoint& operator=(const EioEndpoint&) = delete;

 private:
  void respond_error(SoupServerMessage* msg, engineio::ServerError error);
  void start_websocket(SoupServerMessage* msg, const std::string& sid, std::string remote_host = {});
  void on_websocket_ready(SoupServerMessage* msg);
  EioSession* create_session(EioSession::Transport transport, std::string remote_host);
  bool refuse_over_limits(SoupServerMessage* msg, const std::string& remote_host);
  static gboolean free_closed_sessions(gpointer self);
  void give_memory_back();
  static void upgrade_written_cb(SoupServerMessage* msg, gpointer self);
  static void upgrade_finished_cb(SoupServerMessage* msg, gpointer self);
  void forget_upgrade(SoupServerMessage* msg);

  ServerContext& server_;
  std::string path_;
  HandlerFactory factory_;
  std::unordered_map<std::string, std::unique_ptr<EioSession>> sessions_;
  std::vector<std::unique_ptr<EioSession>> closed_sessions_;
  GSource* free_source_ = nullptr;
  uint64_t trim_mark_ = 0;  // the most sessions open since memory was last given back
  GSource* trim_source_ = nullptr;  // give_memory_back's delayed malloc_trim
  // WebSocket handshakes between our 101 and libsoup handing over the connection.
  struct Upgrade {
    std::string sid;          // "" for a new session
    std::string remote_host;
  };
  std::unordered_map<SoupServerMessage*, Upgrade> upgrades_;  // msg (ref held)
  // Sessions open per client address (--max-clients-per-ip); an address leaves with its last.
  std::unordered_map<std::string, uint32_t> sessions_per_host_;
  // Refusals are logged at most once a second for each limit: [0] --max-clients, [1] per address.
  log::Throttle refusal_log_[2];
};

}  // namespace sio::signalling
