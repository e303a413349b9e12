// launcher/glass_to_glass_meter.cpp: the figures of sio-webrtc --stamp and the bound on what a
// long run keeps.
#include "glass_to_glass_meter.hpp"

#include <gtest/gtest.h>

namespace {

using sio::launcher::GlassToGlass;

TEST(GlassToGlassMeter, NothingBeforeTheFirstFrame) {
  GlassToGlass meter;
  EXPECT_FALSE(meter.take_interval());
  EXPECT_FALSE(meter.whole_run());
  EXPECT_EQ(meter.dropped(), 0u);
}

TEST(GlassToGlassMeter, MedianAndP95PerIntervalAndRun) {
  GlassToGlass meter;
  for (int i = 1; i <= 100; ++i) meter.add(i, i + 50, 50);  // decoded 1..100 ms, shown 51..150
  auto interval = meter.take_interval();
  ASSERT_TRUE(interval);
  EXPECT_EQ(interval->frames, 100u);
  EXPECT_DOUBLE_EQ(interval->decoded_median, 51);  // index round(0.5 * 99) = 50
  EXPECT_DOUBLE_EQ(interval->decoded_p95, 95);     // index round(0.95 * 99) = 94
  EXPECT_DOUBLE_EQ(interval->shown_median, 101);
  EXPECT_DOUBLE_EQ(interval->shown_p95, 145);
  EXPECT_DOUBLE_EQ(interval->upstream_latency_ms, 50);
  EXPECT_FALSE(meter.take_interval());  // taken
  meter.add(7, 9, 20);
  interval = meter.take_interval();
  ASSERT_TRUE(interval);
  EXPECT_EQ(interval->frames, 1u);
  EXPECT_DOUBLE_EQ(interval->shown_median, 9);
  EXPECT_DOUBLE_EQ(interval->upstream_latency_ms, 20);  // the last one seen
  const auto run = meter.whole_run();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->frames, 101u);
}

TEST(GlassToGlassMeter, TheRunKeepsTheLastFramesUpToItsBound) {
  GlassToGlass meter(10);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(meter.add(1000, 1000, 0));
  EXPECT_TRUE(meter.add(1, 1, 0)) << "the first frame beyond the bound is reported, to be logged";
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(meter.add(1, 1, 0)) << "once";
  EXPECT_EQ(meter.dropped(), 9u);
  auto run = meter.whole_run();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->frames, 10u);
  EXPECT_DOUBLE_EQ(run->decoded_median, 1);  // nine new frames of ten: the old ones went first
  EXPECT_DOUBLE_EQ(run->decoded_p95, 1000);
  // Nobody took the interval (no status lines): it stopped at the same bound.
  const auto interval = meter.take_interval();
  ASSERT_TRUE(interval);
  EXPECT_EQ(interval->frames, 10u);
  EXPECT_DOUBLE_EQ(interval->decoded_median, 1000);  // the first ten
}

TEST(GlassToGlassMeter, DescribeIsTheLineTheBenchReads) {
  GlassToGlass::Figures f;
  f.frames = 300;
  f.shown_median = 51.4;
  f.shown_p95 = 85;
  f.decoded_median = 3;
  f.decoded_p95 = 5;
  f.upstream_latency_ms = 50;
  EXPECT_EQ(GlassToGlass::describe(f, "the whole run"),
            "latency: the whole run: 300 stamped frames, glass to glass 51 ms median (p95 85) when shown, "
            "3 ms (p95 5) when decoded; 50 ms of latency upstream of the sink");
}

}  // namespace
