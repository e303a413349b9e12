#include "dialect.hpp"

#include <type_traits>
#include <variant>

namespace sio::client {

using chapter::Dialect;

namespace {

SignalKind kind_of_description(const std::string& type) {
  if (type == "offer") return SignalKind::Offer;
  if (type == "answer") return SignalKind::Answer;
  return SignalKind::Other;  // pranswer/rollback: webrtcbin's glue does not use them
}

}  // namespace

std::optional<IncomingSignal> to_incoming(const chapter::Message& message) {
  IncomingSignal in;
  if (const auto* offer = std::get_if<chapter::PeerOffer>(&message)) {
    if (!offer->from_id) return std::nullopt;
    in.from_id = *offer->from_id;
    in.kind = kind_of_description(offer->offer.type) == SignalKind::Offer ? SignalKind::Offer : SignalKind::Other;
    in.sdp = offer->offer.sdp;
    return in;
  }
  if (const auto* answer = std::get_if<chapter::PeerAnswer>(&message)) {
    if (!answer->from_id) return std::nullopt;
    in.from_id = *answer->from_id;
    in.kind = kind_of_description(answer->answer.type) == SignalKind::Answer ? SignalKind::Answer : SignalKind::Other;
    in.sdp = answer->answer.sdp;
    return in;
  }
  if (const auto* ice = std::get_if<chapter::PeerIce>(&message)) {
    if (!ice->from_id) return std::nullopt;
    in.from_id = *ice->from_id;
    // null, or an empty candidate string (what some browsers send last), ends the candidates.
    if (!ice->candidate || ice->candidate->candidate.empty()) {
      in.kind = SignalKind::EndOfCandidates;
    } else {
      in.kind = SignalKind::Candidate;
      in.candidate = *ice->candidate;
    }
    return in;
  }
  if (const auto* signal = std::get_if<chapter::Signal>(&message)) {
    if (!signal->from_id) return std::nullopt;
    in.dialect = Dialect::SimplePeer;
    in.from_id = *signal->from_id;
    std::visit(
        [&](const auto& data) {
          using T = std::decay_t<decltype(data)>;
          if constexpr (std::is_same_v<T, chapter::SessionDescription>) {
            in.kind = kind_of_description(data.type);
            in.sdp = data.sdp;
          } else if constexpr (std::is_same_v<T, chapter::IceCandidate>) {
            in.kind = data.candidate.empty() ? SignalKind::EndOfCandidates : SignalKind::Candidate;
            in.candidate = data;
          } else if constexpr (std::is_same_v<T, chapter::Renegotiate>) {
            in.kind = SignalKind::Renegotiate;
          } else {
            in.kind = SignalKind::TransceiverRequest;
            in.media_kind = data.kind;
          }
        },
        signal->data);
    return in;
  }
  return std::nullopt;
}

chapter::Message description_message(Dialect dialect, const std::string& peer_id, const std::string& type,
                                     const std::string& sdp) {
  chapter::SessionDescription description{type, sdp};
  if (dialect == Dialect::SimplePeer) return chapter::Signal{peer_id, description, std::nullopt};
  if (type == "offer") return chapter::PeerOffer{peer_id, description, std::nullopt};
  return chapter::PeerAnswer{peer_id, description, std::nullopt};
}

chapter::Message candidate_message(Dialect dialect, const std::string& peer_id, const chapter::IceCandidate& candidate) {
  if (dialect == Dialect::SimplePeer) return chapter::Signal{peer_id, candidate, std::nullopt};
  return chapter::PeerIce{peer_id, candidate, std::nullopt};
}

std::optional<chapter::Message> end_of_candidates_message(Dialect dialect, const std::string& peer_id) {
  if (dialect == Dialect::SimplePeer) return std::nullopt;
  return chapter::PeerIce{peer_id, std::nullopt, std::nullopt};
}

}  // namespace sio::client
