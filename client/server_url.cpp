#include "server_url.hpp"

#include <glib.h>

#include <memory>

#include "gobject_ptr.hpp"

namespace sio::client {

using glib::GErrorPtr;

// http(s)://host[:port][/] -> ws(s)://host:port/socket.io/?EIO=4&transport=websocket
bool websocket_url(const std::string& server_url, std::string& ws_url, std::string& error) {
  GErrorPtr parse_error;
  GUri* raw = g_uri_parse(server_url.c_str(), G_URI_FLAGS_NONE, glib::GErrorOut(parse_error));
  if (!raw) {
    error = "not a URL: " + std::string(parse_error ? parse_error->message : server_url);
    return false;
  }
  std::unique_ptr<GUri, decltype(&g_uri_unref)> uri(raw, &g_uri_unref);
  const char* scheme = g_uri_get_scheme(uri.get());
  bool tls;
  if (g_ascii_strcasecmp(scheme, "http") == 0) {
    tls = false;
  } else if (g_ascii_strcasecmp(scheme, "https") == 0) {
    tls = true;
  } else {
    error = "scheme must be http or https, not " + std::string(scheme);
    return false;
  }
  const char* host = g_uri_get_host(uri.get());
  if (!host || !*host) {
    error = "no host in " + server_url;
    return false;
  }
  // The Socket.IO path is fixed (/socket.io/); a path in socket.io-client's URL would name a
  // namespace, which is ClientConfig::nsp here, so anything else is refused rather than guessed.
  std::string path = g_uri_get_path(uri.get());
  if (!path.empty() && path != "/" && path != "/socket.io" && path != "/socket.io/") {
    error = "unexpected path " + path + " (the Socket.IO path is always /socket.io/)";
    return false;
  }
  if (g_uri_get_query(uri.get()) || g_uri_get_fragment(uri.get())) {
    error = "a query or fragment is not allowed in " + server_url;
    return false;
  }
  int port = g_uri_get_port(uri.get());
  if (port <= 0) port = tls ? 443 : 80;
  // g_uri_join brackets IPv6 literals.
  glib::GCharPtr joined(g_uri_join(G_URI_FLAGS_NONE, tls ? "wss" : "ws", nullptr, host, port,
                                   "/socket.io/", "EIO=4&transport=websocket", nullptr));
  ws_url = joined.get();
  return true;
}

std::string server_url_problem(const std::string& server_url) {
  if (server_url.empty()) return "no URL";
  std::string ws_url;
  std::string error;
  return websocket_url(server_url, ws_url, error) ? std::string() : error;
}

}  // namespace sio::client
