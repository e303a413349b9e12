// Internal to protocol/: one UTF-8 decoding step shared by the JSON codec and the query parser.
// Not part of the public API (nothing outside protocol/*.cpp includes it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sio::utf8 {

struct Step {
  char32_t code_point = 0;
  std::size_t length = 1;  // bytes consumed; on error: the maximal ill-formed subpart (>= 1)
  bool ok = false;
};

// Decodes the sequence starting at bytes[i] following RFC 3629 / Unicode Table 3-7: no overlongs,
// no surrogates (ED A0..BF), nothing above U+10FFFF. On error `length` is what a conforming
// decoder replaces by one U+FFFD (as TextDecoder and URLSearchParams do).
inline Step decode_step(std::string_view bytes, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(bytes[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t need = 0;
  char32_t cp = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {0, 1, false};
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= bytes.size()) return {0, k, false};
    const uint8_t b = byte(i + k);
    const uint8_t min = k == 1 ? lo : 0x80;
    const uint8_t max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return {0, k, false};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, need + 1, true};
}

inline void append(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    // Also used for lone surrogates (WTF-8), see json.cpp.
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Copies `bytes` to `out`, replacing each maximal ill-formed subpart by U+FFFD.
inline void append_replacing_invalid(std::string_view bytes, std::string& out) {
  for (std::size_t i = 0; i < bytes.size();) {
    const Step step = decode_step(bytes, i);
    if (step.ok) {
      out.append(bytes.substr(i, step.length));
    } else {
      out.append("\xEF\xBF\xBD");
    }
    i += step.length;
  }
}

}  // namespace sio::utf8
