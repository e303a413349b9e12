// libFuzzer entry point: sio::engineio::decode_payload (long-polling bodies).
// Whatever decodes must survive encode_payload -> decode_payload unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engineio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto packets = sio::engineio::decode_payload(body);
  if (!packets) {
    if (packets.error().offset > size) __builtin_trap();
    return 0;
  }
  if (packets->empty()) __builtin_trap();
  auto back = sio::engineio::decode_payload(sio::engineio::encode_payload(*packets));
  if (!back || *back != *packets) __builtin_trap();
  return 0;
}
