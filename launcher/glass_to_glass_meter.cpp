#include "glass_to_glass_meter.hpp"

#include <algorithm>
#include <cstdio>

namespace sio::launcher {
namespace {

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

bool GlassToGlass::add(double decoded_ms, double shown_ms, double upstream_latency_ms) {
  std::lock_guard lock(mutex_);
  latency_ms_ = upstream_latency_ms;
  if (interval_.size() < kept_limit_) interval_.push_back({decoded_ms, shown_ms});
  if (kept_.size() < kept_limit_) {
    kept_.push_back({decoded_ms, shown_ms});
    return false;
  }
  kept_[next_] = {decoded_ms, shown_ms};
  next_ = (next_ + 1) % kept_limit_;
  return ++dropped_ == 1;
}

GlassToGlass::Figures GlassToGlass::figures_of(const std::vector<Sample>& samples, double latency_ms) {
  std::vector<double> decoded, shown;
  for (const Sample& s : samples) {
    decoded.push_back(s.decoded);
    shown.push_back(s.shown);
  }
  Figures f;
  f.frames = samples.size();
  f.decoded_median = percentile(decoded, 0.5);
  f.decoded_p95 = percentile(decoded, 0.95);
  f.shown_median = percentile(shown, 0.5);
  f.shown_p95 = percentile(shown, 0.95);
  f.upstream_latency_ms = latency_ms;
  return f;
}

std::optional<GlassToGlass::Figures> GlassToGlass::take_interval() {
  std::lock_guard lock(mutex_);
  if (interval_.empty()) return std::nullopt;
  Figures f = figures_of(interval_, latency_ms_);
  interval_.clear();
  return f;
}

std::optional<GlassToGlass::Figures> GlassToGlass::whole_run() const {
  std::lock_guard lock(mutex_);
  if (kept_.empty()) return std::nullopt;
  return figures_of(kept_, latency_ms_);
}

size_t GlassToGlass::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::string GlassToGlass::describe(const Figures& f, const char* what) {
  char line[320];
  std::snprintf(line, sizeof line,
                "latency: %s: %zu stamped frames, glass to glass %.0f ms median (p95 %.0f) when shown, "
                "%.0f ms (p95 %.0f) when decoded; %.0f ms of latency upstream of the sink",
                what, f.frames, f.shown_median, f.shown_p95, f.decoded_median, f.decoded_p95, f.upstream_latency_ms);
  return line;
}

}  // namespace sio::launcher
