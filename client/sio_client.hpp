// A Socket.IO v5 client over Engine.IO v4 WebSocket transport (libsoup 3), built on the shared
// protocol/ codec. It is what socketiosignaller talks to the chapter's server with; it works with
// sio-signalling and with the official Node socket.io server.
//
// Threading: construct, call and destroy a Client on the thread that iterates `context`, with
// `context` pushed as that thread's thread-default (g_main_context_push_thread_default): libsoup
// attaches its I/O sources to the thread-default context. Every callback runs there too. Nothing
// blocks: connect() returns at once and reports through callbacks.
//
// Callbacks may call close() or destroy the Client; nothing is called after that. After the last
// Client on a context is gone, iterate the context without blocking until it is idle before
// dropping it: libsoup finishes closing sockets and cancelled operations there.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "json.hpp"

namespace sio::client {

struct ClientConfig {
  std::string server_url;          // http://host:port[/] or https://...; Socket.IO path is /socket.io/
  std::string nsp = "/";           // namespace to join
  std::string auth_json;           // JSON object sent in the CONNECT packet ("" = none)
  bool tls_validation = true;      // false: accept a self-signed / invalid server certificate
  uint32_t connect_timeout_ms = 10000;  // TCP + TLS + WebSocket + Engine.IO open + Socket.IO CONNECT
};

// Why the connection failed or ended. Each maps to one GST_ELEMENT_ERROR in the element.
enum class ClientError {
  BadUrl,            // server-url is not an http(s) URL
  Unreachable,       // DNS, connection refused, timeout
  TlsFailure,        // certificate rejected (tls-validation on) or TLS handshake failed
  HandshakeFailed,   // HTTP/WebSocket upgrade refused, or not an Engine.IO v4 server
  ConnectRefused,    // Socket.IO CONNECT_ERROR (bad namespace, auth refused); message = server's
  ServerClosed,      // the server closed the connection (close packet, WebSocket close, EOF)
  PingTimeout,       // no ping from the server within pingInterval + pingTimeout
  ProtocolError,     // the server sent something we cannot decode
};
const char* to_string(ClientError error);

struct ClientCallbacks {
  std::function<void(const std::string& socket_id)> connected;  // Socket.IO CONNECT accepted
  // An EVENT from the server: args[0] is the event name. Binary attachments are reassembled.
  std::function<void(const json::Value& args)> event;
  // The connection is gone (or never came up); no other callback follows. Not called after close().
  std::function<void(ClientError error, const std::string& message)> failed;
};

class Client {
 public:
  Client(GMainContext* context, ClientConfig config, ClientCallbacks callbacks);
  ~Client();  // closes without calling `failed`

  // Starts connecting. Returns false (and calls nothing) only for a bad URL (ClientError::BadUrl),
  // auth_json that is not a JSON object, an nsp not starting with "/", or a second call;
  // `error_message` says which.
  bool connect(std::string& error_message);
  // Sends an EVENT (`args`: a non-empty array, args[0] the event name); `ack` (optional) gets the
  // ACK's arguments. Queued until connected; dropped (with the ack never called) if the connection
  // fails. Returns false when dropped at once: after close() or a failure, `args` not a valid EVENT
  // payload, or a message larger than the server's maxPayload (the server would disconnect us).
  bool emit(json::Value args, std::function<void(const json::Value& ack_args)> ack = {});
  // Graceful close (Socket.IO DISCONNECT, Engine.IO close, WebSocket close). Idempotent.
  void close();

  bool is_connected() const;
  const std::string& socket_id() const;  // "" until connected

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sio::client
