// sio-webrtc's /metrics (--metrics-port): the launcher's counters and each call's gauges, in
// Prometheus text format. Pure: the caller takes the snapshot on the main context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sio::launcher {

struct CallSnapshot {
  std::string peer;
  std::string state;               // negotiating, connecting, connected, failed...
  double send_bits_per_second = 0; // as of the last statistics round
  double receive_bits_per_second = 0;
  uint64_t sent_bytes = 0;         // as webrtcbin counts them, at the last statistics round
  uint64_t received_bytes = 0;
  int64_t packets_lost = 0;        // by us and as the peer reports
  double round_trip_seconds = -1;  // -1 unknown
  int64_t received_video_frames = -1;  // -1 when not counted per peer
};

struct LauncherSnapshot {
  std::vector<CallSnapshot> calls;
  uint64_t calls_started = 0;
  uint64_t sent_video_frames = 0;
  uint64_t received_video_frames = 0;
  uint64_t received_audio_buffers = 0;
  uint64_t keyframe_requests = 0;  // asked of the video encoder by the peers (PLI/FIR, coalesced)
  uint64_t video_encoders = 0;
};

std::string launcher_metrics_text(const LauncherSnapshot& snapshot);

}  // namespace sio::launcher
