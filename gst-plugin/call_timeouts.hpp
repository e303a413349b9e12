// When a call of socketiosignaller is over without anyone hanging up: it never connected, or its
// peer went silent (a page closed while the signalling server was down sends no goodbye). Pure: the
// element's watchdog feeds it the call's times, it says whether to end the call and why.
#pragma once

#include <cstdint>
#include <string>

namespace sio::gst {

struct CallTimeouts {
  uint32_t connect_ms = 15000;  // a call not connected this long after it started ends (0 = never)
  uint32_t media_ms = 10000;    // a connected call that received nothing this long ends (0 = never)
};

enum class CallVerdict { Keep, NotConnected, Silent };

// The times of one call, in microseconds of one monotonic clock (0 = not yet).
struct CallTimes {
  int64_t started_us = 0;        // the call started (offer made or received)
  int64_t connected_us = 0;      // it first reached the connected state
  int64_t last_received_us = 0;  // the last packet from the peer (RTP, RTCP, DTLS, SCTP)
};

CallVerdict judge_call(const CallTimeouts& timeouts, const CallTimes& times, int64_t now_us);

// The reason a call ends for `verdict`, for the call-ended message ("" for Keep); `ice_state` is
// what the call had reached (e.g. "ICE checking, connection connecting").
std::string call_timeout_reason(const CallTimeouts& timeouts, CallVerdict verdict, const std::string& ice_state);

}  // namespace sio::gst
