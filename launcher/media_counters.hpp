// Frame counters shared by the pad probes (streaming threads) and the status/summary lines.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <gst/gst.h>

#include "glass_to_glass.hpp"

namespace sio::launcher {

struct MediaCounters {
  std::atomic<bool> in_call{false};                 // a call is connected (CallMonitor sets it)
  std::atomic<uint64_t> sent_video_frames{0};       // buffers into the video payloader during a call
  std::atomic<uint64_t> received_video_frames{0};   // decoded (or, recording, parsed) video frames
  std::atomic<uint64_t> received_audio_buffers{0};  // decoded (or parsed) audio buffers
  std::atomic<uint64_t> keyframe_requests{0};       // force-key-unit events up to the video encoder
  std::atomic<uint64_t> video_encoders{0};          // encoder elements in the running pipeline
  std::atomic<uint64_t> audio_encoders{0};
  GlassToGlass glass_to_glass;                      // stamped frames received (--stamp on the sender)

  // Received video frames per peer, when calls are mixed (several calls at once).
  std::shared_ptr<std::atomic<uint64_t>> video_frames_from(const std::string& peer) {
    std::lock_guard lock(peers_mutex);
    auto& counter = video_by_peer[peer];
    if (!counter) counter = std::make_shared<std::atomic<uint64_t>>(0);
    return counter;
  }
  // -1 when nothing was counted for `peer`.
  int64_t video_frames_of(const std::string& peer) {
    std::lock_guard lock(peers_mutex);
    auto it = video_by_peer.find(peer);
    return it == video_by_peer.end() ? -1 : static_cast<int64_t>(it->second->load());
  }
  std::mutex peers_mutex;
  std::map<std::string, std::shared_ptr<std::atomic<uint64_t>>> video_by_peer;
};

// Counts buffers (and buffer-list entries) flowing through `pad` into `counter`; with `gate`, only
// while it is true. Both must outlive the pad's data flow.
void count_buffers_on(GstPad* pad, std::atomic<uint64_t>& counter, const std::atomic<bool>* gate = nullptr);
// Counts the keyframe requests (upstream force-key-unit events) that pass `pad`.
void count_keyframe_requests_on(GstPad* pad, std::atomic<uint64_t>& counter);
// Prints "picture: first video frame from PEER" (and flushes) when the first buffer of each
// stream passes `pad` (armed again by every stream-start: with max-calls=1 the next call's stream
// comes through the same pads). PEER is `source`'s peer-id then (the element's src pad, held).
// The moment a call's first picture is decoded, for people and for the setup benchmark.
void print_first_frame_of_each_stream(GstPad* pad, GstPad* source);
// The same into a shared counter (kept alive by the probe).
void count_buffers_on(GstPad* pad, std::shared_ptr<std::atomic<uint64_t>> counter);

}  // namespace sio::launcher
