// Maps between the chapter's messages (protocol/chapter.hpp) and what a call needs: descriptions,
// candidates and simple-peer's requests, in either dialect. Pure: no GLib, no I/O.
#pragma once

#include <optional>
#include <string>

#include "chapter.hpp"

namespace sio::client {

enum class SignalKind { Offer, Answer, Candidate, EndOfCandidates, Renegotiate, TransceiverRequest, Other };

// One relayed message addressed to us, dialect-neutral.
struct IncomingSignal {
  SignalKind kind = SignalKind::Other;
  chapter::Dialect dialect = chapter::Dialect::Classic;
  std::string from_id;
  std::string sdp;                 // Offer/Answer
  chapter::IceCandidate candidate; // Candidate
  std::string media_kind;          // TransceiverRequest: "audio" | "video"
};

// nullopt for `clients` and for relayed messages without a sender id (the server always adds one).
std::optional<IncomingSignal> to_incoming(const chapter::Message& message);

// What we send: ["peerOffer"|"peerAnswer", peer, {type, sdp}] or ["signal", peer, {type, sdp}].
chapter::Message description_message(chapter::Dialect dialect, const std::string& peer_id,
                                     const std::string& type, const std::string& sdp);
chapter::Message candidate_message(chapter::Dialect dialect, const std::string& peer_id,
                                   const chapter::IceCandidate& candidate);
// Classic pages expect a null candidate once gathering is complete; simple-peer has no such message.
std::optional<chapter::Message> end_of_candidates_message(chapter::Dialect dialect, const std::string& peer_id);

}  // namespace sio::client
