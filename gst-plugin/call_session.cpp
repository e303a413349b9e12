#include "call_session.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "debug.hpp"
#include "dialect.hpp"
#include "webrtc_glue.hpp"

namespace sio::gst {

using chapter::Dialect;

namespace {

constexpr const char* kAuto = "auto";

std::string error_text(GstStructure* reply) {
  if (reply == nullptr || !gst_structure_has_field(reply, "error")) return {};
  GError* error = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
  std::string text = error != nullptr ? error->message : "unknown error";
  if (error != nullptr) g_error_free(error);
  return text;
}

}  // namespace

CallSession::CallSession(SessionHost& host, GMainContext* context, SessionSettings settings)
    : host_(host), context_(context), settings_(std::move(settings)) {}

CallSession::~CallSession() {
  cancel_unknown_peer_timer();
  cancel_waits();
  client_.reset();  // closes without calling back
}

void CallSession::start() {
  client::ClientCallbacks callbacks;
  callbacks.connected = [this](const std::string& id) {
    local_id_ = id;
    GST_INFO("connected to the signalling server as %s", id.c_str());
    host_.connected(id);
    // A concrete peer-id must show up in `clients` soon after we join, or it does not exist.
    if (!settings_.peer_id.empty() && settings_.peer_id != kAuto) {
      GSource* source = g_timeout_source_new(settings_.unknown_peer_timeout_ms);
      g_source_set_callback(
          source,
          [](gpointer data) -> gboolean {
            auto* self = static_cast<CallSession*>(data);
            self->unknown_peer_timer_ = 0;
            if (self->peer_.empty() && !self->called_configured_peer_) {
              self->host_.report_error(SignallerError::UnknownPeer, self->settings_.peer_id,
                                       "peer-id not in the server's clients list");
            }
            return G_SOURCE_REMOVE;
          },
          this, nullptr);
      unknown_peer_timer_ = g_source_attach(source, context_);
      g_source_unref(source);
    }
  };
  callbacks.event = [this](const json::Value& args) { on_event(args); };
  callbacks.failed = [this](client::ClientError error, const std::string& message) { on_failed(error, message); };
  client_ = std::make_unique<client::Client>(context_, settings_.client, std::move(callbacks));
  std::string error;
  if (!client_->connect(error)) {
    failed_ = true;
    host_.report_error(SignallerError::BadUrl, settings_.client.server_url, error);
  }
}

void CallSession::cancel_unknown_peer_timer() {
  if (unknown_peer_timer_ == 0) return;
  if (GSource* source = g_main_context_find_source_by_id(context_, unknown_peer_timer_)) g_source_destroy(source);
  unknown_peer_timer_ = 0;
}

void CallSession::on_failed(client::ClientError error, const std::string& message) {
  failed_ = true;
  cancel_unknown_peer_timer();
  GST_WARNING("signalling connection failed: %s: %s", client::to_string(error), message.c_str());
  const std::string detail = std::string(client::to_string(error)) + ": " + message;
  switch (error) {
    case client::ClientError::BadUrl:
      host_.report_error(SignallerError::BadUrl, settings_.client.server_url, detail);
      break;
    case client::ClientError::TlsFailure:
      host_.report_error(SignallerError::TlsFailure, settings_.client.server_url, detail);
      break;
    case client::ClientError::Unreachable:
    case client::ClientError::HandshakeFailed:
    case client::ClientError::ConnectRefused:
      host_.report_error(SignallerError::Unreachable, settings_.client.server_url, detail);
      break;
    case client::ClientError::ServerClosed:
    case client::ClientError::PingTimeout:
    case client::ClientError::ProtocolError:
      host_.report_error(SignallerError::ServerClosed, settings_.client.server_url, detail);
      break;
  }
  if (!peer_.empty()) end_call("signalling connection lost");
}

void CallSession::on_event(const json::Value& args) {
  Result<chapter::Message> decoded = chapter::decode(args);
  if (!decoded) {
    // A peer's malformed message must not end our connection: log it and carry on.
    GST_WARNING("ignoring a signalling message we cannot decode: %s", decoded.error().reason.c_str());
    return;
  }
  if (const auto* clients = std::get_if<chapter::Clients>(&*decoded)) {
    on_clients(clients->ids);
    return;
  }
  std::optional<IncomingSignal> in = to_incoming(*decoded);
  if (!in) return;
  const bool from_peer = !peer_.empty() && in->from_id == peer_;
  switch (in->kind) {
    case SignalKind::Offer: {
      if (!peer_.empty() && !from_peer) {
        GST_INFO("busy with %s: ignoring an offer from %s", peer_.c_str(), in->from_id.c_str());
        return;
      }
      // Both sides called each other at once (two peer-id=auto elements): the lower socket id
      // keeps its offer, the other answers.
      if (from_peer && role_ == Role::Caller && offer_pending_ && local_id_ < in->from_id) {
        GST_INFO("offer collision with %s: keeping ours", in->from_id.c_str());
        return;
      }
      // A new offer from our peer is a new peer connection on its side (a reload, or simple-peer
      // pages building a new peer per offer): end the old call and answer the new one.
      if (from_peer) end_call("new offer from the peer");
      start_call(in->from_id, Role::Answerer, in->dialect);
      apply_remote(GST_WEBRTC_SDP_TYPE_OFFER, in->sdp);
      return;
    }
    case SignalKind::Answer:
      if (!from_peer || role_ != Role::Caller || !offer_pending_) {
        GST_INFO("ignoring an unexpected answer from %s", in->from_id.c_str());
        return;
      }
      offer_pending_ = false;
      apply_remote(GST_WEBRTC_SDP_TYPE_ANSWER, in->sdp);
      return;
    case SignalKind::Candidate:
      if (!from_peer) return;
      if (remote_set_) add_remote_candidate(in->candidate);
      else pending_remote_candidates_.push_back(in->candidate);
      return;
    case SignalKind::EndOfCandidates:
      GST_DEBUG("peer %s finished gathering", in->from_id.c_str());
      return;
    case SignalKind::Renegotiate:
      // simple-peer's non-initiator asks the initiator for a new offer.
      if (from_peer && role_ == Role::Caller && !offer_pending_) make_offer();
      return;
    case SignalKind::TransceiverRequest:
      if (from_peer && role_ == Role::Caller) {
        add_recvonly_transceiver(host_.webrtcbin(), in->media_kind == "audio" ? "audio" : "video");
        if (!offer_pending_) make_offer();
      }
      return;
    case SignalKind::Other:
      return;
  }
}

void CallSession::on_clients(const std::vector<std::string>& ids) {
  peers_.clear();
  for (const auto& id : ids) {
    if (id != local_id_) peers_.push_back(id);
  }
  host_.peers_changed(peers_);
  if (!peer_.empty() && std::find(peers_.begin(), peers_.end(), peer_) == peers_.end()) {
    end_call("peer left");
  }
  maybe_call();
}

void CallSession::maybe_call() {
  if (failed_ || !peer_.empty() || settings_.peer_id.empty()) return;
  std::string target;
  if (settings_.peer_id == kAuto) {
    if (peers_.empty()) return;
    target = peers_.front();
  } else {
    // A configured peer is called once; after that call ends we only answer.
    if (called_configured_peer_) return;
    if (std::find(peers_.begin(), peers_.end(), settings_.peer_id) == peers_.end()) return;
    target = settings_.peer_id;
    called_configured_peer_ = true;
    cancel_unknown_peer_timer();
  }
  start_call(target, Role::Caller, settings_.dialect);
  if (!host_.has_sink_pads()) add_recvonly_transceivers(host_.webrtcbin());
  maybe_offer();
}

// The caller offers once every sink pad has caps and no two share a payload type. webrtcbin's
// on-negotiation-needed may come before that (it can describe a pad from its upstream's caps
// query), or have come before this call began on a webrtcbin swapped in at the end of the last
// one, or not at all; so poll here, and offer once. Bounded waits: a branch that never streams
// gets an offer anyway once webrtcbin asked for one, and a payloader that does not switch its
// payload type leaves the clash in the offer, with a warning.
void CallSession::maybe_offer() {
  if (role_ != Role::Caller || offered_ || offer_wait_ != 0) return;
  constexpr gint64 kCapsGraceUs = 2 * G_USEC_PER_SEC;
  constexpr gint64 kSwitchGraceUs = 2 * G_USEC_PER_SEC;
  auto ready = [this, since = g_get_monotonic_time(), switch_asked = gint64(0)]() mutable {
    GstElement* webrtcbin = host_.webrtcbin();
    if (webrtcbin == nullptr) return false;
    GstState state = GST_STATE_NULL;
    gst_element_get_state(webrtcbin, &state, nullptr, 0);
    if (state < GST_STATE_READY) return false;  // closed below READY: create-offer would fail
    const gint64 now = g_get_monotonic_time();
    if (!host_.sink_pads_have_caps()) {
      if (negotiation_needed_ && now - since > kCapsGraceUs) {
        GST_INFO("offering to %s before every sink pad has caps (webrtcbin asked for it)", peer_.c_str());
        return true;
      }
      return false;
    }
    if (!payload_types_checked_) {
      payload_types_checked_ = true;
      const int switching = host_.make_payload_types_unique();
      if (switching > 0) {
        GST_INFO("%d sink pad(s) switch payload type before the offer", switching);
        switch_asked = now;
      }
    }
    if (host_.payload_types_aligned()) return true;
    if (switch_asked != 0 && now - switch_asked > kSwitchGraceUs) {
      GST_WARNING("a payloader did not switch payload type within 2 s: offering to %s with the clash", peer_.c_str());
      return true;
    }
    return false;
  };
  if (ready()) {
    make_offer();
    return;
  }
  GST_DEBUG("waiting for caps on every sink pad before offering to %s", peer_.c_str());
  wait_then(offer_wait_, 20, 15000, ready, [this](bool ok) {
    if (ok && !offered_) make_offer();
    if (!ok) GST_WARNING("no caps on every sink pad after 15 s: no offer to %s yet", peer_.c_str());
  });
}

// Polls `ready` every `interval_ms` on the network thread, then calls `then(true)`, or
// `then(false)` after `limit_ms`. A call ending or starting cancels it (cancel_waits).
void CallSession::wait_then(guint& source_id, guint interval_ms, guint64 limit_ms, std::function<bool()> ready,
                            std::function<void(bool)> then) {
  struct Wait {
    CallSession* self;
    guint* source_id;
    gint64 deadline_us;
    std::function<bool()> ready;
    std::function<void(bool)> then;
  };
  auto* wait = new Wait{this, &source_id, g_get_monotonic_time() + gint64(limit_ms) * 1000, std::move(ready),
                        std::move(then)};
  GSource* source = g_timeout_source_new(interval_ms);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* w = static_cast<Wait*>(data);
        try {
          const bool ok = w->ready();
          if (!ok && g_get_monotonic_time() < w->deadline_us) return G_SOURCE_CONTINUE;
          *w->source_id = 0;  // before then(): it may start another wait in the same slot
          w->then(ok);
        } catch (const std::exception& e) {
          *w->source_id = 0;
          GST_ERROR("wait failed: %s", e.what());
        }
        return G_SOURCE_REMOVE;
      },
      wait, [](gpointer data) { delete static_cast<Wait*>(data); });
  source_id = g_source_attach(source, context_);
  g_source_unref(source);
}

void CallSession::cancel_waits() {
  for (guint* id : {&offer_wait_, &answer_wait_}) {
    if (*id == 0) continue;
    if (GSource* source = g_main_context_find_source_by_id(context_, *id)) g_source_destroy(source);
    *id = 0;
  }
}

void CallSession::start_call(const std::string& peer_id, Role role, Dialect dialect) {
  if (webrtcbin_used_) {
    host_.replace_webrtcbin();
    webrtcbin_used_ = false;
    negotiation_needed_ = false;
  }
  cancel_waits();
  peer_ = peer_id;
  role_ = role;
  call_dialect_ = dialect;
  offer_pending_ = false;
  offered_ = false;
  payload_types_checked_ = false;
  remote_set_ = false;
  pending_remote_candidates_.clear();
  local_mids_.clear();
  remote_mids_.clear();
  GST_INFO("call with %s starts (%s)", peer_id.c_str(), role == Role::Caller ? "calling" : "answering");
  host_.call_started(peer_id, role == Role::Caller);
}

void CallSession::end_call(const std::string& reason) {
  if (peer_.empty()) return;
  std::string peer = std::exchange(peer_, std::string());
  GST_INFO("call with %s ended: %s", peer.c_str(), reason.c_str());
  cancel_waits();
  role_ = Role::None;
  offer_pending_ = false;
  offered_ = false;
  remote_set_ = false;
  pending_remote_candidates_.clear();
  // A fresh webrtcbin right away, so sink pads have somewhere to go and the next call is quick.
  host_.replace_webrtcbin();
  webrtcbin_used_ = false;
  negotiation_needed_ = false;
  host_.call_ended(peer, reason);
}

// The promise is webrtcbin's to keep (it takes its own reference while the operation is queued):
// an operation a closing webrtcbin drops unanswered then frees the promise, and with it the
// context holding that webrtcbin, instead of leaking both.
void CallSession::emit_with_promise(GstElement* webrtcbin, const char* signal, gpointer argument, PromiseStep step) {
  GstPromise* promise = host_.make_promise(webrtcbin, step);
  g_signal_emit_by_name(webrtcbin, signal, argument, promise);
  gst_promise_unref(promise);
}

void CallSession::make_offer() {
  GstElement* webrtcbin = host_.webrtcbin();
  if (offer_wait_ != 0) {
    if (GSource* source = g_main_context_find_source_by_id(context_, offer_wait_)) g_source_destroy(source);
    offer_wait_ = 0;
  }
  if (call_dialect_ == Dialect::SimplePeer) offer_data_channel_once(webrtcbin);
  offer_pending_ = true;
  offered_ = true;
  webrtcbin_used_ = true;
  negotiation_needed_ = false;
  GST_DEBUG("creating an offer for %s", peer_.c_str());
  emit_with_promise(webrtcbin, "create-offer", nullptr, PromiseStep::OfferCreated);
}

// simple-peer's `connect` needs an open data channel: offer one, as its initiators do. Made
// with the first offer, not when the call starts: a webrtcbin below READY is closed and refuses
// it (a call can start the moment the element connects, before its bin reached READY).
void CallSession::offer_data_channel_once(GstElement* webrtcbin) {
  static GQuark made = g_quark_from_static_string("socketiosignaller-data-channel");
  if (g_object_get_qdata(G_OBJECT(webrtcbin), made) != nullptr) return;
  GstWebRTCDataChannel* channel = nullptr;
  g_signal_emit_by_name(webrtcbin, "create-data-channel", "socketiosignaller", nullptr, &channel);
  if (channel == nullptr) {
    GST_WARNING("webrtcbin made no data channel: simple-peer at %s will not report connect", peer_.c_str());
    return;
  }
  g_object_set_qdata(G_OBJECT(webrtcbin), made, GINT_TO_POINTER(1));
  g_object_unref(channel);
}

void CallSession::apply_remote(GstWebRTCSDPType type, const std::string& sdp) {
  GstWebRTCSessionDescription* description = description_from_text(type, sdp);
  if (description == nullptr) {
    fail_negotiation("the peer's SDP does not parse");
    return;
  }
  remote_mids_ = media_mids(description);
  webrtcbin_used_ = true;
  if (type == GST_WEBRTC_SDP_TYPE_OFFER) {
    // Before create-answer looks at the sink pads' caps (see RemoteSet in on_promise).
    const int switching = host_.align_payload_types(description->sdp);
    if (switching > 0) GST_INFO("%d sink pad(s) switch to the offer's payload types", switching);
  }
  GST_LOG("remote %s:\n%s", type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer", sdp.c_str());
  GstElement* webrtcbin = host_.webrtcbin();
  emit_with_promise(webrtcbin, "set-remote-description", description, PromiseStep::RemoteSet);
  gst_webrtc_session_description_free(description);
}

void CallSession::add_remote_candidate(const chapter::IceCandidate& candidate) {
  guint mline = 0;
  if (candidate.sdp_mline_index) {
    mline = static_cast<guint>(*candidate.sdp_mline_index);
  } else if (candidate.sdp_mid) {
    auto it = std::find(remote_mids_.begin(), remote_mids_.end(), *candidate.sdp_mid);
    if (it == remote_mids_.end()) {
      GST_WARNING("candidate for unknown mid %s ignored", candidate.sdp_mid->c_str());
      return;
    }
    mline = static_cast<guint>(it - remote_mids_.begin());
  }
  g_signal_emit_by_name(host_.webrtcbin(), "add-ice-candidate", mline, candidate.candidate.c_str());
}

void CallSession::send(const chapter::Message& message, bool unknown_peer_is_error) {
  if (!client_) return;
  std::function<void(const json::Value&)> ack;
  if (unknown_peer_is_error) {
    // sio-signalling acks a relay with whether the target was known (the Node server never acks).
    std::string peer = peer_;
    ack = [this, peer](const json::Value& ack_args) {
      if (ack_args.is_array() && !ack_args.as_array().empty() && ack_args.as_array()[0].is_bool() &&
          !ack_args.as_array()[0].as_bool()) {
        host_.report_error(SignallerError::UnknownPeer, peer, "the signalling server does not know this peer");
        if (peer_ == peer) end_call("unknown peer");
      }
    };
  }
  client_->emit(chapter::encode(message), std::move(ack));
}

void CallSession::fail_negotiation(const std::string& reason) {
  GST_WARNING("negotiation with %s failed: %s", peer_.c_str(), reason.c_str());
  host_.report_error(SignallerError::NegotiationFailed, peer_, reason);
  end_call("negotiation failed");
}

void CallSession::create_answer() {
  GstElement* webrtcbin = host_.webrtcbin();
  GST_DEBUG("creating an answer for %s", peer_.c_str());
  emit_with_promise(webrtcbin, "create-answer", nullptr, PromiseStep::AnswerCreated);
}

bool CallSession::current(GstElement* webrtcbin) { return webrtcbin == host_.webrtcbin(); }

void CallSession::on_negotiation_needed(GstElement* webrtcbin) {
  if (!current(webrtcbin)) return;
  GST_DEBUG("negotiation needed");
  // Only the first offer of a call is ours to make (the chapter's pages build a new peer per offer).
  if (role_ == Role::Caller && !offered_) {
    negotiation_needed_ = true;
    maybe_offer();  // it decides when (see there); a wait in progress sees the flag
  } else if (peer_.empty()) {
    negotiation_needed_ = true;
  }
}

void CallSession::on_ice_candidate(GstElement* webrtcbin, guint mline_index, const std::string& candidate) {
  if (!current(webrtcbin) || peer_.empty()) return;
  chapter::IceCandidate ice;
  ice.candidate = candidate;
  ice.sdp_mline_index = static_cast<int>(mline_index);
  if (mline_index < local_mids_.size() && !local_mids_[mline_index].empty()) ice.sdp_mid = local_mids_[mline_index];
  send(candidate_message(call_dialect_, peer_, ice), false);
}

void CallSession::on_gathering_complete(GstElement* webrtcbin) {
  if (!current(webrtcbin) || peer_.empty()) return;
  if (auto message = end_of_candidates_message(call_dialect_, peer_)) send(*message, false);
}

void CallSession::on_connection_failed(GstElement* webrtcbin) {
  if (!current(webrtcbin) || peer_.empty()) return;
  end_call("ICE connection failed");
  maybe_call();
}

void CallSession::on_promise(GstElement* webrtcbin, PromiseStep step, GstStructure* reply, const std::string& error) {
  if (!current(webrtcbin) || peer_.empty()) return;
  std::string failure = error.empty() ? error_text(reply) : error;
  if (!failure.empty()) {
    fail_negotiation(failure);
    maybe_call();
    return;
  }
  switch (step) {
    case PromiseStep::OfferCreated:
    case PromiseStep::AnswerCreated: {
      const bool offer = step == PromiseStep::OfferCreated;
      GstWebRTCSessionDescription* description = nullptr;
      if (reply != nullptr) {
        gst_structure_get(reply, offer ? "offer" : "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description,
                          nullptr);
      }
      if (description == nullptr) {
        fail_negotiation(offer ? "webrtcbin made no offer" : "webrtcbin made no answer");
        maybe_call();
        return;
      }
      local_mids_ = media_mids(description);
      std::string sdp = description_text(description);
      emit_with_promise(webrtcbin, "set-local-description", description, PromiseStep::LocalSet);
      gst_webrtc_session_description_free(description);
      GST_DEBUG("sending %s to %s", offer ? "offer" : "answer", peer_.c_str());
      GST_LOG("%s:\n%s", offer ? "offer" : "answer", sdp.c_str());
      send(description_message(call_dialect_, peer_, offer ? "offer" : "answer", sdp), offer);
      return;
    }
    case PromiseStep::RemoteSet: {
      remote_set_ = true;
      for (const auto& candidate : pending_remote_candidates_) add_remote_candidate(candidate);
      pending_remote_candidates_.clear();
      if (role_ == Role::Caller) host_.check_sink_pads_sending();  // the answer is in
      if (role_ != Role::Answerer) return;
      // webrtcbin pairs a sink pad with an offered m-line only if the caps it has received carry
      // the offered payload type: answer once the payloaders have switched (or give up waiting).
      if (host_.payload_types_aligned()) {
        create_answer();
      } else {
        wait_then(
            answer_wait_, 20, 2000, [this]() { return host_.payload_types_aligned(); },
            [this](bool ok) {
              if (!ok) GST_WARNING("payloaders did not take the offered payload types within 2 s: answering anyway");
              create_answer();
            });
      }
      return;
    }
    case PromiseStep::LocalSet:
      if (role_ == Role::Answerer) host_.check_sink_pads_sending();
      return;
  }
}

}  // namespace sio::gst
