// Engine.IO protocol v4 (https://github.com/socketio/engine.io-protocol, "Protocol revision 4").
// Pure codec: packets, the long-polling payload, the handshake JSON, the request query and the
// server's HTTP error bodies. Transports (libsoup) live in signalling/ and gst-plugin/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace sio::engineio {

inline constexpr char kRecordSeparator = '\x1e';  // v4 payload separator between packets

enum class PacketType : uint8_t { Open = 0, Close = 1, Ping = 2, Pong = 3, Message = 4, Upgrade = 5, Noop = 6 };

struct Packet {
  PacketType type = PacketType::Message;
  std::string data;     // text after the type digit, or the raw bytes of a binary message
  bool binary = false;  // only Message packets can be binary
  bool operator==(const Packet&) const = default;
};

// WebSocket transport: a text frame is "<type digit><data>", a binary frame is a binary Message.
// decode_text also takes "b<base64>" (a binary Message), as engine.io-parser's decodePacket does
// for any text. Errors: Empty, UnknownPacketType (offset 0), InvalidUtf8, BadBase64.
Result<Packet> decode_text(std::string_view frame);
Packet decode_binary(std::string_view frame);
// Text form of a packet for a WebSocket text frame. Precondition: !packet.binary.
std::string encode_text(const Packet& packet);

// Long-polling transport: packets joined by kRecordSeparator; a binary message is "b" + base64.
// An empty body is an error (a payload holds at least one packet).
Result<std::vector<Packet>> decode_payload(std::string_view body);
std::string encode_payload(const std::vector<Packet>& packets);
void append_to_payload(const Packet& packet, std::string& body);  // adds the separator if needed

// Base64 (RFC 4648, standard alphabet, padded), as the polling transport uses for binary. The
// decoder also takes unpadded input (as Node's Buffer.from does) and refuses anything else.
std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

struct Handshake {
  std::string sid;
  std::vector<std::string> upgrades;  // ["websocket"] on polling, [] on websocket
  uint32_t ping_interval_ms = 25000;
  uint32_t ping_timeout_ms = 20000;
  uint64_t max_payload = 1000000;
  bool operator==(const Handshake&) const = default;
};
// The JSON body of the open packet (without the leading '0').
std::string encode_handshake(const Handshake& handshake);
Result<Handshake> decode_handshake(std::string_view json_text);

// The query of an Engine.IO request: /engine.io/?EIO=4&transport=polling&sid=...
// Unknown keys (t, j, b64, auth tokens...) are ignored. Values are percent-decoded.
struct Query {
  std::optional<int> eio;    // absent or not a number: nullopt
  std::string transport;     // "polling" | "websocket" | other (rejected by the server)
  std::string sid;           // empty on a handshake
  bool operator==(const Query&) const = default;
};
Query parse_query(std::string_view query);

// Server errors, answered as HTTP 400 with a JSON body {"code":N,"message":"..."}
// (engine.io's Server.errors / errorMessages).
enum class ServerError : uint8_t {
  UnknownTransport = 0,
  UnknownSid = 1,
  BadHandshakeMethod = 2,
  BadRequest = 3,
  Forbidden = 4,
  UnsupportedProtocolVersion = 5,
};
std::string_view server_error_message(ServerError error);
std::string encode_server_error(ServerError error);

}  // namespace sio::engineio
