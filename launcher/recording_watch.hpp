// Makes sure a recording is finalised when the launcher stops, even if one of its inputs has
// stalled: matroskamux writes its index and duration only once every input has had its EOS, and
// an input that never gets one (a mixer or encoder stuck upstream) left an unplayable file (no
// duration, a track missing). What each input carried is logged, so such a run says which one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gst/gst.h>

namespace sio::launcher {

class RecordingWatch {
 public:
  // Watches every sink pad `mux` has now (request its pads first). `mux` is borrowed.
  explicit RecordingWatch(GstElement* mux);
  ~RecordingWatch();

  // The pipeline's EOS was sent: `grace_ms` later, every input still without its EOS gets one
  // straight into the muxer (from a thread of its own: the muxer may hold that pad's stream
  // lock), each logged with what it had carried. Prints what each input has carried so far (a
  // recording without a track says where its data stopped). Main context.
  void on_stopping(guint grace_ms);

  RecordingWatch(const RecordingWatch&) = delete;
  RecordingWatch& operator=(const RecordingWatch&) = delete;

 private:
  struct Input {
    GstPad* pad = nullptr;  // owned ref
    gulong probe = 0;
    std::atomic<uint64_t> buffers{0};
    std::atomic<bool> eos{false};
  };
  static GstPadProbeReturn on_data(GstPad* pad, GstPadProbeInfo* info, gpointer input);
  static gboolean on_grace_over(gpointer self);

  std::vector<std::unique_ptr<Input>> inputs_;
  guint grace_id_ = 0;
};

}  // namespace sio::launcher
