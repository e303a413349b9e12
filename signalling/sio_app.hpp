// The Socket.IO v5 layer as seen by an application (the chapter's relay, or the conformance test
// app): sockets in namespaces, events in, packets out.
#pragma once

#include <string>
#include <string_view>

#include "json.hpp"
#include "relay_fast_path.hpp"
#include "socketio.hpp"

namespace sio::signalling {

class SioConnection;

// One Socket.IO socket: a namespace joined over one Engine.IO session.
struct SioSocket {
  std::string id;   // the socket id sent in CONNECT ({"sid": id}), not the Engine.IO sid
  std::string nsp;
  SioConnection* connection = nullptr;

  // Encodes once and sends (binary values become attachments).
  void send(const socketio::Packet& packet) const;
  void emit(json::Value args) const;  // EVENT in this socket's namespace
  void ack(uint64_t ack_id, json::Value args) const;
  // An already encoded Engine.IO text packet ("42[...]"), e.g. one broadcast built once.
  void send_encoded(std::string_view engineio_packet) const;
};

class SioApp {
 public:
  virtual ~SioApp() = default;
  virtual bool has_namespace(std::string_view nsp) const = 0;
  // After the CONNECT reply went out. `auth` is the CONNECT payload ({} when absent).
  virtual void on_connect(SioSocket& socket, const json::Value& auth) = 0;
  // EVENT / BINARY_EVENT with attachments in place; packet.data is a non-empty array.
  virtual void on_event(SioSocket& socket, socketio::Packet& packet) = 0;
  virtual void on_disconnect(SioSocket& socket, const char* reason) = 0;
  // A relayed event in canonical form (relay_fast_path.hpp), on "/". Returning false hands it
  // to the general path (decode, on_event).
  virtual bool on_splice(SioSocket&, const fast_relay::Splice&) { return false; }
};

}  // namespace sio::signalling
