// How long a receiving jitter buffer must hold packets for retransmissions to be of use. A lost
// packet is asked for (NACK) when it is found missing and comes again a round trip later: with
// less latency than that it is given up before it arrives. Pure: the element's watchdog feeds it
// what the jitter buffers measured (their `rtx-rtt`) and applies what it returns.
#pragma once

#include <cstdint>

namespace sio::gst {

// The latency (ms) a call's jitter buffers should have: `current_ms`, or more when a
// retransmission's round trip of `rtx_rtt_ns` (0 = none measured yet) needs it, at most `max_ms`
// (never less than current: a latency that shrinks would drop what it waits for). Raised in
// steps of kLatencyStepMs, so a round trip that wavers does not change it every time.
uint32_t latency_for_retransmissions(uint32_t current_ms, uint32_t max_ms, uint64_t rtx_rtt_ns);

// 1.5 round trips (a NACK that is itself late, a retransmission that queues behind a burst) and
// the time to notice the loss; in whole steps.
constexpr uint32_t kLatencyStepMs = 50;
constexpr uint32_t kLossNoticeMs = 30;

}  // namespace sio::gst
