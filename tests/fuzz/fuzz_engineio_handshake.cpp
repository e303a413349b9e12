// libFuzzer entry point: sio::engineio::decode_handshake and parse_query (same bytes to both).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engineio.hpp"
#include "json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto handshake = sio::engineio::decode_handshake(text);
  if (handshake) {
    auto back = sio::engineio::decode_handshake(sio::engineio::encode_handshake(*handshake));
    if (!back || *back != *handshake) __builtin_trap();
  } else if (handshake.error().offset > size) {
    __builtin_trap();
  }
  const sio::engineio::Query query = sio::engineio::parse_query(text);
  // Values are percent-decoded with U+FFFD for bad bytes: always valid UTF-8.
  if (sio::json::find_invalid_utf8(query.sid) != std::string_view::npos ||
      sio::json::find_invalid_utf8(query.transport) != std::string_view::npos) {
    __builtin_trap();
  }
  return 0;
}
