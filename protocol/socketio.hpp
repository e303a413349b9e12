// Socket.IO protocol v5 (https://github.com/socketio/socket.io-protocol, "Protocol version 5").
// Pure codec for the packet string format
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
// plus binary attachment reconstruction ({"_placeholder":true,"num":N}).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"
#include "result.hpp"

namespace sio::socketio {

enum class PacketType : uint8_t {
  Connect = 0,
  Disconnect = 1,
  Event = 2,
  Ack = 3,
  ConnectError = 4,
  BinaryEvent = 5,
  BinaryAck = 6,
};

struct Packet {
  PacketType type = PacketType::Event;
  std::string nsp = "/";
  std::optional<uint64_t> ack_id;
  // Payload: CONNECT: optional object; DISCONNECT: none; EVENT/ACK: array (EVENT: first element is
  // the event name string); CONNECT_ERROR: object (or string, from old servers).
  // After a BINARY_* packet is complete, Binary values replace the placeholders.
  std::optional<json::Value> data;
  bool operator==(const Packet&) const = default;
};

struct DecodeOptions {
  std::size_t max_attachments = 64;  // a BINARY_* packet announcing more is BadAttachments
  // The bytes of one packet's attachments together (Decoder): a sender announcing 64 and sending
  // 63 would otherwise have the receiver hold 63 whole messages for as long as it likes.
  std::size_t max_attachment_bytes = 1000000;
  std::size_t max_depth = 64;
};

// One text Engine.IO message -> one packet header + payload. For BINARY_* packets the payload still
// holds placeholders; `attachments` says how many binary messages must follow (use Decoder).
struct Decoded {
  Packet packet;
  std::size_t attachments = 0;
};
Result<Decoded> decode(std::string_view text, DecodeOptions options = {});

// The shape rules of the spec, checked by decode() (the official parser's isPayloadValid, plus the
// spec's "payload is mandatory" for EVENT/ACK/CONNECT_ERROR):
// CONNECT: object or absent; DISCONNECT: absent; CONNECT_ERROR: object or string;
// EVENT/BINARY_EVENT: non-empty array whose first element is a number or a string that is not a
// reserved name (connect, connect_error, disconnect, disconnecting, newListener, removeListener);
// ACK/BINARY_ACK: array and an ack id.
bool payload_valid(const Packet& packet);

// Encoding. Binary values anywhere in `data` are pulled out into attachments, the packet type
// becomes BINARY_EVENT / BINARY_ACK and placeholders take their place, in depth-first order.
// Without Binary values a BINARY_* type is written as EVENT / ACK. Binary outside EVENT/ACK data
// is written as null. A null or absent payload is left out; nsp "" or "/" is left out.
struct Encoded {
  std::string text;
  std::vector<std::string> attachments;  // each goes in its own binary Engine.IO message
};
Encoded encode(const Packet& packet);

// Stateful reassembly of BINARY_* packets from consecutive Engine.IO messages, per connection.
// Pure: feed it what arrived, it returns a complete packet or nothing yet. A reassembled packet
// has type Event/Ack (as socket.io-parser delivers it) with Binary values in its data. Errors:
// binary with nothing pending is UnexpectedBinary; text while attachments are pending, or a
// placeholder that matches no buffer, is BadAttachments; so are attachments whose bytes together
// exceed max_attachment_bytes (found at the buffer that crosses it). After an error the decoder
// is empty.
class Decoder {
 public:
  explicit Decoder(DecodeOptions options = {}) : options_(options) {}
  Result<std::optional<Packet>> feed_text(std::string_view text);
  Result<std::optional<Packet>> feed_binary(std::string_view bytes);
  bool waiting_for_attachments() const { return pending_.has_value(); }

 private:
  DecodeOptions options_;
  std::optional<Decoded> pending_;
  std::vector<std::string> buffers_;
  std::size_t buffered_bytes_ = 0;
};

// Replace placeholders by the buffers ({"_placeholder":true,"num":N}); BadAttachments if a num is
// out of range or not an integer.
Result<json::Value> reconstruct(json::Value data, const std::vector<std::string>& buffers);

}  // namespace sio::socketio
