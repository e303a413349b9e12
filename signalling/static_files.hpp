// Static files, as express.static + socket.io's client serving do: the public folder at "/",
// /socket.io/socket.io.js (+ .min.js, .esm.min.js and their .map) from socket.io-client's dist/,
// and /vendor/simplepeer.min.js from the simple-peer package, so the pages work offline.
#pragma once

#include <libsoup/soup.h>

#include <string>

#include "web_files.hpp"

namespace sio::signalling {

class StaticFiles {
 public:
  explicit StaticFiles(const WebFiles& files);
  // Serves GET/HEAD for `path`; returns false when the path is not a static file it knows
  // (the caller answers 404). Never serves outside the configured folders ("..", symlinks out).
  bool serve(SoupServerMessage* msg, const char* path) const;
  // /socket.io/socket.io.js and friends (the Socket.IO handler asks first).
  bool is_client_script(const char* path) const;

  const std::string& public_dir() const { return public_dir_; }

 private:
  std::string public_dir_;
  std::string client_dist_dir_;
  std::string simple_peer_file_;
};

}  // namespace sio::signalling
