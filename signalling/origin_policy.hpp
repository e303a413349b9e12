// Which web pages may use the server (--allowed-origins): a browser says in the Origin header
// which site's page opens a WebSocket or polls, and a WebSocket is not held back by CORS, so any
// page on the web could join a LAN camera's calls through a visitor's browser. Checked on every
// /socket.io/ request; a refused one gets 403. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sio::signalling {

struct OriginDecision {
  bool allowed = true;
  std::string cors;  // Access-Control-Allow-Origin to send ("" = none)
};

// `origin`: the Origin header (nullptr when absent: native clients, which are allowed);
// `host`: the Host header; `allowed`: --allowed-origins (empty: same origin and loopback pages);
// `cors_origin`: --cors-origin, which without --allowed-origins also says who is allowed ("*":
// everyone).
OriginDecision decide_origin(const char* origin, const char* host, const std::vector<std::string>& allowed,
                             const std::string& cors_origin);

// "https://a.example,http://b.example:8080" -> the list; "" + false on a malformed entry.
bool parse_origin_list(std::string_view text, std::vector<std::string>& out, std::string& error);

}  // namespace sio::signalling
