#include "call_timeouts.hpp"

#include <algorithm>

namespace sio::gst {

CallVerdict judge_call(const CallTimeouts& timeouts, const CallTimes& times, int64_t now_us) {
  if (times.connected_us == 0) {
    if (timeouts.connect_ms == 0 || times.started_us == 0) return CallVerdict::Keep;
    return now_us - times.started_us >= int64_t(timeouts.connect_ms) * 1000 ? CallVerdict::NotConnected
                                                                             : CallVerdict::Keep;
  }
  if (timeouts.media_ms == 0) return CallVerdict::Keep;
  // Silence counts from the connection at the earliest: ICE checks are not media.
  const int64_t since = std::max(times.connected_us, times.last_received_us);
  return now_us - since >= int64_t(timeouts.media_ms) * 1000 ? CallVerdict::Silent : CallVerdict::Keep;
}

std::string call_timeout_reason(const CallTimeouts& timeouts, CallVerdict verdict, const std::string& ice_state) {
  auto seconds = [](uint32_t ms) {
    std::string s = std::to_string(ms / 1000);
    if (ms % 1000 != 0) s += "." + std::to_string(ms % 1000 / 100);
    return s;
  };
  switch (verdict) {
    case CallVerdict::Keep: return {};
    case CallVerdict::NotConnected:
      return "not connected within " + seconds(timeouts.connect_ms) + " s (" + ice_state + ")";
    case CallVerdict::Silent:
      return "nothing received from the peer for " + seconds(timeouts.media_ms) + " s (" + ice_state + ")";
  }
  return {};
}

}  // namespace sio::gst
