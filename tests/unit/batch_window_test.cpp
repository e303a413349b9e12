// signalling/batch_window.hpp: how long the server waits before polling again.
#include "batch_window.hpp"

#include <gtest/gtest.h>

namespace {

using sio::signalling::batch_wait_us;

struct Row {
  const char* what;
  int64_t now_us;
  int64_t previous_poll_us;
  uint32_t window_us;
  bool busy;
  int64_t wait_us;
};

constexpr Row kRows[] = {
    {"idle: the next message is handled at once", 1000, 990, 200, false, 0},
    {"busy, just polled: the rest of the window", 1000, 990, 200, true, 190},
    {"busy, polled a window ago: no wait", 1000, 800, 200, true, 0},
    {"busy, polled long ago: no wait", 1000, 0, 200, true, 0},
    {"busy, the iteration took half the window", 1100, 1000, 200, true, 100},
    {"window 0 turns it off", 1000, 1000, 0, true, 0},
    {"a clock that went back waits one window, not more", 1000, 5000, 200, true, 200},
};

TEST(BatchWindow, Table) {
  for (const Row& row : kRows) {
    EXPECT_EQ(batch_wait_us(row.now_us, row.previous_poll_us, row.window_us, row.busy), row.wait_us) << row.what;
  }
}

}  // namespace
