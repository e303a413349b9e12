// Leveled logging for the signalling server (stderr, one line per event). The chapter's server
// prints "Received peerOffer from A to B"; we print the same at info level. Info and debug lines
// are buffered until flush() (by the server's main loop at most 20 ms later, see loop_tail.hpp),
// 16 KB or exit; warnings and errors are written at once.
#pragma once

#include <glib.h>

#include <initializer_list>
#include <string_view>

namespace sio::signalling::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3 };

void set_level(Level level);
Level level();
bool enabled(Level level);
// printf-style; does nothing below the current level.
void write(Level level, const char* format, ...) G_GNUC_PRINTF(2, 3);
// The concatenation of `parts` as one line, without printf (the per-relay line).
void write_parts(Level level, std::initializer_list<std::string_view> parts);
void flush();  // writes the buffered lines
bool has_buffered();
bool parse_level(std::string_view text, Level& out);  // "error" | "warn" | "info" | "debug"

// For lines a client can cause at will (refusals): at most one a second. `due()` says whether to
// write now; `suppressed` is how many were not written since the last one (reset by `due()`).
struct Throttle {
  gint64 last_us = 0;
  uint64_t suppressed = 0;
  uint64_t pending = 0;
  bool due() {
    const gint64 now = g_get_monotonic_time();
    if (last_us != 0 && now - last_us < G_USEC_PER_SEC) {
      ++pending;
      return false;
    }
    last_us = now;
    suppressed = pending;
    pending = 0;
    return true;
  }
};

}  // namespace sio::signalling::log

#define SIO_LOG_ERROR(...) ::sio::signalling::log::write(::sio::signalling::log::Level::Error, __VA_ARGS__)
#define SIO_LOG_WARN(...) ::sio::signalling::log::write(::sio::signalling::log::Level::Warn, __VA_ARGS__)
#define SIO_LOG_INFO(...) ::sio::signalling::log::write(::sio::signalling::log::Level::Info, __VA_ARGS__)
#define SIO_LOG_DEBUG(...) ::sio::signalling::log::write(::sio::signalling::log::Level::Debug, __VA_ARGS__)
