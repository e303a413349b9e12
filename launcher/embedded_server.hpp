// The signalling server inside sio-webrtc: the same library as sio-signalling (signalling/),
// running on the launcher's main context, plus what to tell the user (URLs, the page to open).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "options.hpp"
#include "server.hpp"

namespace sio::launcher {

struct EmbeddedServer {
  std::unique_ptr<signalling::Server> server;
  std::vector<std::string> urls;       // http(s)://host:port/ per listening address
  std::vector<std::string> lan_urls;   // --dev-tls: https URLs for other devices
  std::string element_url;             // what our own socketiosignaller connects to
  bool self_signed = false;            // element_url needs tls-validation=false
};

// Starts the server on the thread-default main context. false + `error` on failure (port in
// use, certificate...).
bool start_embedded_server(const LaunchOptions& options, EmbeddedServer& out, std::string& error);

// The bundled page that makes the other end of this launch, e.g. "receiver.html" for
// --mode=send in the classic dialect, and what the user does with it.
struct PageHint {
  std::string path;
  std::string action;
};
PageHint page_to_open(const LaunchOptions& options);

}  // namespace sio::launcher
