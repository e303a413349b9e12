// The course chapter's signalling application (its Node server, as a SioApp): `clients` holds the
// ids of the sockets in "/" in connection order and is broadcast after every connect and
// disconnect; peerOffer/peerAnswer/peerIce/signal are relayed to the socket whose id is their
// first argument, with the sender's id appended. Everything else is ignored.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server_context.hpp"
#include "sio_app.hpp"

namespace sio::signalling {

class ChapterApp : public SioApp {
 public:
  explicit ChapterApp(ServerContext& server) : server_(server) {}

  bool has_namespace(std::string_view nsp) const override { return nsp == "/"; }
  void on_connect(SioSocket& socket, const json::Value& auth) override;
  void on_event(SioSocket& socket, socketio::Packet& packet) override;
  void on_disconnect(SioSocket& socket, const char* reason) override;

 private:
  void broadcast_clients();

  ServerContext& server_;
  // Connection order, as the keys of the chapter's `clients` object.
  std::vector<std::string> ids_;
  std::vector<SioSocket*> sockets_;  // parallel to ids_
  std::unordered_map<std::string_view, SioSocket*> by_id_;  // keys view SioSocket::id
};

}  // namespace sio::signalling
