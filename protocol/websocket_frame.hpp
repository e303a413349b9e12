// RFC 6455 framing, server side: a decoder for the frames a client sends (masked, possibly
// fragmented, with control frames in between) and encoders for the frames a server sends
// (unmasked). No extensions are negotiated, so RSV bits must be zero. Pure: no I/O, no clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sio::websocket {

enum class Opcode : uint8_t { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

// RFC 6455 7.4.1.
namespace close_code {
constexpr uint16_t kNormal = 1000;
constexpr uint16_t kGoingAway = 1001;
constexpr uint16_t kProtocolError = 1002;
constexpr uint16_t kNoStatus = 1005;  // never sent: a close frame without a code
constexpr uint16_t kInvalidData = 1007;
constexpr uint16_t kTooBig = 1009;
}  // namespace close_code

// RFC 3629 well-formedness (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view bytes);

// A server frame header (FIN set, unmasked) for `payload_size` bytes: 2, 4 or 10 bytes.
std::size_t encode_header(Opcode opcode, uint64_t payload_size, char out[10]);
// Header + payload appended to `out`.
void append_frame(std::string& out, Opcode opcode, std::string_view payload);
// A close frame's payload: the code (omitted when kNoStatus) then the UTF-8 reason.
std::string close_payload(uint16_t code, std::string_view reason);

// One thing the decoder found. Views point into the caller's buffer or into the decoder and are
// valid until the next call.
struct Event {
  enum class Kind : uint8_t {
    NeedMore,  // no complete frame left (`consumed` may still count fragments taken in)
    Text,      // a whole message (fragments joined), UTF-8 checked
    Binary,
    Ping,
    Pong,
    Close,  // `code` (kNoStatus when absent) and `data` = the reason
    Error,  // fail the connection: send a close frame with `code`; `reason` says why
  };
  Kind kind = Kind::NeedMore;
  std::string_view data;
  uint16_t code = 0;
  const char* reason = "";
  std::size_t consumed = 0;  // bytes of the input used (0 for Error)
};

// Decodes a client's byte stream. Feed it the unconsumed bytes each time; it unmasks payloads in
// place (hence the mutable buffer). After an Error, it keeps returning that error.
class Decoder {
 public:
  explicit Decoder(uint64_t max_message_size) : max_message_(max_message_size) {}

  Event next(char* data, std::size_t size);

  // The message being reassembled from fragments (for tests and memory accounting).
  std::size_t pending_fragment_bytes() const { return fragments_.size(); }

 private:
  Event fail(uint16_t code, const char* reason);

  uint64_t max_message_;
  std::string fragments_;      // payloads of a fragmented message so far
  std::string message_;        // the last reassembled message (what a returned view points at)
  bool in_fragmented_ = false;
  Opcode fragmented_opcode_ = Opcode::Text;
  bool failed_ = false;
  uint16_t failed_code_ = 0;
  const char* failed_reason_ = "";
};

}  // namespace sio::websocket
