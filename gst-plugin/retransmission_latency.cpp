#include "retransmission_latency.hpp"

#include <algorithm>

namespace sio::gst {

uint32_t latency_for_retransmissions(uint32_t current_ms, uint32_t max_ms, uint64_t rtx_rtt_ns) {
  if (rtx_rtt_ns == 0) return current_ms;
  const uint64_t rtt_ms = rtx_rtt_ns / 1000000 + (rtx_rtt_ns % 1000000 != 0 ? 1 : 0);
  const uint64_t needed = rtt_ms * 3 / 2 + kLossNoticeMs;
  const uint64_t stepped = (needed + kLatencyStepMs - 1) / kLatencyStepMs * kLatencyStepMs;
  const uint64_t wanted = std::min<uint64_t>(stepped, max_ms);
  return wanted > current_ms ? static_cast<uint32_t>(wanted) : current_ms;
}

}  // namespace sio::gst
