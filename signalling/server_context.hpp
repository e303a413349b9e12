// State shared by every part of one running Server (endpoints, sessions, applications).
// Everything runs on `main_context`; nothing here is locked.
#pragma once

#include <glib.h>

#include "config.hpp"
#include "server.hpp"

namespace sio::signalling {

struct ServerContext {
  ServerConfig config;
  GMainContext* main_context = nullptr;
  ServerStats stats;
  bool shutting_down = false;  // ~Server: applications skip broadcasts to sessions being closed
};

}  // namespace sio::signalling
