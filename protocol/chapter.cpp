#include "chapter.hpp"

#include <array>
#include <cmath>

namespace sio::chapter {

namespace {

constexpr std::string_view kClients = "clients";
constexpr std::string_view kPeerOffer = "peerOffer";
constexpr std::string_view kPeerAnswer = "peerAnswer";
constexpr std::string_view kPeerIce = "peerIce";
constexpr std::string_view kSignal = "signal";

CodecError bad(std::string reason) { return make_error(ErrorCode::BadMessage, 0, std::move(reason)); }

// A member that may be absent or null (RTCIceCandidate.toJSON writes null for unknown fields).
bool optional_string(const json::Value& object, std::string_view key, std::optional<std::string>& out) {
  const json::Value* member = object.find(key);
  if (member == nullptr || member->is_null()) return true;
  if (!member->is_string()) return false;
  out = member->as_string();
  return true;
}

json::Value string_or_null(const std::optional<std::string>& s) { return s ? json::Value(*s) : json::Value(); }

bool is_description_type(std::string_view type) {
  return type == "offer" || type == "answer" || type == "pranswer" || type == "rollback";
}

// The common shape [event, peerId, payload(, fromId)]; extra arguments are ignored as the
// chapter's handlers ignore them.
struct Addressed {
  std::string peer_id;
  const json::Value* payload = nullptr;
  std::optional<std::string> from_id;
};

Result<Addressed> addressed(const json::Array& args, std::string_view event) {
  if (args.size() < 3) return bad(std::string(event) + ": expected (peerId, payload)");
  if (!args[1].is_string()) return bad(std::string(event) + ": peerId is not a string");
  Addressed out{args[1].as_string(), &args[2], std::nullopt};
  if (args.size() > 3) {
    if (!args[3].is_string()) return bad(std::string(event) + ": sender id is not a string");
    out.from_id = args[3].as_string();
  }
  return out;
}

Result<SignalData> decode_signal_data(const json::Value& data) {
  if (!data.is_object()) return bad("signal: data is not an object");
  const json::Value* type = data.find("type");
  std::string_view kind;
  if (type != nullptr) {
    if (!type->is_string()) return bad("signal: type is not a string");
    kind = type->as_string();
  } else {
    // simple-peer's signal() dispatches on the fields, not on type: follow it when type is absent.
    if (const auto* c = data.find("candidate"); c != nullptr && c->is_object()) kind = "candidate";
    else if (data.find("renegotiate") != nullptr) kind = "renegotiate";
    else if (data.find("transceiverRequest") != nullptr) kind = "transceiverRequest";
  }
  if (is_description_type(kind)) {
    auto description = decode_description(data);
    if (!description) return description.error();
    return SignalData(std::move(description).value());
  }
  if (kind == "candidate") {
    const json::Value* candidate = data.find("candidate");
    if (candidate == nullptr) return bad("signal: candidate missing");
    auto decoded = decode_candidate(*candidate);
    if (!decoded) return decoded.error();
    return SignalData(std::move(decoded).value());
  }
  if (kind == "renegotiate") {
    const json::Value* flag = data.find("renegotiate");
    if (flag == nullptr || !flag->is_bool() || !flag->as_bool()) return bad("signal: renegotiate is not true");
    return SignalData(Renegotiate{});
  }
  if (kind == "transceiverRequest") {
    const json::Value* request = data.find("transceiverRequest");
    if (request == nullptr || !request->is_object()) return bad("signal: transceiverRequest is not an object");
    const json::Value* media = request->find("kind");
    if (media == nullptr || !media->is_string()) return bad("signal: transceiverRequest.kind is not a string");
    const json::Value* init = request->find("init");
    return SignalData(TransceiverRequest{media->as_string(), init != nullptr ? *init : json::Value()});
  }
  return bad("signal: unknown data type");
}

json::Value encode_signal_data(const SignalData& data) {
  json::Object object;
  if (const auto* description = std::get_if<SessionDescription>(&data)) {
    return encode_description(*description);
  }
  if (const auto* candidate = std::get_if<IceCandidate>(&data)) {
    // simple-peer's _onIceCandidate shape and key order.
    json::Object inner;
    inner.emplace_back("candidate", candidate->candidate);
    inner.emplace_back("sdpMLineIndex",
                       candidate->sdp_mline_index ? json::Value(*candidate->sdp_mline_index) : json::Value());
    inner.emplace_back("sdpMid", string_or_null(candidate->sdp_mid));
    if (candidate->username_fragment) inner.emplace_back("usernameFragment", *candidate->username_fragment);
    object.emplace_back("type", "candidate");
    object.emplace_back("candidate", std::move(inner));
  } else if (std::holds_alternative<Renegotiate>(data)) {
    object.emplace_back("type", "renegotiate");
    object.emplace_back("renegotiate", true);
  } else {
    const auto& request = std::get<TransceiverRequest>(data);
    json::Object inner;
    inner.emplace_back("kind", request.kind);
    // JSON.stringify drops an undefined init; null stands for that here.
    if (!request.init.is_null()) inner.emplace_back("init", request.init);
    object.emplace_back("type", "transceiverRequest");
    object.emplace_back("transceiverRequest", std::move(inner));
  }
  return json::Value(std::move(object));
}

void append_from(json::Array& args, const std::optional<std::string>& from_id) {
  if (from_id) args.emplace_back(*from_id);
}

}  // namespace

json::Value encode_description(const SessionDescription& description) {
  json::Object object;
  object.emplace_back("type", description.type);
  object.emplace_back("sdp", description.sdp);
  return json::Value(std::move(object));
}

Result<SessionDescription> decode_description(const json::Value& value) {
  if (!value.is_object()) return bad("session description is not an object");
  const json::Value* type = value.find("type");
  if (type == nullptr || !type->is_string() || !is_description_type(type->as_string())) {
    return bad("session description type is not offer/answer/pranswer/rollback");
  }
  SessionDescription description{type->as_string(), {}};
  const json::Value* sdp = value.find("sdp");
  if (sdp != nullptr && sdp->is_string()) {
    description.sdp = sdp->as_string();
  } else if (description.type != "rollback" || (sdp != nullptr && !sdp->is_null())) {
    return bad("session description without an sdp string");  // only a rollback has no SDP
  }
  return description;
}

json::Value encode_candidate(const IceCandidate& candidate) {
  // RTCIceCandidate.toJSON() shape and key order, which is what the classic pages send.
  json::Object object;
  object.emplace_back("candidate", candidate.candidate);
  object.emplace_back("sdpMid", string_or_null(candidate.sdp_mid));
  object.emplace_back("sdpMLineIndex",
                      candidate.sdp_mline_index ? json::Value(*candidate.sdp_mline_index) : json::Value());
  object.emplace_back("usernameFragment", string_or_null(candidate.username_fragment));
  return json::Value(std::move(object));
}

Result<IceCandidate> decode_candidate(const json::Value& value) {
  if (!value.is_object()) return bad("ICE candidate is not an object");
  const json::Value* line = value.find("candidate");
  if (line == nullptr || !line->is_string()) return bad("ICE candidate without a candidate string");
  IceCandidate candidate;
  candidate.candidate = line->as_string();
  if (!optional_string(value, "sdpMid", candidate.sdp_mid)) return bad("ICE candidate sdpMid is not a string");
  if (!optional_string(value, "usernameFragment", candidate.username_fragment)) {
    return bad("ICE candidate usernameFragment is not a string");
  }
  if (const json::Value* index = value.find("sdpMLineIndex"); index != nullptr && !index->is_null()) {
    // An m-line index is an unsigned short in WebRTC.
    const double d = index->is_number() ? index->as_number() : -1;
    if (!(d >= 0 && d <= 65535) || d != std::floor(d)) return bad("ICE candidate sdpMLineIndex is not an index");
    candidate.sdp_mline_index = static_cast<int>(d);
  }
  return candidate;
}

Result<Message> decode(const json::Value& event_args) {
  if (!event_args.is_array() || event_args.as_array().empty() || !event_args.as_array()[0].is_string()) {
    return bad("event arguments are not [name, ...]");
  }
  const json::Array& args = event_args.as_array();
  const std::string& name = args[0].as_string();

  if (name == kClients) {
    if (args.size() < 2 || !args[1].is_object()) return bad("clients: expected an object of clients");
    Clients clients;
    bool any_stable = false;
    for (const auto& [id, entry] : args[1].as_object()) {
      clients.ids.push_back(id);
      const json::Value* stable = entry.is_object() ? entry.find("stableId") : nullptr;
      const bool valid = stable != nullptr && stable->is_string() && is_valid_stable_id(stable->as_string());
      clients.stable_ids.push_back(valid ? stable->as_string() : std::string());
      any_stable = any_stable || valid;
    }
    if (!any_stable) clients.stable_ids.clear();  // a list without any: as the chapter's server sends it
    return Message(std::move(clients));
  }
  if (name != kPeerOffer && name != kPeerAnswer && name != kPeerIce && name != kSignal) {
    return bad("unknown event '" + name + "'");
  }
  auto parts = addressed(args, name);
  if (!parts) return parts.error();
  Addressed& a = *parts;
  if (name == kPeerIce) {
    PeerIce ice{std::move(a.peer_id), std::nullopt, std::move(a.from_id)};
    if (!a.payload->is_null()) {
      auto candidate = decode_candidate(*a.payload);
      if (!candidate) return candidate.error();
      ice.candidate = std::move(candidate).value();
    }
    return Message(std::move(ice));
  }
  if (name == kSignal) {
    auto data = decode_signal_data(*a.payload);
    if (!data) return data.error();
    return Message(Signal{std::move(a.peer_id), std::move(data).value(), std::move(a.from_id)});
  }
  auto description = decode_description(*a.payload);
  if (!description) return description.error();
  if (name == kPeerOffer) {
    if (description->type != "offer") return bad("peerOffer: description type is not offer");
    return Message(PeerOffer{std::move(a.peer_id), std::move(description).value(), std::move(a.from_id)});
  }
  if (description->type != "answer" && description->type != "pranswer") {
    return bad("peerAnswer: description type is not answer");
  }
  return Message(PeerAnswer{std::move(a.peer_id), std::move(description).value(), std::move(a.from_id)});
}

json::Value encode(const Message& message) {
  json::Array args;
  args.emplace_back(event_name(message));
  if (const auto* clients = std::get_if<Clients>(&message)) return clients_event(clients->ids, clients->stable_ids);
  if (const auto* offer = std::get_if<PeerOffer>(&message)) {
    args.emplace_back(offer->peer_id);
    args.push_back(encode_description(offer->offer));
    append_from(args, offer->from_id);
  } else if (const auto* answer = std::get_if<PeerAnswer>(&message)) {
    args.emplace_back(answer->peer_id);
    args.push_back(encode_description(answer->answer));
    append_from(args, answer->from_id);
  } else if (const auto* ice = std::get_if<PeerIce>(&message)) {
    args.emplace_back(ice->peer_id);
    args.push_back(ice->candidate ? encode_candidate(*ice->candidate) : json::Value());
    append_from(args, ice->from_id);
  } else {
    const auto& signal = std::get<Signal>(message);
    args.emplace_back(signal.peer_id);
    args.push_back(encode_signal_data(signal.data));
    append_from(args, signal.from_id);
  }
  return json::Value(std::move(args));
}

std::string_view event_name(const Message& message) {
  switch (message.index()) {
    case 0: return kClients;
    case 1: return kPeerOffer;
    case 2: return kPeerAnswer;
    case 3: return kPeerIce;
    default: return kSignal;
  }
}

Dialect dialect_of(const Message& message) {
  return std::holds_alternative<Signal>(message) ? Dialect::SimplePeer : Dialect::Classic;
}

std::optional<Relay> relay(const json::Value& event_args, std::string_view from_id) {
  if (!event_args.is_array()) return std::nullopt;
  const json::Array& args = event_args.as_array();
  if (args.size() < 2 || !args[0].is_string() || !args[1].is_string()) return std::nullopt;
  const std::string& name = args[0].as_string();
  if (name != kPeerOffer && name != kPeerAnswer && name != kPeerIce && name != kSignal) return std::nullopt;
  // io.to(peerId).emit(event, peerId, payload, socket.id)
  json::Array relayed;
  relayed.reserve(4);
  relayed.push_back(args[0]);
  relayed.push_back(args[1]);
  relayed.push_back(args.size() > 2 ? args[2] : json::Value());
  relayed.emplace_back(from_id);
  return Relay{args[1].as_string(), json::Value(std::move(relayed))};
}

bool is_valid_stable_id(std::string_view id) {
  if (id.size() < 8 || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string stable_id_of_auth(const json::Value& auth) {
  const json::Value* stable = auth.is_object() ? auth.find("stableId") : nullptr;
  if (stable == nullptr || !stable->is_string() || !is_valid_stable_id(stable->as_string())) return {};
  return stable->as_string();
}

std::string auth_with_stable_id(const std::string& auth_json, const std::string& stable_id) {
  json::Value auth{json::Object{}};
  if (!auth_json.empty()) {
    Result<json::Value> parsed = json::parse(auth_json);
    if (!parsed || !parsed->is_object()) return auth_json;
    auth = std::move(*parsed);
  }
  if (auth.find("stableId") == nullptr) auth.set("stableId", json::Value(stable_id));
  return json::serialize(auth);
}

json::Value clients_event(const std::vector<std::string>& ids, const std::vector<std::string>& stable_ids) {
  // The chapter's `clients` lookup object: { [socket.id]: { id: socket.id } }.
  json::Value clients{json::Object{}};
  for (size_t i = 0; i < ids.size(); ++i) {
    json::Object entry;
    entry.emplace_back("id", ids[i]);
    if (i < stable_ids.size() && !stable_ids[i].empty()) entry.emplace_back("stableId", stable_ids[i]);
    clients.set(ids[i], json::Value(std::move(entry)));
  }
  json::Array args;
  args.emplace_back(kClients);
  args.push_back(std::move(clients));
  return json::Value(std::move(args));
}

}  // namespace sio::chapter
