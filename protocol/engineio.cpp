#include "engineio.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "json.hpp"
#include "utf8.hpp"

namespace sio::engineio {

namespace {

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

CodecError shifted(CodecError error, std::size_t by) {
  error.offset += by;
  return error;
}

}  // namespace

Result<Packet> decode_text(std::string_view frame) {
  if (frame.empty()) return make_error(ErrorCode::Empty, 0, "empty Engine.IO packet");
  // "b" + base64 is the polling form of a binary message; engine.io's decodePacket accepts it in
  // any text, so a WebSocket text frame may carry it too.
  if (frame[0] == 'b') {
    auto bytes = base64_decode(frame.substr(1));
    if (!bytes) return shifted(bytes.error(), 1);
    return Packet{PacketType::Message, std::move(bytes).value(), true};
  }
  if (frame[0] < '0' || frame[0] > '6') {
    return make_error(ErrorCode::UnknownPacketType, 0, "unknown Engine.IO packet type");
  }
  const std::string_view data = frame.substr(1);
  if (const std::size_t bad = json::find_invalid_utf8(data); bad != std::string_view::npos) {
    return make_error(ErrorCode::InvalidUtf8, bad + 1, "Engine.IO text packet is not UTF-8");
  }
  return Packet{static_cast<PacketType>(frame[0] - '0'), std::string(data), false};
}

Packet decode_binary(std::string_view frame) {
  return Packet{PacketType::Message, std::string(frame), true};
}

std::string encode_text(const Packet& packet) {
  std::string out;
  out.reserve(packet.data.size() + 1);
  out += static_cast<char>('0' + static_cast<int>(packet.type));
  out += packet.data;
  return out;
}

Result<std::vector<Packet>> decode_payload(std::string_view body) {
  if (body.empty()) return make_error(ErrorCode::Empty, 0, "empty polling payload");
  std::vector<Packet> packets;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = body.find(kRecordSeparator, start);
    const std::string_view piece = body.substr(start, end == std::string_view::npos ? end : end - start);
    auto packet = decode_text(piece);
    if (!packet) return shifted(packet.error(), start);
    packets.push_back(std::move(packet).value());
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return packets;
}

void append_to_payload(const Packet& packet, std::string& body) {
  if (!body.empty()) body += kRecordSeparator;
  if (packet.binary) {
    body += 'b';
    body += base64_encode(packet.data);
  } else {
    body += static_cast<char>('0' + static_cast<int>(packet.type));
    body += packet.data;
  }
}

std::string encode_payload(const std::vector<Packet>& packets) {
  std::string body;
  // Every encoded packet is at least one byte, so append_to_payload's "separator if the body is
  // not empty" rule puts exactly one separator between packets.
  for (const Packet& packet : packets) append_to_payload(packet, body);
  return body;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kBase64Alphabet[(n >> 18) & 63];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// RFC 4648 §4. Lenient on one point, as Node's Buffer.from(s, "base64") is: the final padding may
// be omitted. Everything else (other characters, '=' inside the text, a lone 6-bit tail) is
// BadBase64 where Node would silently drop bytes.
Result<std::string> base64_decode(std::string_view text) {
  std::size_t length = text.size();
  std::size_t padding = 0;
  while (length > 0 && padding < 2 && text[length - 1] == '=') {
    --length;
    ++padding;
  }
  if (padding > 0 && text.size() % 4 != 0) {
    return make_error(ErrorCode::BadBase64, length, "base64 padding does not complete a quantum");
  }
  if (length % 4 == 1) return make_error(ErrorCode::BadBase64, length - 1, "truncated base64 quantum");
  std::string out;
  out.reserve(length / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) return make_error(ErrorCode::BadBase64, i, "invalid base64 character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string encode_handshake(const Handshake& handshake) {
  // Key order as engine.io's Socket#onOpen writes it.
  json::Array upgrades;
  for (const auto& upgrade : handshake.upgrades) upgrades.emplace_back(upgrade);
  json::Object object;
  object.emplace_back("sid", handshake.sid);
  object.emplace_back("upgrades", std::move(upgrades));
  object.emplace_back("pingInterval", static_cast<double>(handshake.ping_interval_ms));
  object.emplace_back("pingTimeout", static_cast<double>(handshake.ping_timeout_ms));
  object.emplace_back("maxPayload", static_cast<double>(handshake.max_payload));
  return json::serialize(json::Value(std::move(object)));
}

namespace {

template <class Int>
bool whole_number(const json::Value* value, Int& out) {
  if (value == nullptr || !value->is_number()) return false;
  const double d = value->as_number();
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) return false;  // safe integers
  if (d > static_cast<double>(std::numeric_limits<Int>::max())) return false;
  out = static_cast<Int>(d);
  return true;
}

}  // namespace

Result<Handshake> decode_handshake(std::string_view json_text) {
  auto parsed = json::parse(json_text);
  if (!parsed) return parsed.error();
  const json::Value& root = *parsed;
  if (!root.is_object()) return make_error(ErrorCode::BadPayload, 0, "handshake is not a JSON object");
  Handshake handshake;
  const json::Value* sid = root.find("sid");
  if (sid == nullptr || !sid->is_string() || sid->as_string().empty()) {
    return make_error(ErrorCode::BadPayload, 0, "handshake without a sid string");
  }
  handshake.sid = sid->as_string();
  const json::Value* upgrades = root.find("upgrades");
  if (upgrades == nullptr || !upgrades->is_array()) {
    return make_error(ErrorCode::BadPayload, 0, "handshake without an upgrades array");
  }
  for (const json::Value& upgrade : upgrades->as_array()) {
    if (!upgrade.is_string()) return make_error(ErrorCode::BadPayload, 0, "non-string in handshake upgrades");
    handshake.upgrades.push_back(upgrade.as_string());
  }
  if (!whole_number(root.find("pingInterval"), handshake.ping_interval_ms)) {
    return make_error(ErrorCode::BadPayload, 0, "handshake pingInterval is not a whole number");
  }
  if (!whole_number(root.find("pingTimeout"), handshake.ping_timeout_ms)) {
    return make_error(ErrorCode::BadPayload, 0, "handshake pingTimeout is not a whole number");
  }
  // maxPayload came with a later revision of the v4 spec; older servers omit it (default kept).
  if (const json::Value* max_payload = root.find("maxPayload"); max_payload != nullptr) {
    if (!whole_number(max_payload, handshake.max_payload)) {
      return make_error(ErrorCode::BadPayload, 0, "handshake maxPayload is not a whole number");
    }
  }
  return handshake;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding as URLSearchParams does it: '+' is a space, a '%'
// not followed by two hex digits stays as is, and bytes that are not UTF-8 become U+FFFD.
std::string form_decode(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      bytes += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      bytes += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      bytes += c;
    }
  }
  std::string out;
  out.reserve(bytes.size());
  utf8::append_replacing_invalid(bytes, out);
  return out;
}

// engine.io compares EIO with the string "4": only canonical decimal digits count as a number.
std::optional<int> canonical_int(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Query parse_query(std::string_view query) {
  if (!query.empty() && query[0] == '?') query.remove_prefix(1);
  Query result;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string key = form_decode(pair.substr(0, eq));
      const std::string value = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
      // Repeated keys: the last one wins, as Object.fromEntries(url.searchParams) in engine.io.
      if (key == "EIO") {
        result.eio = canonical_int(value);
      } else if (key == "transport") {
        result.transport = value;
      } else if (key == "sid") {
        result.sid = value;
      }
    }
    start = end + 1;
  }
  return result;
}

std::string_view server_error_message(ServerError error) {
  switch (error) {
    case ServerError::UnknownTransport: return "Transport unknown";
    case ServerError::UnknownSid: return "Session ID unknown";
    case ServerError::BadHandshakeMethod: return "Bad handshake method";
    case ServerError::BadRequest: return "Bad request";
    case ServerError::Forbidden: return "Forbidden";
    case ServerError::UnsupportedProtocolVersion: return "Unsupported protocol version";
  }
  return "Bad request";
}

std::string encode_server_error(ServerError error) {
  json::Object object;
  object.emplace_back("code", static_cast<int>(error));
  object.emplace_back("message", server_error_message(error));
  return json::serialize(json::Value(std::move(object)));
}

}  // namespace sio::engineio
