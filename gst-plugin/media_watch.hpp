// When a call last heard from its peer: a probe on each ICE source (nicesrc) inside the call's
// webrtcbin stamps every packet that arrives (RTP, RTCP, DTLS, SCTP; libnice keeps STUN to
// itself). A receiver that sends no media still sends RTCP receiver reports every few seconds, so
// a long silence means the peer is gone (RFC 7675's consent freshness is not enabled by webrtcbin
// 1.22). The stamp is written on streaming threads and read on the network thread. The first RTP
// packet (not RTCP, DTLS or SCTP: RFC 7983's first byte, RFC 5761's payload types) is reported
// once, for call setup's breakdown.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace sio::gst {

class MediaWatch {
 public:
  // Probes the ICE sources of `webrtcbin` not probed yet (webrtcbin makes its transports while it
  // negotiates: call this again later). Cheap when there is nothing new.
  void watch(GstElement* webrtcbin);
  // Monotonic time (g_get_monotonic_time) of the last packet received, 0 if none yet.
  gint64 last_received_us() const { return state_->last.load(std::memory_order_relaxed); }
  // Called on a streaming thread with the monotonic time of the first RTP packet of each kind
  // ("audio", "video", or "other" for a payload type not in set_media_kinds). Set it before the
  // first watch().
  void on_first_rtp(std::function<void(gint64 at_us, const char* kind)> fn) { state_->first_rtp = std::move(fn); }
  // Which payload types are audio and which video (the peer's description).
  void set_media_kinds(const std::vector<std::pair<int, bool>>& payload_type_is_video);

  enum Kind : uint8_t { kOther = 1, kAudio = 2, kVideo = 4 };  // also the bits of `reported`
  struct State {
    std::atomic<gint64> last{0};
    std::atomic<uint8_t> kinds[128] = {};  // by payload type; 0: not described
    std::atomic<uint8_t> reported{0};
    std::function<void(gint64, const char*)> first_rtp;
  };

 private:
  // Shared with the probes, which may outlive the call while its webrtcbin winds down.
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace sio::gst
