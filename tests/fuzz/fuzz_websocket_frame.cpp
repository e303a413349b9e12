// libFuzzer entry point: sio::websocket::Decoder on a client byte stream, fed whole and then in
// pieces whose sizes come from the first input byte. Both feedings must find the same messages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "websocket_frame.hpp"

namespace {

std::vector<std::string> run(const uint8_t* data, size_t size, size_t step) {
  sio::websocket::Decoder decoder(4096);
  std::vector<std::string> seen;
  std::string buffer;
  size_t fed = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    const sio::websocket::Event event = decoder.next(buffer.data(), buffer.size());
    if (event.consumed > buffer.size()) __builtin_trap();
    using Kind = sio::websocket::Event::Kind;
    if (event.kind == Kind::Text && !sio::websocket::valid_utf8(event.data)) __builtin_trap();
    if (event.kind != Kind::NeedMore) seen.push_back(std::to_string(static_cast<int>(event.kind)) + ":" +
                                                     std::to_string(event.code) + ":" + std::string(event.data));
    buffer.erase(0, event.consumed);
    if (event.kind == Kind::Error) break;
    if (event.kind == Kind::NeedMore) {
      if (fed >= size) break;
      const size_t n = step < size - fed ? step : size - fed;
      buffer.append(reinterpret_cast<const char*>(data) + fed, n);
      fed += n;
    }
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 16;
  if (run(data + 1, size - 1, size) != run(data + 1, size - 1, step)) __builtin_trap();
  return 0;
}
