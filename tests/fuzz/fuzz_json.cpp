// libFuzzer entry point: sio::json::parse. Beyond "no crash": whatever parses must serialize to
// valid UTF-8 that parses again to the same serialization (serialize is idempotent).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = sio::json::parse(text);
  if (!value) {
    if (value.error().offset > size) __builtin_trap();
    return 0;
  }
  const std::string once = sio::json::serialize(*value);
  if (sio::json::find_invalid_utf8(once) != std::string_view::npos) __builtin_trap();
  auto again = sio::json::parse(once);
  if (!again || sio::json::serialize(*again) != once) __builtin_trap();
  auto prefix = sio::json::parse_prefix(text);
  if (!prefix || prefix->second > size) __builtin_trap();
  return 0;
}
