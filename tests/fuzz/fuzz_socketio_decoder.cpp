// libFuzzer entry point: sio::socketio::Decoder over a sequence of Engine.IO messages.
// Input: messages separated by "\n--\n"; a message starting with 'B' is binary (rest of it),
// anything else is text. A reassembled packet must re-encode and reassemble to the same frames.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "socketio.hpp"

namespace {

void check_round_trip(const sio::socketio::Packet& packet) {
  const sio::socketio::Encoded encoded = sio::socketio::encode(packet);
  // One buffer may be referenced by many placeholders, so the re-encoding may carry more
  // attachments than the original announced.
  sio::socketio::DecodeOptions unlimited;
  unlimited.max_attachments = encoded.attachments.size();
  sio::socketio::Decoder decoder(unlimited);
  auto step = decoder.feed_text(encoded.text);
  if (!step) {
    if (step.error().code != sio::ErrorCode::BadPayload) __builtin_trap();  // see fuzz_socketio.cpp
    return;
  }
  for (const std::string& attachment : encoded.attachments) {
    if (step->has_value()) __builtin_trap();  // complete before its last attachment
    step = decoder.feed_binary(attachment);
    if (!step) __builtin_trap();
  }
  if (!step->has_value() || decoder.waiting_for_attachments()) __builtin_trap();
  const sio::socketio::Encoded again = sio::socketio::encode(**step);
  if (again.text != encoded.text || again.attachments != encoded.attachments) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sio::socketio::DecodeOptions options;
  options.max_attachments = 8;
  sio::socketio::Decoder decoder(options);
  constexpr std::string_view kSeparator = "\n--\n";
  for (int messages = 0; messages < 64; ++messages) {
    const std::size_t end = input.find(kSeparator);
    const std::string_view message = input.substr(0, end);
    auto step = (!message.empty() && message[0] == 'B') ? decoder.feed_binary(message.substr(1))
                                                        : decoder.feed_text(message);
    if (step && step->has_value()) check_round_trip(**step);
    if (!step && decoder.waiting_for_attachments()) __builtin_trap();  // errors leave it empty
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + kSeparator.size());
  }
  return 0;
}
