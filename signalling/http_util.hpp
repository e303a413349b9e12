// Small HTTP helpers shared by the router and the Engine.IO endpoints.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "engineio.hpp"

namespace sio::signalling::http {

void respond_text(SoupServerMessage* msg, guint status, const char* content_type, std::string_view body);

// engine.io's abortRequest: 400 (403 for Forbidden) with {"code":N,"message":"..."}.
void respond_engineio_error(SoupServerMessage* msg, engineio::ServerError error);

// Request bodies are bounded while they arrive (libsoup would buffer any size): called from the
// early handler, stops accumulating a body once it passes `limit` and marks the message.
void limit_request_body(SoupServerMessage* msg, uint64_t limit);
bool body_too_large(SoupServerMessage* msg);

// engine.io's `cors` option (the `cors` package): headers on every Engine.IO response; true when
// the request was a preflight, already answered 204.
bool apply_cors(SoupServerMessage* msg, const std::string& origin);

bool is_websocket_upgrade(SoupServerMessage* msg);

}  // namespace sio::signalling::http
