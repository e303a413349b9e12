// libFuzzer entry point: sio::engineio::decode_text / decode_binary (WebSocket frames).
// Canonical text frames must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engineio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto packet = sio::engineio::decode_text(frame);
  if (!packet) {
    if (packet.error().offset > size) __builtin_trap();
  } else if (!packet->binary) {
    if (sio::engineio::encode_text(*packet) != frame) __builtin_trap();
  } else {
    // "b" + base64: the polling form must decode back to the same bytes.
    auto back = sio::engineio::decode_payload(sio::engineio::encode_payload({*packet}));
    if (!back || back->size() != 1 || (*back)[0] != *packet) __builtin_trap();
  }
  if (sio::engineio::decode_binary(frame).data != frame) __builtin_trap();
  return 0;
}
