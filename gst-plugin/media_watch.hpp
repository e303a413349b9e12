// When a call last heard from its peer: a probe on each ICE source (nicesrc) inside the call's
// webrtcbin stamps every packet that arrives (RTP, RTCP, DTLS, SCTP; libnice keeps STUN to
// itself). A receiver that sends no media still sends RTCP receiver reports every few seconds, so
// a long silence means the peer is gone (RFC 7675's consent freshness is not enabled by webrtcbin
// 1.22). The stamp is written on streaming threads and read on the network thread.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>

namespace sio::gst {

class MediaWatch {
 public:
  // Probes the ICE sources of `webrtcbin` not probed yet (webrtcbin makes its transports while it
  // negotiates: call this again later). Cheap when there is nothing new.
  void watch(GstElement* webrtcbin);
  // Monotonic time (g_get_monotonic_time) of the last packet received, 0 if none yet.
  gint64 last_received_us() const { return last_->load(std::memory_order_relaxed); }

 private:
  // Shared with the probes, which may outlive the call while its webrtcbin winds down.
  std::shared_ptr<std::atomic<gint64>> last_ = std::make_shared<std::atomic<gint64>>(0);
};

}  // namespace sio::gst
