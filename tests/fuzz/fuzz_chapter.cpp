// libFuzzer entry point: sio::chapter::decode and relay on parsed JSON event arguments.
// A decoded message must encode to arguments that decode to the same message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chapter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto args = sio::json::parse(text);
  if (!args) return 0;
  auto message = sio::chapter::decode(*args);
  if (message) {
    const sio::json::Value encoded = sio::chapter::encode(*message);
    auto again = sio::chapter::decode(encoded);
    if (!again || *again != *message) __builtin_trap();
    (void)sio::chapter::event_name(*message);
  } else if (message.error().code != sio::ErrorCode::BadMessage) {
    __builtin_trap();
  }
  if (auto relay = sio::chapter::relay(*args, "AAAAAAAAAAAAAAAAAAAA")) {
    const auto& relayed = relay->args.as_array();
    if (relayed.size() != 4 || relayed[1].as_string() != relay->target_id) __builtin_trap();
    if (relayed[3].as_string() != "AAAAAAAAAAAAAAAAAAAA") __builtin_trap();
  }
  return 0;
}
