// The course chapter's signalling messages as typed values, in both dialects, and the relay rule
// of the chapter's server. Event arguments are the JSON array of a Socket.IO EVENT (the first
// element is the event name).
//
// Classic dialect (RTCPeerConnection pages):
//   client -> server  ["peerOffer", peerId, {type:"offer", sdp}]
//                     ["peerAnswer", peerId, {type:"answer", sdp}]
//                     ["peerIce", peerId, {candidate, sdpMid, sdpMLineIndex, usernameFragment} | null]
//   server -> client  the same with the sender's socket id appended: [event, peerId, payload, fromId]
// simple-peer dialect:
//   ["signal", peerId, data(, fromId)] with data one of
//     {type:"offer", sdp} {type:"answer", sdp}
//     {type:"candidate", candidate:{candidate, sdpMLineIndex, sdpMid}}
//     {type:"renegotiate", renegotiate:true}
//     {type:"transceiverRequest", transceiverRequest:{kind, init}}
// Both: server -> client ["clients", {"<id>":{"id":"<id>"}, ...}]
//   Extension (sio-signalling): an entry also has "stableId" when that client sent one in its
//   Socket.IO auth ({stableId}): the same string across its reconnections, while its socket id
//   changes. Pages read the keys and ignore it; the Node server never sends it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "json.hpp"
#include "result.hpp"

namespace sio::chapter {

enum class Dialect { Classic, SimplePeer };

struct SessionDescription {
  std::string type;  // "offer" | "answer" (also "pranswer"/"rollback", passed through)
  std::string sdp;
  bool operator==(const SessionDescription&) const = default;
};

struct IceCandidate {
  std::string candidate;  // "candidate:..." line; "" is the end-of-candidates marker of some browsers
  std::optional<std::string> sdp_mid;
  std::optional<int> sdp_mline_index;
  std::optional<std::string> username_fragment;
  bool operator==(const IceCandidate&) const = default;
};

// Classic dialect.
struct PeerOffer {
  std::string peer_id;
  SessionDescription offer;
  std::optional<std::string> from_id;  // present when relayed by the server
  bool operator==(const PeerOffer&) const = default;
};
struct PeerAnswer {
  std::string peer_id;
  SessionDescription answer;
  std::optional<std::string> from_id;
  bool operator==(const PeerAnswer&) const = default;
};
struct PeerIce {
  std::string peer_id;
  std::optional<IceCandidate> candidate;  // nullopt: the page's null end-of-candidates
  std::optional<std::string> from_id;
  bool operator==(const PeerIce&) const = default;
};

// simple-peer dialect.
struct Renegotiate {
  bool operator==(const Renegotiate&) const = default;
};
struct TransceiverRequest {
  std::string kind;    // "audio" | "video"
  json::Value init;    // RTCRtpTransceiverInit as sent, or null
  bool operator==(const TransceiverRequest&) const = default;
};
using SignalData = std::variant<SessionDescription, IceCandidate, Renegotiate, TransceiverRequest>;
struct Signal {
  std::string peer_id;
  SignalData data;
  std::optional<std::string> from_id;
  bool operator==(const Signal&) const = default;
};

struct Clients {
  std::vector<std::string> ids;  // in the server's order
  // Parallel to ids: the entry's stableId, "" when it has none (or not a valid one).
  std::vector<std::string> stable_ids;
  bool operator==(const Clients&) const = default;
};

// A stableId worth keeping: 8 to 64 characters of [A-Za-z0-9_-] (a UUID, random hex).
bool is_valid_stable_id(std::string_view id);
// The stableId of a Socket.IO auth payload, "" when absent or not valid.
std::string stable_id_of_auth(const json::Value& auth);
// `auth_json` (a JSON object, "" for none) with "stableId": `stable_id` added unless it has one;
// text that is not a JSON object comes back as it is (the client reports it).
std::string auth_with_stable_id(const std::string& auth_json, const std::string& stable_id);

using Message = std::variant<Clients, PeerOffer, PeerAnswer, PeerIce, Signal>;

// Event arguments (["peerOffer", ...]) -> typed message. BadMessage for a known event with the
// wrong arguments; UnknownPacketType is not used here: an unknown event name is BadMessage too.
Result<Message> decode(const json::Value& event_args);
// Typed message -> event arguments, ready to be the data of a Socket.IO EVENT.
json::Value encode(const Message& message);

std::string_view event_name(const Message& message);
Dialect dialect_of(const Message& message);  // Clients counts as Classic (it is shared)

// JSON forms of the payloads, shared with webrtcbin glue.
json::Value encode_description(const SessionDescription& description);
Result<SessionDescription> decode_description(const json::Value& value);
json::Value encode_candidate(const IceCandidate& candidate);
Result<IceCandidate> decode_candidate(const json::Value& value);

// The chapter server's relay rule: for ["peerOffer"|"peerAnswer"|"peerIce"|"signal", peerId,
// payload, ...] from `from_id`, the target is peerId (a string) and the relayed arguments are
// [event, peerId, payload, from_id]; extra arguments are dropped as the chapter's handler ignores
// them, and a missing payload becomes null (JSON.stringify of undefined in an array). The payload
// is not validated: the chapter's server relays whatever it is given. nullopt: not a relayed event
// or peerId is not a string.
struct Relay {
  std::string target_id;
  json::Value args;
};
std::optional<Relay> relay(const json::Value& event_args, std::string_view from_id);

// ["clients", {...}] for the given ids, in order; `stable_ids` (parallel, "" = none) adds stableId.
json::Value clients_event(const std::vector<std::string>& ids, const std::vector<std::string>& stable_ids = {});

}  // namespace sio::chapter
