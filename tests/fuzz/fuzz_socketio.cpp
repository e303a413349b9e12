// libFuzzer entry point: sio::socketio::decode (one text message). A decoded non-binary packet
// must encode to text that decodes to the same packet (compared through its canonical encoding).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketio.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = sio::socketio::decode(text);
  if (!decoded) {
    if (decoded.error().offset > size) __builtin_trap();
    return 0;
  }
  if (!sio::socketio::payload_valid(decoded->packet)) __builtin_trap();
  if (decoded->attachments != 0) return 0;
  const sio::socketio::Encoded once = sio::socketio::encode(decoded->packet);
  if (!once.attachments.empty()) __builtin_trap();
  auto again = sio::socketio::decode(once.text);
  if (!again) {
    // Only a payload that JSON cannot carry (Infinity as an event name becomes null) may differ,
    // exactly as with socket.io-parser.
    if (again.error().code != sio::ErrorCode::BadPayload) __builtin_trap();
    return 0;
  }
  if (sio::socketio::encode(again->packet).text != once.text) __builtin_trap();
  return 0;
}
