// The `stats` property of socketiosignaller: per call, its peer, connection state, bitrates, packets
// lost and round-trip time, read from each call's webrtcbin (get-stats) with a bounded wait.
#pragma once

#include <gst/gst.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sio::gst {

class CallStats {
 public:
  struct Call {
    std::string peer;
    GstElement* webrtcbin;  // a reference the caller owns for the duration of collect()
    guint64 send_queue_overruns = 0;
  };
  // A "socketio-stats" structure: calls=<array of "call" structures: peer-id, state, bitrate-sent,
  // bitrate-received (bit/s, since the previous read; 0 the first time), bytes-sent, bytes-received,
  // packets-lost, rtt (seconds, -1 unknown), send-queue-overruns>. Blocks up to `timeout_ms` per call; never call it from
  // a webrtcbin thread.
  GstStructure* collect(const std::vector<Call>& calls, guint timeout_ms = 1000);

 private:
  struct Previous {
    guint64 bytes_sent = 0;
    guint64 bytes_received = 0;
    gint64 at_us = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Previous> previous_;  // by peer
};

}  // namespace sio::gst
