// signalling/relay_fast_path against the general path it short-cuts: whenever the fast path
// takes a packet, socketio::decode + chapter::relay + socketio::encode must accept it too and
// give the very same bytes. Rows, then bounded random mutations of realistic packets.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "chapter.hpp"
#include "relay_fast_path.hpp"
#include "socketio.hpp"

namespace fr = sio::signalling::fast_relay;

namespace {

constexpr std::string_view kFrom = "AbC-_0123456789xyzQW";

// The general path: what sio-signalling sends the target, or "" when it would not relay.
std::string general(std::string_view packet) {
  auto decoded = sio::socketio::decode(packet);
  if (!decoded || decoded->attachments != 0 || !sio::socketio::payload_valid(decoded->packet)) return "";
  const sio::socketio::Packet& in = decoded->packet;
  if (in.type != sio::socketio::PacketType::Event || in.nsp != "/" || in.ack_id || !in.data) return "";
  auto relay = sio::chapter::relay(*in.data, kFrom);
  if (!relay) return "";
  sio::socketio::Packet out;
  out.type = sio::socketio::PacketType::Event;
  out.data = std::move(relay->args);
  return "4" + sio::socketio::encode(out).text;
}

std::string fast(std::string_view packet) {
  auto splice = fr::parse(packet);
  if (!splice) return "";
  std::string out;
  fr::append_relayed(*splice, kFrom, out);
  return out;
}

TEST(RelayFastPath, TakesCanonicalRelays) {
  const char* rows[] = {
      R"(2["peerIce","V3gBo5yfrNys3xaYlJlW",{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.10 50123 typ srflx","sdpMid":"0","sdpMLineIndex":0}])",
      R"(2["peerOffer","x",{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}])",
      R"(2["peerAnswer","x",{"type":"answer","sdp":"v=0\r\n"},"extra",[1,2]])",
      R"(2["peerIce","x",null])",
      R"(2["peerIce","x"])",
      R"(2["signal","x",{"type":"candidate","candidate":{"candidate":"c","sdpMLineIndex":-12,"sdpMid":"é"}}])",
      R"(2["signal","",{"a":[true,false,null,{}],"b":{"":[]},"t\"q":"\\ \b\f\t"}])",
      R"(2["peerIce","x",{"t":1523.4567890000344,"u":0.000001,"v":-0.5,"w":1e+21,"z":5e-7}])",
      R"(2["peerIce","x",{"big":123456789012345680000,"small":1.7976931348623157e+308}])",
  };
  for (const char* row : rows) {
    ASSERT_TRUE(fr::parse(row).has_value()) << row;
    EXPECT_EQ(fast(row), general(row)) << row;
  }
  auto splice = fr::parse(rows[0]);
  EXPECT_EQ(splice->event, "peerIce");
  EXPECT_EQ(splice->target, "V3gBo5yfrNys3xaYlJlW");
}

TEST(RelayFastPath, LeavesEverythingElseToTheGeneralPath) {
  const char* rows[] = {
      R"(2["clients","x",{}])",                 // not relayed
      R"(2/chat,["peerIce","x",{}])",          // namespace
      R"(21["peerIce","x",{}])",               // ack id
      R"(51-["peerIce","x",{"_placeholder":true,"num":0}])",  // binary
      R"(2[ "peerIce","x",{}])",               // whitespace
      R"(2["peerIce","x",{"a":1.50}])",         // trailing fractional zero
      R"(2["peerIce","x",{"a":1e3}])",          // written 1000
      R"(2["peerIce","x",{"a":-0}])",           // written 0
      R"(2["peerIce","x",{"a":0.0000001}])",    // written 1e-7
      R"(2["peerIce","x",{"a":12345678901234567890}])",  // written 12345678901234567000
      R"(2["peerIce","x",{"a":1E+21}])",        // written 1e+21
      R"(2["peerIce","x",{"a":1.}])",           // invalid JSON
      R"(2["peerIce","x",{"a":"\u0041"}])",     // \u escape
      R"(2["peerIce","x",{"a":"\/"}])",         // \/ escape
      R"(2["peerIce","x",{"a":1,"a":2}])",      // duplicate key
      R"(2["peerIce","x",{"1":1,"a":2}])",      // index key
      R"(2["peerIce","x\n",{}])",               // escaped peer id
      R"(2["peerIce",7,{}])",                   // peer id not a string
      R"(2["peerIce","x",{}]x)",                // trailing bytes
      R"(2["peerIce","x",{})",                  // truncated
      R"(2["peerIce","x",{"a":01}])",           // leading zero (invalid JSON)
      R"(2["peerIce","x",{"a":tru}])",          // bad literal
      "2[\"peerIce\",\"x\",\"\x01\"]",          // raw control character (invalid JSON)
      "2[\"peerIce\",\"x\",\"\xff\"]",          // not UTF-8
  };
  for (const char* row : rows) EXPECT_FALSE(fr::parse(row).has_value()) << row;
}

TEST(RelayFastPath, RandomMutationsAgreeWithTheGeneralPath) {
  const std::string seeds[] = {
      R"(2["peerIce","V3gBo5yfrNys3xaYlJlW",{"candidate":"candidate:1 1 udp 1 192.0.2.10 5 typ host","sdpMid":"0","sdpMLineIndex":0}])",
      R"(2["signal","abc",{"type":"offer","sdp":"v=0\r\n","n":[1,-2,{"k":null}]}])",
      R"(2["peerIce","abc",{"candidate":"c","t":1523.4567890000344,"u":0.00012,"v":1e+21}])",
  };
  const char alphabet[] = "{}[]\",:\\0123456789-+.eEtrufalsn \x01\xc3\xa9peerIcsignal";
  std::mt19937 random(12345);
  int taken = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string packet = seeds[i % 3];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % packet.size();
      const char c = alphabet[random() % (sizeof alphabet - 1)];
      switch (random() % 3) {
        case 0: packet[at] = c; break;
        case 1: packet.insert(at, 1, c); break;
        default: packet.erase(at, 1); break;
      }
    }
    const std::string f = fast(packet);
    if (f.empty()) continue;
    ++taken;
    ASSERT_EQ(f, general(packet)) << packet;
  }
  EXPECT_GT(taken, 100);  // the mutations did exercise the fast path
}

}  // namespace
