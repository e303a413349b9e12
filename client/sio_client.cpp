// Socket.IO v5 client over the Engine.IO v4 WebSocket transport, on libsoup 3. No polling and no
// upgrade: socket.io-client with transports: ["websocket"] talks to the server the same way.
//
// Life of a connection (State):
//   Idle --connect()--> Connecting (HTTP upgrade) --101--> Opening (wait for the Engine.IO open
//   packet) --open--> Joining (Socket.IO CONNECT sent) --CONNECT ack--> Connected
// and from any of them to Failed (fail(): `failed` is called once) or Closed (close()/destructor:
// nothing is called). Leaving for Failed/Closed tears everything down at once (teardown()).
#define G_LOG_DOMAIN "sio-client"

#include "sio_client.hpp"
#include "server_url.hpp"

#include <libsoup/soup.h>

#include <algorithm>
#include <exception>
#include <map>
#include <utility>
#include <vector>

#include "engineio.hpp"
#include "gobject_ptr.hpp"
#include "socketio.hpp"

namespace sio::client {

const char* to_string(ClientError error) {
  switch (error) {
    case ClientError::BadUrl: return "bad-url";
    case ClientError::Unreachable: return "unreachable";
    case ClientError::TlsFailure: return "tls-failure";
    case ClientError::HandshakeFailed: return "handshake-failed";
    case ClientError::ConnectRefused: return "connect-refused";
    case ClientError::ServerClosed: return "server-closed";
    case ClientError::PingTimeout: return "ping-timeout";
    case ClientError::ProtocolError: return "protocol-error";
  }
  return "unknown";
}

namespace {

using glib::GErrorPtr;
using glib::GObjectPtr;

// A server may send messages larger than its own maxPayload (that limit is on what it accepts);
// libsoup's default cap (128 KiB) could cut a large SDP. Still bounded, so a broken server cannot
// make us buffer without limit.
constexpr guint64 kMaxIncomingMessage = 16 * 1024 * 1024;


// Runs `body` and stops any exception there: none may cross a GLib callback.
template <class F>
void guarded(const char* where, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    g_critical("exception in %s: %s", where, e.what());
  } catch (...) {
    g_critical("unknown exception in %s", where);
  }
}

bool is_unreachable(const GError* error) {
  if (error->domain == G_RESOLVER_ERROR) return true;
  if (error->domain != G_IO_ERROR) return false;
  switch (error->code) {
    case G_IO_ERROR_CONNECTION_REFUSED:
    case G_IO_ERROR_TIMED_OUT:
    case G_IO_ERROR_HOST_NOT_FOUND:
    case G_IO_ERROR_HOST_UNREACHABLE:
    case G_IO_ERROR_NETWORK_UNREACHABLE:
    case G_IO_ERROR_PROXY_FAILED:
    case G_IO_ERROR_PROXY_NOT_ALLOWED:
    case G_IO_ERROR_PROXY_NEED_AUTH:
    case G_IO_ERROR_PROXY_AUTH_FAILED:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Everything lives here, shared-owned: GLib trampolines hold a reference while they run, so a
// callback that destroys the Client does not free the state under the running code.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(GMainContext* context, ClientConfig config, ClientCallbacks callbacks)
      : context_(g_main_context_ref(context)),
        config_(std::move(config)),
        callbacks_(std::move(callbacks)) {
    if (config_.nsp.empty()) config_.nsp = "/";
  }
  ~Connection() {
    glib::ThreadDefaultContext scope(context_.get());
    teardown(false);
  }

  bool connect(std::string& error_message);
  bool emit(json::Value args, std::function<void(const json::Value&)> ack);
  void close();

  bool is_connected() const { return state_ == State::Connected; }
  const std::string& socket_id() const { return socket_id_; }

 private:
  using GSourcePtr = glib::GSourcePtr;
  enum class State { Idle, Connecting, Opening, Joining, Connected, Failed, Closed };
  struct Outgoing {
    json::Value args;
    std::function<void(const json::Value&)> ack;
  };

  static void on_websocket_connected(GObject* source, GAsyncResult* result, gpointer data);
  static gboolean on_accept_certificate(SoupMessage*, GTlsCertificate*, GTlsCertificateFlags, gpointer);
  static void on_message(SoupWebsocketConnection*, gint type, GBytes* bytes, gpointer data);
  static void on_closed(SoupWebsocketConnection* ws, gpointer data);
  static void on_error(SoupWebsocketConnection*, GError* error, gpointer data);
  static gboolean on_connect_timeout(gpointer data);
  static gboolean on_ping_timeout(gpointer data);

  void websocket_connected(GObjectPtr<SoupWebsocketConnection> ws, GErrorPtr error);
  void handle_engineio(const engineio::Packet& packet);
  void handle_socketio(socketio::Packet packet);
  void joined(std::string sid);

  bool send_event(json::Value args, std::function<void(const json::Value&)> ack);
  bool send_socketio(const socketio::Packet& packet);
  void send_engineio_text(const std::string& text);
  void reset_ping_timer();
  GSourcePtr start_timer(uint32_t ms, GSourceFunc func);
  static void stop_timer(GSourcePtr& timer);

  // The end of a connection that did not come from close(): tears down, then calls `failed` once.
  void fail(ClientError error, const std::string& message);
  // Cancels, stops every timer and signal handler, closes the WebSocket (politely when
  // `graceful`: Socket.IO DISCONNECT and Engine.IO close first) and drops queued work.
  void teardown(bool graceful);

  glib::GMainContextPtr context_;
  ClientConfig config_;
  ClientCallbacks callbacks_;
  State state_ = State::Idle;
  std::string ws_url_;
  json::Value auth_;  // parsed auth_json; null when none

  GObjectPtr<SoupSession> session_;
  GObjectPtr<SoupMessage> upgrade_message_;
  GObjectPtr<GCancellable> cancellable_;
  GObjectPtr<SoupWebsocketConnection> ws_;
  GSourcePtr connect_timer_;
  GSourcePtr ping_timer_;

  engineio::Handshake handshake_;
  socketio::Decoder decoder_;
  std::string socket_id_;
  std::vector<Outgoing> queued_;  // emit() before Connected
  std::map<uint64_t, std::function<void(const json::Value&)>> acks_;
  uint64_t next_ack_id_ = 0;
};

bool Connection::connect(std::string& error_message) {
  if (state_ != State::Idle) {
    error_message = "connect() was already called";
    return false;
  }
  if (!websocket_url(config_.server_url, ws_url_, error_message)) {
    error_message = "invalid server URL: " + error_message;
    return false;
  }
  if (config_.nsp[0] != '/' || config_.nsp.find(',') != std::string::npos) {
    error_message = "namespace must start with '/' and hold no ',': " + config_.nsp;
    return false;
  }
  if (!config_.auth_json.empty()) {
    Result<json::Value> auth = json::parse(config_.auth_json);
    if (!auth) {
      error_message = "auth is not valid JSON: " + auth.error().reason;
      return false;
    }
    if (!auth->is_object()) {
      error_message = "auth must be a JSON object";
      return false;
    }
    auth_ = std::move(auth.value());
  }

  {
    // libsoup re-attaches its I/O sources to the thread-default context from inside its own
    // callbacks, so the caller must have pushed `context`; without it the connection stalls.
    glib::GMainContextPtr current(g_main_context_ref_thread_default());
    if (current.get() != context_.get()) {
      g_warning("sio::client::Client: `context` is not the thread-default context of the calling thread");
    }
  }
  glib::ThreadDefaultContext scope(context_.get());
  // Created with `context` as thread-default: the session belongs to it (libsoup 3).
  session_ = glib::adopt(soup_session_new());
  upgrade_message_ = glib::adopt(soup_message_new("GET", ws_url_.c_str()));
  if (!upgrade_message_) {  // g_uri_join output that libsoup still refuses: treat as a bad URL
    session_.reset();
    error_message = "invalid server URL: " + config_.server_url;
    return false;
  }
  if (!config_.tls_validation) {
    g_signal_connect(upgrade_message_.get(), "accept-certificate", G_CALLBACK(on_accept_certificate), this);
  }
  cancellable_ = glib::adopt(g_cancellable_new());
  state_ = State::Connecting;
  if (config_.connect_timeout_ms > 0) connect_timer_ = start_timer(config_.connect_timeout_ms, on_connect_timeout);
  g_debug("connecting to %s", ws_url_.c_str());
  // The callback runs even after cancellation; it gets a weak reference so that it can tell.
  auto* weak = new std::weak_ptr<Connection>(weak_from_this());
  soup_session_websocket_connect_async(session_.get(), upgrade_message_.get(), nullptr, nullptr,
                                       G_PRIORITY_DEFAULT, cancellable_.get(), on_websocket_connected, weak);
  return true;
}

void Connection::on_websocket_connected(GObject* source, GAsyncResult* result, gpointer data) {
  std::unique_ptr<std::weak_ptr<Connection>> weak(static_cast<std::weak_ptr<Connection>*>(data));
  GErrorPtr error;
  GObjectPtr<SoupWebsocketConnection> ws(
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, glib::GErrorOut(error)));
  std::shared_ptr<Connection> self = weak->lock();
  if (!self) return;  // closed meanwhile; `ws` (if any) is closed by its unref
  guarded("websocket connect callback", [&] { self->websocket_connected(std::move(ws), std::move(error)); });
}

gboolean Connection::on_accept_certificate(SoupMessage*, GTlsCertificate*, GTlsCertificateFlags, gpointer) {
  return TRUE;  // tls_validation=false: the user asked to trust a self-signed server
}

void Connection::websocket_connected(GObjectPtr<SoupWebsocketConnection> ws, GErrorPtr error) {
  if (state_ != State::Connecting) return;
  if (!ws) {
    const guint status = upgrade_message_ ? soup_message_get_status(upgrade_message_.get()) : 0;
    const std::string reason = error ? error->message : "unknown error";
    if (error && error->domain == G_TLS_ERROR) {
      fail(ClientError::TlsFailure, reason);
    } else if (error && error->domain == SOUP_WEBSOCKET_ERROR) {
      fail(ClientError::HandshakeFailed, "HTTP " + std::to_string(status) + ": " + reason);
    } else if (error && is_unreachable(error.get())) {
      fail(ClientError::Unreachable, reason);
    } else if (status != 0 && status != SOUP_STATUS_SWITCHING_PROTOCOLS) {
      fail(ClientError::HandshakeFailed, "HTTP " + std::to_string(status) + ": " + reason);
    } else {
      fail(ClientError::Unreachable, reason);
    }
    return;
  }
  ws_ = std::move(ws);
  soup_websocket_connection_set_max_incoming_payload_size(ws_.get(), kMaxIncomingMessage);
  // Engine.IO has its own heartbeat; libsoup's keepalive stays off (0, its default).
  g_signal_connect(ws_.get(), "message", G_CALLBACK(on_message), this);
  g_signal_connect(ws_.get(), "closed", G_CALLBACK(on_closed), this);
  g_signal_connect(ws_.get(), "error", G_CALLBACK(on_error), this);
  state_ = State::Opening;
  g_debug("WebSocket open, waiting for the Engine.IO open packet");
}

void Connection::on_message(SoupWebsocketConnection*, gint type, GBytes* bytes, gpointer data) {
  std::shared_ptr<Connection> self = static_cast<Connection*>(data)->shared_from_this();
  guarded("message handler", [&] {
    glib::ThreadDefaultContext scope(self->context_.get());
    gsize size = 0;
    const char* bytes_data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    std::string_view frame(bytes_data ? bytes_data : "", size);
    if (type == SOUP_WEBSOCKET_DATA_BINARY) {
      self->handle_engineio(engineio::decode_binary(frame));
      return;
    }
    Result<engineio::Packet> packet = engineio::decode_text(frame);
    if (!packet) {
      // Before the open packet, garbage means we are not talking to Engine.IO at all.
      const ClientError error = self->state_ == State::Opening ? ClientError::HandshakeFailed : ClientError::ProtocolError;
      self->fail(error, "undecodable Engine.IO packet: " + packet.error().reason);
      return;
    }
    self->handle_engineio(packet.value());
  });
}

void Connection::handle_engineio(const engineio::Packet& packet) {
  using engineio::PacketType;
  if (state_ == State::Opening) {
    // Engine.IO v4: the server's first packet on a new WebSocket session is the open packet.
    if (packet.type != PacketType::Open || packet.binary) {
      fail(ClientError::HandshakeFailed, "not an Engine.IO v4 server: the first message is not an open packet");
      return;
    }
    Result<engineio::Handshake> handshake = engineio::decode_handshake(packet.data);
    if (!handshake) {
      fail(ClientError::HandshakeFailed, "bad Engine.IO open packet: " + handshake.error().reason);
      return;
    }
    handshake_ = handshake.value();
    g_debug("Engine.IO open: sid %s, pingInterval %u ms, pingTimeout %u ms, maxPayload %" G_GUINT64_FORMAT,
            handshake_.sid.c_str(), handshake_.ping_interval_ms, handshake_.ping_timeout_ms, handshake_.max_payload);
    reset_ping_timer();
    state_ = State::Joining;
    socketio::Packet connect;
    connect.type = socketio::PacketType::Connect;
    connect.nsp = config_.nsp;
    if (!auth_.is_null()) connect.data = auth_;
    send_socketio(connect);
    return;
  }
  switch (packet.type) {
    case PacketType::Open:
      fail(ClientError::ProtocolError, "a second Engine.IO open packet");
      return;
    case PacketType::Close:
      fail(ClientError::ServerClosed, "the server closed the Engine.IO session");
      return;
    case PacketType::Ping:
      // Engine.IO v4: the server pings, the client answers with a pong carrying the same data.
      // Like socket.io-client, only pings (and the open) rearm the heartbeat timer.
      reset_ping_timer();
      send_engineio_text(engineio::encode_text({PacketType::Pong, packet.data, false}));
      return;
    case PacketType::Pong:
    case PacketType::Upgrade:
    case PacketType::Noop:
      return;
    case PacketType::Message: {
      Result<std::optional<socketio::Packet>> decoded =
          packet.binary ? decoder_.feed_binary(packet.data) : decoder_.feed_text(packet.data);
      if (!decoded) {
        fail(ClientError::ProtocolError, "undecodable Socket.IO packet: " + decoded.error().reason);
        return;
      }
      if (decoded.value()) handle_socketio(std::move(*decoded.value()));
      return;
    }
  }
}

void Connection::handle_socketio(socketio::Packet packet) {
  using socketio::PacketType;
  if (packet.nsp != config_.nsp) {
    g_debug("ignoring a packet for namespace %s", packet.nsp.c_str());
    return;
  }
  switch (packet.type) {
    case PacketType::Connect: {
      if (state_ != State::Joining) {
        fail(ClientError::ProtocolError, "an unexpected Socket.IO CONNECT");
        return;
      }
      const json::Value* sid = packet.data ? packet.data->find("sid") : nullptr;
      if (!sid || !sid->is_string() || sid->as_string().empty()) {
        fail(ClientError::ProtocolError, "Socket.IO CONNECT without a sid");
        return;
      }
      joined(sid->as_string());
      return;
    }
    case PacketType::ConnectError: {
      std::string message = "connection refused";
      if (packet.data && packet.data->is_string()) {
        message = packet.data->as_string();
      } else if (const json::Value* m = packet.data ? packet.data->find("message") : nullptr; m && m->is_string()) {
        message = m->as_string();
      } else if (packet.data) {
        message = json::serialize(*packet.data);
      }
      fail(ClientError::ConnectRefused, message);
      return;
    }
    case PacketType::Disconnect:
      fail(ClientError::ServerClosed, "the server disconnected us from namespace " + config_.nsp);
      return;
    case PacketType::Event:
    case PacketType::BinaryEvent:
      if (state_ != State::Connected) {
        fail(ClientError::ProtocolError, "a Socket.IO EVENT before the CONNECT was accepted");
        return;
      }
      if (packet.ack_id) g_debug("the server asked for an ack of an event; acks to the server are not supported");
      if (auto event = callbacks_.event) event(*packet.data);  // a copy, as in joined()
      return;
    case PacketType::Ack:
    case PacketType::BinaryAck: {
      auto it = packet.ack_id ? acks_.find(*packet.ack_id) : acks_.end();
      if (it == acks_.end()) {
        g_debug("ignoring an ACK with an unknown id");
        return;
      }
      auto ack = std::move(it->second);
      acks_.erase(it);
      if (ack) ack(*packet.data);
      return;
    }
  }
}

void Connection::joined(std::string sid) {
  socket_id_ = std::move(sid);
  state_ = State::Connected;
  stop_timer(connect_timer_);
  g_debug("Socket.IO connected as %s", socket_id_.c_str());
  // Queued events go first, in order, so they precede anything `connected` emits.
  std::vector<Outgoing> queued = std::move(queued_);
  queued_.clear();
  for (Outgoing& out : queued) {
    if (state_ != State::Connected) return;
    send_event(std::move(out.args), std::move(out.ack));
  }
  // A copy: the callback may close(), which clears callbacks_ while this one runs.
  auto connected = callbacks_.connected;
  if (state_ == State::Connected && connected) connected(socket_id_);
}

bool Connection::emit(json::Value args, std::function<void(const json::Value&)> ack) {
  if (state_ == State::Failed || state_ == State::Closed) return false;
  socketio::Packet probe;
  probe.type = socketio::PacketType::Event;
  probe.nsp = config_.nsp;
  probe.data = std::move(args);
  if (!socketio::payload_valid(probe)) {
    g_warning("emit: not a valid Socket.IO event (a non-empty array starting with a name)");
    return false;
  }
  if (state_ != State::Connected) {
    queued_.push_back({std::move(*probe.data), std::move(ack)});
    return true;
  }
  glib::ThreadDefaultContext scope(context_.get());
  return send_event(std::move(*probe.data), std::move(ack));
}

bool Connection::send_event(json::Value args, std::function<void(const json::Value&)> ack) {
  socketio::Packet packet;
  packet.type = socketio::PacketType::Event;
  packet.nsp = config_.nsp;
  packet.data = std::move(args);
  if (ack) packet.ack_id = next_ack_id_++;
  if (!send_socketio(packet)) return false;
  if (ack) acks_.emplace(*packet.ack_id, std::move(ack));
  return true;
}

bool Connection::send_socketio(const socketio::Packet& packet) {
  if (!ws_ || soup_websocket_connection_get_state(ws_.get()) != SOUP_WEBSOCKET_STATE_OPEN) return false;
  socketio::Encoded encoded = socketio::encode(packet);
  const std::string text = engineio::encode_text({engineio::PacketType::Message, encoded.text, false});
  // The server closes a connection whose message exceeds its maxPayload; refusing here keeps the
  // connection and tells the caller.
  bool too_large = text.size() > handshake_.max_payload;
  for (const std::string& attachment : encoded.attachments) too_large = too_large || attachment.size() > handshake_.max_payload;
  if (too_large) {
    g_warning("dropping a Socket.IO packet larger than the server's maxPayload (%" G_GUINT64_FORMAT " bytes)",
              handshake_.max_payload);
    return false;
  }
  send_engineio_text(text);
  for (const std::string& attachment : encoded.attachments) {
    soup_websocket_connection_send_binary(ws_.get(), attachment.data(), attachment.size());
  }
  return true;
}

void Connection::send_engineio_text(const std::string& text) {
  if (!ws_ || soup_websocket_connection_get_state(ws_.get()) != SOUP_WEBSOCKET_STATE_OPEN) return;
  soup_websocket_connection_send_text(ws_.get(), text.c_str());
}

void Connection::on_closed(SoupWebsocketConnection* ws, gpointer data) {
  std::shared_ptr<Connection> self = static_cast<Connection*>(data)->shared_from_this();
  guarded("closed handler", [&] {
    glib::ThreadDefaultContext scope(self->context_.get());
    const gushort code = soup_websocket_connection_get_close_code(ws);
    const char* reason = soup_websocket_connection_get_close_data(ws);
    std::string message = "the WebSocket was closed (code " + std::to_string(code);
    if (reason && *reason) message += std::string(", ") + reason;
    self->fail(ClientError::ServerClosed, message + ")");
  });
}

void Connection::on_error(SoupWebsocketConnection*, GError* error, gpointer data) {
  std::shared_ptr<Connection> self = static_cast<Connection*>(data)->shared_from_this();
  guarded("error handler", [&] {
    glib::ThreadDefaultContext scope(self->context_.get());
    self->fail(ClientError::ServerClosed, std::string("WebSocket error: ") + (error ? error->message : "unknown"));
  });
}

gboolean Connection::on_connect_timeout(gpointer data) {
  std::shared_ptr<Connection> self = static_cast<Connection*>(data)->shared_from_this();
  guarded("connect timeout", [&] {
    glib::ThreadDefaultContext scope(self->context_.get());
    const std::string after = " after " + std::to_string(self->config_.connect_timeout_ms) + " ms";
    if (self->state_ == State::Connecting) {
      self->fail(ClientError::Unreachable, "timed out connecting to " + self->ws_url_ + after);
    } else if (self->state_ == State::Opening) {
      self->fail(ClientError::HandshakeFailed, "no Engine.IO open packet" + after);
    } else {
      self->fail(ClientError::HandshakeFailed, "the Socket.IO CONNECT was not answered" + after);
    }
  });
  return G_SOURCE_REMOVE;  // fail() destroyed the source already; removing is harmless
}

gboolean Connection::on_ping_timeout(gpointer data) {
  std::shared_ptr<Connection> self = static_cast<Connection*>(data)->shared_from_this();
  guarded("ping timeout", [&] {
    glib::ThreadDefaultContext scope(self->context_.get());
    self->fail(ClientError::PingTimeout,
               "no ping from the server within pingInterval + pingTimeout (" +
                   std::to_string(uint64_t{self->handshake_.ping_interval_ms} + self->handshake_.ping_timeout_ms) + " ms)");
  });
  return G_SOURCE_REMOVE;
}

void Connection::reset_ping_timer() {
  stop_timer(ping_timer_);
  const uint64_t ms = uint64_t{handshake_.ping_interval_ms} + handshake_.ping_timeout_ms;
  ping_timer_ = start_timer(static_cast<uint32_t>(std::min<uint64_t>(ms, G_MAXUINT32)), on_ping_timeout);
}

glib::GSourcePtr Connection::start_timer(uint32_t ms, GSourceFunc func) {
  GSourcePtr source(g_timeout_source_new(ms));
  g_source_set_callback(source.get(), func, this, nullptr);
  g_source_attach(source.get(), context_.get());
  return source;
}

// GSourcePtr only unrefs; an attached source must be destroyed to stop it.
void Connection::stop_timer(GSourcePtr& timer) {
  if (timer) g_source_destroy(timer.get());
  timer.reset();
}

void Connection::fail(ClientError error, const std::string& message) {
  if (state_ == State::Failed || state_ == State::Closed) return;
  std::shared_ptr<Connection> self = shared_from_this();  // `failed` may destroy the Client
  g_debug("connection failed (%s): %s", to_string(error), message.c_str());
  teardown(false);
  state_ = State::Failed;
  auto failed = std::move(callbacks_.failed);
  callbacks_ = {};  // nothing else is ever called
  if (failed) failed(error, message);
}

void Connection::close() {
  if (state_ == State::Closed) return;
  glib::ThreadDefaultContext scope(context_.get());
  teardown(state_ != State::Failed);
  state_ = State::Closed;
  callbacks_ = {};
}

void Connection::teardown(bool graceful) {
  stop_timer(connect_timer_);
  stop_timer(ping_timer_);
  if (cancellable_) g_cancellable_cancel(cancellable_.get());
  cancellable_.reset();
  if (upgrade_message_) g_signal_handlers_disconnect_by_data(upgrade_message_.get(), this);
  upgrade_message_.reset();
  if (ws_) {
    g_signal_handlers_disconnect_by_data(ws_.get(), this);
    if (soup_websocket_connection_get_state(ws_.get()) == SOUP_WEBSOCKET_STATE_OPEN) {
      if (graceful) {
        if (state_ == State::Connected) {
          socketio::Packet disconnect;
          disconnect.type = socketio::PacketType::Disconnect;
          disconnect.nsp = config_.nsp;
          send_socketio(disconnect);
        }
        send_engineio_text(engineio::encode_text({engineio::PacketType::Close, "", false}));
      }
      soup_websocket_connection_close(ws_.get(), SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    }
    // libsoup keeps its own reference until the socket is closed (on `context`).
    ws_.reset();
  }
  if (session_) soup_session_abort(session_.get());
  session_.reset();
  queued_.clear();
  acks_.clear();
  decoder_ = socketio::Decoder();
}

struct Client::Impl {
  std::shared_ptr<Connection> connection;
};

Client::Client(GMainContext* context, ClientConfig config, ClientCallbacks callbacks)
    : impl_(std::make_unique<Impl>()) {
  impl_->connection = std::make_shared<Connection>(context, std::move(config), std::move(callbacks));
}

Client::~Client() {
  impl_->connection->close();
}

bool Client::connect(std::string& error_message) { return impl_->connection->connect(error_message); }

bool Client::emit(json::Value args, std::function<void(const json::Value& ack_args)> ack) {
  return impl_->connection->emit(std::move(args), std::move(ack));
}

void Client::close() { impl_->connection->close(); }

bool Client::is_connected() const { return impl_->connection->is_connected(); }

const std::string& Client::socket_id() const { return impl_->connection->socket_id(); }

}  // namespace sio::client
