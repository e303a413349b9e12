// sio::chapter: the course chapter's messages (seed 000_e44486ffc920b4f6.txt) and its server's
// relay rule `io.to(peerId).emit(event, peerId, payload, socket.id)`.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "chapter.hpp"
#include "engineio.hpp"
#include "socketio.hpp"

using sio::ErrorCode;
namespace json = sio::json;
namespace chapter = sio::chapter;

namespace {

json::Value parse_json(std::string_view text) {
  auto value = json::parse(text);
  EXPECT_TRUE(value.ok()) << text;
  return value.ok() ? *value : json::Value();
}

constexpr const char* kCandidateLine = "candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx";

struct ValidRow {
  const char* description;
  std::string text;  // event arguments, canonical: encode(decode(text)) == text
  chapter::Message expected;
};

std::vector<ValidRow> valid_rows() {
  const std::string line = kCandidateLine;
  const chapter::IceCandidate full{line, "0", 0, "EsAw"};
  return {
      {"server broadcast io.emit('clients', clients)", R"(["clients",{"AAA":{"id":"AAA"},"BBB":{"id":"BBB"}}])",
       chapter::Clients{{"AAA", "BBB"}}},
      {"no clients", R"(["clients",{}])", chapter::Clients{}},
      {"socket.emit('peerOffer', peerId, offer)", R"(["peerOffer","BBB",{"type":"offer","sdp":"v=0\r\n"}])",
       chapter::PeerOffer{"BBB", {"offer", "v=0\r\n"}, std::nullopt}},
      {"relayed peerOffer", R"(["peerOffer","BBB",{"type":"offer","sdp":"v=0\r\n"},"AAA"])",
       chapter::PeerOffer{"BBB", {"offer", "v=0\r\n"}, "AAA"}},
      {"peerAnswer", R"(["peerAnswer","AAA",{"type":"answer","sdp":"v=0\r\n"}])",
       chapter::PeerAnswer{"AAA", {"answer", "v=0\r\n"}, std::nullopt}},
      {"relayed peerAnswer", R"(["peerAnswer","AAA",{"type":"answer","sdp":"v=0\r\n"},"BBB"])",
       chapter::PeerAnswer{"AAA", {"answer", "v=0\r\n"}, "BBB"}},
      {"peerIce with RTCIceCandidate.toJSON()",
       R"(["peerIce","BBB",{"candidate":")" + line + R"(","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}])",
       chapter::PeerIce{"BBB", full, std::nullopt}},
      {"peerIce end of candidates (e.candidate null)", R"(["peerIce","BBB",null,"AAA"])",
       chapter::PeerIce{"BBB", std::nullopt, "AAA"}},
      {"peerIce empty candidate, null fields",
       R"(["peerIce","BBB",{"candidate":"","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null}])",
       chapter::PeerIce{"BBB", chapter::IceCandidate{"", std::nullopt, std::nullopt, std::nullopt}, std::nullopt}},
      {"simple-peer offer", R"(["signal","BBB",{"type":"offer","sdp":"v=0\r\n"}])",
       chapter::Signal{"BBB", chapter::SessionDescription{"offer", "v=0\r\n"}, std::nullopt}},
      {"simple-peer answer relayed", R"(["signal","AAA",{"type":"answer","sdp":"v=0\r\n"},"BBB"])",
       chapter::Signal{"AAA", chapter::SessionDescription{"answer", "v=0\r\n"}, "BBB"}},
      {"simple-peer candidate (_onIceCandidate shape)",
       R"(["signal","BBB",{"type":"candidate","candidate":{"candidate":")" + line + R"(","sdpMLineIndex":0,"sdpMid":"0"}}])",
       chapter::Signal{"BBB", chapter::IceCandidate{line, "0", 0, std::nullopt}, std::nullopt}},
      {"simple-peer renegotiate", R"(["signal","AAA",{"type":"renegotiate","renegotiate":true},"BBB"])",
       chapter::Signal{"AAA", chapter::Renegotiate{}, "BBB"}},
      {"simple-peer transceiverRequest with init",
       R"(["signal","AAA",{"type":"transceiverRequest","transceiverRequest":{"kind":"video","init":{"direction":"recvonly"}}}])",
       chapter::Signal{"AAA", chapter::TransceiverRequest{"video", parse_json(R"({"direction":"recvonly"})")},
                       std::nullopt}},
      {"simple-peer transceiverRequest without init",
       R"(["signal","AAA",{"type":"transceiverRequest","transceiverRequest":{"kind":"audio"}}])",
       chapter::Signal{"AAA", chapter::TransceiverRequest{"audio", json::Value()}, std::nullopt}},
  };
}

struct LenientRow {
  const char* description;
  std::string text;
  chapter::Message expected;
};

std::vector<LenientRow> lenient_rows() {
  return {
      {"extra arguments are ignored, as by the chapter's handlers",
       R"(["peerOffer","B",{"type":"offer","sdp":"x"},"A","extra"])",
       chapter::PeerOffer{"B", {"offer", "x"}, "A"}},
      {"description with extra members", R"(["peerAnswer","A",{"sdp":"x","type":"answer","extra":1}])",
       chapter::PeerAnswer{"A", {"answer", "x"}, std::nullopt}},
      {"pranswer counts as an answer", R"(["peerAnswer","A",{"type":"pranswer","sdp":"x"}])",
       chapter::PeerAnswer{"A", {"pranswer", "x"}, std::nullopt}},
      {"candidate with only the line", R"(["peerIce","B",{"candidate":"c"}])",
       chapter::PeerIce{"B", chapter::IceCandidate{"c", std::nullopt, std::nullopt, std::nullopt}, std::nullopt}},
      {"simple-peer data without type: dispatch on fields as signal() does",
       R"(["signal","B",{"candidate":{"candidate":"c","sdpMLineIndex":1,"sdpMid":"1"}}])",
       chapter::Signal{"B", chapter::IceCandidate{"c", "1", 1, std::nullopt}, std::nullopt}},
      {"renegotiate without type", R"(["signal","B",{"renegotiate":true}])",
       chapter::Signal{"B", chapter::Renegotiate{}, std::nullopt}},
      {"rollback without sdp", R"(["signal","B",{"type":"rollback"}])",
       chapter::Signal{"B", chapter::SessionDescription{"rollback", ""}, std::nullopt}},
      {"clients entries are not inspected", R"(["clients",{"A":1}])", chapter::Clients{{"A"}}},
      {"clients with stable ids (sio-signalling)",
       R"(["clients",{"A":{"id":"A","stableId":"cam-0001"},"B":{"id":"B"}}])",
       chapter::Clients{{"A", "B"}, {"cam-0001", ""}}},
      {"a stableId that is not one is dropped",
       R"(["clients",{"A":{"id":"A","stableId":"short"},"B":{"id":"B","stableId":42}}])", chapter::Clients{{"A", "B"}}},
  };
}

const char* const kInvalid[] = {
    "[]",
    "{}",
    R"([1,"a"])",
    R"(["hello","B",{}])",
    R"(["clients"])",
    R"(["clients",["A"]])",
    R"(["peerOffer",1,{"type":"offer","sdp":"x"}])",
    R"(["peerOffer","B"])",
    R"(["peerOffer","B",null])",
    R"(["peerOffer","B",{"type":"offer"}])",
    R"(["peerOffer","B",{"type":"offer","sdp":1}])",
    R"(["peerOffer","B",{"type":"answer","sdp":"x"}])",
    R"(["peerOffer","B",{"type":"bogus","sdp":"x"}])",
    R"(["peerOffer","B",{"type":"offer","sdp":"x"},5])",
    R"(["peerAnswer","A",{"type":"offer","sdp":"x"}])",
    R"(["peerIce","B",{"sdpMid":"0"}])",
    R"(["peerIce","B","candidate:1"])",
    R"(["peerIce","B",{"candidate":"c","sdpMid":0}])",
    R"(["peerIce","B",{"candidate":"c","sdpMLineIndex":-1}])",
    R"(["peerIce","B",{"candidate":"c","sdpMLineIndex":0.5}])",
    R"(["peerIce","B",{"candidate":"c","sdpMLineIndex":"0"}])",
    R"(["peerIce","B",{"candidate":"c","usernameFragment":7}])",
    R"(["signal","B","offer"])",
    R"(["signal","B",{}])",
    R"(["signal","B",{"type":"bogus"}])",
    R"(["signal","B",{"type":7}])",
    R"(["signal","B",{"type":"renegotiate"}])",
    R"(["signal","B",{"type":"candidate"}])",
    R"(["signal","B",{"type":"candidate","candidate":"c"}])",
    R"(["signal","B",{"type":"transceiverRequest","transceiverRequest":{"init":{}}}])",
    R"(["signal","B",{"type":"rollback","sdp":5}])",
};

}  // namespace

TEST(ChapterDecode, ValidRowsRoundTrip) {
  for (const auto& row : valid_rows()) {
    SCOPED_TRACE(row.description);
    auto message = chapter::decode(parse_json(row.text));
    ASSERT_TRUE(message.ok()) << message.error().reason;
    EXPECT_EQ(*message, row.expected);
    EXPECT_EQ(json::serialize(chapter::encode(*message)), row.text);
  }
}

TEST(ChapterDecode, LenientRows) {
  for (const auto& row : lenient_rows()) {
    SCOPED_TRACE(row.description);
    auto message = chapter::decode(parse_json(row.text));
    ASSERT_TRUE(message.ok()) << message.error().reason;
    EXPECT_EQ(*message, row.expected);
    // The canonical form decodes to the same message.
    auto again = chapter::decode(chapter::encode(*message));
    ASSERT_TRUE(again.ok()) << again.error().reason;
    EXPECT_EQ(*again, row.expected);
  }
}

TEST(ChapterDecode, InvalidRowsAreBadMessage) {
  for (const char* text : kInvalid) {
    SCOPED_TRACE(text);
    auto message = chapter::decode(parse_json(text));
    ASSERT_FALSE(message.ok());
    EXPECT_EQ(message.error().code, ErrorCode::BadMessage);
    EXPECT_EQ(message.error().offset, 0u);
    EXPECT_FALSE(message.error().reason.empty());
  }
}

TEST(ChapterMessage, NamesAndDialects) {
  const chapter::Message clients = chapter::Clients{};
  const chapter::Message offer = chapter::PeerOffer{};
  const chapter::Message answer = chapter::PeerAnswer{};
  const chapter::Message ice = chapter::PeerIce{};
  const chapter::Message signal = chapter::Signal{};
  EXPECT_EQ(chapter::event_name(clients), "clients");
  EXPECT_EQ(chapter::event_name(offer), "peerOffer");
  EXPECT_EQ(chapter::event_name(answer), "peerAnswer");
  EXPECT_EQ(chapter::event_name(ice), "peerIce");
  EXPECT_EQ(chapter::event_name(signal), "signal");
  EXPECT_EQ(chapter::dialect_of(clients), chapter::Dialect::Classic);
  EXPECT_EQ(chapter::dialect_of(ice), chapter::Dialect::Classic);
  EXPECT_EQ(chapter::dialect_of(signal), chapter::Dialect::SimplePeer);
}

TEST(ChapterPayloads, DescriptionAndCandidateForms) {
  EXPECT_EQ(json::serialize(chapter::encode_description({"offer", "v=0"})), R"({"type":"offer","sdp":"v=0"})");
  EXPECT_EQ(json::serialize(chapter::encode_candidate({"c", std::nullopt, 2, std::nullopt})),
            R"({"candidate":"c","sdpMid":null,"sdpMLineIndex":2,"usernameFragment":null})");
  auto candidate = chapter::decode_candidate(parse_json(R"({"candidate":"c","sdpMLineIndex":65535})"));
  ASSERT_TRUE(candidate.ok());
  EXPECT_EQ(candidate->sdp_mline_index, 65535);
  EXPECT_FALSE(chapter::decode_candidate(parse_json(R"({"candidate":"c","sdpMLineIndex":65536})")).ok());
  EXPECT_FALSE(chapter::decode_description(parse_json("[]")).ok());
}

TEST(ChapterRelay, ServerRule) {
  struct {
    const char* description;
    const char* args;
    const char* target;
    const char* relayed;
  } const rows[] = {
      {"peerOffer", R"(["peerOffer","BBB",{"type":"offer","sdp":"x"}])", "BBB",
       R"(["peerOffer","BBB",{"type":"offer","sdp":"x"},"AAA"])"},
      {"peerAnswer", R"(["peerAnswer","BBB",{"type":"answer","sdp":"x"}])", "BBB",
       R"(["peerAnswer","BBB",{"type":"answer","sdp":"x"},"AAA"])"},
      {"peerIce null", R"(["peerIce","BBB",null])", "BBB", R"(["peerIce","BBB",null,"AAA"])"},
      {"signal", R"(["signal","BBB",{"type":"renegotiate","renegotiate":true}])", "BBB",
       R"(["signal","BBB",{"type":"renegotiate","renegotiate":true},"AAA"])"},
      {"payload not validated", R"(["peerIce","BBB",42])", "BBB", R"(["peerIce","BBB",42,"AAA"])"},
      {"missing payload: undefined becomes null", R"(["peerOffer","BBB"])", "BBB",
       R"(["peerOffer","BBB",null,"AAA"])"},
      {"extra arguments dropped, sender id is the real one", R"(["signal","BBB",{},"spoofed","more"])", "BBB",
       R"(["signal","BBB",{},"AAA"])"},
      {"target may be anyone, even unknown or self", R"(["peerOffer","AAA",{}])", "AAA",
       R"(["peerOffer","AAA",{},"AAA"])"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.description);
    auto relay = chapter::relay(parse_json(row.args), "AAA");
    ASSERT_TRUE(relay.has_value());
    EXPECT_EQ(relay->target_id, row.target);
    EXPECT_EQ(json::serialize(relay->args), row.relayed);
  }
  for (const char* args : {R"(["clients",{}])", R"(["hello","BBB",{}])", R"(["peerOffer",5,{}])",
                           R"(["peerOffer",null,{}])", R"(["peerOffer"])", "[]", "{}", R"("peerOffer")"}) {
    SCOPED_TRACE(args);
    EXPECT_FALSE(chapter::relay(parse_json(args), "AAA").has_value());
  }
}

TEST(ChapterRelay, BinaryPayloadTravelsAsAttachment) {
  json::Array args{json::Value("signal"), json::Value("BBB"), json::Value(json::Binary{"\x01\x02"})};
  auto relay = chapter::relay(json::Value(std::move(args)), "AAA");
  ASSERT_TRUE(relay.has_value());
  auto encoded = sio::socketio::encode({sio::socketio::PacketType::Event, "/", std::nullopt, relay->args});
  EXPECT_EQ(encoded.text, R"(51-["signal","BBB",{"_placeholder":true,"num":0},"AAA"])");
  EXPECT_EQ(encoded.attachments, std::vector<std::string>{"\x01\x02"});
}

TEST(ChapterClients, Event) {
  EXPECT_EQ(json::serialize(chapter::clients_event({})), R"(["clients",{}])");
  EXPECT_EQ(json::serialize(chapter::clients_event({"b2", "a1"})),
            R"(["clients",{"b2":{"id":"b2"},"a1":{"id":"a1"}}])");
  auto decoded = chapter::decode(chapter::clients_event({"b2", "a1"}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, chapter::Message(chapter::Clients{{"b2", "a1"}}));
}

TEST(ChapterClients, StableIds) {
  EXPECT_EQ(json::serialize(chapter::clients_event({"b2", "a1"}, {"", "page-1234"})),
            R"(["clients",{"b2":{"id":"b2"},"a1":{"id":"a1","stableId":"page-1234"}}])");
  struct Row {
    const char* auth;
    const char* stable;
  };
  const Row rows[] = {
      {R"({"stableId":"0123456789abcdef"})", "0123456789abcdef"},
      {R"({"token":"t","stableId":"cam_A-1234"})", "cam_A-1234"},
      {R"({"stableId":"1234567"})", ""},                                // too short
      {R"({"stableId":"0123456789012345678901234567890123456789012345678901234567890123x"})", ""},  // 65
      {R"({"stableId":"has space"})", ""},
      {R"({"stableId":"quote\"12345"})", ""},
      {R"({"stableId":12345678})", ""},
      {R"({})", ""},
      {R"(null)", ""},
      {R"(["stableId"])", ""},
  };
  for (const Row& row : rows) {
    auto auth = json::parse(row.auth);
    ASSERT_TRUE(auth.ok()) << row.auth;
    EXPECT_EQ(chapter::stable_id_of_auth(*auth), row.stable) << row.auth;
  }
}

TEST(ChapterClients, AuthWithStableId) {
  EXPECT_EQ(chapter::auth_with_stable_id("", "0123456789"), R"({"stableId":"0123456789"})");
  EXPECT_EQ(chapter::auth_with_stable_id(R"({"token":"t"})", "0123456789"), R"({"token":"t","stableId":"0123456789"})");
  EXPECT_EQ(chapter::auth_with_stable_id(R"({"stableId":"mine-1234"})", "0123456789"), R"({"stableId":"mine-1234"})");
  EXPECT_EQ(chapter::auth_with_stable_id("[1]", "0123456789"), "[1]");
  EXPECT_EQ(chapter::auth_with_stable_id("{bad", "0123456789"), "{bad");
}

TEST(ChapterPipeline, WireToWire) {
  // A WebSocket text frame from the offering page, through every layer, to the frame the target
  // page receives: what sio-signalling does for the chapter.
  const std::string frame_in = R"(42["peerOffer","BBB",{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}])";
  auto eio_packet = sio::engineio::decode_text(frame_in);
  ASSERT_TRUE(eio_packet.ok());
  ASSERT_EQ(eio_packet->type, sio::engineio::PacketType::Message);
  sio::socketio::Decoder decoder;
  auto sio_packet = decoder.feed_text(eio_packet->data);
  ASSERT_TRUE(sio_packet.ok());
  ASSERT_TRUE(sio_packet->has_value());
  const auto& packet = **sio_packet;
  ASSERT_EQ(packet.type, sio::socketio::PacketType::Event);
  auto relay = chapter::relay(*packet.data, "AAA");
  ASSERT_TRUE(relay.has_value());
  EXPECT_EQ(relay->target_id, "BBB");
  auto out = sio::socketio::encode({sio::socketio::PacketType::Event, packet.nsp, std::nullopt, relay->args});
  ASSERT_TRUE(out.attachments.empty());
  const std::string frame_out =
      sio::engineio::encode_text({sio::engineio::PacketType::Message, out.text, false});
  EXPECT_EQ(frame_out, R"(42["peerOffer","BBB",{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"},"AAA"])");
  // The typed view of what the target receives.
  auto typed = chapter::decode(relay->args);
  ASSERT_TRUE(typed.ok());
  const auto* offer = std::get_if<chapter::PeerOffer>(&*typed);
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->from_id, "AAA");
  EXPECT_EQ(offer->offer.type, "offer");
}
