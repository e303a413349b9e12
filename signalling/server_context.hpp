// State shared by every part of one running Server (endpoints, sessions, applications).
// Everything runs on `main_context`; nothing here is locked.
#pragma once

#include <glib.h>

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
};

}  // namespace sio::signalling
