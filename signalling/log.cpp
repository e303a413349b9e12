// Leveled stderr logging. One line per event, written with a single fputs so lines from the
// (single) server thread and GLib's own messages do not interleave mid-line.
#include "log.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace sio::signalling::log {
namespace {

std::atomic<int> current_level{static_cast<int>(Level::Info)};

const char* level_name(Level level) {
  switch (level) {
    case Level::Error: return "ERROR";
    case Level::Warn: return "WARN";
    case Level::Info: return "INFO";
    case Level::Debug: return "DEBUG";
  }
  return "?";
}

}  // namespace

void set_level(Level level) { current_level.store(static_cast<int>(level), std::memory_order_relaxed); }

Level level() { return static_cast<Level>(current_level.load(std::memory_order_relaxed)); }

bool enabled(Level level) { return static_cast<int>(level) <= current_level.load(std::memory_order_relaxed); }

void write(Level level, const char* format, ...) {
  if (!enabled(level)) return;
  va_list args;
  va_start(args, format);
  char* message = g_strdup_vprintf(format, args);
  va_end(args);
  char* line = g_strdup_printf("sio-signalling %s %s\n", level_name(level), message);
  fputs(line, stderr);
  fflush(stderr);
  g_free(line);
  g_free(message);
}

bool parse_level(std::string_view text, Level& out) {
  if (text == "error") out = Level::Error;
  else if (text == "warn" || text == "warning") out = Level::Warn;
  else if (text == "info") out = Level::Info;
  else if (text == "debug") out = Level::Debug;
  else return false;
  return true;
}

}  // namespace sio::signalling::log
