// The course chapter's signalling application (its Node server, as a SioApp): `clients` holds the
// ids of the sockets in "/" in connection order and is broadcast after every connect and
// disconnect (an entry carries the stableId its client sent in the auth, see chapter.hpp); peerOffer/peerAnswer/peerIce/signal are relayed to the socket whose id is their
// first argument, with the sender's id appended. Everything else is ignored.
// The broadcast goes out once per main-loop iteration however many sockets came and went in it
// (every socket still gets the final list; a new socket's list contains it), encoded once and
// shared by every WebSocket's queue: the chapter's broadcast is O(N^2) per connect storm.
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
  explicit ChapterApp(ServerContext& server);

  bool has_namespace(std::string_view nsp) const override { return nsp == "/"; }
  void on_connect(SioSocket& socket, const json::Value& auth) override;
  void on_event(SioSocket& socket, socketio::Packet& packet) override;
  void on_disconnect(SioSocket& socket, const char* reason) override;
  bool on_splice(SioSocket& socket, const fast_relay::Splice& splice) override;

 private:
  void broadcast_clients();
  void flush_clients();  // LoopTail hook

  ServerContext& server_;
  // Connection order, as the keys of the chapter's `clients` object.
  std::vector<std::string> ids_;
  std::vector<SioSocket*> sockets_;  // parallel to ids_
  // Parallel to ids_: the stableId each sent in its auth ("" = none), listed in `clients` so that
  // peers in a call can tell who is who after a restart gave everyone new socket ids.
  std::vector<std::string> stable_ids_;
  std::unordered_map<std::string_view, SioSocket*> by_id_;  // keys view SioSocket::id
  bool clients_changed_ = false;
  std::string splice_buffer_;  // reused by on_splice
};

}  // namespace sio::signalling
