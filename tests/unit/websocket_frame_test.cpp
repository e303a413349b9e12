// sio::websocket (server-side RFC 6455 framing): rows quote the RFC section they check. Client
// frames are built masked here, as a browser or Node's ws sends them.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "websocket_frame.hpp"

using namespace std::string_literals;
using namespace std::string_view_literals;
namespace ws = sio::websocket;
using Kind = ws::Event::Kind;

namespace {

constexpr uint8_t kKey[4] = {0x37, 0xfa, 0x21, 0x3d};

// A client frame: first byte as given (FIN/RSV/opcode), masked unless told otherwise.
std::string client_frame(uint8_t first, std::string_view payload, bool masked = true) {
  std::string frame(1, static_cast<char>(first));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    frame += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    frame += static_cast<char>(mask_bit | 126);
    frame += static_cast<char>(payload.size() >> 8);
    frame += static_cast<char>(payload.size() & 0xFF);
  } else {
    frame += static_cast<char>(mask_bit | 127);
    for (int k = 0; k < 8; ++k) frame += static_cast<char>((uint64_t{payload.size()} >> (56 - 8 * k)) & 0xFF);
  }
  if (masked) frame.append(reinterpret_cast<const char*>(kKey), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame += masked ? static_cast<char>(payload[i] ^ kKey[i & 3]) : payload[i];
  }
  return frame;
}

struct Decoded {
  Kind kind;
  std::string data;
  uint16_t code = 0;
};

// Decodes everything in `input` (fed in pieces of `step` bytes, to exercise NeedMore).
std::vector<Decoded> decode_all(std::string input, std::size_t step = 0, uint64_t max = 1000) {
  ws::Decoder decoder(max);
  std::vector<Decoded> events;
  std::string buffer;
  std::size_t fed = 0;
  if (step == 0) step = input.size();
  for (int guard = 0; guard < 100000; ++guard) {
    const ws::Event event = decoder.next(buffer.data(), buffer.size());
    if (event.kind != Kind::NeedMore) events.push_back({event.kind, std::string(event.data), event.code});
    buffer.erase(0, event.consumed);  // event.data may point into it: copied first
    if (event.kind == Kind::NeedMore) {
      if (fed >= input.size()) break;
      buffer += input.substr(fed, step);
      fed += step;
      continue;
    }
    if (event.kind == Kind::Error) break;
  }
  return events;
}

TEST(WebSocketFrame, Rfc6455Section5_7Examples) {
  // §5.7: a single-frame masked text message "Hello".
  const std::string hello = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"s;
  auto events = decode_all(hello);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::Text);
  EXPECT_EQ(events[0].data, "Hello");
  // §5.7: the same in two fragments, "Hel" then "lo".
  events = decode_all(client_frame(0x01, "Hel") + client_frame(0x80, "lo"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::Text);
  EXPECT_EQ(events[0].data, "Hello");
  // §5.7: server frames are unmasked: "\x81\x05Hello".
  std::string out;
  ws::append_frame(out, ws::Opcode::Text, "Hello");
  EXPECT_EQ(out, "\x81\x05Hello");
  // §5.7: 256 and 65536 bytes of binary use the 16- and 64-bit lengths.
  char header[10];
  ASSERT_EQ(ws::encode_header(ws::Opcode::Binary, 256, header), 4u);
  EXPECT_EQ(std::string_view(header, 4), "\x82\x7e\x01\x00"sv);
  ASSERT_EQ(ws::encode_header(ws::Opcode::Binary, 65536, header), 10u);
  EXPECT_EQ(std::string_view(header, 10), "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"sv);
}

struct ValidRow {
  const char* description;
  std::string input;
  std::vector<Kind> kinds;
  std::vector<std::string> data;
};

TEST(WebSocketFrame, ValidStreams) {
  const std::string big(300, 'x');
  const std::string huge(70000, 'y');
  const ValidRow rows[] = {
      {"§5.6 binary message", client_frame(0x82, "\x00\xff"sv), {Kind::Binary}, {"\x00\xff"s}},
      {"§5.6 empty text", client_frame(0x81, ""), {Kind::Text}, {""}},
      {"§5.2 16-bit length", client_frame(0x81, big), {Kind::Text}, {big}},
      {"§5.2 64-bit length", client_frame(0x82, huge), {Kind::Binary}, {huge}},
      {"§5.5.2 ping is reported with its payload", client_frame(0x89, "hb"), {Kind::Ping}, {"hb"}},
      {"§5.5.3 unsolicited pong", client_frame(0x8A, ""), {Kind::Pong}, {""}},
      {"§5.4 control frame between fragments",
       client_frame(0x01, "a") + client_frame(0x89, "p") + client_frame(0x00, "b") + client_frame(0x80, "c"),
       {Kind::Ping, Kind::Text}, {"p", "abc"}},
      {"two messages in one read", client_frame(0x81, "42[1]") + client_frame(0x81, "3"), {Kind::Text, Kind::Text},
       {"42[1]", "3"}},
      {"§5.6 UTF-8 text", client_frame(0x81, "h\xc3\xa9 \xf0\x9f\x98\x80"), {Kind::Text}, {"h\xc3\xa9 \xf0\x9f\x98\x80"}},
      {"§5.4 UTF-8 split across fragments is checked on the whole message",
       client_frame(0x01, "\xc3") + client_frame(0x80, "\xa9"), {Kind::Text}, {"\xc3\xa9"}},
      {"§5.5.1 close with a code and reason", client_frame(0x88, "\x03\xe8" "bye"), {Kind::Close}, {"bye"}},
      {"§5.5.1 close without a body", client_frame(0x88, ""), {Kind::Close}, {""}},
  };
  for (const ValidRow& row : rows) {
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
      const auto events = decode_all(row.input, step, 100000);
      ASSERT_EQ(events.size(), row.kinds.size()) << row.description << " step " << step;
      for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].kind, row.kinds[i]) << row.description;
        EXPECT_EQ(events[i].data, row.data[i]) << row.description;
      }
    }
  }
  EXPECT_EQ(decode_all(client_frame(0x88, "\x03\xe8"))[0].code, 1000);
  EXPECT_EQ(decode_all(client_frame(0x88, ""))[0].code, ws::close_code::kNoStatus);
}

struct InvalidRow {
  const char* description;
  std::string input;
  uint16_t code;
};

TEST(WebSocketFrame, InvalidStreamsFailWithTheRightCode) {
  const InvalidRow rows[] = {
      {"§5.1 client frame not masked", client_frame(0x81, "hi", false), 1002},
      {"§5.2 RSV1 without an extension", client_frame(0xC1, "hi"), 1002},
      {"§5.2 reserved opcode 3", client_frame(0x83, ""), 1002},
      {"§5.2 reserved control opcode 0xB", client_frame(0x8B, ""), 1002},
      {"§5.5 fragmented ping", client_frame(0x09, ""), 1002},
      {"§5.5 ping over 125 bytes", client_frame(0x89, std::string(126, 'p')), 1002},
      {"§5.4 continuation without a message", client_frame(0x80, "x"), 1002},
      {"§5.4 new text inside a fragmented message", client_frame(0x01, "a") + client_frame(0x81, "b"), 1002},
      {"§5.2 64-bit length with the top bit set", "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00"s + "abcd", 1002},
      {"§8.1 text not UTF-8", client_frame(0x81, "4ab\xff"), 1007},
      {"§8.1 surrogate in text", client_frame(0x81, "\xed\xa0\x80"), 1007},
      {"§8.1 truncated UTF-8 at the end of a fragmented text",
       client_frame(0x01, "a") + client_frame(0x80, "\xc3"), 1007},
      {"§7.4.1 maxPayload: one frame too big (header alone suffices)", "\x81\xfe\x04\x00"s, 1009},
      {"§7.4.1 maxPayload: fragments adding up too big",
       client_frame(0x01, std::string(600, 'a')) + client_frame(0x80, std::string(600, 'b')), 1009},
      {"§5.5.1 close with a 1-byte body", client_frame(0x88, "\x03"), 1002},
      {"§7.4.1 close code 1005 may not be sent", client_frame(0x88, "\x03\xed"), 1002},
      {"§7.4.2 close code 999", client_frame(0x88, "\x03\xe7"), 1002},
      {"§5.5.1 close reason not UTF-8", client_frame(0x88, "\x03\xe8\xff"), 1007},
  };
  for (const InvalidRow& row : rows) {
    const auto events = decode_all(row.input, 0, 1000);
    ASSERT_FALSE(events.empty()) << row.description;
    EXPECT_EQ(events.back().kind, Kind::Error) << row.description;
    EXPECT_EQ(events.back().code, row.code) << row.description;
  }
}

TEST(WebSocketFrame, ErrorIsSticky) {
  ws::Decoder decoder(100);
  std::string bad = client_frame(0x81, "x", false);
  EXPECT_EQ(decoder.next(bad.data(), bad.size()).kind, Kind::Error);
  std::string good = client_frame(0x81, "x");
  const ws::Event again = decoder.next(good.data(), good.size());
  EXPECT_EQ(again.kind, Kind::Error);
  EXPECT_EQ(again.code, 1002);
}

TEST(WebSocketFrame, RoundTripThroughAClientMask) {
  // What the server encodes, re-masked as a client would send it, decodes to the same message.
  for (std::size_t size : {0u, 1u, 125u, 126u, 65535u, 65536u}) {
    const std::string payload(size, 'z');
    std::string server;
    ws::append_frame(server, ws::Opcode::Text, payload);
    EXPECT_EQ(server.size(), size + (size < 126 ? 2 : size <= 0xFFFF ? 4 : 10));
    const auto events = decode_all(client_frame(0x81, payload), 0, 1 << 20);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, payload);
  }
}

TEST(WebSocketFrame, ClosePayload) {
  EXPECT_EQ(ws::close_payload(1009, ""), "\x03\xf1"sv);
  EXPECT_EQ(ws::close_payload(1000, "bye"), "\x03\xe8" "bye"sv);
  EXPECT_EQ(ws::close_payload(ws::close_code::kNoStatus, "ignored"), "");
  EXPECT_EQ(ws::close_payload(1000, std::string(200, 'r')).size(), 125u);
}

TEST(WebSocketFrame, Utf8) {
  EXPECT_TRUE(ws::valid_utf8("plain ascii longer than eight bytes"));
  EXPECT_TRUE(ws::valid_utf8("\xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(ws::valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(ws::valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(ws::valid_utf8("abcdefgh\x80"));
}

}  // namespace
