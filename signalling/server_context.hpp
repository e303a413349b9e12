// State shared by every part of one running Server (endpoints, sessions, applications).
// Everything runs on `main_context`; nothing here is locked.
#pragma once

#include <glib.h>

#include "auth_tokens.hpp"
#include "config.hpp"
#include "server.hpp"

namespace sio::signalling {

class LoopTail;

struct ServerContext {
  ServerConfig config;
  GMainContext* main_context = nullptr;
  LoopTail* tail = nullptr;  // end-of-iteration work and the WebSocket connections
  ServerStats stats;
  bool shutting_down = false;  // ~Server: applications skip broadcasts to sessions being closed
  AuthTokens auth{{}, {}};     // who may CONNECT (from config; the file re-read on reload)
};

}  // namespace sio::signalling
