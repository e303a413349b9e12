// sio::socketio against the Socket.IO protocol v5 document (socketio/socket.io-protocol Readme,
// "Packet encoding" > "Examples" and "Sample session") and the official test suite's wire strings
// (test-suite/test-suite.js, without the leading Engine.IO '4').
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socketio.hpp"

using namespace std::string_view_literals;
using sio::ErrorCode;
namespace json = sio::json;
namespace sock = sio::socketio;
using sock::PacketType;

namespace {

constexpr std::string_view kPh0 = R"({"_placeholder":true,"num":0})";
constexpr std::string_view kPh1 = R"({"_placeholder":true,"num":1})";

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

struct ValidRow {
  const char* description;
  std::string text;
  PacketType type;
  std::string nsp;
  std::optional<uint64_t> ack_id;
  std::optional<std::string> data;  // the payload as JSON text, nullopt when absent
  std::size_t attachments = 0;
};

// Canonical packets: decode gives the fields, encode of the decoded packet gives the same bytes
// (binary rows: after reassembly with their attachments, see BinaryRoundTrip).
const std::vector<ValidRow>& valid_rows() {
  static const std::vector<ValidRow> rows = {
      {"Examples: CONNECT main namespace", "0", PacketType::Connect, "/", {}, {}},
      {"Examples: CONNECT custom namespace", R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})", PacketType::Connect,
       "/admin", {}, R"({"sid":"oSO0OpakMV_3jnilAAAA"})"},
      {"Examples: CONNECT_ERROR", R"(4{"message":"Not authorized"})", PacketType::ConnectError, "/", {},
       R"({"message":"Not authorized"})"},
      {"Examples: EVENT main namespace", R"(2["foo"])", PacketType::Event, "/", {}, R"(["foo"])"},
      {"Examples: EVENT custom namespace", R"(2/admin,["bar"])", PacketType::Event, "/admin", {}, R"(["bar"])"},
      {"Examples: BINARY_EVENT", cat({R"(51-["baz",)", kPh0, "]"}), PacketType::BinaryEvent, "/", {},
       cat({R"(["baz",)", kPh0, "]"}), 1},
      {"Examples: BINARY_EVENT two attachments", cat({R"(52-/admin,["baz",)", kPh0, ",", kPh1, "]"}),
       PacketType::BinaryEvent, "/admin", {}, cat({R"(["baz",)", kPh0, ",", kPh1, "]"}), 2},
      {"Examples: EVENT with ack id", R"(212["foo"])", PacketType::Event, "/", 12, R"(["foo"])"},
      {"Examples: ACK custom namespace", R"(3/admin,13["bar"])", PacketType::Ack, "/admin", 13, R"(["bar"])"},
      {"Examples: BINARY_ACK", cat({R"(61-15["bar",)", kPh0, "]"}), PacketType::BinaryAck, "/", 15,
       cat({R"(["bar",)", kPh0, "]"}), 1},
      {"Examples: DISCONNECT main namespace", "1", PacketType::Disconnect, "/", {}, {}},
      {"Examples: DISCONNECT custom namespace", "1/admin,", PacketType::Disconnect, "/admin", {}, {}},
      {"Sample session: CONNECT answer", R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})", PacketType::Connect, "/", {},
       R"({"sid":"wZX3oN0bSVIhsaknAAAI"})"},
      {"Sample session: emit('hey', 'Jude')", R"(2["hey","Jude"])", PacketType::Event, "/", {}, R"(["hey","Jude"])"},
      {"Sample session: CONNECT /admin", "0/admin,", PacketType::Connect, "/admin", {}, {}},
      {"Sample session: CONNECT /admin answer", R"(0/admin,{"sid":"-G5j-67EZFp-q59rADQM"})", PacketType::Connect,
       "/admin", {}, R"({"sid":"-G5j-67EZFp-q59rADQM"})"},
      {"Sample session: EVENT with ack", R"(2/admin,1["tellme"])", PacketType::Event, "/admin", 1, R"(["tellme"])"},
      {"Sample session: BINARY_ACK", cat({"61-/admin,1[", kPh0, "]"}), PacketType::BinaryAck, "/admin", 1,
       cat({"[", kPh0, "]"}), 1},
      {"test suite: CONNECT with auth", R"(0{"token":"123"})", PacketType::Connect, "/", {}, R"({"token":"123"})"},
      {"test suite: CONNECT /custom", "0/custom,", PacketType::Connect, "/custom", {}, {}},
      {"test suite: CONNECT /custom with auth", R"(0/custom,{"token":"abc"})", PacketType::Connect, "/custom", {},
       R"({"token":"abc"})"},
      {"test suite: CONNECT_ERROR for an unknown namespace", R"(4/random,{"message":"Invalid namespace"})",
       PacketType::ConnectError, "/random", {}, R"({"message":"Invalid namespace"})"},
      {"test suite: auth event", R"(2["auth",{}])", PacketType::Event, "/", {}, R"(["auth",{}])"},
      {"test suite: mixed arguments", R"(2["message",1,"2",{"3":[true]}])", PacketType::Event, "/", {},
       R"(["message",1,"2",{"3":[true]}])"},
      {"test suite: BINARY_EVENT", cat({R"(52-["message",)", kPh0, ",", kPh1, "]"}), PacketType::BinaryEvent, "/",
       {}, cat({R"(["message",)", kPh0, ",", kPh1, "]"}), 2},
      {"test suite: EVENT with ack", R"(2456["message-with-ack",1,"2",{"3":[false]}])", PacketType::Event, "/", 456,
       R"(["message-with-ack",1,"2",{"3":[false]}])"},
      {"test suite: ACK", R"(3456[1,"2",{"3":[false]}])", PacketType::Ack, "/", 456, R"([1,"2",{"3":[false]}])"},
      {"test suite: BINARY_EVENT with ack", cat({R"(52-789["message-with-ack",)", kPh0, ",", kPh1, "]"}),
       PacketType::BinaryEvent, "/", 789, cat({R"(["message-with-ack",)", kPh0, ",", kPh1, "]"}), 2},
      {"test suite: BINARY_ACK", cat({"62-789[", kPh0, ",", kPh1, "]"}), PacketType::BinaryAck, "/", 789,
       cat({"[", kPh0, ",", kPh1, "]"}), 2},
      {"ACK with an empty array (spec: possibly empty)", "312[]", PacketType::Ack, "/", 12, "[]"},
      {"largest ack id", R"(218446744073709551615["a"])", PacketType::Event, "/", 18446744073709551615ULL, R"(["a"])"},
      {"UTF-8 in namespace and payload", "2/\xc3\xa9,[\"\xf0\x9f\x98\x80\"]", PacketType::Event, "/\xc3\xa9", {},
       "[\"\xf0\x9f\x98\x80\"]"},
  };
  return rows;
}

// Accepted as socket.io-parser accepts them, but not in canonical form (or not something our
// encoder writes).
const std::vector<ValidRow>& lenient_rows() {
  static const std::vector<ValidRow> rows = {
      {"test suite: namespace ended by end of text", "0/custom", PacketType::Connect, "/custom", {}, {}},
      {"test suite: DISCONNECT /custom without comma", "1/custom", PacketType::Disconnect, "/custom", {}, {}},
      {"test suite: refused namespace", "0/random", PacketType::Connect, "/random", {}, {}},
      {"explicit main namespace", R"(2/,["a"])", PacketType::Event, "/", {}, R"(["a"])"},
      {"whitespace before JSON (JSON.parse skips it)", R"(2 ["a"] )", PacketType::Event, "/", {}, R"(["a"])"},
      {"numeric event name (isPayloadValid allows it)", "2[42]", PacketType::Event, "/", {}, "[42]"},
      {"CONNECT_ERROR as a string, from v2 servers", R"(4"Not authorized")", PacketType::ConnectError, "/", {},
       R"("Not authorized")"},
      {"attachment count with leading zero", cat({"501-[\"a\",", kPh0, "]"}), PacketType::BinaryEvent, "/", {},
       cat({"[\"a\",", kPh0, "]"}), 1},
      {"ack id with leading zeros", R"(2007["a"])", PacketType::Event, "/", 7, R"(["a"])"},
      {"ack id on CONNECT is kept (the server ignores it)", "01{}", PacketType::Connect, "/", 1, "{}"},
      {"reserved name is fine as a later argument", R"(2["x","connect"])", PacketType::Event, "/", {},
       R"(["x","connect"])"},
  };
  return rows;
}

struct InvalidRow {
  const char* description;
  std::string_view text;
  ErrorCode code;
  std::size_t offset;
};

const InvalidRow kInvalid[] = {
    {"empty message", "", ErrorCode::Empty, 0},
    {"type 7", R"(7["a"])", ErrorCode::UnknownPacketType, 0},
    {"test suite '4abc': type 'a'", "abc", ErrorCode::UnknownPacketType, 0},
    {"test suite '42{}': EVENT with an object", "2{}", ErrorCode::BadPayload, 1},
    {"test suite '42abc[...]': garbage before payload", R"(2abc["message-with-ack",1,"2",{"3":[false]}])",
     ErrorCode::InvalidJson, 1},
    {"Sending data: EVENT payload is mandatory", "2", ErrorCode::BadPayload, 1},
    {"Sending data: EVENT payload must be non-empty", "2[]", ErrorCode::BadPayload, 1},
    {"EVENT with an ack id and no payload", "212", ErrorCode::BadPayload, 3},
    {"EVENT name null", "2[null]", ErrorCode::BadPayload, 1},
    {"EVENT name object", R"(2[{"a":1}])", ErrorCode::BadPayload, 1},
    {"EVENT with a string payload", R"(2"foo")", ErrorCode::BadPayload, 1},
    {"reserved event 'connect'", R"(2["connect"])", ErrorCode::BadPayload, 1},
    {"reserved event 'connect_error'", R"(2["connect_error"])", ErrorCode::BadPayload, 1},
    {"reserved event 'disconnect'", R"(2/admin,["disconnect"])", ErrorCode::BadPayload, 8},
    {"reserved event 'disconnecting'", R"(2["disconnecting"])", ErrorCode::BadPayload, 1},
    {"reserved event 'newListener'", R"(2["newListener"])", ErrorCode::BadPayload, 1},
    {"reserved event 'removeListener'", R"(2["removeListener"])", ErrorCode::BadPayload, 1},
    {"Acknowledgement: ACK payload is mandatory", "312", ErrorCode::BadPayload, 3},
    {"ACK with an object", "312{}", ErrorCode::BadPayload, 3},
    {"ACK without an id", "3[]", ErrorCode::BadPayload, 1},
    {"CONNECT with an array", "0[]", ErrorCode::BadPayload, 1},
    {"CONNECT with null", "0null", ErrorCode::BadPayload, 1},
    {"CONNECT with a string", R"(0"x")", ErrorCode::BadPayload, 1},
    {"DISCONNECT with a payload", "1{}", ErrorCode::BadPayload, 1},
    {"DISCONNECT /admin with a payload", "1/admin,{}", ErrorCode::BadPayload, 8},
    {"CONNECT_ERROR without payload", "4", ErrorCode::BadPayload, 1},
    {"CONNECT_ERROR with an array", "4[]", ErrorCode::BadPayload, 1},
    {"BINARY_EVENT without count", R"(5["a"])", ErrorCode::BadAttachments, 1},
    {"BINARY_EVENT count without digits", R"(5-["a"])", ErrorCode::BadAttachments, 1},
    {"BINARY_EVENT count without '-'", R"(51["a"])", ErrorCode::BadAttachments, 2},
    {"BINARY_EVENT count at end", "51", ErrorCode::BadAttachments, 2},
    {"BINARY_EVENT zero attachments", R"(50-["a"])", ErrorCode::BadAttachments, 1},
    {"BINARY_EVENT over max_attachments", R"(565-["a"])", ErrorCode::BadAttachments, 1},
    {"BINARY_ACK count overflow", R"(699999999999999999999999-1["a"])", ErrorCode::BadAttachments, 1},
    {"BINARY_EVENT non-array payload", "51-{}", ErrorCode::BadPayload, 3},
    {"ack id over 64 bits", R"(218446744073709551616["a"])", ErrorCode::BadAckId, 1},
    {"namespace with its comma missing before an array", R"(2/admin["a"])", ErrorCode::BadNamespace, 7},
    {"namespace with its comma missing before an object", R"(0/admin{"token":"1"})", ErrorCode::BadNamespace, 7},
    {"namespace swallowing a string", R"(2/a"b",["x"])", ErrorCode::BadNamespace, 3},
    {"invalid UTF-8 in payload", "2[\"a\xff\"]", ErrorCode::InvalidUtf8, 4},
    {"invalid UTF-8 in namespace", "2/\xc0\xaf,[\"a\"]", ErrorCode::InvalidUtf8, 2},
    {"unterminated payload", R"(2["a")", ErrorCode::InvalidJson, 5},
    {"payload then garbage", R"(2["a"]x)", ErrorCode::TrailingData, 6},
    {"payload then a second one", R"(2["a"]["b"])", ErrorCode::TrailingData, 6},
};

json::Value parse_json(std::string_view text) {
  auto value = json::parse(text);
  EXPECT_TRUE(value.ok()) << text;
  return value.ok() ? *value : json::Value();
}

void check_row(const ValidRow& row, const sock::Decoded& decoded) {
  EXPECT_EQ(decoded.packet.type, row.type);
  EXPECT_EQ(decoded.packet.nsp, row.nsp);
  EXPECT_EQ(decoded.packet.ack_id, row.ack_id);
  EXPECT_EQ(decoded.attachments, row.attachments);
  ASSERT_EQ(decoded.packet.data.has_value(), row.data.has_value());
  if (row.data) {
    EXPECT_EQ(json::serialize(*decoded.packet.data), *row.data);
  }
}

std::string buffer(std::size_t i) { return std::string("\x01\x02\x03") + static_cast<char>(i); }

}  // namespace

TEST(SocketIoDecode, ValidRows) {
  for (const auto& row : valid_rows()) {
    SCOPED_TRACE(row.description);
    auto decoded = sock::decode(row.text);
    ASSERT_TRUE(decoded.ok()) << decoded.error().reason << " at " << decoded.error().offset;
    check_row(row, *decoded);
    EXPECT_TRUE(sock::payload_valid(decoded->packet));
    if (row.attachments == 0) {
      const sock::Encoded encoded = sock::encode(decoded->packet);
      EXPECT_EQ(encoded.text, row.text);
      EXPECT_TRUE(encoded.attachments.empty());
    }
  }
}

TEST(SocketIoDecode, LenientRows) {
  for (const auto& row : lenient_rows()) {
    SCOPED_TRACE(row.description);
    auto decoded = sock::decode(row.text);
    ASSERT_TRUE(decoded.ok()) << decoded.error().reason << " at " << decoded.error().offset;
    check_row(row, *decoded);
  }
}

TEST(SocketIoDecode, InvalidRows) {
  for (const auto& row : kInvalid) {
    SCOPED_TRACE(row.description);
    auto decoded = sock::decode(row.text);
    ASSERT_FALSE(decoded.ok()) << "accepted";
    EXPECT_EQ(decoded.error().code, row.code) << sio::to_string(decoded.error().code) << ": " << decoded.error().reason;
    EXPECT_EQ(decoded.error().offset, row.offset) << decoded.error().reason;
    EXPECT_FALSE(decoded.error().reason.empty());
  }
}

TEST(SocketIoDecode, OptionsAreHonoured) {
  // Default depth 64: the array holding the name is level 1.
  const std::string deep64 = "2[\"a\"," + std::string(63, '[') + std::string(64, ']');
  EXPECT_TRUE(sock::decode(deep64).ok());
  auto deep65 = sock::decode("2[\"a\"," + std::string(64, '[') + std::string(65, ']'));
  ASSERT_FALSE(deep65.ok());
  EXPECT_EQ(deep65.error().code, ErrorCode::DepthLimit);
  EXPECT_EQ(deep65.error().offset, 69u);

  sock::DecodeOptions options;
  options.max_attachments = 2;
  EXPECT_TRUE(sock::decode(cat({"52-[\"a\",", kPh0, ",", kPh1, "]"}), options).ok());
  auto many = sock::decode(R"(53-["a"])", options);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, ErrorCode::BadAttachments);
  options.max_depth = 2;
  EXPECT_TRUE(sock::decode(R"(2["a",[1]])", options).ok());
  auto deep = sock::decode(R"(2["a",[[1]]])", options);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::DepthLimit);
  EXPECT_EQ(deep.error().offset, 7u);
}

TEST(SocketIoEncode, SpecBinaryExamples) {
  // Examples: { type: BINARY_EVENT, namespace: "/", data: ["baz", <Buffer <01 02 03 04>> ] }
  sock::Packet event{PacketType::Event, "/", std::nullopt,
                     json::Value(json::Array{json::Value("baz"), json::Value(json::Binary{"\x01\x02\x03\x04"})})};
  auto encoded = sock::encode(event);
  EXPECT_EQ(encoded.text, cat({R"(51-["baz",)", kPh0, "]"}));
  EXPECT_EQ(encoded.attachments, std::vector<std::string>{"\x01\x02\x03\x04"});

  // Examples: multiple attachments, /admin.
  sock::Packet two{PacketType::BinaryEvent, "/admin", std::nullopt,
                   json::Value(json::Array{json::Value("baz"), json::Value(json::Binary{"\x01\x02"}),
                                           json::Value(json::Binary{"\x03\x04"})})};
  encoded = sock::encode(two);
  EXPECT_EQ(encoded.text, cat({R"(52-/admin,["baz",)", kPh0, ",", kPh1, "]"}));
  EXPECT_EQ(encoded.attachments, (std::vector<std::string>{"\x01\x02", "\x03\x04"}));

  // Examples: { type: BINARY_ACK, namespace: "/", data: ["bar", <Buffer <01 02 03 04>>], id: 15 }
  sock::Packet ack{PacketType::Ack, "/", 15,
                   json::Value(json::Array{json::Value("bar"), json::Value(json::Binary{"\x01\x02\x03\x04"})})};
  encoded = sock::encode(ack);
  EXPECT_EQ(encoded.text, cat({R"(61-15["bar",)", kPh0, "]"}));
  EXPECT_EQ(encoded.attachments.size(), 1u);
}

TEST(SocketIoEncode, Rules) {
  // Nested binary, depth-first numbering.
  json::Object inner;
  inner.emplace_back("x", json::Binary{"A"});
  inner.emplace_back("y", json::Array{json::Value(json::Binary{"B"})});
  sock::Packet nested{PacketType::Event, "/", std::nullopt,
                      json::Value(json::Array{json::Value("e"), json::Value(std::move(inner)),
                                              json::Value(json::Binary{"C"})})};
  auto encoded = sock::encode(nested);
  EXPECT_EQ(encoded.text, cat({R"(53-["e",{"x":)", kPh0, R"(,"y":[)", kPh1,
                               R"(]},{"_placeholder":true,"num":2}])"}));
  EXPECT_EQ(encoded.attachments, (std::vector<std::string>{"A", "B", "C"}));

  // A BINARY_* type without binary data is written as plain EVENT/ACK: socket.io-parser refuses
  // a zero attachment count.
  EXPECT_EQ(sock::encode({PacketType::BinaryEvent, "/", std::nullopt, parse_json(R"(["a"])")}).text, R"(2["a"])");
  EXPECT_EQ(sock::encode({PacketType::BinaryAck, "/", 3, parse_json("[]")}).text, "33[]");
  // A JSON null payload is left out, as `data != null` in socket.io-parser.
  EXPECT_EQ(sock::encode({PacketType::Connect, "/", std::nullopt, json::Value()}).text, "0");
  // Empty namespace is the main one.
  EXPECT_EQ(sock::encode({PacketType::Disconnect, "", std::nullopt, std::nullopt}).text, "1");
  // Binary outside EVENT/ACK has no placeholder form: written as null.
  json::Object auth;
  auth.emplace_back("k", json::Binary{"x"});
  EXPECT_EQ(sock::encode({PacketType::Connect, "/", std::nullopt, json::Value(std::move(auth))}).text,
            R"(0{"k":null})");
}

TEST(SocketIoDecoder, BinaryRoundTrip) {
  // Every canonical binary row: decode text + attachments, then encode gives the same frames.
  for (const auto& row : valid_rows()) {
    if (row.attachments == 0) continue;
    SCOPED_TRACE(row.description);
    sock::Decoder decoder;
    auto first = decoder.feed_text(row.text);
    ASSERT_TRUE(first.ok()) << first.error().reason;
    EXPECT_FALSE(first->has_value());
    EXPECT_TRUE(decoder.waiting_for_attachments());
    std::optional<sock::Packet> done;
    for (std::size_t i = 0; i < row.attachments; ++i) {
      auto step = decoder.feed_binary(buffer(i));
      ASSERT_TRUE(step.ok()) << step.error().reason;
      EXPECT_EQ(step->has_value(), i + 1 == row.attachments);
      if (step->has_value()) done = std::move(**step);
    }
    ASSERT_TRUE(done.has_value());
    EXPECT_FALSE(decoder.waiting_for_attachments());
    // Reassembled packets are plain EVENT / ACK, as socket.io-parser delivers them.
    EXPECT_EQ(done->type, row.type == PacketType::BinaryEvent ? PacketType::Event : PacketType::Ack);
    EXPECT_EQ(done->nsp, row.nsp);
    EXPECT_EQ(done->ack_id, row.ack_id);
    EXPECT_TRUE(sock::payload_valid(*done));
    const sock::Encoded encoded = sock::encode(*done);
    EXPECT_EQ(encoded.text, row.text);
    ASSERT_EQ(encoded.attachments.size(), row.attachments);
    for (std::size_t i = 0; i < row.attachments; ++i) EXPECT_EQ(encoded.attachments[i], buffer(i));
  }
}

TEST(SocketIoDecoder, TextPacketsPassStraightThrough) {
  sock::Decoder decoder;
  auto packet = decoder.feed_text(R"(2["hello",1])");
  ASSERT_TRUE(packet.ok());
  ASSERT_TRUE(packet->has_value());
  EXPECT_EQ(json::serialize(*(*packet)->data), R"(["hello",1])");
  EXPECT_FALSE(decoder.waiting_for_attachments());
  auto bad = decoder.feed_text("2{}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::BadPayload);
}

TEST(SocketIoDecoder, SequenceErrors) {
  sock::Decoder decoder;
  // Binary with nothing pending.
  auto stray = decoder.feed_binary("\x01");
  ASSERT_FALSE(stray.ok());
  EXPECT_EQ(stray.error().code, ErrorCode::UnexpectedBinary);
  EXPECT_EQ(stray.error().offset, 0u);

  // Text while attachments are pending: error, and the decoder starts afresh.
  ASSERT_TRUE(decoder.feed_text(cat({"52-[\"a\",", kPh0, ",", kPh1, "]"})).ok());
  ASSERT_TRUE(decoder.feed_binary("x").ok());
  auto interleaved = decoder.feed_text(R"(2["b"])");
  ASSERT_FALSE(interleaved.ok());
  EXPECT_EQ(interleaved.error().code, ErrorCode::BadAttachments);
  EXPECT_FALSE(decoder.waiting_for_attachments());
  auto after = decoder.feed_text(R"(2["c"])");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->has_value());

  // Placeholders that do not match the buffers, found once the last buffer is in.
  const char* bad_placeholders[] = {
      R"(51-["a",{"_placeholder":true,"num":1}])",
      R"(51-["a",{"_placeholder":true,"num":-1}])",
      R"(51-["a",{"_placeholder":true,"num":0.5}])",
      R"(51-["a",{"_placeholder":true,"num":"0"}])",
      R"(51-["a",{"_placeholder":true}])",
  };
  for (const char* text : bad_placeholders) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(decoder.feed_text(text).ok());
    auto done = decoder.feed_binary("z");
    ASSERT_FALSE(done.ok());
    EXPECT_EQ(done.error().code, ErrorCode::BadAttachments);
    EXPECT_FALSE(decoder.waiting_for_attachments());
  }
}

TEST(SocketIoDecoder, AttachmentBytesBoundedInTotal) {
  sock::DecodeOptions options;
  options.max_attachment_bytes = 10;
  sock::Decoder decoder(options);
  const std::string three_placeholders = cat({"53-[\"a\",", kPh0, ",", kPh1, ",{\"_placeholder\":true,\"num\":2}]"});
  // 4 + 6 bytes is exactly the bound: accepted.
  ASSERT_TRUE(decoder.feed_text(cat({"52-[\"a\",", kPh0, ",", kPh1, "]"})).ok());
  ASSERT_TRUE(decoder.feed_binary("1234").ok());
  auto whole = decoder.feed_binary("123456");
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->has_value());

  // 4 + 4 + 3: the third crosses it, though each alone is small.
  ASSERT_TRUE(decoder.feed_text(three_placeholders).ok());
  ASSERT_TRUE(decoder.feed_binary("1234").ok());
  ASSERT_TRUE(decoder.feed_binary("1234").ok());
  auto over = decoder.feed_binary("123");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::BadAttachments);
  EXPECT_NE(over.error().reason.find("attachment 3"), std::string::npos) << over.error().reason;
  EXPECT_FALSE(decoder.waiting_for_attachments());

  // The count starts afresh for the next packet.
  ASSERT_TRUE(decoder.feed_text(three_placeholders).ok());
  ASSERT_TRUE(decoder.feed_binary("12").ok());
  ASSERT_TRUE(decoder.feed_binary("34").ok());
  auto next = decoder.feed_binary("567890");
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->has_value());

  // One attachment alone over the bound.
  ASSERT_TRUE(decoder.feed_text(cat({"51-[\"a\",", kPh0, "]"})).ok());
  auto big = decoder.feed_binary(std::string(11, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::BadAttachments);
}

TEST(SocketIoReconstruct, PlaceholderRules) {
  const std::vector<std::string> buffers{"A", "B"};
  auto data = sock::reconstruct(
      parse_json(R"(["e",{"_placeholder":true,"num":1},{"k":{"_placeholder":true,"num":0}},)"
                 R"({"_placeholder":false,"num":0}])"),
      buffers);
  ASSERT_TRUE(data.ok());
  const auto& array = data->as_array();
  EXPECT_EQ(array[1], json::Value(json::Binary{"B"}));
  EXPECT_EQ(*array[2].find("k"), json::Value(json::Binary{"A"}));
  EXPECT_TRUE(array[3].is_object());  // "_placeholder": false is ordinary data
  auto out_of_range = sock::reconstruct(parse_json(R"({"_placeholder":true,"num":2})"), buffers);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().code, ErrorCode::BadAttachments);
}

TEST(SocketIoPayloadValid, Direct) {
  EXPECT_TRUE(sock::payload_valid({PacketType::Connect, "/", std::nullopt, std::nullopt}));
  EXPECT_FALSE(sock::payload_valid({PacketType::Disconnect, "/", std::nullopt, json::Value()}));
  EXPECT_TRUE(sock::payload_valid({PacketType::ConnectError, "/", std::nullopt, json::Value("x")}));
  EXPECT_FALSE(sock::payload_valid({PacketType::Ack, "/", std::nullopt, parse_json("[]")}));
  EXPECT_TRUE(sock::payload_valid({PacketType::Ack, "/", 0, parse_json("[]")}));
  EXPECT_TRUE(sock::payload_valid({PacketType::BinaryEvent, "/", std::nullopt, parse_json(R"(["x"])")}));
  EXPECT_FALSE(sock::payload_valid({PacketType::BinaryEvent, "/", std::nullopt, parse_json(R"(["connect"])")}));
}

TEST(SocketIoRoundTrip, EncodeThenDecodeGivesThePacketBack) {
  json::Object auth;
  auth.emplace_back("token", "123");
  const std::vector<sock::Packet> packets = {
      {PacketType::Connect, "/", std::nullopt, std::nullopt},
      {PacketType::Connect, "/admin", std::nullopt, json::Value(std::move(auth))},
      {PacketType::Disconnect, "/admin", std::nullopt, std::nullopt},
      {PacketType::ConnectError, "/", std::nullopt, parse_json(R"({"message":"Invalid namespace"})")},
      {PacketType::Event, "/", std::nullopt, parse_json(R"(["hey","Jude",1.5,null,{"a":[true]}])")},
      {PacketType::Event, "/chat", 0, parse_json(R"(["x"])")},
      {PacketType::Ack, "/", 18446744073709551615ULL, parse_json("[]")},
      {PacketType::Event, "/", 42,
       json::Value(json::Array{json::Value("bin"), json::Value(json::Binary{std::string("\0\xff", 2)}),
                               json::Value(json::Binary{""})})},
      {PacketType::Ack, "/admin", 7, json::Value(json::Array{json::Value(json::Binary{"\x1e"})})},
  };
  for (const auto& packet : packets) {
    const sock::Encoded encoded = sock::encode(packet);
    SCOPED_TRACE(encoded.text);
    sock::Decoder decoder;
    auto step = decoder.feed_text(encoded.text);
    ASSERT_TRUE(step.ok()) << step.error().reason;
    for (const auto& attachment : encoded.attachments) {
      ASSERT_FALSE(step->has_value());
      step = decoder.feed_binary(attachment);
      ASSERT_TRUE(step.ok()) << step.error().reason;
    }
    ASSERT_TRUE(step->has_value());
    EXPECT_EQ(**step, packet);
  }
}
