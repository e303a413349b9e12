// The figures of glass-to-glass latency (sio-webrtc --stamp): median and p95 of the frames read
// back, per status interval and for the run. Pure: no GStreamer, no clock; the probes of
// glass_to_glass.cpp add the frames (streaming threads), status and summary lines read them.
#pragma once

#include <cstddef>
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
  // The whole run keeps the last kKept frames (the summary says when older ones were dropped);
  // an interval nobody takes (no status lines) stops growing at the same bound.
  static constexpr size_t kDefaultKept = 18000;  // 10 minutes at 30 fps

  explicit GlassToGlass(size_t kept = kDefaultKept) : kept_limit_(kept) {}

  // True the first time a frame pushes an older one out of the run's figures (for the caller to
  // log: the bound is hit once per run).
  bool add(double decoded_ms, double shown_ms, double upstream_latency_ms);
  // Since the previous call (status lines); nothing when no stamped frame came.
  std::optional<Figures> take_interval();
  std::optional<Figures> whole_run() const;
  size_t dropped() const;
  size_t kept_limit() const { return kept_limit_; }
  // "latency: ..." for people and for tests/bench/glass-to-glass.mjs.
  static std::string describe(const Figures& figures, const char* what);

 private:
  struct Sample {
    double decoded, shown;
  };
  static Figures figures_of(const std::vector<Sample>& samples, double latency_ms);

  const size_t kept_limit_;
  mutable std::mutex mutex_;
  std::vector<Sample> interval_;
  std::vector<Sample> kept_;
  size_t next_ = 0;      // ring position in kept_ once it is full
  size_t dropped_ = 0;   // frames that fell out of kept_
  double latency_ms_ = 0;
};

}  // namespace sio::launcher
