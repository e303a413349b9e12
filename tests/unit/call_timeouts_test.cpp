// When the element's watchdog ends a call (gst-plugin/call_timeouts.cpp): a table of call times.
#include "call_timeouts.hpp"

#include <gtest/gtest.h>

namespace {

using sio::gst::CallTimeouts;
using sio::gst::CallTimes;
using sio::gst::CallVerdict;
using sio::gst::call_timeout_reason;
using sio::gst::judge_call;

constexpr int64_t kS = 1000000;  // one second in microseconds

struct Row {
  const char* what;
  CallTimeouts timeouts;
  CallTimes times;
  int64_t now_us;
  CallVerdict verdict;
};

const Row kRows[] = {
    {"just started", {15000, 10000}, {100 * kS, 0, 0}, 100 * kS, CallVerdict::Keep},
    {"not connected, 14.9 s", {15000, 10000}, {100 * kS, 0, 0}, 114 * kS + 900000, CallVerdict::Keep},
    {"not connected, 15 s", {15000, 10000}, {100 * kS, 0, 0}, 115 * kS, CallVerdict::NotConnected},
    {"not connected, packets from ICE checks do not count", {15000, 10000}, {100 * kS, 0, 114 * kS}, 116 * kS,
     CallVerdict::NotConnected},
    {"not connected, connect-timeout 0 waits forever", {0, 10000}, {100 * kS, 0, 0}, 10000 * kS, CallVerdict::Keep},
    {"not started (no offer yet)", {15000, 10000}, {0, 0, 0}, 1000 * kS, CallVerdict::Keep},
    {"connected at 14 s, nothing received since, 9 s", {15000, 10000}, {100 * kS, 114 * kS, 0}, 123 * kS,
     CallVerdict::Keep},
    {"connected, nothing received for 10 s since connecting", {15000, 10000}, {100 * kS, 114 * kS, 0}, 124 * kS,
     CallVerdict::Silent},
    {"connected, a packet 9.5 s ago", {15000, 10000}, {100 * kS, 101 * kS, 190 * kS + 500000}, 200 * kS,
     CallVerdict::Keep},
    {"connected, the last packet 10 s ago", {15000, 10000}, {100 * kS, 101 * kS, 190 * kS}, 200 * kS,
     CallVerdict::Silent},
    {"connected long after the connect timeout would have hit", {15000, 10000}, {100 * kS, 101 * kS, 500 * kS},
     505 * kS, CallVerdict::Keep},
    {"connected, media-timeout 0 never ends it", {15000, 0}, {100 * kS, 101 * kS, 102 * kS}, 10000 * kS,
     CallVerdict::Keep},
    {"a packet stamped before the connection counts from the connection", {15000, 10000},
     {100 * kS, 110 * kS, 105 * kS}, 119 * kS, CallVerdict::Keep},
};

TEST(CallTimeouts, Table) {
  for (const Row& row : kRows) {
    EXPECT_EQ(judge_call(row.timeouts, row.times, row.now_us), row.verdict) << row.what;
  }
}

TEST(CallTimeouts, Reasons) {
  const CallTimeouts timeouts{15000, 2500};
  EXPECT_EQ(call_timeout_reason(timeouts, CallVerdict::Keep, "ICE new"), "");
  EXPECT_EQ(call_timeout_reason(timeouts, CallVerdict::NotConnected, "ICE checking, connection connecting"),
            "not connected within 15 s (ICE checking, connection connecting)");
  EXPECT_EQ(call_timeout_reason(timeouts, CallVerdict::Silent, "ICE completed, connection connected"),
            "nothing received from the peer for 2.5 s (ICE completed, connection connected)");
}

}  // namespace
