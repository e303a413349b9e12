// Frame counters shared by the pad probes (streaming threads) and the status/summary lines.
#pragma once

#include <atomic>
#include <cstdint>

#include <gst/gst.h>

namespace sio::launcher {

struct MediaCounters {
  std::atomic<uint64_t> sent_video_frames{0};       // buffers into the video payloader
  std::atomic<uint64_t> received_video_frames{0};   // decoded (or, recording, parsed) video frames
  std::atomic<uint64_t> received_audio_buffers{0};  // decoded (or parsed) audio buffers
};

// Counts buffers (and buffer-list entries) flowing through `pad` into `counter`.
void count_buffers_on(GstPad* pad, std::atomic<uint64_t>& counter);

}  // namespace sio::launcher
