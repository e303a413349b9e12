#include "socketio.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace sio::socketio {

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Event names socket.io-parser refuses (RESERVED_EVENTS): they have a meaning of their own on
// the client or the server.
constexpr std::array<std::string_view, 6> kReservedEvents = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

bool is_binary_type(PacketType type) { return type == PacketType::BinaryEvent || type == PacketType::BinaryAck; }

CodecError shifted(CodecError error, std::size_t by) {
  error.offset += by;
  return error;
}

}  // namespace

bool payload_valid(const Packet& packet) {
  const auto& data = packet.data;
  switch (packet.type) {
    case PacketType::Connect:
      return !data || data->is_object();
    case PacketType::Disconnect:
      return !data;
    case PacketType::ConnectError:
      return data && (data->is_string() || data->is_object());
    case PacketType::Event:
    case PacketType::BinaryEvent: {
      // Spec: "The payload is mandatory and MUST be a non-empty array". socket.io-parser also
      // takes a number as the first element (it is then the event name) and refuses the reserved
      // names.
      if (!data || !data->is_array() || data->as_array().empty()) return false;
      const json::Value& name = data->as_array().front();
      if (name.is_number()) return true;
      if (!name.is_string()) return false;
      return std::find(kReservedEvents.begin(), kReservedEvents.end(), name.as_string()) == kReservedEvents.end();
    }
    case PacketType::Ack:
    case PacketType::BinaryAck:
      // Spec: "The payload is mandatory and MUST be an array (possibly empty)"; an ACK answers an
      // event id, so one without it cannot be delivered.
      return data && data->is_array() && packet.ack_id.has_value();
  }
  return false;
}

Result<Decoded> decode(std::string_view text, DecodeOptions options) {
  if (text.empty()) return make_error(ErrorCode::Empty, 0, "empty Socket.IO packet");
  if (text[0] < '0' || text[0] > '6') return make_error(ErrorCode::UnknownPacketType, 0, "unknown Socket.IO packet type");
  if (const std::size_t bad = json::find_invalid_utf8(text); bad != std::string_view::npos) {
    return make_error(ErrorCode::InvalidUtf8, bad, "Socket.IO packet is not UTF-8");
  }
  Decoded decoded;
  Packet& packet = decoded.packet;
  packet.type = static_cast<PacketType>(text[0] - '0');
  std::size_t i = 1;

  // <# of binary attachments>- : a positive count, at most max_attachments.
  if (is_binary_type(packet.type)) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start || i >= text.size() || text[i] != '-') {
      return make_error(ErrorCode::BadAttachments, i, "binary packet without '<count>-'");
    }
    std::size_t count = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + i, count);
    if (ec != std::errc() || count > options.max_attachments) {
      return make_error(ErrorCode::BadAttachments, start, "too many attachments");
    }
    if (count == 0) return make_error(ErrorCode::BadAttachments, start, "binary packet with no attachment");
    decoded.attachments = count;
    ++i;  // '-'
  }

  // <namespace>, : starts with '/', ends at ','. socket.io-parser also ends it at the end of the
  // text ("40/custom" is in the official test suite), so do we. A name holding '[', '{' or '"' is
  // a payload whose comma is missing: refused rather than swallowed into a namespace that cannot
  // exist (socket.io-parser would produce one).
  if (i < text.size() && text[i] == '/') {
    const std::size_t start = i;
    std::size_t end = text.find(',', i);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = text.substr(start, end - start);
    if (const std::size_t bad = name.find_first_of("[{\""); bad != std::string_view::npos) {
      return make_error(ErrorCode::BadNamespace, start + bad, "namespace not terminated by ','");
    }
    packet.nsp = std::string(name);
    i = end == text.size() ? end : end + 1;
  }

  // <acknowledgment id>: decimal digits right before the payload.
  if (i < text.size() && is_digit(text[i])) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    uint64_t id = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + i, id);
    if (ec != std::errc()) return make_error(ErrorCode::BadAckId, start, "ack id out of range");
    packet.ack_id = id;
  }

  // [JSON payload]
  const std::size_t payload_start = i;
  if (i < text.size()) {
    auto value = json::parse(text.substr(i), json::ParseOptions{options.max_depth});
    if (!value) return shifted(value.error(), payload_start);
    packet.data = std::move(value).value();
  }
  if (!payload_valid(packet)) {
    return make_error(ErrorCode::BadPayload, payload_start, "payload shape not allowed for this packet type");
  }
  return decoded;
}

namespace {

bool has_binary(const json::Value& value) {
  if (value.is_binary()) return true;
  if (value.is_array()) {
    for (const auto& element : value.as_array()) {
      if (has_binary(element)) return true;
    }
  } else if (value.is_object()) {
    for (const auto& [key, member] : value.as_object()) {
      if (has_binary(member)) return true;
    }
  }
  return false;
}

// Replaces Binary values by placeholders, depth-first, moving their bytes to `buffers`.
json::Value deconstruct(const json::Value& value, std::vector<std::string>& buffers) {
  if (value.is_binary()) {
    json::Object placeholder;
    placeholder.emplace_back("_placeholder", true);
    placeholder.emplace_back("num", static_cast<double>(buffers.size()));
    buffers.push_back(value.as_binary().bytes);
    return json::Value(std::move(placeholder));
  }
  if (value.is_array()) {
    json::Array out;
    out.reserve(value.as_array().size());
    for (const auto& element : value.as_array()) out.push_back(deconstruct(element, buffers));
    return json::Value(std::move(out));
  }
  if (value.is_object()) {
    json::Object out;
    out.reserve(value.as_object().size());
    for (const auto& [key, member] : value.as_object()) out.emplace_back(key, deconstruct(member, buffers));
    return json::Value(std::move(out));
  }
  return value;
}

}  // namespace

Encoded encode(const Packet& packet) {
  Encoded encoded;
  PacketType type = packet.type;
  std::optional<json::Value> data = packet.data;
  const bool event_or_ack = type == PacketType::Event || type == PacketType::Ack || is_binary_type(type);
  if (event_or_ack) {
    // The BINARY_* form exists only when there is binary to carry: socket.io-parser refuses a
    // BINARY_* packet with zero attachments.
    const bool is_event = type == PacketType::Event || type == PacketType::BinaryEvent;
    if (data && has_binary(*data)) {
      data = deconstruct(*data, encoded.attachments);
      type = is_event ? PacketType::BinaryEvent : PacketType::BinaryAck;
    } else {
      type = is_event ? PacketType::Event : PacketType::Ack;
    }
  }
  std::string& out = encoded.text;
  out += static_cast<char>('0' + static_cast<int>(type));
  if (is_binary_type(type)) {
    out += std::to_string(encoded.attachments.size());
    out += '-';
  }
  if (!packet.nsp.empty() && packet.nsp != "/") {
    out += packet.nsp;
    out += ',';
  }
  if (packet.ack_id) out += std::to_string(*packet.ack_id);
  // socket.io-parser writes the payload when `data != null`, so a JSON null is left out too.
  if (data && !data->is_null()) json::serialize_to(*data, out);
  return encoded;
}

namespace {

// Returns false (and sets `error`) on a bad placeholder.
bool reconstruct_in_place(json::Value& value, const std::vector<std::string>& buffers, CodecError& error) {
  if (value.is_object()) {
    const json::Value* marker = value.find("_placeholder");
    if (marker != nullptr && marker->is_bool() && marker->as_bool()) {
      const json::Value* num = value.find("num");
      if (num == nullptr || !num->is_number()) {
        error = make_error(ErrorCode::BadAttachments, 0, "placeholder without a numeric num");
        return false;
      }
      const double n = num->as_number();
      if (!(n >= 0) || n != std::floor(n) || n >= static_cast<double>(buffers.size())) {
        error = make_error(ErrorCode::BadAttachments, 0, "placeholder num out of range");
        return false;
      }
      value = json::Value(json::Binary{buffers[static_cast<std::size_t>(n)]});
      return true;
    }
    for (auto& [key, member] : value.as_object()) {
      if (!reconstruct_in_place(member, buffers, error)) return false;
    }
  } else if (value.is_array()) {
    for (auto& element : value.as_array()) {
      if (!reconstruct_in_place(element, buffers, error)) return false;
    }
  }
  return true;
}

}  // namespace

Result<json::Value> reconstruct(json::Value data, const std::vector<std::string>& buffers) {
  CodecError error{ErrorCode::BadAttachments, 0, {}};
  if (!reconstruct_in_place(data, buffers, error)) return error;
  return data;
}

Result<std::optional<Packet>> Decoder::feed_text(std::string_view text) {
  if (pending_) {
    const std::size_t missing = pending_->attachments - buffers_.size();
    pending_.reset();
    buffers_.clear();
    buffered_bytes_ = 0;
    return make_error(ErrorCode::BadAttachments, 0,
                      "text packet while " + std::to_string(missing) + " binary attachment(s) are pending");
  }
  auto decoded = decode(text, options_);
  if (!decoded) return decoded.error();
  if (decoded->attachments == 0) return std::optional<Packet>(std::move(decoded->packet));
  pending_ = std::move(decoded).value();
  return std::optional<Packet>();
}

Result<std::optional<Packet>> Decoder::feed_binary(std::string_view bytes) {
  if (!pending_) return make_error(ErrorCode::UnexpectedBinary, 0, "binary message without a BINARY_* packet");
  if (bytes.size() > options_.max_attachment_bytes - buffered_bytes_) {
    const std::size_t received = buffers_.size();
    pending_.reset();
    buffers_.clear();
    buffered_bytes_ = 0;
    return make_error(ErrorCode::BadAttachments, 0,
                      "attachments over " + std::to_string(options_.max_attachment_bytes) +
                          " bytes in total (at attachment " + std::to_string(received + 1) + ")");
  }
  buffered_bytes_ += bytes.size();
  buffers_.emplace_back(bytes);
  if (buffers_.size() < pending_->attachments) return std::optional<Packet>();
  Packet packet = std::move(pending_->packet);
  pending_.reset();
  std::vector<std::string> buffers = std::move(buffers_);
  buffers_.clear();
  buffered_bytes_ = 0;
  if (packet.data) {
    auto data = reconstruct(std::move(*packet.data), buffers);
    if (!data) return data.error();
    packet.data = std::move(data).value();
  }
  // As socket.io-parser: once reassembled, a BINARY_EVENT is an EVENT and a BINARY_ACK an ACK;
  // encode() picks the BINARY_* form again from the Binary values it finds.
  packet.type = packet.type == PacketType::BinaryEvent ? PacketType::Event : PacketType::Ack;
  return std::optional<Packet>(std::move(packet));
}

}  // namespace sio::socketio
