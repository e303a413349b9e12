// The Socket.IO side of one Engine.IO session (socket.io's Client): decodes packets (binary
// reassembly included), connects namespaces, enforces the connect timeout, dispatches events to
// the application.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "eio_session.hpp"
#include "server_context.hpp"
#include "sio_app.hpp"
#include "socketio.hpp"
#include "timer.hpp"

namespace sio::signalling {

class SioConnection : public EioSessionHandler {
 public:
  SioConnection(EioSession& session, SioApp& app, ServerContext& server);
  ~SioConnection() override;

  void on_message(std::string_view data, bool binary) override;
  void on_close(const char* reason) override;

  EioSession& session() { return session_; }
  // Sends a Socket.IO packet: one text message plus one binary message per attachment.
  void send(const socketio::Packet& packet);
  void send_encoded(std::string_view engineio_packet) { session_.send_text_packet(engineio_packet); }

 private:
  void dispatch(socketio::Packet& packet);
  void connect(socketio::Packet& packet);
  void bad_input(const char* what);
  SioSocket* find(std::string_view nsp);
  static void on_connect_timeout(void* self);

  EioSession& session_;
  SioApp& app_;
  ServerContext& server_;
  socketio::Decoder decoder_;
  std::vector<std::unique_ptr<SioSocket>> sockets_;  // usually one: "/"
  Timer connect_timer_;
};

}  // namespace sio::signalling
