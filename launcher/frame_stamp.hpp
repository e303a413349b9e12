// A wall-clock stamp drawn into a picture and read back after encoding, sending and decoding, to
// measure glass-to-glass latency (sio-webrtc --stamp; tests/bench/glass-to-glass). Pure: no
// GStreamer, no clock; the caller passes planes and times.
//
// Layout (tests/bench/glass-to-glass.mjs reads it in the browser the same way): a strip along the
// top of the picture, max(8, height / 16) rows high, cut into 32 blocks of width / 32 pixels.
// Block i is bit 31 - i of a 32-bit word, white for 1 and black for 0. The word is the send time
// in milliseconds modulo 2^24 (bits 31..8) followed by a check byte (bits 7..0) made from it.
// A block counts only when its middle half is clearly black or white, so a natural picture (or
// one smeared by a lossy encoder) reads as "no stamp" rather than as a wrong time.
#pragma once

#include <cstdint>
#include <optional>

namespace sio::launcher::stamp {

constexpr int kBits = 32;
constexpr uint32_t kTimeModulo = 1u << 24;  // 4.6 hours of milliseconds

// One colour component of a picture: `data` points at the component of pixel (0, 0), rows are
// `stride` bytes apart and pixels `pixel_stride` bytes apart (1 for a luma plane, 4 for the G of
// RGBx).
template <typename Byte>
struct BasicPlane {
  Byte* data;
  int stride;
  int pixel_stride;
  int width;
  int height;
};
using Plane = BasicPlane<uint8_t>;             // drawn into
using ConstPlane = BasicPlane<const uint8_t>;  // read

// Whether a picture of this size can carry a stamp (two pixels per block at least).
bool fits(int width, int height);

// The word for `time_ms` (any millisecond count; taken modulo kTimeModulo).
uint32_t encode(uint64_t time_ms);
// The time of a word, if its check byte is right.
std::optional<uint32_t> decode(uint32_t word);

// Draws `word` into one component with the values `low` (0 bits) and `high` (1 bits): luma 16/235,
// or each of R, G and B 0/255.
void draw(const Plane& plane, uint32_t word, uint8_t low, uint8_t high);
// The word in `plane` when every block is clearly low or high (threshold halfway between black
// and white of either range), else nothing.
std::optional<uint32_t> read(const ConstPlane& plane);

// Milliseconds from a stamp's time to `now_ms` (both as wall-clock counts; the stamp modulo
// kTimeModulo). Negative when the stamp is from the future (clocks of two machines).
int64_t age_ms(uint32_t stamp_time, uint64_t now_ms);

}  // namespace sio::launcher::stamp
