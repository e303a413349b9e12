// Leveled stderr logging. Info and debug lines (one per relayed message at info) are collected
// in a buffer that the server's main loop writes every 20 ms (LoopTail), at 16 KB, and at exit; warnings and errors flush it and go out at once. Each line is formatted in place on the
// stack: no allocation per line.
#include "log.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace sio::signalling::log {
namespace {

constexpr std::size_t kFlushAt = 16 * 1024;

std::atomic<int> current_level{static_cast<int>(Level::Info)};
std::mutex pending_mutex;  // the launcher may log from another thread than the server's
std::string pending;
bool exit_hook_installed = false;

const char* line_prefix(Level level) {
  switch (level) {
    case Level::Error: return "sio-signalling ERROR ";
    case Level::Warn: return "sio-signalling WARN ";
    case Level::Info: return "sio-signalling INFO ";
    case Level::Debug: return "sio-signalling DEBUG ";
  }
  return "sio-signalling ? ";
}

void write_pending_locked() {
  if (pending.empty()) return;
  fwrite(pending.data(), 1, pending.size(), stderr);
  fflush(stderr);
  pending.clear();
}

void flush_at_exit() { flush(); }

}  // namespace

void set_level(Level level) { current_level.store(static_cast<int>(level), std::memory_order_relaxed); }

Level level() { return static_cast<Level>(current_level.load(std::memory_order_relaxed)); }

bool enabled(Level level) { return static_cast<int>(level) <= current_level.load(std::memory_order_relaxed); }

void write(Level level, const char* format, ...) {
  if (!enabled(level)) return;
  char line[512];
  va_list args;
  va_start(args, format);
  const int length = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (length < 0) return;

  std::lock_guard<std::mutex> lock(pending_mutex);
  if (!exit_hook_installed) {
    exit_hook_installed = true;
    std::atexit(&flush_at_exit);
  }
  pending += line_prefix(level);
  if (static_cast<std::size_t>(length) < sizeof line) {
    pending.append(line, static_cast<std::size_t>(length));
  } else {
    // Longer than the stack buffer (rare: long reasons): format again at full length.
    va_start(args, format);
    char* full = g_strdup_vprintf(format, args);
    va_end(args);
    pending += full;
    g_free(full);
  }
  pending += '\n';
  if (level <= Level::Warn || pending.size() >= kFlushAt) write_pending_locked();
}

void write_parts(Level level, std::initializer_list<std::string_view> parts) {
  if (!enabled(level)) return;
  std::lock_guard<std::mutex> lock(pending_mutex);
  if (!exit_hook_installed) {
    exit_hook_installed = true;
    std::atexit(&flush_at_exit);
  }
  pending += line_prefix(level);
  for (std::string_view part : parts) pending += part;
  pending += '\n';
  if (level <= Level::Warn || pending.size() >= kFlushAt) write_pending_locked();
}

bool has_buffered() {
  std::lock_guard<std::mutex> lock(pending_mutex);
  return !pending.empty();
}

void flush() {
  std::lock_guard<std::mutex> lock(pending_mutex);
  write_pending_locked();
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
