#include "webrtc_glue.hpp"

#include <algorithm>
#include <functional>
#include <vector>

#include <agent.h>
#include <cstdlib>
#include <gst/sdp/sdp.h>

#include "debug.hpp"
#include "gobject_ptr.hpp"

namespace sio::gst {

namespace {
constexpr const char* kFecPercentageKey = "sio-fec-percentage";
}  // namespace

void set_fec_percentage(GstElement* webrtcbin, guint percentage) {
  g_object_set_data(G_OBJECT(webrtcbin), kFecPercentageKey, GUINT_TO_POINTER(percentage));
}

void protect_video(GstElement* webrtcbin, GstWebRTCRTPTransceiver* transceiver) {
  g_object_set(transceiver, "do-nack", TRUE, nullptr);
  const guint fec = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(webrtcbin), kFecPercentageKey));
  if (fec > 0) g_object_set(transceiver, "fec-type", GST_WEBRTC_FEC_TYPE_ULP_RED, "fec-percentage", fec, nullptr);
}

void nack_if_video(GstElement* webrtcbin, GstWebRTCRTPTransceiver* transceiver) {
  GstWebRTCKind kind = GST_WEBRTC_KIND_UNKNOWN;
  g_object_get(transceiver, "kind", &kind, nullptr);
  if (kind == GST_WEBRTC_KIND_VIDEO) protect_video(webrtcbin, transceiver);
}

namespace {

// webrtcbin makes an answering call's transceivers while it builds the answer, from the offer's
// m-lines (their m-line is known, unlike a sink pad's): NACK on every kind there, which is what
// turns on the jitter buffers' retransmission requests for the bundle; the answer only carries RTX
// where the offer had it.
void on_new_transceiver(GstElement* webrtcbin, GstWebRTCRTPTransceiver* transceiver, gpointer) {
  guint mline = G_MAXUINT;
  g_object_get(transceiver, "mlineindex", &mline, nullptr);
  if (mline != G_MAXUINT) g_object_set(transceiver, "do-nack", TRUE, nullptr);
  nack_if_video(webrtcbin, transceiver);
}

}  // namespace

namespace {

// webrtcbin's libnice agent (transfer full), or null when its ICE implementation has none.
NiceAgent* nice_agent_of(GstElement* webrtcbin) {
  GObject* ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
  auto ice_owner = glib::adopt(ice);
  if (ice == nullptr || g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent") == nullptr) return nullptr;
  NiceAgent* agent = nullptr;
  g_object_get(ice, "agent", &agent, nullptr);
  return agent;
}

// libnice paces connectivity checks at 20 ms (Ta): the first check waits a tick after the remote
// candidates are in, and regular nomination (webrtcbin's) takes two more ticks, so ICE took 65 ms
// on loopback, 60 of them waiting. RFC 8445 allows Ta down to 5 ms; a call checks a handful of
// pairs (~100-byte STUN requests), far from what the pacing protects against.
constexpr guint kIcePacingMs = 5;

// RTCP feedback (NACK, PLI) as soon as a loss is seen. rtpsession follows RFC 4585's early-RTCP
// rule: after one early packet the next may only leave a whole RTCP interval later, and with the
// default RTCP bandwidth (5 % of a session it estimates) that interval was ~0.3-0.5 s on a call, so
// most NACKs waited for it and their retransmissions came after the jitter buffer had given the
// packet up (4-11 of ~55 lost packets recovered on loopback). The interval is the RTCP bandwidth's
// doing: with this much, early feedback can leave every few ms. Regular reports come more often
// too at a call's start (12 RTCP packets instead of 4 in test_setup_every_call), a few hundred
// bytes a second; the rest of the bandwidth is only spent when there is feedback to send.
constexpr int kRtcpBytesPerSecond = 50000;

void on_element_added(GstBin*, GstBin*, GstElement* element, gpointer) {
  GstElementFactory* factory = gst_element_get_factory(element);
  if (factory == nullptr) return;
  if (g_str_equal(GST_OBJECT_NAME(factory), "rtpsession")) {
    // Sender reports tie RTP time to capture time (lip sync; what browsers send). With send time,
    // the first reports of a sender just started put its video up to 0.4 s behind its audio, and the
    // receiver delayed the video by that much (cold calls' first picture ~430 ms late).
    g_object_set(element, "rtcp-rr-bandwidth", kRtcpBytesPerSecond, "rtcp-rs-bandwidth", kRtcpBytesPerSecond,
                 "rtcp-sync-send-time", FALSE, nullptr);
  } else if (g_str_equal(GST_OBJECT_NAME(factory), "rtpjitterbuffer")) {
    // Ask again only for packets known missing (a later one arrived), as browsers do. By default
    // the jitter buffer also asks for the packet it expects next as soon as it is a little late
    // by its estimated spacing: with video's bursts (a frame's packets, then 33 ms of nothing)
    // that asked for packets not sent yet, ~45 times a second, which early RTCP now sends.
    g_object_set(element, "rtx-next-seqnum", FALSE, nullptr);
  }
}

}  // namespace

GstElement* make_webrtcbin(const WebRtcSettings& settings, const char* name) {
  GstElement* webrtcbin = gst_element_factory_make("webrtcbin", name);
  if (webrtcbin == nullptr) return nullptr;
  gst_util_set_object_arg(G_OBJECT(webrtcbin), "bundle-policy", "max-bundle");
  g_signal_connect(webrtcbin, "on-new-transceiver", G_CALLBACK(on_new_transceiver), nullptr);
  g_signal_connect(webrtcbin, "deep-element-added", G_CALLBACK(on_element_added), nullptr);
  if (!settings.stun_server.empty()) g_object_set(webrtcbin, "stun-server", settings.stun_server.c_str(), nullptr);
  g_object_set(webrtcbin, "latency", settings.latency_ms, nullptr);
  set_fec_percentage(webrtcbin, settings.fec_percentage);
  if (auto agent = glib::adopt(nice_agent_of(webrtcbin))) g_object_set(agent.get(), "stun-pacing-timer", kIcePacingMs, nullptr);
  return webrtcbin;
}

std::vector<std::string> apply_turn(GstElement* webrtcbin, const std::vector<std::string>& turn_servers,
                                    GstWebRTCICETransportPolicy policy) {
  std::vector<std::string> refused;
  for (const auto& uri : turn_servers) {
    gboolean added = FALSE;
    g_signal_emit_by_name(webrtcbin, "add-turn-server", uri.c_str(), &added);
    if (!added) refused.push_back(uri);
  }
  g_object_set(webrtcbin, "ice-transport-policy", policy, nullptr);
  return refused;
}

std::vector<std::string> apply_local_addresses(GstElement* webrtcbin, const std::string& comma_separated) {
  std::vector<std::string> rejected;
  if (comma_separated.empty()) return rejected;
  NiceAgent* agent = nice_agent_of(webrtcbin);
  auto agent_owner = glib::adopt(agent);
  if (agent == nullptr) {
    rejected.push_back(comma_separated);
    return rejected;
  }
  glib::GStrvPtr parts(g_strsplit(comma_separated.c_str(), ",", -1));
  for (char** part = parts.get(); *part != nullptr; ++part) {
    std::string text = g_strstrip(*part);
    if (text.empty()) continue;
    NiceAddress address;
    nice_address_init(&address);
    if (!nice_address_set_from_string(&address, text.c_str()) || !nice_agent_add_local_address(agent, &address)) {
      rejected.push_back(text);
    }
  }
  return rejected;
}

void apply_local_addresses_once(GstElement* webrtcbin, const std::string& comma_separated, gpointer log_object) {
  static GQuark applied = g_quark_from_static_string("socketiosignaller-local-addresses");
  if (comma_separated.empty() || g_object_get_qdata(G_OBJECT(webrtcbin), applied) != nullptr) return;
  g_object_set_qdata(G_OBJECT(webrtcbin), applied, GINT_TO_POINTER(1));
  for (const auto& bad : apply_local_addresses(webrtcbin, comma_separated)) {
    GST_WARNING_OBJECT(log_object, "local-addresses: cannot use \"%s\"", bad.c_str());
  }
}

void add_recvonly_transceiver(GstElement* webrtcbin, const std::string& kind, const std::set<int>& taken) {
  // The usual payload types (Chromium's), or the next free dynamic ones when a stream we send
  // already uses them: one bundle cannot carry one payload type on two m-lines.
  std::set<int> used = taken;
  auto pick = [&used](int preferred) {
    int pt = preferred;
    while (used.count(pt) != 0 && pt < 127) ++pt;
    if (used.count(pt) != 0) for (pt = 96; used.count(pt) != 0 && pt < 127; ++pt) {}
    used.insert(pt);
    return pt;
  };
  std::string caps_text;
  if (kind == "audio") {
    caps_text = "application/x-rtp,media=audio,encoding-name=OPUS,payload=" + std::to_string(pick(111)) +
                ",clock-rate=48000,encoding-params=(string)2";
  } else {
    caps_text = "application/x-rtp,media=video,encoding-name=VP8,payload=" + std::to_string(pick(96)) +
                ",clock-rate=90000;application/x-rtp,media=video,encoding-name=H264,payload=" +
                std::to_string(pick(102)) + ",clock-rate=90000,packetization-mode=(string)1";
  }
  GstCaps* caps = gst_caps_from_string(caps_text.c_str());
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtcbin, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps,
                        &transceiver);
  gst_caps_unref(caps);
  if (transceiver != nullptr) gst_object_unref(transceiver);
}

void add_recvonly_transceivers(GstElement* webrtcbin) {
  add_recvonly_transceiver(webrtcbin, "video");
  add_recvonly_transceiver(webrtcbin, "audio");
}

std::string media_kind_of_pad(GstPad* pad) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(pad), "transceiver") != nullptr) {
    GObject* transceiver = nullptr;
    g_object_get(pad, "transceiver", &transceiver, nullptr);
    auto owner = glib::adopt(transceiver);
    if (transceiver != nullptr && g_object_class_find_property(G_OBJECT_GET_CLASS(transceiver), "kind") != nullptr) {
      GstWebRTCKind kind = GST_WEBRTC_KIND_UNKNOWN;
      g_object_get(transceiver, "kind", &kind, nullptr);
      if (kind == GST_WEBRTC_KIND_AUDIO) return "audio";
      if (kind == GST_WEBRTC_KIND_VIDEO) return "video";
    }
  }
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  std::string kind;
  if (caps != nullptr && gst_caps_get_size(caps) > 0) {
    const char* media = gst_structure_get_string(gst_caps_get_structure(caps, 0), "media");
    if (media != nullptr) kind = media;
  }
  if (caps != nullptr) gst_caps_unref(caps);
  return kind;
}

GstCaps* received_stream_caps(GstElement* webrtcbin, GstPad* pad) {
  if (GstCaps* current = gst_pad_get_current_caps(pad)) return current;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(pad), "transceiver") == nullptr) return nullptr;
  GObject* transceiver = nullptr;
  g_object_get(pad, "transceiver", &transceiver, nullptr);
  auto transceiver_owner = glib::adopt(transceiver);
  if (transceiver == nullptr) return nullptr;
  guint mline = G_MAXUINT;
  g_object_get(transceiver, "mlineindex", &mline, nullptr);
  GstWebRTCSessionDescription* remote = nullptr;
  g_object_get(webrtcbin, "remote-description", &remote, nullptr);
  if (remote == nullptr) return nullptr;
  GstCaps* result = nullptr;
  if (mline < gst_sdp_message_medias_len(remote->sdp)) {
    const GstSDPMedia* media = gst_sdp_message_get_media(remote->sdp, mline);
    result = gst_caps_new_empty();
    for (guint f = 0; f < gst_sdp_media_formats_len(media); ++f) {
      GstCaps* format = gst_sdp_media_get_caps_from_media(media, atoi(gst_sdp_media_get_format(media, f)));
      if (format == nullptr) continue;
      for (guint i = 0; i < gst_caps_get_size(format); ++i) {
        GstStructure* structure = gst_caps_get_structure(format, i);
        gst_structure_set_name(structure, "application/x-rtp");
        // Retransmission and FEC formats are not what the pad delivers.
        const char* name = gst_structure_get_string(structure, "encoding-name");
        if (name != nullptr && (g_ascii_strcasecmp(name, "RTX") == 0 || g_ascii_strcasecmp(name, "RED") == 0 ||
                                g_ascii_strcasecmp(name, "ULPFEC") == 0 || g_ascii_strcasecmp(name, "FLEXFEC-03") == 0)) {
          gst_structure_set_name(structure, "application/x-rtp-ignored");
        }
      }
      result = gst_caps_merge(result, format);
    }
    GstCaps* rtp_only = gst_caps_new_empty();
    for (guint i = 0; i < gst_caps_get_size(result); ++i) {
      if (gst_structure_has_name(gst_caps_get_structure(result, i), "application/x-rtp")) {
        gst_caps_append_structure(rtp_only, gst_structure_copy(gst_caps_get_structure(result, i)));
      }
    }
    gst_caps_unref(result);
    result = rtp_only;
    if (gst_caps_is_empty(result)) {
      gst_caps_unref(result);
      result = nullptr;
    }
  }
  gst_webrtc_session_description_free(remote);
  return result;
}

GstWebRTCSessionDescription* description_from_text(GstWebRTCSDPType type, const std::string& sdp) {
  GstSDPMessage* message = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &message) != GST_SDP_OK || message == nullptr) return nullptr;
  if (gst_sdp_message_medias_len(message) == 0 && gst_sdp_message_get_version(message) == nullptr) {
    gst_sdp_message_free(message);
    return nullptr;
  }
  return gst_webrtc_session_description_new(type, message);
}

std::string description_text(const GstWebRTCSessionDescription* description) {
  glib::GCharPtr text(gst_sdp_message_as_text(description->sdp));
  return text ? std::string(text.get()) : std::string();
}

std::vector<std::string> media_mids(const GstWebRTCSessionDescription* description) {
  std::vector<std::string> mids;
  for (guint i = 0; i < gst_sdp_message_medias_len(description->sdp); ++i) {
    const char* mid = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(description->sdp, i), "mid");
    mids.emplace_back(mid != nullptr ? mid : "");
  }
  return mids;
}

namespace {

// Audio and video m-lines in use (port 0 is a rejected one, unless bundle-only) whose direction
// is not `excluded` or inactive.
bool any_media_line_but(const GstWebRTCSessionDescription* description, const char* excluded) {
  for (guint i = 0; i < gst_sdp_message_medias_len(description->sdp); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(description->sdp, i);
    const char* kind = gst_sdp_media_get_media(media);
    if (g_strcmp0(kind, "audio") != 0 && g_strcmp0(kind, "video") != 0) continue;
    if (gst_sdp_media_get_port(media) == 0 && gst_sdp_media_get_attribute_val(media, "bundle-only") == nullptr) continue;
    if (gst_sdp_media_get_attribute_val(media, excluded) != nullptr) continue;
    if (gst_sdp_media_get_attribute_val(media, "inactive") != nullptr) continue;
    return true;
  }
  return false;
}

}  // namespace

bool description_sends_media(const GstWebRTCSessionDescription* description) {
  return any_media_line_but(description, "recvonly");
}

bool description_receives_media(const GstWebRTCSessionDescription* description) {
  return any_media_line_but(description, "sendonly");
}

namespace {

// An object-valued property (owned), or nullptr; nullptr in, nullptr out, so lookups chain.
glib::GObjectPtr<GObject> object_property(GObject* object, const char* name) {
  if (object == nullptr) return nullptr;
  GObject* value = nullptr;
  g_object_get(object, name, &value, nullptr);
  return glib::adopt(value);
}

}  // namespace

void detach_receive_bins_from_ice(GstElement* webrtcbin) {
  // The ICE transports: transceiver sender/receiver and the SCTP transport -> DTLS -> ICE.
  std::vector<glib::GObjectPtr<GObject>> ices;
  auto add_ice_under = [&ices](GObject* endpoint) {
    glib::GObjectPtr<GObject> ice = object_property(object_property(endpoint, "transport").get(), "transport");
    if (!ice) return;
    for (const auto& known : ices) {
      if (known.get() == ice.get()) return;
    }
    ices.push_back(std::move(ice));
  };
  GArray* transceivers = nullptr;
  g_signal_emit_by_name(webrtcbin, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != nullptr && i < transceivers->len; ++i) {
    GObject* transceiver = G_OBJECT(g_array_index(transceivers, GstWebRTCRTPTransceiver*, i));
    for (const char* side : {"receiver", "sender"}) add_ice_under(object_property(transceiver, side).get());
  }
  if (transceivers != nullptr) g_array_unref(transceivers);
  add_ice_under(object_property(G_OBJECT(webrtcbin), "sctp-transport").get());
  if (ices.empty()) return;

  for_each_element_in(GST_BIN(webrtcbin), [&ices](GstElement* element) {
    if (!g_str_equal(G_OBJECT_TYPE_NAME(element), "TransportReceiveBin")) return;
    guint cut = 0;
    for (const auto& ice : ices) cut += g_signal_handlers_disconnect_by_data(ice.get(), element);
    GST_DEBUG_OBJECT(element, "%u ICE state handler(s) disconnected", cut);
  });
}

void for_each_element_in(GstBin* bin, const std::function<void(GstElement*)>& fn) {
  GstIterator* it = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  std::vector<GstElement*> seen;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* element = GST_ELEMENT(g_value_get_object(&item));
        if (std::find(seen.begin(), seen.end(), element) == seen.end()) {
          seen.push_back(element);
          fn(element);
        }
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync(it);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

namespace {

const char* candidate_type_name(NiceCandidateType type) {
  switch (type) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "unknown";
}

std::string candidate_address(const NiceCandidate* candidate) {
  gchar text[NICE_ADDRESS_STRING_LEN] = {};
  nice_address_to_string(&candidate->addr, text);
  return std::string(text) + ":" + std::to_string(nice_address_get_port(&candidate->addr));
}

// webrtcbin numbers its agent's streams from 1; with max-bundle there is one, but an unbundled
// peer has one per m-line (the first one that has a pair answers; a call has a handful at most).
constexpr guint kMaxStreamsAsked = 16;

}  // namespace

std::optional<SelectedCandidatePair> selected_candidate_pair(GstElement* webrtcbin) {
  auto agent = glib::adopt(nice_agent_of(webrtcbin));
  if (!agent) return std::nullopt;
  for (guint stream = 1; stream <= kMaxStreamsAsked; ++stream) {
    NiceCandidate* local = nullptr;
    NiceCandidate* remote = nullptr;
    if (!nice_agent_get_selected_pair(agent.get(), stream, NICE_COMPONENT_TYPE_RTP, &local, &remote)) continue;
    if (local == nullptr || remote == nullptr) continue;
    return SelectedCandidatePair{candidate_type_name(local->type), candidate_address(local),
                                 candidate_type_name(remote->type), candidate_address(remote)};
  }
  return std::nullopt;
}

namespace {

// Every element made by `factory` inside `webrtcbin`.
void for_each_made_by(GstElement* webrtcbin, const char* factory_name, const std::function<void(GstElement*)>& fn) {
  for_each_element_in(GST_BIN(webrtcbin), [&](GstElement* element) {
    GstElementFactory* factory = gst_element_get_factory(element);
    if (factory != nullptr && g_str_equal(GST_OBJECT_NAME(factory), factory_name)) fn(element);
  });
}

// The stats structure of every rtpjitterbuffer inside `webrtcbin`.
void for_each_jitterbuffer_stats(GstElement* webrtcbin, const std::function<void(const GstStructure*)>& fn) {
  for_each_made_by(webrtcbin, "rtpjitterbuffer", [&](GstElement* element) {
    GstStructure* stats = nullptr;
    g_object_get(element, "stats", &stats, nullptr);
    if (stats == nullptr) return;
    fn(stats);
    gst_structure_free(stats);
  });
}

}  // namespace

uint64_t packets_recovered(GstElement* webrtcbin) {
  uint64_t total = 0;
  for_each_jitterbuffer_stats(webrtcbin, [&](const GstStructure* stats) {
    guint64 value = 0;
    if (gst_structure_get_uint64(stats, "rtx-success-count", &value)) total += value;
  });
  return total;
}

uint64_t fec_packets_recovered(GstElement* webrtcbin) {
  uint64_t total = 0;
  for_each_made_by(webrtcbin, "rtpulpfecdec", [&](GstElement* element) {
    guint recovered = 0;
    g_object_get(element, "recovered", &recovered, nullptr);
    total += recovered;
  });
  return total;
}

uint64_t retransmission_rtt_ns(GstElement* webrtcbin) {
  uint64_t longest = 0;
  for_each_jitterbuffer_stats(webrtcbin, [&](const GstStructure* stats) {
    guint64 value = 0;
    if (gst_structure_get_uint64(stats, "rtx-rtt", &value) && value != GST_CLOCK_TIME_NONE) {
      longest = std::max<uint64_t>(longest, value);
    }
  });
  return longest;
}

int64_t stats_packets_lost(const GstStructure* stats) {
  gint64 lost64 = 0;
  gint lost = 0;
  if (gst_structure_get_int64(stats, "packets-lost", &lost64)) return lost64 > 0 ? lost64 : 0;
  if (gst_structure_get_int(stats, "packets-lost", &lost)) return lost > 0 ? lost : 0;
  return 0;
}

void release_promise(GstPromise* promise) {
  gst_promise_interrupt(promise);
  gst_promise_unref(promise);
}

const char* connection_state_name(GstWebRTCPeerConnectionState state) {
  switch (state) {
    case GST_WEBRTC_PEER_CONNECTION_STATE_NEW: return "new";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING: return "connecting";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED: return "connected";
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED: return "disconnected";
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED: return "failed";
    case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED: return "closed";
  }
  return "unknown";
}

const char* ice_connection_state_name(GstWebRTCICEConnectionState state) {
  switch (state) {
    case GST_WEBRTC_ICE_CONNECTION_STATE_NEW: return "new";
    case GST_WEBRTC_ICE_CONNECTION_STATE_CHECKING: return "checking";
    case GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED: return "connected";
    case GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED: return "completed";
    case GST_WEBRTC_ICE_CONNECTION_STATE_FAILED: return "failed";
    case GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED: return "disconnected";
    case GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED: return "closed";
  }
  return "unknown";
}

int payload_type_of(const GstCaps* caps) {
  if (caps == nullptr || gst_caps_get_size(caps) == 0) return -1;
  int pt = -1;
  if (!gst_structure_get_int(gst_caps_get_structure(caps, 0), "payload", &pt)) return -1;
  return pt;
}

int offered_payload_type(const GstSDPMessage* offer, const GstCaps* caps) {
  if (offer == nullptr || caps == nullptr || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return -1;
  for (guint m = 0; m < gst_sdp_message_medias_len(offer); ++m) {
    const GstSDPMedia* media = gst_sdp_message_get_media(offer, m);
    const char* kind = gst_sdp_media_get_media(media);
    // Port 0 rejects an m-line, unless it is bundle-only (webrtcbin's offers with max-bundle
    // mark every m-line after the first that way).
    const bool rejected =
        gst_sdp_media_get_port(media) == 0 && gst_sdp_media_get_attribute_val(media, "bundle-only") == nullptr;
    if (rejected || (g_strcmp0(kind, "audio") != 0 && g_strcmp0(kind, "video") != 0)) {
      continue;
    }
    for (guint f = 0; f < gst_sdp_media_formats_len(media); ++f) {
      const int pt = atoi(gst_sdp_media_get_format(media, f));
      GstCaps* offered = gst_sdp_media_get_caps_from_media(media, pt);
      if (offered == nullptr) continue;
      // As webrtcbin does: gst_sdp_media_get_caps_from_media() names them application/x-unknown.
      for (guint i = 0; i < gst_caps_get_size(offered); ++i) {
        gst_structure_set_name(gst_caps_get_structure(offered, i), "application/x-rtp");
      }
      GstCaps* ours = gst_caps_copy(caps);
      for (guint i = 0; i < gst_caps_get_size(ours); ++i) {
        gst_structure_set(gst_caps_get_structure(ours, i), "payload", G_TYPE_INT, pt, nullptr);
      }
      const bool match = gst_caps_can_intersect(offered, ours);
      gst_caps_unref(ours);
      gst_caps_unref(offered);
      if (match) return pt;
    }
  }
  return -1;
}

std::vector<std::pair<int, bool>> payload_type_kinds(const GstSDPMessage* sdp) {
  std::vector<std::pair<int, bool>> kinds;
  for (guint i = 0; i < gst_sdp_message_medias_len(sdp); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(sdp, i);
    const char* name = gst_sdp_media_get_media(media);
    const bool video = g_strcmp0(name, "video") == 0;
    if (!video && g_strcmp0(name, "audio") != 0) continue;
    for (guint f = 0; f < gst_sdp_media_formats_len(media); ++f) {
      const char* format = gst_sdp_media_get_format(media, f);
      if (format != nullptr && g_ascii_isdigit(format[0])) kinds.emplace_back(std::atoi(format), video);
    }
  }
  return kinds;
}

}  // namespace sio::gst
