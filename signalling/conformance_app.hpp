// --conformance: the handlers the official protocol test suites expect
// (../shared/conformance/README.md). Socket.IO at /socket.io/: "/" and "/custom" emit `auth` with
// the CONNECT payload, `message` is answered with `message-back` and the same arguments,
// `message-with-ack` is acknowledged with its arguments. Engine.IO at /engine.io/: echo.
#pragma once

#include <deque>
#include <string_view>

#include "eio_session.hpp"
#include "server_context.hpp"
#include "sio_app.hpp"
#include "timer.hpp"

namespace sio::signalling {

class ConformanceApp : public SioApp {
 public:
  explicit ConformanceApp(ServerContext& server);

  bool has_namespace(std::string_view nsp) const override { return nsp == "/" || nsp == "/custom"; }
  void on_connect(SioSocket& socket, const json::Value& auth) override;
  void on_event(SioSocket& socket, socketio::Packet& packet) override;
  void on_disconnect(SioSocket& socket, const char* reason) override;

 private:
  static void on_auth_timer(void* self);

  // The suite reads the CONNECT reply and `auth` with two successive one-shot listeners on a `ws`
  // client that emits every frame of one TCP read synchronously: frames arriving together lose
  // the second. engine.io's send-callback pacing usually separates them; we delay `auth` a little.
  struct PendingAuth {
    SioSocket* socket;
    json::Value auth;
    gint64 due_us;
  };
  std::deque<PendingAuth> pending_auth_;
  Timer auth_timer_;
};

// Every message goes back as it came (text or binary).
class EchoHandler : public EioSessionHandler {
 public:
  explicit EchoHandler(EioSession& session) : session_(session) {}
  void on_message(std::string_view data, bool binary) override;
  void on_close(const char*) override {}

 private:
  EioSession& session_;
};

}  // namespace sio::signalling
