#include "websocket_frame.hpp"

#include <algorithm>
#include <cstring>

#include "utf8.hpp"

namespace sio::websocket {

namespace {

bool is_control(Opcode opcode) { return (static_cast<uint8_t>(opcode) & 0x8) != 0; }

bool known_opcode(uint8_t opcode) {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

// RFC 6455 7.4: codes a peer may put in a close frame (1004-1006 are reserved, 1015 is never
// sent; 3000-4999 are for libraries and applications). As Node's ws accepts them.
bool valid_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
         (code >= 3000 && code <= 4999);
}

// XOR with the 4-byte key, 8 bytes at a time where possible (payloads are mostly ASCII JSON).
void unmask(char* data, std::size_t size, const uint8_t key[4]) {
  std::size_t i = 0;
  if (size >= 8) {
    uint8_t key8[8];
    for (int k = 0; k < 8; ++k) key8[k] = key[k & 3];
    uint64_t wide;
    std::memcpy(&wide, key8, 8);
    for (; i + 8 <= size; i += 8) {
      uint64_t chunk;
      std::memcpy(&chunk, data + i, 8);
      chunk ^= wide;
      std::memcpy(data + i, &chunk, 8);
    }
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ key[i & 3]);
}

}  // namespace

bool valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    // ASCII runs 8 bytes at a time.
    if (i + 8 <= bytes.size()) {
      uint64_t chunk;
      std::memcpy(&chunk, bytes.data() + i, 8);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<uint8_t>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const utf8::Step step = utf8::decode_step(bytes, i);
    if (!step.ok) return false;
    i += step.length;
  }
  return true;
}

std::size_t encode_header(Opcode opcode, uint64_t payload_size, char out[10]) {
  out[0] = static_cast<char>(0x80 | static_cast<uint8_t>(opcode));
  if (payload_size < 126) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(payload_size >> 8);
    out[3] = static_cast<char>(payload_size & 0xFF);
    return 4;
  }
  out[1] = 127;
  for (int k = 0; k < 8; ++k) out[2 + k] = static_cast<char>((payload_size >> (56 - 8 * k)) & 0xFF);
  return 10;
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload) {
  char header[10];
  const std::size_t n = encode_header(opcode, payload.size(), header);
  out.append(header, n);
  out.append(payload);
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string payload;
  if (code == close_code::kNoStatus) return payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload.append(reason.substr(0, 123));  // control frames carry at most 125 bytes
  return payload;
}

Event Decoder::fail(uint16_t code, const char* reason) {
  failed_ = true;
  failed_code_ = code;
  failed_reason_ = reason;
  Event event;
  event.kind = Event::Kind::Error;
  event.code = code;
  event.reason = reason;
  return event;
}

Event Decoder::next(char* data, std::size_t size) {
  if (failed_) return fail(failed_code_, failed_reason_);
  message_.clear();
  std::size_t used = 0;  // fragments taken in by this call
  for (;;) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(data + used);
    const std::size_t available = size - used;
    Event event;
    event.consumed = used;
    if (available < 2) return event;  // NeedMore

    // RFC 6455 5.2, checked as soon as the header bytes are in: a client cannot make us buffer a
    // frame we would refuse anyway.
    const bool fin = (bytes[0] & 0x80) != 0;
    if ((bytes[0] & 0x70) != 0) return fail(close_code::kProtocolError, "RSV bits set without an extension");
    if (!known_opcode(bytes[0] & 0x0F)) return fail(close_code::kProtocolError, "unknown opcode");
    const auto opcode = static_cast<Opcode>(bytes[0] & 0x0F);
    if ((bytes[1] & 0x80) == 0) return fail(close_code::kProtocolError, "client frame not masked");
    uint64_t length = bytes[1] & 0x7F;
    if (is_control(opcode)) {
      if (!fin) return fail(close_code::kProtocolError, "fragmented control frame");
      if (length > 125) return fail(close_code::kProtocolError, "control frame over 125 bytes");
    } else if (opcode == Opcode::Continuation) {
      if (!in_fragmented_) return fail(close_code::kProtocolError, "continuation frame without a message");
    } else if (in_fragmented_) {
      return fail(close_code::kProtocolError, "new message inside a fragmented one");
    }
    std::size_t header = 2;
    if (length == 126) {
      if (available < 4) return event;
      length = (uint64_t{bytes[2]} << 8) | bytes[3];
      header = 4;
    } else if (length == 127) {
      if (available < 10) return event;
      length = 0;
      for (int k = 0; k < 8; ++k) length = (length << 8) | bytes[2 + k];
      if (length >> 63) return fail(close_code::kProtocolError, "64-bit length with the top bit set");
      header = 10;
    }
    const uint64_t so_far = opcode == Opcode::Continuation ? fragments_.size() : 0;
    if (!is_control(opcode) && length > max_message_ - std::min<uint64_t>(so_far, max_message_)) {
      return fail(close_code::kTooBig, "message over the maximum payload");
    }
    header += 4;  // the masking key
    if (available < header || available - header < length) return event;

    uint8_t key[4];
    std::memcpy(key, bytes + header - 4, 4);
    char* payload = data + used + header;
    unmask(payload, static_cast<std::size_t>(length), key);
    const std::string_view view(payload, static_cast<std::size_t>(length));
    used += header + static_cast<std::size_t>(length);
    event.consumed = used;

    switch (opcode) {
      case Opcode::Text:
      case Opcode::Binary:
        if (!fin) {
          in_fragmented_ = true;
          fragmented_opcode_ = opcode;
          fragments_.assign(view);
          continue;
        }
        if (opcode == Opcode::Text && !valid_utf8(view)) {
          return fail(close_code::kInvalidData, "text message not UTF-8");
        }
        event.kind = opcode == Opcode::Text ? Event::Kind::Text : Event::Kind::Binary;
        event.data = view;
        return event;
      case Opcode::Continuation:
        fragments_.append(view);
        if (!fin) continue;
        in_fragmented_ = false;
        message_.swap(fragments_);
        fragments_.clear();
        if (fragmented_opcode_ == Opcode::Text && !valid_utf8(message_)) {
          return fail(close_code::kInvalidData, "text message not UTF-8");
        }
        event.kind = fragmented_opcode_ == Opcode::Text ? Event::Kind::Text : Event::Kind::Binary;
        event.data = message_;
        return event;
      case Opcode::Ping:
      case Opcode::Pong:
        event.kind = opcode == Opcode::Ping ? Event::Kind::Ping : Event::Kind::Pong;
        event.data = view;
        return event;
      case Opcode::Close:
        event.kind = Event::Kind::Close;
        if (view.empty()) {
          event.code = close_code::kNoStatus;
          return event;
        }
        if (view.size() == 1) return fail(close_code::kProtocolError, "close frame with a 1-byte payload");
        event.code = static_cast<uint16_t>((static_cast<uint8_t>(view[0]) << 8) | static_cast<uint8_t>(view[1]));
        if (!valid_close_code(event.code)) return fail(close_code::kProtocolError, "invalid close code");
        event.data = view.substr(2);
        if (!valid_utf8(event.data)) return fail(close_code::kInvalidData, "close reason not UTF-8");
        return event;
    }
    return fail(close_code::kProtocolError, "unknown opcode");
  }
}

}  // namespace sio::websocket
