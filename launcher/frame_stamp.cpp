#include "frame_stamp.hpp"

#include <algorithm>

namespace sio::launcher::stamp {
namespace {

int strip_height(int height) { return std::max(8, height / 16); }
int block_width(int width) { return width / kBits; }

uint8_t check_byte(uint32_t time) {
  const uint32_t b2 = (time >> 16) & 0xff, b1 = (time >> 8) & 0xff, b0 = time & 0xff;
  return static_cast<uint8_t>((b2 * 7 + b1 * 3 + b0 + 0x5a) & 0xff);
}

}  // namespace

bool fits(int width, int height) { return block_width(width) >= 2 && height >= 8; }

uint32_t encode(uint64_t time_ms) {
  const auto time = static_cast<uint32_t>(time_ms % kTimeModulo);
  return (time << 8) | check_byte(time);
}

std::optional<uint32_t> decode(uint32_t word) {
  const uint32_t time = word >> 8;
  if ((word & 0xff) != check_byte(time)) return std::nullopt;
  return time;
}

void draw(const Plane& plane, uint32_t word, uint8_t low, uint8_t high) {
  if (!fits(plane.width, plane.height)) return;
  const int rows = strip_height(plane.height), bw = block_width(plane.width);
  for (int y = 0; y < rows; ++y) {
    uint8_t* row = plane.data + static_cast<ptrdiff_t>(y) * plane.stride;
    for (int bit = 0; bit < kBits; ++bit) {
      const uint8_t value = (word >> (kBits - 1 - bit)) & 1u ? high : low;
      for (int x = bit * bw; x < (bit + 1) * bw; ++x) row[static_cast<ptrdiff_t>(x) * plane.pixel_stride] = value;
    }
  }
}

std::optional<uint32_t> read(const ConstPlane& plane) {
  if (!fits(plane.width, plane.height)) return std::nullopt;
  const int rows = strip_height(plane.height), bw = block_width(plane.width);
  // The middle half of each block, both ways: the edges are where the encoder blurs.
  const int y0 = rows / 4, y1 = std::max(y0 + 1, rows * 3 / 4);
  uint32_t word = 0;
  for (int bit = 0; bit < kBits; ++bit) {
    const int x0 = bit * bw + bw / 4, x1 = std::max(x0 + 1, bit * bw + bw * 3 / 4);
    int darkest = 255, brightest = 0, sum = 0, count = 0;
    for (int y = y0; y < y1; ++y) {
      const uint8_t* row = plane.data + static_cast<ptrdiff_t>(y) * plane.stride;
      for (int x = x0; x < x1; ++x) {
        const int v = row[static_cast<ptrdiff_t>(x) * plane.pixel_stride];
        darkest = std::min(darkest, v);
        brightest = std::max(brightest, v);
        sum += v;
        ++count;
      }
    }
    const int mean = sum / count;
    // Clearly one or the other (black 0-16, white 235-255 and a codec's ringing around them), and
    // flat: a textured area is not a block.
    if (brightest - darkest > 96) return std::nullopt;
    if (mean < 80) {
      word <<= 1;
    } else if (mean > 176) {
      word = (word << 1) | 1u;
    } else {
      return std::nullopt;
    }
  }
  return word;
}

int64_t age_ms(uint32_t stamp_time, uint64_t now_ms) {
  const uint32_t now = static_cast<uint32_t>(now_ms % kTimeModulo);
  const uint32_t forward = (now - stamp_time) % kTimeModulo;
  // More than half the modulo ahead: the stamp is later than now.
  return forward < kTimeModulo / 2 ? static_cast<int64_t>(forward) : static_cast<int64_t>(forward) - kTimeModulo;
}

}  // namespace sio::launcher::stamp
