// The latency the element's watchdog gives a call's jitter buffers from the retransmission round
// trip they measured (gst-plugin/retransmission_latency.cpp): a table.
#include "retransmission_latency.hpp"

#include <gtest/gtest.h>

namespace {

using sio::gst::latency_for_retransmissions;

constexpr uint64_t kMs = 1000000;  // one millisecond in nanoseconds

struct Row {
  const char* what;
  uint32_t current_ms;
  uint32_t max_ms;
  uint64_t rtx_rtt_ns;
  uint32_t expected_ms;
};

const Row kRows[] = {
    {"nothing retransmitted yet", 50, 1000, 0, 50},
    {"loopback: 1 ms round trip fits in 50", 50, 1000, 1 * kMs, 50},
    {"13 ms round trip: 50 still enough", 50, 1000, 13 * kMs, 50},
    {"14 ms round trip: 51 needed, next step", 50, 1000, 14 * kMs, 100},
    {"100 ms round trip (the lossy test's link)", 50, 1000, 100 * kMs, 200},
    {"a fraction of a millisecond counts as one", 50, 1000, 13 * kMs + 1, 100},
    {"already enough: left alone", 200, 1000, 100 * kMs, 200},
    {"a shorter round trip later never lowers it", 300, 1000, 10 * kMs, 300},
    {"capped at the maximum", 50, 400, 600 * kMs, 400},
    {"a maximum that is not a step", 50, 130, 100 * kMs, 130},
    {"maximum below the configured latency: never raised", 250, 100, 600 * kMs, 250},
    {"maximum equal to the latency: never raised", 50, 50, 100 * kMs, 50},
    {"a round trip of seconds", 50, 10000, 3000 * kMs, 4550},
    {"no overflow on a huge value", 50, 1000, UINT64_MAX, 1000},
};

TEST(RetransmissionLatency, Table) {
  for (const Row& row : kRows) {
    EXPECT_EQ(latency_for_retransmissions(row.current_ms, row.max_ms, row.rtx_rtt_ns), row.expected_ms) << row.what;
  }
}

// Raised in steps: a round trip that wavers around one value changes the latency once.
TEST(RetransmissionLatency, WaveringRoundTripRaisesOnce) {
  uint32_t latency = 50;
  int changes = 0;
  for (uint64_t rtt : {95, 104, 98, 101, 99, 103, 96}) {
    const uint32_t next = latency_for_retransmissions(latency, 1000, rtt * kMs);
    if (next != latency) ++changes;
    latency = next;
  }
  EXPECT_EQ(latency, 200u);
  EXPECT_EQ(changes, 1);
}

}  // namespace
