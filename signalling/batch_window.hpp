// While WebSocket traffic flows, the server goes to poll at most once per batch window: the
// messages that arrive meanwhile are read, relayed and written together in one iteration, with
// one wake-up and one write per connection instead of one each. Idle, nothing waits: the first
// message after a quiet spell is handled at once. Pure: the caller gives the clock.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sio::signalling {

// How long to wait before polling again. `previous_poll_us`: when the last iteration went to
// poll; `busy`: that poll returned WebSocket events. Never more than one window (a clock that
// went back waits one window, not longer).
constexpr int64_t batch_wait_us(int64_t now_us, int64_t previous_poll_us, uint32_t window_us, bool busy) {
  if (!busy || window_us == 0) return 0;
  const int64_t due = previous_poll_us + window_us;
  return due > now_us ? std::min<int64_t>(due - now_us, window_us) : 0;
}

}  // namespace sio::signalling
