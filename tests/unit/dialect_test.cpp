// sio::client's dialect mapping (client/dialect.hpp): the chapter's relayed messages, as the wire carries them, to
// the signals a call acts on, and the call's descriptions and candidates to the arguments the chapter's pages send
// (tests/reference/chapter-pages/: sender.html and receiver.html for the classic dialect, index.html with
// simple-peer 9.x for the other).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chapter.hpp"
#include "dialect.hpp"
#include "json.hpp"

namespace json = sio::json;
namespace chapter = sio::chapter;
namespace client = sio::client;
using chapter::Dialect;
using client::IncomingSignal;
using client::SignalKind;

namespace {

// Rows write "<sdp>" and "<line>" so that each one reads as one wire message; wire() puts the real text in.
// The SDP holds CRLFs to check the JSON escapes both ways.
constexpr std::string_view kSdpJson = R"(v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n)";
const std::string kSdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
const std::string kLine = "candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 0.0.0.0 rport 0";

std::string wire(std::string_view text) {
  std::string out(text);
  for (const auto& [placeholder, value] : {std::pair<std::string_view, std::string_view>{"<sdp>", kSdpJson},
                                           std::pair<std::string_view, std::string_view>{"<line>", kLine}}) {
    for (auto at = out.find(placeholder); at != std::string::npos; at = out.find(placeholder, at + value.size())) {
      out.replace(at, placeholder.size(), value);
    }
  }
  return out;
}

json::Value parse_json(const std::string& text) {
  auto value = json::parse(text);
  EXPECT_TRUE(value.ok()) << text;
  return value.ok() ? *value : json::Value();
}

std::string_view kind_name(SignalKind kind) {
  switch (kind) {
    case SignalKind::Offer: return "Offer";
    case SignalKind::Answer: return "Answer";
    case SignalKind::Candidate: return "Candidate";
    case SignalKind::EndOfCandidates: return "EndOfCandidates";
    case SignalKind::Renegotiate: return "Renegotiate";
    case SignalKind::TransceiverRequest: return "TransceiverRequest";
    case SignalKind::Other: return "Other";
  }
  return "?";
}

// One line per signal, so a failing row shows every field of both sides at once.
std::string render(const IncomingSignal& signal) {
  json::Object object;
  object.emplace_back("kind", kind_name(signal.kind));
  object.emplace_back("dialect", signal.dialect == Dialect::Classic ? "classic" : "simple-peer");
  object.emplace_back("from", signal.from_id);
  object.emplace_back("sdp", signal.sdp);
  object.emplace_back("candidate", chapter::encode_candidate(signal.candidate));
  object.emplace_back("media", signal.media_kind);
  return json::serialize(json::Value(std::move(object)));
}

// ---------------------------------------------------------------------------------------------------------------
// Incoming: wire arguments as the chapter's server relays them to "me", from "peer" -> chapter::decode -> to_incoming.

struct NoSignal {};     // decodes, but to_incoming gives nullopt
struct DecodeFails {};  // chapter::decode rejects it (BadMessage), so it never reaches to_incoming
using Expected = std::variant<IncomingSignal, NoSignal, DecodeFails>;

struct IncomingRow {
  const char* name;
  std::string wire;
  Expected expected;
};

std::vector<IncomingRow> incoming_rows() {
  const Dialect sp = Dialect::SimplePeer;
  return {
      // Classic dialect: socket.on('peerOffer' | 'peerAnswer' | 'peerIce', (myId, payload, peerId) => ...).
      {"peerOffer", wire(R"(["peerOffer","me",{"type":"offer","sdp":"<sdp>"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Offer, .from_id = "peer", .sdp = kSdp}},
      {"peerAnswer", wire(R"(["peerAnswer","me",{"type":"answer","sdp":"<sdp>"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Answer, .from_id = "peer", .sdp = kSdp}},
      {"peerIce: RTCIceCandidate.toJSON() with sdpMid and sdpMLineIndex",
       wire(R"(["peerIce","me",{"candidate":"<line>","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null},"peer"])"),
       IncomingSignal{.kind = SignalKind::Candidate, .from_id = "peer", .candidate = {kLine, "0", 0, std::nullopt}}},
      {"peerIce with usernameFragment",
       wire(R"(["peerIce","me",{"candidate":"<line>","sdpMid":"1","sdpMLineIndex":1,"usernameFragment":"EsAw"},)"
            R"("peer"])"),
       IncomingSignal{.kind = SignalKind::Candidate, .from_id = "peer", .candidate = {kLine, "1", 1, "EsAw"}}},
      {"peerIce with sdpMid only", wire(R"(["peerIce","me",{"candidate":"<line>","sdpMid":"audio"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Candidate,
                      .from_id = "peer",
                      .candidate = {kLine, "audio", std::nullopt, std::nullopt}}},
      {"peerIce with sdpMLineIndex only (null sdpMid)",
       wire(R"(["peerIce","me",{"candidate":"<line>","sdpMid":null,"sdpMLineIndex":2},"peer"])"),
       IncomingSignal{.kind = SignalKind::Candidate,
                      .from_id = "peer",
                      .candidate = {kLine, std::nullopt, 2, std::nullopt}}},
      {"peerIce null: onicecandidate's e.candidate at the end of gathering", R"(["peerIce","me",null,"peer"])",
       IncomingSignal{.kind = SignalKind::EndOfCandidates, .from_id = "peer"}},
      // The classic mapping keeps no candidate fields for the end marker.
      {"peerIce with an empty candidate line",
       R"(["peerIce","me",{"candidate":"","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"},"peer"])",
       IncomingSignal{.kind = SignalKind::EndOfCandidates, .from_id = "peer"}},

      // simple-peer: socket.on('signal', (myId, signal, peerId) => peer.signal(signal)).
      {"signal offer", wire(R"(["signal","me",{"type":"offer","sdp":"<sdp>"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Offer, .dialect = sp, .from_id = "peer", .sdp = kSdp}},
      {"signal answer", wire(R"(["signal","me",{"type":"answer","sdp":"<sdp>"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Answer, .dialect = sp, .from_id = "peer", .sdp = kSdp}},
      {"signal candidate (simple-peer's _onIceCandidate shape)",
       wire(R"(["signal","me",{"type":"candidate","candidate":{"candidate":"<line>","sdpMLineIndex":0,"sdpMid":"0"}},)"
            R"("peer"])"),
       IncomingSignal{.kind = SignalKind::Candidate,
                      .dialect = sp,
                      .from_id = "peer",
                      .candidate = {kLine, "0", 0, std::nullopt}}},
      // Unlike the classic mapping, this one keeps the marker's sdpMid/sdpMLineIndex.
      {"signal candidate with an empty candidate line",
       R"(["signal","me",{"type":"candidate","candidate":{"candidate":"","sdpMLineIndex":0,"sdpMid":"0"}},"peer"])",
       IncomingSignal{.kind = SignalKind::EndOfCandidates,
                      .dialect = sp,
                      .from_id = "peer",
                      .candidate = {"", "0", 0, std::nullopt}}},
      {"signal renegotiate", R"(["signal","me",{"type":"renegotiate","renegotiate":true},"peer"])",
       IncomingSignal{.kind = SignalKind::Renegotiate, .dialect = sp, .from_id = "peer"}},
      {"signal transceiverRequest audio",
       R"(["signal","me",{"type":"transceiverRequest",)"
       R"("transceiverRequest":{"kind":"audio","init":{"direction":"recvonly"}}},"peer"])",
       IncomingSignal{.kind = SignalKind::TransceiverRequest, .dialect = sp, .from_id = "peer", .media_kind = "audio"}},
      {"signal transceiverRequest video (init undefined)",
       R"(["signal","me",{"type":"transceiverRequest","transceiverRequest":{"kind":"video"}},"peer"])",
       IncomingSignal{.kind = SignalKind::TransceiverRequest, .dialect = sp, .from_id = "peer", .media_kind = "video"}},

      // Shared: the peer list is for the call logic, not a signal.
      {"clients", R"(["clients",{"me":{"id":"me"},"peer":{"id":"peer"}}])", NoSignal{}},
      {"clients, empty", R"(["clients",{}])", NoSignal{}},

      // Descriptions webrtcbin's glue does not use: kind Other, SDP kept.
      {"peerAnswer pranswer", wire(R"(["peerAnswer","me",{"type":"pranswer","sdp":"<sdp>"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Other, .from_id = "peer", .sdp = kSdp}},
      {"signal pranswer", wire(R"(["signal","me",{"type":"pranswer","sdp":"<sdp>"},"peer"])"),
       IncomingSignal{.kind = SignalKind::Other, .dialect = sp, .from_id = "peer", .sdp = kSdp}},
      {"signal rollback without sdp", R"(["signal","me",{"type":"rollback"},"peer"])",
       IncomingSignal{.kind = SignalKind::Other, .dialect = sp, .from_id = "peer"}},
      {"signal rollback with an empty sdp", R"(["signal","me",{"type":"rollback","sdp":""},"peer"])",
       IncomingSignal{.kind = SignalKind::Other, .dialect = sp, .from_id = "peer"}},

      // Not relayed: the server always appends the sender's id, so these did not come through it.
      {"peerOffer without sender id", wire(R"(["peerOffer","me",{"type":"offer","sdp":"<sdp>"}])"), NoSignal{}},
      {"peerAnswer without sender id", wire(R"(["peerAnswer","me",{"type":"answer","sdp":"<sdp>"}])"), NoSignal{}},
      {"peerIce without sender id", R"(["peerIce","me",null])", NoSignal{}},
      {"signal without sender id", R"(["signal","me",{"type":"renegotiate","renegotiate":true}])", NoSignal{}},

      // A description type that contradicts the event: the decoder already refuses it on the wire (to_incoming's
      // own guard is checked with hand-built messages in DialectIncoming.TypeContradictsEvent).
      {"peerOffer whose type says answer", wire(R"(["peerOffer","me",{"type":"answer","sdp":"<sdp>"},"peer"])"),
       DecodeFails{}},
      {"peerAnswer whose type says offer", wire(R"(["peerAnswer","me",{"type":"offer","sdp":"<sdp>"},"peer"])"),
       DecodeFails{}},
      {"peerOffer pranswer", wire(R"(["peerOffer","me",{"type":"pranswer","sdp":"<sdp>"},"peer"])"), DecodeFails{}},
      {"peerAnswer rollback", R"(["peerAnswer","me",{"type":"rollback"},"peer"])", DecodeFails{}},

      // Wrong argument types and unknown events.
      {"sender id not a string", wire(R"(["peerOffer","me",{"type":"offer","sdp":"<sdp>"},7])"), DecodeFails{}},
      {"peerId not a string", R"(["peerIce",7,null,"peer"])", DecodeFails{}},
      {"payload left out: the server relays it as null", R"(["peerOffer","me",null,"peer"])", DecodeFails{}},
      {"description without sdp", R"(["peerAnswer","me",{"type":"answer"},"peer"])", DecodeFails{}},
      {"sdp not a string", R"(["peerOffer","me",{"type":"offer","sdp":0},"peer"])", DecodeFails{}},
      {"peerIce candidate as a bare string", wire(R"(["peerIce","me","<line>","peer"])"), DecodeFails{}},
      {"peerIce without candidate line", R"(["peerIce","me",{"sdpMid":"0","sdpMLineIndex":0},"peer"])",
       DecodeFails{}},
      {"peerIce sdpMLineIndex as a string",
       wire(R"(["peerIce","me",{"candidate":"<line>","sdpMLineIndex":"0"},"peer"])"), DecodeFails{}},
      {"peerIce sdpMid as a number", wire(R"(["peerIce","me",{"candidate":"<line>","sdpMid":0},"peer"])"),
       DecodeFails{}},
      {"signal data as a string", R"(["signal","me","offer","peer"])", DecodeFails{}},
      {"signal unknown type", R"(["signal","me",{"type":"bye"},"peer"])", DecodeFails{}},
      {"signal renegotiate false", R"(["signal","me",{"type":"renegotiate","renegotiate":false},"peer"])",
       DecodeFails{}},
      {"signal transceiverRequest without kind",
       R"(["signal","me",{"type":"transceiverRequest","transceiverRequest":{"init":{}}},"peer"])", DecodeFails{}},
      {"clients as an array", R"(["clients",["me","peer"]])", DecodeFails{}},
      {"unknown event", R"(["hello","me",{},"peer"])", DecodeFails{}},
      {"event name not a string", R"([1,"me",null,"peer"])", DecodeFails{}},
      {"arguments not an array", R"({"peerOffer":"me"})", DecodeFails{}},
  };
}

void check_incoming(const IncomingRow& row) {
  auto message = chapter::decode(parse_json(row.wire));
  if (std::holds_alternative<DecodeFails>(row.expected)) {
    ASSERT_FALSE(message.ok()) << "decoded, to_incoming would see it";
    EXPECT_EQ(message.error().code, sio::ErrorCode::BadMessage);
    return;
  }
  ASSERT_TRUE(message.ok()) << message.error().reason;
  auto incoming = client::to_incoming(*message);
  if (std::holds_alternative<NoSignal>(row.expected)) {
    EXPECT_FALSE(incoming.has_value()) << render(*incoming);
    return;
  }
  ASSERT_TRUE(incoming.has_value());
  EXPECT_EQ(render(*incoming), render(std::get<IncomingSignal>(row.expected)));
}

}  // namespace

TEST(DialectIncoming, Rows) {
  for (const auto& row : incoming_rows()) {
    SCOPED_TRACE(row.name);
    check_incoming(row);
  }
}

TEST(DialectIncoming, TypeContradictsEvent) {
  // Only a hand-built message gets here (decode refuses these, see the rows above): a description of the wrong
  // type must not be taken for the event's.
  struct {
    const char* name;
    chapter::Message message;
  } const rows[] = {
      {"peerOffer carrying an answer", chapter::PeerOffer{"me", {"answer", kSdp}, "peer"}},
      {"peerOffer carrying a pranswer", chapter::PeerOffer{"me", {"pranswer", kSdp}, "peer"}},
      {"peerAnswer carrying an offer", chapter::PeerAnswer{"me", {"offer", kSdp}, "peer"}},
      {"peerAnswer carrying a rollback", chapter::PeerAnswer{"me", {"rollback", ""}, "peer"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto incoming = client::to_incoming(row.message);
    ASSERT_TRUE(incoming.has_value());
    EXPECT_EQ(kind_name(incoming->kind), kind_name(SignalKind::Other));
    EXPECT_EQ(incoming->from_id, "peer");
  }
}

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Outgoing: what "me" sends to "peer", byte for byte what the chapter's pages send in the same place.

enum class Send { Description, Candidate, EndOfCandidates };

struct OutgoingRow {
  const char* name;
  Send send;
  Dialect dialect;
  std::string type;                 // Send::Description; the SDP is always kSdp
  chapter::IceCandidate candidate;  // Send::Candidate
  std::optional<std::string> wire;  // nullopt: the dialect has no such message
  SignalKind relayed_kind;          // what the peer's to_incoming makes of it once relayed
};

std::vector<OutgoingRow> outgoing_rows() {
  const Dialect classic = Dialect::Classic;
  const Dialect sp = Dialect::SimplePeer;
  const chapter::IceCandidate full{kLine, "0", 0, std::nullopt};  // what webrtcbin gives: line, m-line, its mid
  const chapter::IceCandidate no_mid{kLine, std::nullopt, 1, std::nullopt};
  const chapter::IceCandidate with_ufrag{kLine, "0", 0, "EsAw"};
  const chapter::IceCandidate empty_line{"", "0", 0, std::nullopt};
  return {
      // sender.html: socket.emit('peerOffer', peerId, offer), offer being RTCSessionDescription {type, sdp}.
      {"classic offer", Send::Description, classic, "offer", {},
       wire(R"(["peerOffer","peer",{"type":"offer","sdp":"<sdp>"}])"), SignalKind::Offer},
      // receiver.html: socket.emit(`peerAnswer`, peerId, answer).
      {"classic answer", Send::Description, classic, "answer", {},
       wire(R"(["peerAnswer","peer",{"type":"answer","sdp":"<sdp>"}])"), SignalKind::Answer},
      {"classic pranswer goes as a peerAnswer", Send::Description, classic, "pranswer", {},
       wire(R"(["peerAnswer","peer",{"type":"pranswer","sdp":"<sdp>"}])"), SignalKind::Other},
      // simple-peer's sendOffer/sendAnswer emit('signal', {type, sdp}); index.html: socket.emit('signal', peerId, data)
      {"simple-peer offer", Send::Description, sp, "offer", {},
       wire(R"(["signal","peer",{"type":"offer","sdp":"<sdp>"}])"), SignalKind::Offer},
      {"simple-peer answer", Send::Description, sp, "answer", {},
       wire(R"(["signal","peer",{"type":"answer","sdp":"<sdp>"}])"), SignalKind::Answer},

      // Both pages: socket.emit('peerIce', peerId, e.candidate), which JSON.stringify turns into
      // RTCIceCandidate.toJSON(): candidate, sdpMid, sdpMLineIndex, usernameFragment, null when unknown.
      {"classic candidate", Send::Candidate, classic, {}, full,
       wire(R"(["peerIce","peer",{"candidate":"<line>","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}])"),
       SignalKind::Candidate},
      {"classic candidate without mid", Send::Candidate, classic, {}, no_mid,
       wire(R"(["peerIce","peer",{"candidate":"<line>","sdpMid":null,"sdpMLineIndex":1,"usernameFragment":null}])"),
       SignalKind::Candidate},
      {"classic candidate with usernameFragment", Send::Candidate, classic, {}, with_ufrag,
       wire(R"(["peerIce","peer",{"candidate":"<line>","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}])"),
       SignalKind::Candidate},
      {"classic empty candidate line", Send::Candidate, classic, {}, empty_line,
       R"(["peerIce","peer",{"candidate":"","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}])",
       SignalKind::EndOfCandidates},
      // simple-peer's _onIceCandidate: {type:'candidate', candidate:{candidate, sdpMLineIndex, sdpMid}}.
      {"simple-peer candidate", Send::Candidate, sp, {}, full,
       wire(R"(["signal","peer",{"type":"candidate",)"
            R"("candidate":{"candidate":"<line>","sdpMLineIndex":0,"sdpMid":"0"}}])"),
       SignalKind::Candidate},
      {"simple-peer candidate without mid", Send::Candidate, sp, {}, no_mid,
       wire(R"(["signal","peer",{"type":"candidate",)"
            R"("candidate":{"candidate":"<line>","sdpMLineIndex":1,"sdpMid":null}}])"),
       SignalKind::Candidate},
      // simple-peer itself never sends usernameFragment; the encoder keeps it, which RTCIceCandidate's init accepts.
      {"simple-peer candidate with usernameFragment", Send::Candidate, sp, {}, with_ufrag,
       wire(R"(["signal","peer",{"type":"candidate",)"
            R"("candidate":{"candidate":"<line>","sdpMLineIndex":0,"sdpMid":"0","usernameFragment":"EsAw"}}])"),
       SignalKind::Candidate},
      {"simple-peer empty candidate line", Send::Candidate, sp, {}, empty_line,
       R"(["signal","peer",{"type":"candidate","candidate":{"candidate":"","sdpMLineIndex":0,"sdpMid":"0"}}])",
       SignalKind::EndOfCandidates},

      // The pages send onicecandidate's final null as it is; simple-peer keeps it to itself (_iceComplete).
      {"classic end of candidates", Send::EndOfCandidates, classic, {}, {}, R"(["peerIce","peer",null])",
       SignalKind::EndOfCandidates},
      {"simple-peer has no end-of-candidates message", Send::EndOfCandidates, sp, {}, {}, std::nullopt,
       SignalKind::Other},
  };
}

std::optional<chapter::Message> build(const OutgoingRow& row) {
  switch (row.send) {
    case Send::Description: return client::description_message(row.dialect, "peer", row.type, kSdp);
    case Send::Candidate: return client::candidate_message(row.dialect, "peer", row.candidate);
    case Send::EndOfCandidates: return client::end_of_candidates_message(row.dialect, "peer");
  }
  return std::nullopt;
}

// What the peer should see after the server's relay: the same description or candidate, from "me".
IncomingSignal relayed_signal(const OutgoingRow& row) {
  IncomingSignal expected{.kind = row.relayed_kind, .dialect = row.dialect, .from_id = "me"};
  if (row.send == Send::Description) expected.sdp = kSdp;
  // The classic mapping drops an empty-line marker's fields (see the incoming rows); simple-peer's keeps them.
  const bool keeps_fields = row.relayed_kind == SignalKind::Candidate || row.dialect == Dialect::SimplePeer;
  if (row.send == Send::Candidate && keeps_fields) expected.candidate = row.candidate;
  return expected;
}

void check_outgoing(const OutgoingRow& row) {
  const auto message = build(row);
  ASSERT_EQ(message.has_value(), row.wire.has_value());
  if (!message) return;
  const json::Value args = chapter::encode(*message);
  EXPECT_EQ(json::serialize(args), *row.wire);

  // Round trip through the chapter's server: io.to(peerId).emit(event, peerId, payload, socket.id).
  const auto relayed = chapter::relay(args, "me");
  ASSERT_TRUE(relayed.has_value());
  EXPECT_EQ(relayed->target_id, "peer");
  const auto decoded = chapter::decode(relayed->args);
  ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
  const auto incoming = client::to_incoming(*decoded);
  ASSERT_TRUE(incoming.has_value());
  EXPECT_EQ(render(*incoming), render(relayed_signal(row)));
}

}  // namespace

TEST(DialectOutgoing, RowsAndRelayRoundTrip) {
  for (const auto& row : outgoing_rows()) {
    SCOPED_TRACE(row.name);
    check_outgoing(row);
  }
}
