// sio::engineio against the Engine.IO protocol v4 document (socketio/engine.io-protocol README,
// sections quoted per row) and the official test suite's wire strings (test-suite/test-suite.js).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "engineio.hpp"

using namespace std::string_view_literals;
using sio::ErrorCode;
namespace eio = sio::engineio;
using eio::Packet;
using eio::PacketType;

namespace {

Packet text(PacketType type, std::string data = {}) { return Packet{type, std::move(data), false}; }
Packet binary(std::string bytes) { return Packet{PacketType::Message, std::move(bytes), true}; }

struct PacketRow {
  const char* description;
  std::string_view frame;
  Packet expected;
};

// Canonical WebSocket text frames: decode_text then encode_text gives the same bytes.
const PacketRow kValidFrames[] = {
    {"§Packet encoding/WebSocket example", "4hello", text(PacketType::Message, "hello")},
    {"§Heartbeat ping", "2", text(PacketType::Ping)},
    {"§Heartbeat pong", "3", text(PacketType::Pong)},
    {"§Upgrade probe ping", "2probe", text(PacketType::Ping, "probe")},
    {"§Upgrade probe pong", "3probe", text(PacketType::Pong, "probe")},
    {"§Upgrade upgrade packet", "5", text(PacketType::Upgrade)},
    {"§Upgrade noop (test suite)", "6", text(PacketType::Noop)},
    {"close (test suite)", "1", text(PacketType::Close)},
    {"§Handshake open packet",
     R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
     text(PacketType::Open,
          R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})")},
    {"Socket.IO CONNECT inside a message", "40", text(PacketType::Message, "0")},
    {"empty message", "4", text(PacketType::Message)},
    {"UTF-8 text", "4h\xc3\xa9llo \xf0\x9f\x98\x80", text(PacketType::Message, "h\xc3\xa9llo \xf0\x9f\x98\x80")},
    {"record separator is plain data on WebSocket", "4a\x1e" "b", text(PacketType::Message, "a\x1e" "b")},
};

// Accepted but not the canonical WebSocket form.
const PacketRow kLenientFrames[] = {
    // engine.io-parser's decodePacket takes "b"+base64 in any text, WebSocket frames included.
    {"§Packet encoding/HTTP long-polling binary form in a text frame", "bAQIDBA==", binary("\x01\x02\x03\x04")},
    {"base64 without padding, as Node's Buffer.from accepts", "bAQIDBA", binary("\x01\x02\x03\x04")},
    {"empty binary", "b", binary("")},
};

struct InvalidRow {
  const char* description;
  std::string_view input;
  ErrorCode code;
  std::size_t offset;
};

const InvalidRow kInvalidFrames[] = {
    {"empty frame", "", ErrorCode::Empty, 0},
    {"type 7 does not exist", "7", ErrorCode::UnknownPacketType, 0},
    {"letter type", "xhello", ErrorCode::UnknownPacketType, 0},
    {"NUL type", "\0"sv, ErrorCode::UnknownPacketType, 0},
    {"invalid UTF-8 in text", "4ab\xff", ErrorCode::InvalidUtf8, 3},
    {"raw surrogate in text", "4\xed\xa0\x80", ErrorCode::InvalidUtf8, 1},
    {"base64 with a bad character", "bAQ!DBA==", ErrorCode::BadBase64, 3},
    {"base64 lone 6-bit tail", "bAQIDB", ErrorCode::BadBase64, 5},
    {"base64 padding in the middle", "bAQ==IDB", ErrorCode::BadBase64, 3},
    {"base64 padding that does not complete a quantum", "bAQIDBA=", ErrorCode::BadBase64, 7},
    {"base64url alphabet", "bAQ-_", ErrorCode::BadBase64, 3},
};

const InvalidRow kInvalidPayloads[] = {
    {"§Sending data: empty body", "", ErrorCode::Empty, 0},
    {"trailing separator", "4a\x1e", ErrorCode::Empty, 3},
    {"leading separator", "\x1e" "4a", ErrorCode::Empty, 0},
    {"double separator", "4a\x1e\x1e" "2", ErrorCode::Empty, 3},
    {"bad type in second packet", "4a\x1e" "9", ErrorCode::UnknownPacketType, 3},
    {"bad base64 in second packet", "4a\x1e" "b!", ErrorCode::BadBase64, 4},
    {"invalid UTF-8 in third packet", "2\x1e" "3\x1e" "4\xc0", ErrorCode::InvalidUtf8, 5},
};

void expect_error(const sio::CodecError& error, const InvalidRow& row) {
  EXPECT_EQ(error.code, row.code) << sio::to_string(error.code) << ": " << error.reason;
  EXPECT_EQ(error.offset, row.offset) << error.reason;
  EXPECT_FALSE(error.reason.empty());
}

}  // namespace

TEST(EngineIoText, ValidFramesRoundTrip) {
  for (const auto& row : kValidFrames) {
    SCOPED_TRACE(row.description);
    auto packet = eio::decode_text(row.frame);
    ASSERT_TRUE(packet.ok()) << packet.error().reason;
    EXPECT_EQ(*packet, row.expected);
    EXPECT_EQ(eio::encode_text(*packet), row.frame);
  }
}

TEST(EngineIoText, LenientFrames) {
  for (const auto& row : kLenientFrames) {
    SCOPED_TRACE(row.description);
    auto packet = eio::decode_text(row.frame);
    ASSERT_TRUE(packet.ok()) << packet.error().reason;
    EXPECT_EQ(*packet, row.expected);
  }
}

TEST(EngineIoText, InvalidFrames) {
  for (const auto& row : kInvalidFrames) {
    SCOPED_TRACE(row.description);
    auto packet = eio::decode_text(row.input);
    ASSERT_FALSE(packet.ok());
    expect_error(packet.error(), row);
  }
}

TEST(EngineIoBinary, FrameIsARawMessage) {
  // §Packet encoding/WebSocket: "Binary payloads are sent as is, without modification."
  const std::string bytes("\x00\x01\xff\x1e", 4);
  EXPECT_EQ(eio::decode_binary(bytes), binary(bytes));
  EXPECT_EQ(eio::decode_binary(""), binary(""));
}

TEST(EngineIoPayload, SpecAndSuiteExamples) {
  struct {
    const char* description;
    std::string_view body;
    std::vector<Packet> packets;
  } const rows[] = {
      {"§Packet encoding/HTTP long-polling example 1", "4hello\x1e" "2\x1e" "4world",
       {text(PacketType::Message, "hello"), text(PacketType::Ping), text(PacketType::Message, "world")}},
      {"§Packet encoding/HTTP long-polling example 2 (and test suite)", "4hello\x1e" "bAQIDBA==",
       {text(PacketType::Message, "hello"), binary("\x01\x02\x03\x04")}},
      {"test suite: three messages", "4test1\x1e" "4test2\x1e" "4test3",
       {text(PacketType::Message, "test1"), text(PacketType::Message, "test2"), text(PacketType::Message, "test3")}},
      {"Socket.IO sample session request 5", "42[\"hello\"]\x1e" "42[\"world\"]",
       {text(PacketType::Message, "2[\"hello\"]"), text(PacketType::Message, "2[\"world\"]")}},
      {"single packet", "6", {text(PacketType::Noop)}},
      {"empty binary between messages", "4a\x1e" "b\x1e" "4b",
       {text(PacketType::Message, "a"), binary(""), text(PacketType::Message, "b")}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.description);
    auto packets = eio::decode_payload(row.body);
    ASSERT_TRUE(packets.ok()) << packets.error().reason;
    EXPECT_EQ(*packets, row.packets);
    EXPECT_EQ(eio::encode_payload(*packets), row.body);
  }
}

TEST(EngineIoPayload, Invalid) {
  for (const auto& row : kInvalidPayloads) {
    SCOPED_TRACE(row.description);
    auto packets = eio::decode_payload(row.input);
    ASSERT_FALSE(packets.ok());
    expect_error(packets.error(), row);
  }
}

TEST(EngineIoPayload, AppendAddsSeparatorsOnlyBetween) {
  std::string body;
  eio::append_to_payload(text(PacketType::Message, "a"), body);
  EXPECT_EQ(body, "4a");
  eio::append_to_payload(binary("\x01"), body);
  eio::append_to_payload(text(PacketType::Ping), body);
  EXPECT_EQ(body, "4a\x1e" "bAQ==\x1e" "2");
  EXPECT_EQ(eio::encode_payload({}), "");
  // Binary bytes that look like separators survive because they are base64-encoded.
  const std::vector<Packet> tricky{binary("\x1e\x1e"), text(PacketType::Message, "x")};
  auto back = eio::decode_payload(eio::encode_payload(tricky));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, tricky);
}

TEST(Base64, Rfc4648TestVectors) {
  // RFC 4648 §10.
  struct {
    std::string_view plain, encoded;
  } const rows[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(eio::base64_encode(row.plain), row.encoded);
    auto decoded = eio::base64_decode(row.encoded);
    ASSERT_TRUE(decoded.ok()) << row.encoded;
    EXPECT_EQ(*decoded, row.plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto back = eio::base64_decode(eio::base64_encode(all));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
  auto unpadded = eio::base64_decode("Zm9vYg");
  ASSERT_TRUE(unpadded.ok());
  EXPECT_EQ(*unpadded, "foob");
}

TEST(EngineIoHandshake, SpecExample) {
  // §Handshake example (with its whitespace).
  const char* spec = R"({
  "sid": "lv_VI97HAXpY6yYWAAAC",
  "upgrades": ["websocket"],
  "pingInterval": 25000,
  "pingTimeout": 20000,
  "maxPayload": 1000000
})";
  auto handshake = eio::decode_handshake(spec);
  ASSERT_TRUE(handshake.ok()) << handshake.error().reason;
  const eio::Handshake expected{"lv_VI97HAXpY6yYWAAAC", {"websocket"}, 25000, 20000, 1000000};
  EXPECT_EQ(*handshake, expected);
  // Socket.IO protocol "Sample session", request n°1 (pingTimeout 5000): byte-exact, key order
  // as engine.io writes it.
  const eio::Handshake sample{"lv_VI97HAXpY6yYWAAAC", {"websocket"}, 25000, 5000, 1000000};
  EXPECT_EQ(eio::encode_handshake(sample),
            R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000})");
  auto back = eio::decode_handshake(eio::encode_handshake(sample));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sample);
  // A WebSocket-only session offers no upgrade.
  EXPECT_EQ(eio::encode_handshake({"x", {}, 300, 200, 1000000}),
            R"({"sid":"x","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000})");
}

TEST(EngineIoHandshake, LenientAndInvalid) {
  // maxPayload arrived in a later revision of v4: absent means the default.
  auto old = eio::decode_handshake(R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":2,"extra":true})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->max_payload, 1000000u);

  const InvalidRow rows[] = {
      {"not JSON", "{", ErrorCode::InvalidJson, 1},
      {"trailing data", "{} x", ErrorCode::TrailingData, 3},
      {"not an object", "[]", ErrorCode::BadPayload, 0},
      {"no sid", R"({"upgrades":[],"pingInterval":1,"pingTimeout":2})", ErrorCode::BadPayload, 0},
      {"empty sid", R"({"sid":"","upgrades":[],"pingInterval":1,"pingTimeout":2})", ErrorCode::BadPayload, 0},
      {"upgrades not array", R"({"sid":"a","upgrades":"websocket","pingInterval":1,"pingTimeout":2})",
       ErrorCode::BadPayload, 0},
      {"non-string upgrade", R"({"sid":"a","upgrades":[1],"pingInterval":1,"pingTimeout":2})", ErrorCode::BadPayload, 0},
      {"fractional interval", R"({"sid":"a","upgrades":[],"pingInterval":1.5,"pingTimeout":2})", ErrorCode::BadPayload, 0},
      {"negative timeout", R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":-2})", ErrorCode::BadPayload, 0},
      {"interval over 32 bits", R"({"sid":"a","upgrades":[],"pingInterval":4294967296,"pingTimeout":2})",
       ErrorCode::BadPayload, 0},
      {"string maxPayload", R"({"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":2,"maxPayload":"1"})",
       ErrorCode::BadPayload, 0},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.description);
    auto handshake = eio::decode_handshake(row.input);
    ASSERT_FALSE(handshake.ok());
    expect_error(handshake.error(), row);
  }
}

TEST(EngineIoQuery, Rows) {
  struct {
    const char* description;
    std::string_view query;
    eio::Query expected;
  } const rows[] = {
      {"§Handshake (sample session request 1)", "EIO=4&transport=polling&t=N8hyd6w", {4, "polling", ""}},
      {"sample session request 2", "EIO=4&transport=polling&t=N8hyd7H&sid=lv_VI97HAXpY6yYWAAAC",
       {4, "polling", "lv_VI97HAXpY6yYWAAAC"}},
      {"§Upgrade", "EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC", {4, "websocket", "lv_VI97HAXpY6yYWAAAC"}},
      {"WebSocket-only session", "EIO=4&transport=websocket", {4, "websocket", ""}},
      {"leading '?'", "?EIO=4&transport=polling", {4, "polling", ""}},
      {"order does not matter", "sid=abc&transport=polling&EIO=4", {4, "polling", "abc"}},
      {"empty query", "", {std::nullopt, "", ""}},
      {"protocol v3 client", "EIO=3&transport=polling", {3, "polling", ""}},
      {"EIO not canonical: engine.io compares with \"4\"", "EIO=04", {std::nullopt, "", ""}},
      {"EIO not a number", "EIO=four", {std::nullopt, "", ""}},
      {"EIO empty", "EIO=&transport=polling", {std::nullopt, "polling", ""}},
      {"EIO overflow", "EIO=99999999999", {std::nullopt, "", ""}},
      {"key without value", "transport&EIO=4", {4, "", ""}},
      {"percent-decoded", "sid=a%2Bb%3D%3D", {std::nullopt, "", "a+b=="}},
      {"plus is a space", "sid=a+b", {std::nullopt, "", "a b"}},
      {"bad percent kept", "sid=%zz%4", {std::nullopt, "", "%zz%4"}},
      {"percent-encoded non-UTF-8 becomes U+FFFD", "sid=%ff", {std::nullopt, "", "\xef\xbf\xbd"}},
      {"encoded key", "%45IO=4", {4, "", ""}},
      {"last repeated key wins", "sid=one&sid=two", {std::nullopt, "", "two"}},
      {"empty pairs skipped", "&&EIO=4&&", {4, "", ""}},
      {"unknown keys ignored", "EIO=4&transport=polling&t=x&b64=1&j=0&token=secret", {4, "polling", ""}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.description);
    EXPECT_EQ(eio::parse_query(row.query), row.expected);
  }
}

TEST(EngineIoServerError, BodiesAsEngineIo) {
  // engine.io Server.errors / errorMessages, written as abortRequest does.
  struct {
    eio::ServerError error;
    const char* body;
  } const rows[] = {
      {eio::ServerError::UnknownTransport, R"({"code":0,"message":"Transport unknown"})"},
      {eio::ServerError::UnknownSid, R"({"code":1,"message":"Session ID unknown"})"},
      {eio::ServerError::BadHandshakeMethod, R"({"code":2,"message":"Bad handshake method"})"},
      {eio::ServerError::BadRequest, R"({"code":3,"message":"Bad request"})"},
      {eio::ServerError::Forbidden, R"({"code":4,"message":"Forbidden"})"},
      {eio::ServerError::UnsupportedProtocolVersion, R"({"code":5,"message":"Unsupported protocol version"})"},
  };
  for (const auto& row : rows) EXPECT_EQ(eio::encode_server_error(row.error), row.body);
  EXPECT_EQ(eio::server_error_message(eio::ServerError::UnknownSid), "Session ID unknown");
}
