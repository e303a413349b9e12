// client/reconnect_backoff.cpp: socket.io-client's reconnection schedule, row by row.
#include "reconnect_backoff.hpp"

#include <gtest/gtest.h>

namespace {

using sio::client::ReconnectBackoff;

TEST(ReconnectBackoff, DoublesFromOneSecondToFive) {
  const ReconnectBackoff backoff;
  struct Row {
    unsigned attempt;
    double random01;
    uint32_t expected_ms;
  };
  const Row rows[] = {
      {0, 0.5, 1000}, {1, 0.5, 2000}, {2, 0.5, 4000}, {3, 0.5, 5000}, {10, 0.5, 5000}, {1000, 0.5, 5000},
      // +-50 %: the lowest and highest a draw can give.
      {0, 0.0, 500},  {0, 0.999999, 1499}, {1, 0.0, 1000}, {2, 0.0, 2000}, {3, 0.0, 2500},
      // The cap holds after the jitter too.
      {2, 0.999999, 5000}, {3, 0.999999, 5000},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "attempt " << row.attempt << ", random " << row.random01);
    EXPECT_EQ(backoff.delay_ms(row.attempt, row.random01), row.expected_ms);
  }
}

TEST(ReconnectBackoff, WithoutJitterAndOtherBounds) {
  ReconnectBackoff backoff;
  backoff.jitter = 0;
  backoff.first_delay_ms = 100;
  backoff.max_delay_ms = 350;
  EXPECT_EQ(backoff.delay_ms(0, 0.9), 100u);
  EXPECT_EQ(backoff.delay_ms(1, 0.1), 200u);
  EXPECT_EQ(backoff.delay_ms(2, 0.5), 350u);
}

}  // namespace
