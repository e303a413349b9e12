// What the embeddable signalling server needs to know. Filled by the command line (options.hpp)
// for sio-signalling, and directly by the launcher, which embeds the same server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sio::signalling {

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;                // 0: pick a free port (tests)
  std::string public_dir;              // static files ("" = bundled web/ pages)
  std::string client_dist_dir;         // socket.io-client's dist/ ("" = the bundled npm copy)
  std::string simple_peer_file;        // simplepeer.min.js ("" = the bundled npm copy)
  std::string tls_cert_file;           // both set: HTTPS and WSS
  std::string tls_key_file;
  std::string cors_origin;             // "" = no CORS headers; "*" or an origin
  // Web pages allowed to use /socket.io/ (origin_policy.hpp); empty: same origin and loopback
  // (or, with cors_origin, that origin too).
  std::vector<std::string> allowed_origins;
  // Socket.IO CONNECT must carry one of these as auth {"token": ...} (auth_tokens.hpp); none: open.
  std::vector<std::string> auth_tokens;
  std::string auth_tokens_file;  // one token a line, read again on Server::reload_auth_tokens()
  uint32_t ping_interval_ms = 25000;   // socket.io's defaults
  uint32_t ping_timeout_ms = 20000;
  uint64_t max_payload = 1000000;      // bytes per HTTP body or WebSocket message
  // Bytes queued for one WebSocket client that does not read them; over it the connection is
  // closed (a client that stopped reading must not grow the server without bound).
  uint64_t max_send_buffer = 1 << 20;
  // A request head must be complete within this of the connection's start (Node's
  // headersTimeout); 0 = no limit.
  uint32_t header_timeout_ms = 60000;
  uint32_t connect_timeout_ms = 45000; // Socket.IO CONNECT must arrive within this after the open
  uint32_t max_sessions = 100000;      // Engine.IO sessions (clients); more get 503 (--max-clients)
  uint32_t max_sessions_per_host = 0;  // from one client address; more get 503 (0 = no limit)
  // Flood protection: a token bucket per session on incoming Engine.IO packets; a session that
  // exceeds it is closed (0 = off).
  uint32_t flood_packets_per_s = 2000;
  uint32_t flood_burst = 4000;
  // Exactly the handlers and timings of the official protocol test suites
  // (../shared/conformance/README.md): Engine.IO echo at /engine.io/, Socket.IO test app at /socket.io/.
  bool conformance = false;
  // While WebSocket messages flow, the server polls at most once per this many microseconds and
  // handles what arrived meanwhile together (batch_window.hpp); 0 = poll after every iteration.
  uint32_t batch_window_us = 200;
  bool metrics = false;  // GET /metrics answers Prometheus text (server_metrics.hpp)
};

}  // namespace sio::signalling
