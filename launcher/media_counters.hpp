// Frame counters shared by the pad probes (streaming threads) and the status/summary lines.
#pragma once

#include <atomic>
#include <cstdint>

#include <gst/gst.h>

namespace sio::launcher {

struct MediaCounters {
  std::atomic<bool> in_call{false};                 // a call is connected (CallMonitor sets it)
  std::atomic<uint64_t> sent_video_frames{0};       // buffers into the video payloader during a call
  std::atomic<uint64_t> received_video_frames{0};   // decoded (or, recording, parsed) video frames
  std::atomic<uint64_t> received_audio_buffers{0};  // decoded (or parsed) audio buffers
  std::atomic<uint64_t> video_encoders{0};          // encoder elements in the running pipeline
  std::atomic<uint64_t> audio_encoders{0};
};

// Counts buffers (and buffer-list entries) flowing through `pad` into `counter`; with `gate`, only
// while it is true. Both must outlive the pad's data flow.
void count_buffers_on(GstPad* pad, std::atomic<uint64_t>& counter, const std::atomic<bool>* gate = nullptr);

}  // namespace sio::launcher
