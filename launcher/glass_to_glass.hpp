// Glass-to-glass latency on the pipeline side: --stamp draws the send time into the test pattern
// (frame_stamp.hpp has the layout) and every receiving video chain reads it back after decoding.
// Two figures per frame: "decoded" (the decoder's output reached the sink) and "shown" (when a
// synchronised display shows it: running time + the latency upstream of the sink, which is mostly
// the jitter buffer's --latency). The probes run on streaming threads; the figures are read by the
// status and summary lines.
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sio::launcher {

class GlassToGlass {
 public:
  struct Figures {
    size_t frames = 0;
    double decoded_median = 0, decoded_p95 = 0;
    double shown_median = 0, shown_p95 = 0;
    double upstream_latency_ms = 0;  // the last one seen
  };
  // The whole run keeps the last kKept frames (the summary says when older ones were dropped).
  static constexpr size_t kKept = 18000;  // 10 minutes at 30 fps

  void add(double decoded_ms, double shown_ms, double upstream_latency_ms);
  // Since the previous call (status lines); nothing when no stamped frame came.
  std::optional<Figures> take_interval();
  std::optional<Figures> whole_run() const;
  size_t dropped() const;
  // "latency: ..." for people and for tests/bench/glass-to-glass.mjs.
  static std::string describe(const Figures& figures, const char* what);

 private:
  struct Sample {
    double decoded, shown;
  };
  static Figures figures_of(const std::vector<Sample>& samples, double latency_ms);

  mutable std::mutex mutex_;
  std::vector<Sample> interval_;
  std::vector<Sample> kept_;
  size_t next_ = 0;      // ring position in kept_ once it is full
  size_t dropped_ = 0;   // frames that fell out of kept_
  double latency_ms_ = 0;
};

// Draws the wall-clock time into every raw video frame passing `pad` (YUV, RGB or grey).
void stamp_frames_on(GstPad* pad);
// Reads stamps from the decoded frames passing `pad` (a sink pad) into `meter` (outlives the pad).
void measure_stamps_on(GstPad* pad, GlassToGlass& meter);

}  // namespace sio::launcher
