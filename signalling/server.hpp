// The Socket.IO signalling server: Engine.IO v4 (polling + websocket, upgrade, heartbeat,
// maxPayload) and Socket.IO v5 (namespaces, acks, binary) on libsoup 3, running the chapter's
// application (`clients` broadcast, unicast relay of peerOffer/peerAnswer/peerIce/signal).
// Embeddable: sio-signalling's main() and the launcher both use this class.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <glib.h>

#include "config.hpp"
#include "gobject_ptr.hpp"

namespace sio::signalling {

// Why a client was refused or cut off by the server (metrics: refused_total{reason}); the logs
// say the same with the details.
enum class Refusal : uint8_t {
  MaxClients,            // --max-clients reached (503)
  MaxClientsPerAddress,  // --max-clients-per-ip reached (503)
  Origin,                // a page from an origin not allowed (403)
  Unauthorized,          // CONNECT without a valid token
  HeaderTimeout,         // no complete request head in time (--header-timeout)
  Flood,                 // over the packets-per-second limit
  SendBuffer,            // stopped reading: over --max-send-buffer or the polling queue bound
  Count
};
inline constexpr const char* kRefusalNames[] = {"max_clients", "max_clients_per_ip", "origin", "unauthorized",
                                                "header_timeout", "flood", "send_buffer"};
static_assert(std::size(kRefusalNames) == static_cast<size_t>(Refusal::Count));

// The chapter's relayed events, in the order of ServerStats::relayed_by_event.
inline constexpr const char* kRelayedEvents[] = {"peerOffer", "peerAnswer", "peerIce", "signal"};

struct ServerStats {
  uint64_t sessions_opened = 0;
  uint64_t sessions_closed = 0;
  uint64_t sessions_open = 0;
  uint64_t clients = 0;           // sockets in the default namespace (the `clients` map)
  uint64_t relayed_messages = 0;  // peerOffer/peerAnswer/peerIce/signal delivered
  uint64_t dropped_messages = 0;  // relays to an unknown id
  uint64_t protocol_errors = 0;   // connections closed for bad input
  std::array<uint64_t, std::size(kRelayedEvents)> relayed_by_event{};  // delivered, by event
  std::array<uint64_t, static_cast<size_t>(Refusal::Count)> refused{};
  // Engine.IO traffic: polling bodies and WebSocket bytes (frames included), as read and written.
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  // At the time of Server::stats(): open sessions by transport (a polling session being upgraded
  // counts as polling until the upgrade completes).
  uint64_t sessions_polling = 0;
  uint64_t sessions_websocket = 0;

  void count(Refusal why) { refused[static_cast<size_t>(why)]++; }
};

class Server {
 public:
  // Listens on config.host:config.port. All network work runs on `context` (nullptr: the
  // thread-default context), which the caller iterates. nullptr + error on failure (port in use,
  // bad certificate...).
  static std::unique_ptr<Server> start(const ServerConfig& config, GMainContext* context,
                                       glib::GErrorPtr& error);
  ~Server();  // closes every connection and stops listening; call on the context's thread

  uint16_t port() const;                 // the bound port (useful with port 0)
  std::vector<std::string> urls() const; // http(s)://host:port/ for each listening address
  ServerStats stats() const;
  // A graceful stop's first half: every session is closed as Engine.IO says a server closes it
  // (a WebSocket close, a waiting poll answered with a close packet, an idle polling session's
  // next poll too), so clients reconnect at once. Sessions still open count in stats(); the
  // destructor ends the rest.
  void begin_shutdown();
  // The whole graceful stop for an embedding program: begin_shutdown(), then the context is
  // iterated until every session has closed or `grace_ms` have passed. On the context's thread.
  void shut_down_gracefully(uint32_t grace_ms);
  // Reads --auth-tokens-file again (SIGHUP): false + error, tokens unchanged, when it cannot.
  bool reload_auth_tokens(std::string& error);
  bool requires_auth() const;

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sio::signalling
