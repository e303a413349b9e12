// launcher/frame_stamp.cpp: the glass-to-glass stamp drawn into a picture and read back.
#include "frame_stamp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace {

namespace stamp = sio::launcher::stamp;

struct Picture {
  int width, height, pixel_stride, stride;
  std::vector<uint8_t> bytes;
  Picture(int w, int h, int ps = 1, int padding = 0)
      : width(w), height(h), pixel_stride(ps), stride(w * ps + padding), bytes(static_cast<size_t>(stride) * h, 128) {}
  stamp::Plane plane(int component = 0) { return {bytes.data() + component, stride, pixel_stride, width, height}; }
  stamp::ConstPlane view(int component = 0) const {
    return {bytes.data() + component, stride, pixel_stride, width, height};
  }
};

TEST(FrameStamp, WordsRoundTripAndCarryTheTimeModulo) {
  struct Row {
    uint64_t time_ms;
    uint32_t expected_time;
  };
  const Row rows[] = {
      {0, 0}, {1, 1}, {0xffffff, 0xffffff}, {0x1000000, 0}, {1764806400123ull, 1764806400123ull % (1u << 24)},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "time " << row.time_ms);
    const auto time = stamp::decode(stamp::encode(row.time_ms));
    ASSERT_TRUE(time.has_value());
    EXPECT_EQ(*time, row.expected_time);
  }
}

TEST(FrameStamp, AWrongCheckByteIsNoStamp) {
  const uint32_t word = stamp::encode(123456);
  for (int bit = 0; bit < stamp::kBits; ++bit) {
    SCOPED_TRACE(testing::Message() << "bit " << bit);
    EXPECT_FALSE(stamp::decode(word ^ (1u << bit)).has_value());
  }
}

TEST(FrameStamp, DrawnThenReadInLumaAndRgbPlanes) {
  struct Row {
    int width, height, pixel_stride, padding, component;
    uint8_t low, high;
  };
  const Row rows[] = {
      {640, 480, 1, 0, 0, 16, 235},   // I420 luma
      {1280, 720, 1, 64, 0, 16, 235}, // a padded stride
      {64, 16, 1, 0, 0, 16, 235},     // the narrowest picture that fits
      {320, 240, 4, 0, 1, 0, 255},    // the G of BGRx
      {333, 101, 3, 5, 2, 0, 255},    // odd sizes, packed RGB
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << row.width << "x" << row.height << " pixel stride " << row.pixel_stride);
    Picture picture(row.width, row.height, row.pixel_stride, row.padding);
    const uint32_t word = stamp::encode(987654321);
    stamp::draw(picture.plane(row.component), word, row.low, row.high);
    EXPECT_EQ(stamp::read(picture.view(row.component)), word);
    // Below the strip the picture is untouched.
    EXPECT_EQ(picture.bytes.back(), 128);
  }
}

TEST(FrameStamp, SurvivesNoiseAndBlurredEdges) {
  Picture picture(640, 480);
  const uint32_t word = stamp::encode(42);
  stamp::draw(picture.plane(), word, 16, 235);
  std::mt19937 random(7);
  std::uniform_int_distribution<int> noise(-30, 30);
  for (auto& byte : picture.bytes) byte = static_cast<uint8_t>(std::clamp(byte + noise(random), 0, 255));
  // A codec smears the block edges: grey there does not matter.
  for (int y = 0; y < 30; ++y)
    for (int bit = 1; bit < stamp::kBits; ++bit) picture.bytes[static_cast<size_t>(y) * 640 + bit * 20] = 128;
  EXPECT_EQ(stamp::read(picture.view()), word);
}

TEST(FrameStamp, ANaturalOrGreyOrTinyPictureHasNoStamp) {
  Picture grey(640, 480);
  EXPECT_FALSE(stamp::read(grey.view()).has_value());
  Picture textured(640, 480);
  std::mt19937 random(1);
  for (auto& byte : textured.bytes) byte = static_cast<uint8_t>(random());
  EXPECT_FALSE(stamp::read(textured.view()).has_value());
  // Too narrow for two pixels per block: not drawn, not read.
  Picture tiny(63, 8);
  stamp::draw(tiny.plane(), stamp::encode(5), 16, 235);
  EXPECT_EQ(tiny.bytes.front(), 128);
  EXPECT_FALSE(stamp::read(tiny.view()).has_value());
}

TEST(FrameStamp, AgeAcrossTheWrap) {
  struct Row {
    uint32_t stamp_time;
    uint64_t now_ms;
    int64_t expected;
  };
  const Row rows[] = {
      {100, 130, 30},
      {0xfffff0, (1ull << 24) + 0x10, 0x20},  // the modulo wrapped between send and receipt
      {130, 100, -30},                         // a stamp from a clock ahead of ours
      {5, 5, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << row.stamp_time << " at " << row.now_ms);
    EXPECT_EQ(stamp::age_ms(row.stamp_time, row.now_ms), row.expected);
  }
}

}  // namespace
