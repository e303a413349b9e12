// The signalling server's URL, as the element's server-url, the launcher's --server and the
// client take it: http(s)://host[:port][/] (the Socket.IO path /socket.io/ may be spelled out).
// One parser for all three, so a URL the launcher or the element accepts is one the client can use.
#pragma once

#include <string>

namespace sio::client {

// The WebSocket URL of the server's Engine.IO endpoint (ws(s)://host:port/socket.io/?EIO=4&
// transport=websocket). False with `error` saying what is wrong with `server_url`.
bool websocket_url(const std::string& server_url, std::string& ws_url, std::string& error);

// "" when `server_url` is usable, else what is wrong with it.
std::string server_url_problem(const std::string& server_url);

}  // namespace sio::client
