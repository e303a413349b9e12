#include "call.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <utility>

#include "debug.hpp"
#include "sdp_start_bitrate.hpp"
#include "signalling_client.hpp"

namespace sio::gst {

using chapter::Dialect;

namespace {

// The offer and answer waits are woken by caps reaching webrtcbin (watch_caps); this poll only
// notices what has no event here: webrtcbin reaching READY and the grace periods running out.
constexpr guint kWaitPollMs = 100;

std::string error_text(GstStructure* reply) {
  if (reply == nullptr || !gst_structure_has_field(reply, "error")) return {};
  GError* error = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
  std::string text = error != nullptr ? error->message : "unknown error";
  if (error != nullptr) g_error_free(error);
  return text;
}

}  // namespace

Call::Call(CallHost& host, GstBin* bin, const WebRtcSettings& settings, const std::string& name,
           const std::function<void(GstElement*)>& connect_signals)
    : host_(host), bin_(bin) {
  wake_target_->call = this;
  GstElement* webrtcbin = make_webrtcbin(settings, name.c_str());
  if (webrtcbin == nullptr) return;
  webrtcbin_ = GST_ELEMENT(gst_object_ref_sink(webrtcbin));
  connect_signals(webrtcbin_);
  // In the bin before linking: a pad can only link within one hierarchy.
  gst_bin_add(bin_, webrtcbin_);
  for (const auto& pad : host_.sink_pads()) add_branch(pad);
  apply_local_addresses_once(webrtcbin_, settings.local_addresses, bin_);
  gst_element_sync_state_with_parent(webrtcbin_);
}

Call::~Call() {
  {
    std::lock_guard lock(wake_target_->mutex);
    wake_target_->call = nullptr;
  }
  cancel_waits();
  if (webrtcbin_ == nullptr) return;
  g_signal_handlers_disconnect_matched(webrtcbin_, G_SIGNAL_MATCH_DATA, 0, 0, nullptr, nullptr, &host_);
  std::vector<std::pair<GstPad*, std::shared_ptr<SendBranch>>> branches;
  {
    std::lock_guard lock(branches_mutex_);
    branches.swap(branches_);
  }
  // The tees stop feeding this call first, then webrtcbin stops (which also wakes a queue thread
  // held in its pad block), then the queues.
  for (auto& [ghost, branch] : branches) branch->unlink();
  gst_element_set_locked_state(webrtcbin_, TRUE);
  detach_receive_bins_from_ice(webrtcbin_);
  // No reply is wanted any more (see emit_with_promise).
  for (GstPromise* promise : promises_) release_promise(promise);
  promises_.clear();
  gst_element_set_state(webrtcbin_, GST_STATE_NULL);
  for (auto& [ghost, branch] : branches) branch->remove(true);
  branches.clear();
  // Gone already when the bin is being disposed.
  if (GST_OBJECT_PARENT(webrtcbin_) == GST_OBJECT(bin_)) gst_bin_remove(bin_, webrtcbin_);
  gst_object_unref(webrtcbin_);
}

std::vector<std::shared_ptr<SendBranch>> Call::branches() {
  std::lock_guard lock(branches_mutex_);
  std::vector<std::shared_ptr<SendBranch>> copy;
  for (auto& [ghost, branch] : branches_) copy.push_back(branch);
  return copy;
}

std::vector<std::pair<GstPad*, std::shared_ptr<SendBranch>>> Call::branch_pairs() {
  std::lock_guard lock(branches_mutex_);
  return branches_;
}

GstCaps* Call::branch_caps(GstPad* ghost) {
  GstCaps* caps = gst_pad_get_current_caps(ghost);
  // Nothing sent yet: what the payloader upstream can make says which codec it is.
  return caps != nullptr ? caps : gst_pad_peer_query_caps(ghost, nullptr);
}

void Call::add_branch(const CallHost::SinkPad& pad) {
  if (webrtcbin_ == nullptr) return;
  const std::string label = std::string(GST_PAD_NAME(pad.ghost)) + " -> " + GST_OBJECT_NAME(webrtcbin_);
  // One stream id for all our tracks (the element's name): receiver.html shows e.streams[0].
  gchar* msid = gst_object_get_name(GST_OBJECT(bin_));
  std::shared_ptr<SendBranch> branch =
      SendBranch::make(bin_, pad.tee, webrtcbin_, msid != nullptr ? msid : "socketiosignaller", pad.gate, label);
  g_free(msid);
  if (!branch) return;
  watch_caps(branch->webrtcbin_pad());
  std::lock_guard lock(branches_mutex_);
  branches_.emplace_back(pad.ghost, std::move(branch));
}

// What the offer and answer wait for is caps reaching webrtcbin's pads (a streaming thread sets
// them): each change wakes the waits on the network thread at once, rather than at their next poll.
// The spare call's pads are made before the network thread runs: the context is the wait's, set
// when a wait starts (network thread), and the call is forgotten when it goes.
void Call::watch_caps(GstPad* webrtcbin_pad) {
  if (webrtcbin_pad == nullptr) return;
  auto on_caps = +[](GstPad*, GParamSpec*, gpointer data) {
    const auto& target = *static_cast<std::shared_ptr<WakeTarget>*>(data);
    GMainContext* context = nullptr;
    {
      std::lock_guard lock(target->mutex);
      if (target->call == nullptr || target->context == nullptr) return;  // no wait yet
      context = g_main_context_ref(target->context);
    }
    // An idle source, not g_main_context_invoke: that runs the function right here when nobody
    // iterates the context (the network thread stopping), on this streaming thread.
    GSource* source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(
        source,
        [](gpointer copy) -> gboolean {
          const auto& t = *static_cast<std::shared_ptr<WakeTarget>*>(copy);
          std::lock_guard lock(t->mutex);  // ~Call clears `call` under it
          if (t->call != nullptr) t->call->wake_waits();
          return G_SOURCE_REMOVE;
        },
        new std::shared_ptr<WakeTarget>(target),
        [](gpointer copy) { delete static_cast<std::shared_ptr<WakeTarget>*>(copy); });
    g_source_attach(source, context);
    g_source_unref(source);
    g_main_context_unref(context);
  };
  g_signal_connect_data(
      webrtcbin_pad, "notify::caps", G_CALLBACK(on_caps), new std::shared_ptr<WakeTarget>(wake_target_),
      [](gpointer data, GClosure*) { delete static_cast<std::shared_ptr<WakeTarget>*>(data); }, GConnectFlags(0));
}

Call::WakeTarget::~WakeTarget() {
  if (context != nullptr) g_main_context_unref(context);
}

// Network thread: the waits check their condition now.
void Call::wake_waits() {
  GMainContext* context = host_.context();
  if (context == nullptr) return;
  for (guint id : {offer_wait_, answer_wait_}) {
    if (id == 0) continue;
    if (GSource* source = g_main_context_find_source_by_id(context, id)) g_source_set_ready_time(source, 0);
  }
}

void Call::remove_branch(GstPad* ghost) {
  std::shared_ptr<SendBranch> branch;
  {
    std::lock_guard lock(branches_mutex_);
    auto it = std::find_if(branches_.begin(), branches_.end(), [ghost](const auto& b) { return b.first == ghost; });
    if (it == branches_.end()) return;
    branch = std::move(it->second);
    branches_.erase(it);
  }
  branch->unlink();
  branch->remove(true);
}

void Call::before_stop() {
  if (webrtcbin_ != nullptr) detach_receive_bins_from_ice(webrtcbin_);
}

guint64 Call::send_queue_overruns() {
  guint64 total = 0;
  for (const auto& branch : branches()) total += branch->overruns();
  return total;
}

void Call::request_keyframes(const char* why, bool urgent) {
  for (const auto& pad : host_.sink_pads()) {
    if (pad.gate) pad.gate->request(why, urgent);
  }
}

CallTimes Call::times() {
  if (webrtcbin_ != nullptr) media_.watch(webrtcbin_);
  return CallTimes{started_us_, connected_us_, media_.last_received_us()};
}

std::string Call::ice_state() const {
  if (webrtcbin_ == nullptr) return "no webrtcbin";
  GstWebRTCICEConnectionState ice = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  GstWebRTCPeerConnectionState connection = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtcbin_, "ice-connection-state", &ice, "connection-state", &connection, nullptr);
  return std::string("ICE ") + ice_connection_state_name(ice) + ", connection " + connection_state_name(connection);
}

// --- starting a call ---------------------------------------------------------------------------

// The first RTP packet of each kind from the peer, for call setup's breakdown: socketio-call-media
// (posted from the streaming thread that saw it; the element may be going away meanwhile).
void Call::report_first_rtp() {
  struct Target {
    GWeakRef bin;
    std::string peer;
    gint64 started_us;
    Target(GstBin* b, std::string p, gint64 s) : peer(std::move(p)), started_us(s) { g_weak_ref_init(&bin, b); }
    ~Target() { g_weak_ref_clear(&bin); }
  };
  auto target = std::make_shared<Target>(bin_, peer_, started_us_);
  media_.on_first_rtp([target](gint64 at_us, const char* kind) {
    auto* element = static_cast<GstElement*>(g_weak_ref_get(&target->bin));
    if (element == nullptr) return;
    gst_element_post_message(
        element, gst_message_new_element(GST_OBJECT(element),
                                         gst_structure_new("socketio-call-media", "peer-id", G_TYPE_STRING,
                                                           target->peer.c_str(), "media", G_TYPE_STRING, kind,
                                                           "first-rtp-ms", G_TYPE_INT64,
                                                           (at_us - target->started_us) / 1000, nullptr)));
    gst_object_unref(element);
  });
}

void Call::start_calling(const std::string& peer, Dialect dialect) {
  peer_ = peer;
  role_ = CallRole::Caller;
  dialect_ = dialect;
  started_us_ = g_get_monotonic_time();
  report_first_rtp();
  GST_INFO_OBJECT(bin_, "call with %s starts (calling, %s)", peer.c_str(), GST_OBJECT_NAME(webrtcbin_));
  if (branches().empty()) add_recvonly_transceivers(webrtcbin_);
  maybe_offer();
}

void Call::start_answering(const std::string& peer, Dialect dialect, const std::string& sdp) {
  peer_ = peer;
  role_ = CallRole::Answerer;
  dialect_ = dialect;
  started_us_ = g_get_monotonic_time();
  remote_description_us_ = started_us_;  // the offer starts the call
  report_first_rtp();
  GST_INFO_OBJECT(bin_, "call with %s starts (answering, %s)", peer.c_str(), GST_OBJECT_NAME(webrtcbin_));
  apply_remote(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
}

void Call::on_remote_answer(const std::string& sdp) {
  if (role_ != CallRole::Caller || !offer_pending_) {
    GST_INFO_OBJECT(bin_, "ignoring an unexpected answer from %s", peer_.c_str());
    return;
  }
  offer_pending_ = false;
  remote_description_us_ = g_get_monotonic_time();
  apply_remote(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
}

void Call::on_remote_candidate(const chapter::IceCandidate& candidate) {
  if (remote_set_) add_remote_candidate(candidate);
  else pending_remote_candidates_.push_back(candidate);
}

// simple-peer's non-initiator asks the initiator for a new offer.
void Call::on_renegotiate() {
  if (role_ == CallRole::Caller && !offer_pending_) make_offer();
}

void Call::on_transceiver_request(const std::string& kind) {
  if (role_ != CallRole::Caller) return;
  add_recvonly_transceiver(webrtcbin_, kind == "audio" ? "audio" : "video");
  if (!offer_pending_) make_offer();
}

// --- payload types -----------------------------------------------------------------------------

bool Call::branches_have_caps() {
  for (auto& branch : branches()) {
    if (!branch->webrtcbin_has_caps()) return false;
  }
  return true;
}

// Every branch whose call uses another payload type than its payloader has sent it to webrtcbin.
bool Call::payload_types_aligned() {
  for (auto& branch : branches()) {
    const int wanted = branch->payload_type();
    if (wanted < 0) continue;
    if (!branch->webrtcbin_has_caps()) continue;  // nothing sent yet: webrtcbin asks upstream, and the branch answers
    if (branch->webrtcbin_payload_type() != wanted) return false;
  }
  return true;
}

// Calling: one bundle cannot carry one payload type on two m-lines (rtpvp8pay and rtpopuspay both
// default to 96): a stream whose type an earlier one uses gets a free dynamic one, in this call.
int Call::make_payload_types_unique() {
  std::vector<std::shared_ptr<SendBranch>> list = branches();
  std::vector<int> current;
  std::set<int> used;
  for (auto& branch : list) {
    current.push_back(branch->webrtcbin_payload_type());
    if (current.back() >= 0) used.insert(current.back());
  }
  std::set<int> kept;
  int switching = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const int pt = current[i];
    if (pt < 0 || kept.insert(pt).second) continue;
    int fresh = 96;  // the dynamic range, RFC 3551
    while (fresh <= 127 && used.count(fresh) != 0) ++fresh;
    if (fresh > 127) {
      GST_WARNING_OBJECT(bin_, "payload type %d is taken and no dynamic one is free", pt);
      continue;
    }
    used.insert(fresh);
    GST_INFO_OBJECT(bin_, "call with %s: a stream's payload type %d -> %d (another stream keeps %d)", peer_.c_str(), pt,
                    fresh, pt);
    list[i]->set_payload_type(fresh);
    ++switching;
  }
  return switching;
}

// Answering: webrtcbin 1.22 pairs an offered m-line with a sink pad by caps, payload type
// included, so each branch takes the type the offer gives its codec (Chromium: VP8 96, Opus 111).
int Call::align_payload_types(const GstSDPMessage* offer) {
  int switching = 0;
  const auto list = branch_pairs();
  for (auto& [ghost, branch] : list) {
    GstCaps* caps = branch_caps(ghost);
    const int offered = offered_payload_type(offer, caps);
    const int current = payload_type_of(caps);
    if (offered < 0) {
      GST_WARNING_OBJECT(bin_, "%s: the offer of %s has no format matching %" GST_PTR_FORMAT, GST_PAD_NAME(ghost),
                         peer_.c_str(), caps);
    } else {
      branch->set_payload_type(offered);
      if (current != offered) {
        GST_INFO_OBJECT(bin_, "%s: payload type %d -> %d for %s (the offer's)", GST_PAD_NAME(ghost), current, offered,
                        peer_.c_str());
        ++switching;
      }
    }
    if (caps != nullptr) gst_caps_unref(caps);
  }
  return switching;
}

// After the local description is set: warn about streams the call does not carry.
void Call::check_branches_sending() {
  const auto list = branch_pairs();
  for (auto& [ghost, branch] : list) {
    if (branch->sending()) continue;
    GST_WARNING_OBJECT(bin_,
                       "%s is not sent in the call with %s (the negotiation did not pair it with a sending m-line): "
                       "its data is dropped",
                       GST_PAD_NAME(ghost), peer_.c_str());
  }
}

// --- offer -------------------------------------------------------------------------------------

// The caller offers once every branch has caps and no two share a payload type. webrtcbin's
// on-negotiation-needed may come before that (it can describe a pad from its upstream's caps
// query), or not at all; so wait here (woken by caps, see watch_caps), and offer once. Bounded waits: a branch that never streams
// gets an offer anyway once webrtcbin asked for one, and a clash that does not clear is offered
// with a warning.
void Call::maybe_offer() {
  if (role_ != CallRole::Caller || offered_ || offer_wait_ != 0 || failed_) return;
  constexpr gint64 kCapsGraceUs = 2 * G_USEC_PER_SEC;
  constexpr gint64 kSwitchGraceUs = 2 * G_USEC_PER_SEC;
  auto ready = [this, since = g_get_monotonic_time(), switch_asked = gint64(0)]() mutable {
    GstState state = GST_STATE_NULL;
    gst_element_get_state(webrtcbin_, &state, nullptr, 0);
    if (state < GST_STATE_READY) return false;  // closed below READY: create-offer would fail
    const gint64 now = g_get_monotonic_time();
    if (!branches_have_caps()) {
      if (negotiation_needed_ && now - since > kCapsGraceUs) {
        GST_INFO_OBJECT(bin_, "offering to %s before every sink pad has caps (webrtcbin asked for it)", peer_.c_str());
        return true;
      }
      return false;
    }
    if (!payload_types_checked_) {
      payload_types_checked_ = true;
      if (make_payload_types_unique() > 0) switch_asked = now;
    }
    if (payload_types_aligned()) return true;
    if (switch_asked != 0 && now - switch_asked > kSwitchGraceUs) {
      GST_WARNING_OBJECT(bin_, "a payload type did not switch within 2 s: offering to %s with the clash", peer_.c_str());
      return true;
    }
    return false;
  };
  if (ready()) {
    make_offer();
    return;
  }
  GST_DEBUG_OBJECT(bin_, "waiting for caps on every sink pad before offering to %s", peer_.c_str());
  wait_then(offer_wait_, kWaitPollMs, 15000, ready, [this](bool ok) {
    if (ok && !offered_) make_offer();
    if (!ok) GST_WARNING_OBJECT(bin_, "no caps on every sink pad after 15 s: no offer to %s yet", peer_.c_str());
  });
}

void Call::make_offer() {
  if (offer_wait_ != 0) {
    if (GSource* source = g_main_context_find_source_by_id(host_.context(), offer_wait_)) g_source_destroy(source);
    offer_wait_ = 0;
  }
  if (dialect_ == Dialect::SimplePeer) {
    offer_data_channel_once();
    offer_room_for_peer_media_once();
  }
  offer_pending_ = true;
  offered_ = true;
  negotiation_needed_ = false;
  enable_nack_on_video();
  GST_DEBUG_OBJECT(bin_, "creating an offer for %s", peer_.c_str());
  emit_with_promise("create-offer", nullptr, PromiseStep::OfferCreated);
}

// simple-peer's `connect` needs an open data channel: offer one, as its initiators do. Made with
// the first offer, not when the call starts: a webrtcbin below READY is closed and refuses it.
void Call::offer_data_channel_once() {
  if (data_channel_made_) return;
  GstWebRTCDataChannel* channel = nullptr;
  g_signal_emit_by_name(webrtcbin_, "create-data-channel", "socketiosignaller", nullptr, &channel);
  if (channel == nullptr) {
    GST_WARNING_OBJECT(bin_, "webrtcbin made no data channel: simple-peer at %s will not report connect",
                       peer_.c_str());
    return;
  }
  data_channel_made_ = true;
  g_object_unref(channel);
}

// A simple-peer page answers with its camera and microphone. A track with no m-line to go into
// makes simple-peer ask for renegotiation, and the chapter's index.html builds a new peer for every
// offer it gets, which drops the call: so the first offer has an m-line of each kind, receive-only
// for a kind the pipeline does not send.
void Call::offer_room_for_peer_media_once() {
  if (room_offered_ || branches().empty()) return;  // no sink pads: add_recvonly_transceivers did it
  room_offered_ = true;
  bool audio = false, video = false;
  std::set<int> taken;
  const auto list = branch_pairs();
  for (auto& [ghost, branch] : list) {
    const int pt = branch->payload_type() >= 0 ? branch->payload_type() : branch->webrtcbin_payload_type();
    if (pt >= 0) taken.insert(pt);
    GstCaps* caps = branch_caps(ghost);
    for (guint i = 0; caps != nullptr && i < gst_caps_get_size(caps); ++i) {
      const char* media = gst_structure_get_string(gst_caps_get_structure(caps, i), "media");
      audio = audio || g_strcmp0(media, "audio") == 0;
      video = video || g_strcmp0(media, "video") == 0;
    }
    if (caps != nullptr) gst_caps_unref(caps);
  }
  for (const char* kind : {"audio", "video"}) {
    if ((g_str_equal(kind, "audio") ? audio : video)) continue;
    GST_INFO_OBJECT(bin_, "offering %s to %s receive-only (simple-peer adds its own %s)", kind, peer_.c_str(), kind);
    add_recvonly_transceiver(webrtcbin_, kind, taken);
  }
}

// Before our offer: the transceivers a sink pad made do not know their kind yet, the branch's caps
// say it (media=video); the receive-only ones know it.
void Call::enable_nack_on_video() {
  GArray* transceivers = nullptr;
  g_signal_emit_by_name(webrtcbin_, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != nullptr && i < transceivers->len; ++i) {
    nack_if_video(webrtcbin_, g_array_index(transceivers, GstWebRTCRTPTransceiver*, i));
  }
  if (transceivers != nullptr) g_array_unref(transceivers);
  const auto list = branch_pairs();
  for (auto& [ghost, branch] : list) {
    GstCaps* caps = branch_caps(ghost);
    const GstStructure* s = caps != nullptr && gst_caps_get_size(caps) > 0 ? gst_caps_get_structure(caps, 0) : nullptr;
    const bool video = s != nullptr && g_strcmp0(gst_structure_get_string(s, "media"), "video") == 0;
    if (caps != nullptr) gst_caps_unref(caps);
    if (!video || branch->webrtcbin_pad() == nullptr) continue;
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_object_get(branch->webrtcbin_pad(), "transceiver", &transceiver, nullptr);
    if (transceiver == nullptr) continue;
    protect_video(webrtcbin_, transceiver);
    gst_object_unref(transceiver);
  }
}

// --- descriptions and candidates ---------------------------------------------------------------

// webrtcbin takes its own reference while the operation is queued. We keep ours too, until ~Call
// releases them (release_promise). A peer that renegotiates without end cannot grow the list: the
// oldest go, long since answered (webrtcbin runs its operations in order).
constexpr size_t kPromisesKept = 16;

void Call::emit_with_promise(const char* signal, gpointer argument, PromiseStep step) {
  GstPromise* promise = host_.make_promise(*this, step);
  g_signal_emit_by_name(webrtcbin_, signal, argument, promise);
  promises_.push_back(promise);
  if (promises_.size() > kPromisesKept) {
    gst_promise_unref(promises_.front());
    promises_.erase(promises_.begin());
  }
}

void Call::apply_remote(GstWebRTCSDPType type, const std::string& sdp) {
  GstWebRTCSessionDescription* description = description_from_text(type, sdp);
  if (description == nullptr) {
    fail("the peer's SDP does not parse");
    return;
  }
  remote_mids_ = media_mids(description);
  media_.set_media_kinds(payload_type_kinds(description->sdp));
  if (type == GST_WEBRTC_SDP_TYPE_ANSWER) answer_sends_ = description_sends_media(description);
  if (type == GST_WEBRTC_SDP_TYPE_OFFER) {
    // Before create-answer looks at the sink pads' caps (see RemoteSet in on_promise).
    const int switching = align_payload_types(description->sdp);
    if (switching > 0) GST_INFO_OBJECT(bin_, "%d stream(s) switch to the offer's payload types", switching);
  }
  GST_LOG_OBJECT(bin_, "remote %s from %s:\n%s", type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer",
                 peer_.c_str(), sdp.c_str());
  emit_with_promise("set-remote-description", description, PromiseStep::RemoteSet);
  gst_webrtc_session_description_free(description);
}

void Call::add_remote_candidate(const chapter::IceCandidate& candidate) {
  guint mline = 0;
  if (candidate.sdp_mline_index) {
    mline = static_cast<guint>(*candidate.sdp_mline_index);
  } else if (candidate.sdp_mid) {
    auto it = std::find(remote_mids_.begin(), remote_mids_.end(), *candidate.sdp_mid);
    if (it == remote_mids_.end()) {
      GST_WARNING_OBJECT(bin_, "candidate from %s for unknown mid %s ignored", peer_.c_str(),
                         candidate.sdp_mid->c_str());
      return;
    }
    mline = static_cast<guint>(it - remote_mids_.begin());
  }
  g_signal_emit_by_name(webrtcbin_, "add-ice-candidate", mline, candidate.candidate.c_str());
}

void Call::create_answer() {
  GST_DEBUG_OBJECT(bin_, "creating an answer for %s", peer_.c_str());
  emit_with_promise("create-answer", nullptr, PromiseStep::AnswerCreated);
}

void Call::fail(const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  GST_WARNING_OBJECT(bin_, "negotiation with %s failed: %s", peer_.c_str(), reason.c_str());
  cancel_waits();
  host_.report_error(SignallerError::NegotiationFailed, peer_, reason);
  host_.call_failed(*this, "negotiation failed");
}

// --- webrtcbin events --------------------------------------------------------------------------

void Call::on_negotiation_needed() {
  GST_DEBUG_OBJECT(bin_, "%s: negotiation needed", GST_OBJECT_NAME(webrtcbin_));
  // Only the first offer of a call is ours to make (the chapter's pages build a new peer per offer).
  negotiation_needed_ = true;
  if (role_ == CallRole::Caller && !offered_) maybe_offer();  // it decides when; a wait sees the flag
}

void Call::on_ice_candidate(guint mline_index, const std::string& candidate) {
  if (peer_.empty() || failed_) return;
  client::SignallingClient* signalling = host_.signalling();
  if (signalling == nullptr) return;
  chapter::IceCandidate ice;
  ice.candidate = candidate;
  ice.sdp_mline_index = static_cast<int>(mline_index);
  if (mline_index < local_mids_.size() && !local_mids_[mline_index].empty()) ice.sdp_mid = local_mids_[mline_index];
  signalling->send_candidate(dialect_, peer_, ice);
  if (!candidate_sent_) {
    // What gathering ahead of the call (on the spare webrtcbin) could save at most.
    candidate_sent_ = true;
    GST_DEBUG_OBJECT(bin_, "first local candidate to %s %.1f ms after the %s was sent", peer_.c_str(),
                     description_sent_us_ != 0 ? (g_get_monotonic_time() - description_sent_us_) / 1000.0 : -1.0,
                     role_ == CallRole::Caller ? "offer" : "answer");
  }
}

void Call::on_gathering_complete() {
  if (peer_.empty() || failed_) return;
  if (client::SignallingClient* signalling = host_.signalling()) signalling->send_end_of_candidates(dialect_, peer_);
}

void Call::on_connection_state(GstWebRTCPeerConnectionState state) {
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !connected_) {
    connected_ = true;
    connected_us_ = g_get_monotonic_time();
    media_.watch(webrtcbin_);
    GST_INFO_OBJECT(bin_, "call with %s connected in %" G_GINT64_FORMAT " ms", peer_.c_str(),
                    (g_get_monotonic_time() - started_us_) / 1000);
    // The peer's decoder needs a keyframe now, not at the encoder's next periodic one.
    request_keyframes("a call connected", true);
  }
}

void Call::on_ice_connection_state(GstWebRTCICEConnectionState state, gint64 when_us) {
  if (ice_connected_us_ != 0 || started_us_ == 0) return;
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED || state == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    ice_connected_us_ = when_us;
}

Call::Timeline Call::timeline() const {
  return Timeline{started_us_, description_sent_us_, remote_description_us_, ice_connected_us_, connected_us_};
}

void Call::on_promise(PromiseStep step, GstStructure* reply, const std::string& error) {
  if (peer_.empty() || failed_) return;
  std::string failure = error.empty() ? error_text(reply) : error;
  if (!failure.empty()) {
    fail(failure);
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
        fail(offer ? "webrtcbin made no offer" : "webrtcbin made no answer");
        return;
      }
      local_mids_ = media_mids(description);
      if (offer) offered_to_receive_ = description_receives_media(description);
      std::string sdp = description_text(description);
      emit_with_promise("set-local-description", description, PromiseStep::LocalSet);
      gst_webrtc_session_description_free(description);
      GST_DEBUG_OBJECT(bin_, "sending %s to %s", offer ? "offer" : "answer", peer_.c_str());
      GST_LOG_OBJECT(bin_, "%s:\n%s", offer ? "offer" : "answer", sdp.c_str());
      if (client::SignallingClient* signalling = host_.signalling()) {
        std::function<void()> unknown;
        if (offer) {
          // sio-signalling acks a relay with whether the target was known (the Node server never acks).
          unknown = [this, alive = std::weak_ptr<bool>(alive_), peer = peer_]() {
            if (alive.expired()) return;
            host_.report_error(SignallerError::UnknownPeer, peer, "the signalling server does not know this peer");
            host_.call_failed(*this, "unknown peer");
          };
        }
        signalling->send_description(dialect_, peer_, offer ? "offer" : "answer", with_start_bitrate(sdp, host_.browser_start_bitrate_kbps()),
                                     std::move(unknown));
        if (description_sent_us_ == 0) description_sent_us_ = g_get_monotonic_time();
      }
      return;
    }
    case PromiseStep::RemoteSet: {
      remote_set_ = true;
      for (const auto& candidate : pending_remote_candidates_) add_remote_candidate(candidate);
      pending_remote_candidates_.clear();
      if (role_ == CallRole::Caller) {
        check_branches_sending();  // the answer is in
        if (dialect_ == chapter::Dialect::SimplePeer && offered_to_receive_ && !answer_sends_)
          host_.answered_without_media(*this);
      }
      if (role_ != CallRole::Answerer) return;
      // webrtcbin pairs a sink pad with an offered m-line only if the caps it has received carry
      // the offered payload type: answer once the branches send it (or give up waiting).
      if (payload_types_aligned()) {
        create_answer();
      } else {
        wait_then(
            answer_wait_, kWaitPollMs, 2000, [this]() { return payload_types_aligned(); },
            [this](bool ok) {
              if (!ok) GST_WARNING_OBJECT(bin_, "streams did not take the offered payload types within 2 s: answering anyway");
              create_answer();
            });
      }
      return;
    }
    case PromiseStep::LocalSet:
      if (role_ == CallRole::Answerer) check_branches_sending();
      return;
  }
}

// --- waits -------------------------------------------------------------------------------------

// Polls `ready` every `interval_ms` on the network thread, then calls `then(true)`, or
// `then(false)` after `limit_ms`. Destroying the call cancels it.
void Call::wait_then(guint& source_id, guint interval_ms, guint64 limit_ms, std::function<bool()> ready,
                     std::function<void(bool)> then) {
  struct Wait {
    guint* source_id;
    GstBin* bin;
    gint64 started_us;
    gint64 deadline_us;
    std::function<bool()> ready;
    std::function<void(bool)> then;
  };
  const gint64 now = g_get_monotonic_time();
  auto* wait = new Wait{&source_id, bin_, now, now + gint64(limit_ms) * 1000, std::move(ready), std::move(then)};
  GSource* source = g_timeout_source_new(interval_ms);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* w = static_cast<Wait*>(data);
        try {
          const bool ok = w->ready();
          if (!ok && g_get_monotonic_time() < w->deadline_us) return G_SOURCE_CONTINUE;
          *w->source_id = 0;  // before then(): it may start another wait in the same slot
          GST_DEBUG_OBJECT(w->bin, "waited %.1f ms (%s)", (g_get_monotonic_time() - w->started_us) / 1000.0,
                           ok ? "ready" : "gave up");
          w->then(ok);
        } catch (const std::exception& e) {
          *w->source_id = 0;
          GST_ERROR("wait failed: %s", e.what());
        }
        return G_SOURCE_REMOVE;
      },
      wait, [](gpointer data) { delete static_cast<Wait*>(data); });
  source_id = g_source_attach(source, host_.context());
  {
    std::lock_guard lock(wake_target_->mutex);
    if (wake_target_->context == nullptr && host_.context() != nullptr)
      wake_target_->context = g_main_context_ref(host_.context());
  }
  g_source_unref(source);
}

void Call::cancel_waits() {
  for (guint* id : {&offer_wait_, &answer_wait_}) {
    if (*id == 0) continue;
    if (GMainContext* context = host_.context()) {
      if (GSource* source = g_main_context_find_source_by_id(context, *id)) g_source_destroy(source);
    }
    *id = 0;
  }
}

}  // namespace sio::gst
