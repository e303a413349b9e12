/**
 * SECTION:element-socketiosignaller
 * @title: socketiosignaller
 *
 * A bin that places WebRTC calls over Socket.IO with the course chapter's messages, so that a
 * pipeline can call, or be called by, the chapter's pages (and other pipelines) through
 * sio-signalling or the chapter's Node server. Each call has its own webrtcbin inside the bin.
 *
 * Send media by linking RTP payloaders to request pads `sink_%u`. Every call gets what they send:
 * one encode feeds all calls (each call takes its own branch with its own bounded queue, so a slow
 * viewer never holds up the encoder or the others; keyframe requests of all calls are coalesced
 * to at most one per 500 ms, and a call that connects gets one at once).
 *
 * Received streams appear as sometimes pads `video_%u` and `audio_%u` (RTP). Each carries its
 * stream's caps (media, encoding-name, clock-rate, payload) from the moment it appears, so
 * `s. ! application/x-rtp,media=video ! ...` links the right one, and a read-only `peer-id`
 * property naming the peer it comes from. With `max-calls=1` (the default) the same pads carry
 * the next call's streams; with several calls each call's streams get pads of their own, numbered
 * across calls, which get EOS and go away when their call ends.
 *
 * Whom to call: `peer-id` names a socket id; `auto` calls the first other client in the server's
 * `clients` list; `all` calls every other client that appears, now and later, up to `max-calls`
 * (one that does not answer within 10 s, or whose call did not connect or went silent, is left
 * alone until it reconnects); unset, the element only answers. Offers are answered up to
 * `max-calls` (0: no limit); one beyond that is refused with a warning on the bus naming the peer.
 *
 * ## Bus messages
 * Element messages (GST_MESSAGE_ELEMENT from this element), by structure name:
 * - `socketio-connected` (local-id: string): joined the signalling server; local-id is our
 *   socket id, which the pages list. Posted again after every reconnection.
 * - `socketio-rejoined` (local-id, previous-id: string, calls: uint): after a reconnection, with
 *   the calls kept through it.
 * - `socketio-peers` (peers: GStrv): the server's `clients` list changed; the other clients.
 * - `socketio-call-started` (peer-id: string, role: "caller" or "answerer", calls: uint, the
 *   calls now): a call's webrtcbin was made, before the offer or answer.
 * - `socketio-call-connected` (peer-id, role: string; setup-ms, description-sent-ms,
 *   remote-description-ms, ice-connected-ms: int64): the call's ICE and DTLS connected, the first
 *   time. Each field counts milliseconds from call-started (-1: not seen): our offer or answer
 *   sent, the peer's answer or offer in, ICE connected, and (setup-ms) DTLS done. The candidate
 *   pair ICE selected: local-candidate-type, remote-candidate-type ("host", "srflx", "prflx",
 *   "relay"; "unknown" without libnice) and local-candidate-address, remote-candidate-address
 *   (IP:port): "relay" is media through a TURN server.
 * - `socketio-call-media` (peer-id, media: "audio", "video" or "other"; first-rtp-ms: int64): the
 *   call's first RTP packet of that kind arrived from the peer, that many milliseconds after
 *   call-started (posted from a streaming thread).
 * - `socketio-call-ended` (peer-id, reason: string, calls: uint): a call ended (peer left,
 *   connection failed, timed out, state change...); its pads got EOS.
 * - `socketio-connection-lost` (reason: string, retry-ms: uint, was-connected: boolean): the
 *   server went or could not be reached; tried again after retry-ms.
 *
 * Errors (GST_MESSAGE_ERROR) say the cause: an invalid server-url; the server unreachable with
 * `reconnect=false`; the server refusing to let us join (auth); a TLS failure; an unknown peer-id;
 * a negotiation that failed; webrtcbin missing. Warnings (GST_MESSAGE_WARNING) keep the element
 * running: the server lost or unreachable (each retry); a call that did not connect; a peer that
 * did not answer; a call refused or not placed at `max-calls`; a TURN server webrtcbin refused;
 * `ice-transport-policy=relay` without a TURN server.
 *
 * Call setup is kept short for every call, the first included: the next call's webrtcbin (the
 * spare) is made and READY before it is needed; the DTLS certificate GStreamer 1.22 makes for the
 * process when the first DTLS element is created (an RSA key: hundreds of ms, seconds on a small
 * board) is made at NULL->READY on a thread of its own, not when the first offer is created; and
 * a call that connects asks the encoders for a keyframe at once. `latency` (the receiving jitter
 * buffer) applies to every call, the ones after a call ended included; a connected call whose
 * retransmissions take longer than it allows for (a long path) gets more, up to `latency-max`,
 * with a `socketio-call-latency` message (the application must recalculate the pipeline's latency
 * on the LATENCY message that follows, as gst-launch-1.0 does). Browsers sending to us are asked
 * to start at `browser-start-bitrate` rather than Chromium's 300 kbit/s, at which their first
 * keyframe took a few hundred ms more to arrive. Video always has NACK/RTX; `fec-percentage` adds
 * ULPFEC in RED (opt-in: it costs bandwidth whether or not packets are lost).
 *
 * Reconnection (`reconnect`, default on): a lost connection, or a server that cannot be reached
 * at start, is tried again after 1 s, doubling to 5 s, +-50 % (`reconnect-delay`,
 * `reconnect-delay-max`: socket.io-client's schedule and defaults), with a warning each time; a bad
 * URL, a TLS failure or a refusal is still an error. Calls in progress keep their media while
 * the server is gone and after it restarted (every client then has a new socket id: a kept call
 * is not ended for its peer's old id missing from `clients`). With `peer-id=all`, as many peers
 * as calls were kept that show up within 10 s of the rejoin are taken for those calls' peers and
 * not called again; later peers are called as usual.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ peer-id=all max-calls=8 \
 *   videotestsrc is-live=true ! vp8enc deadline=1 keyframe-max-dist=60 ! rtpvp8pay ! s.sink_0 \
 *   audiotestsrc is-live=true ! opusenc ! rtpopuspay ! s.sink_1
 * ]| Calls every other client (for instance each receiver.html that opens, up to eight) with one
 * test pattern and one tone, each encoded once. The streams share one bundle per call, so each
 * needs its own payload type: when calling, a stream whose payload type an earlier one uses (both
 * payloaders default to 96) is given a free one in that call.
 * |[
 * gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ \
 *   s. ! application/x-rtp,media=video ! rtpvp8depay ! vp8dec ! videoconvert ! autovideosink \
 *   s. ! application/x-rtp,media=audio ! rtpopusdepay ! opusdec ! audioconvert ! autoaudiosink
 * ]| Answers a call (for instance from the chapter's sender.html) and plays it.
 * |[
 * gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ dialect=simple-peer peer-id=auto \
 *   videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! s.sink_0 \
 *   s.video_0 ! decodebin ! videoconvert ! autovideosink
 * ]| A two-way call with the chapter's simple-peer index.html.
 *
 * When answering, each stream is sent with the payload type the offer gives its codec (Chromium:
 * VP8 96, Opus 111): webrtcbin 1.22 pairs an offered m-line with a sink pad by caps, payload type
 * included. A sink pad a call does not carry drops its data for that call (with a warning).
 *
 * The element posts EOS itself (webrtcbin never does): once every linked sink pad has had EOS,
 * or at once when EOS is sent to it with no sink pads or no call, so `gst-launch-1.0 -e` stops
 * cleanly. Without a call, sinks waiting behind a `video_%u`/`audio_%u` link that never came get
 * no EOS: no element can end a sink that is not linked.
 */
#include "socketiosignaller.hpp"

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22
#endif
#include <gst/base/gstbasesrc.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "call.hpp"
#include "call_stats.hpp"
#include "debug.hpp"
#include "dtls_warmup.hpp"
#include "gobject_ptr.hpp"
#include "network_thread.hpp"
#include "retransmission_latency.hpp"
#include "server_url.hpp"
#include "signalling_client.hpp"
#include "turn_servers.hpp"
#include "stream_pad.hpp"
#include "webrtc_glue.hpp"

GST_DEBUG_CATEGORY(gst_socketio_signaller_debug);

namespace {

constexpr const char* DEFAULT_SERVER_URL = "http://127.0.0.1:3000/";
constexpr GstSocketIoDialect DEFAULT_DIALECT = GST_SOCKETIO_DIALECT_CLASSIC;
constexpr const char* DEFAULT_PEER_ID = nullptr;
constexpr const char* DEFAULT_STUN_SERVER = nullptr;
constexpr const char* DEFAULT_TURN_SERVER = nullptr;
constexpr const char* DEFAULT_TURN_SECRET = nullptr;
constexpr GstWebRTCICETransportPolicy DEFAULT_ICE_TRANSPORT_POLICY = GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL;
// Credentials made from turn-secret last this long (coturn refuses them afterwards, refreshes of a
// relayed call's allocation included).
constexpr gint64 kTurnCredentialSeconds = 24 * 3600;
constexpr gboolean DEFAULT_TLS_VALIDATION = TRUE;
constexpr gboolean DEFAULT_RECONNECT = TRUE;
// socket.io-client's reconnectionDelay and reconnectionDelayMax.
constexpr guint DEFAULT_RECONNECT_DELAY_MS = 1000;
constexpr guint DEFAULT_RECONNECT_DELAY_MAX_MS = 5000;
// After a rejoin, peers that show up within this long may be the peers of calls kept through the
// loss (they reconnect on their own backoff, at most 5 s +50 % after us).
constexpr gint64 kRejoinWindowUs = 10 * G_USEC_PER_SEC;
constexpr const char* DEFAULT_AUTH = nullptr;
constexpr const char* DEFAULT_LOCAL_ADDRESSES = nullptr;
constexpr guint DEFAULT_MAX_CALLS = 1;
constexpr guint DEFAULT_CONNECT_TIMEOUT_MS = 15000;
constexpr guint DEFAULT_MEDIA_TIMEOUT_MS = 10000;
// The jitter buffer's latency, chosen from glass-to-glass measurements (README "Glass to glass"):
// with webrtcbin's own 200 ms a displayed picture is ~200 ms late on a LAN; 50 ms still leaves a
// retransmission time on paths up to ~40 ms of round trip.
constexpr guint DEFAULT_LATENCY_MS = 50;
// How far a call's latency may grow for retransmissions on a long path (retransmission_latency.hpp):
// a second holds a round trip of ~0.6 s; more is a conversation no one can hold.
constexpr guint DEFAULT_LATENCY_MAX_MS = 1000;
// FEC is opt-in: it costs its share of bandwidth whether packets are lost or not, and NACK already
// recovers losses on paths a retransmission can cross in time.
constexpr guint DEFAULT_FEC_PERCENTAGE = 0;
// Chromium's own start is 300 kbit/s; from 1000 its first picture in a call to us came ~200 ms
// sooner (2500 gained nothing more). README "Call setup".
constexpr guint DEFAULT_BROWSER_START_BITRATE_KBPS = 1000;
// How often the watchdog looks at the calls' times (connect-timeout, media-timeout).
constexpr guint kWatchdogIntervalMs = 500;

constexpr const char* kAuto = "auto";
constexpr const char* kAll = "all";
// peer-id=all: a peer that has not answered by then is left alone until it reconnects.
constexpr guint kAnswerTimeoutMs = 10000;
// A page that answered without media is called again this much later, doubling, at most this often
// (its getUserMedia: ~0.1-0.5 s in headless Chromium with a fake camera, seconds when a person
// has to allow the camera first).
constexpr guint kFirstRecallDelayMs = 1000;
constexpr unsigned kMaxRecalls = 4;

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_DIALECT,
  PROP_PEER_ID,
  PROP_LOCAL_ID,
  PROP_STUN_SERVER,
  PROP_TURN_SERVER,
  PROP_TURN_SECRET,
  PROP_ICE_TRANSPORT_POLICY,
  PROP_TLS_VALIDATION,
  PROP_RECONNECT,
  PROP_RECONNECT_DELAY,
  PROP_RECONNECT_DELAY_MAX,
  PROP_AUTH,
  PROP_LOCAL_ADDRESSES,
  PROP_WEBRTCBIN,
  PROP_MAX_CALLS,
  PROP_CONNECT_TIMEOUT,
  PROP_MEDIA_TIMEOUT,
  PROP_CALLS,
  PROP_STATS,
  PROP_LATENCY,
  PROP_LATENCY_MAX,
  PROP_FEC_PERCENTAGE,
  PROP_BROWSER_START_BITRATE,
};

enum { SIGNAL_PEERS_CHANGED, SIGNAL_CALL_STARTED, SIGNAL_CALL_ENDED, N_SIGNALS };
guint signals[N_SIGNALS];

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate video_src_template =
    GST_STATIC_PAD_TEMPLATE("video_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("application/x-rtp"));
GstStaticPadTemplate audio_src_template =
    GST_STATIC_PAD_TEMPLATE("audio_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("application/x-rtp"));

std::string or_empty(const char* s) { return s != nullptr ? s : ""; }

}  // namespace

namespace sio::gst {

// Properties; guarded by the element's object lock. (Not in the anonymous namespace: a member of
// SignallerImpl, which has external linkage.)
struct Settings {
  std::string server_url = DEFAULT_SERVER_URL;
  GstSocketIoDialect dialect = DEFAULT_DIALECT;
  std::string peer_id;
  std::string stun_server;
  std::string turn_server;  // one or more URIs, separated by commas or spaces
  std::string turn_secret;
  GstWebRTCICETransportPolicy ice_transport_policy = DEFAULT_ICE_TRANSPORT_POLICY;
  bool tls_validation = DEFAULT_TLS_VALIDATION;
  bool reconnect = DEFAULT_RECONNECT;
  guint reconnect_delay_ms = DEFAULT_RECONNECT_DELAY_MS;
  guint reconnect_delay_max_ms = DEFAULT_RECONNECT_DELAY_MAX_MS;
  std::string auth;
  std::string local_addresses;
  guint max_calls = DEFAULT_MAX_CALLS;
  guint connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  guint media_timeout_ms = DEFAULT_MEDIA_TIMEOUT_MS;
  guint latency_ms = DEFAULT_LATENCY_MS;
  guint latency_max_ms = DEFAULT_LATENCY_MAX_MS;
  guint fec_percentage = DEFAULT_FEC_PERCENTAGE;
  guint browser_start_bitrate_kbps = DEFAULT_BROWSER_START_BITRATE_KBPS;
};

using chapter::Dialect;
using client::IncomingSignal;
using client::SignalKind;

// One sink pad: its ghost, the tee that feeds every call, and the keyframe gate of its encoder.
struct SinkPadEntry {
  GstPad* ghost;  // owned by the element
  GstElement* tee;  // owned ref; a child of the bin
  std::shared_ptr<KeyframeGate> gate;
};

// Private state of the element: pads, calls and the policy of whom to call (CallHost for the calls).
class SignallerImpl final : public CallHost {
 public:
  explicit SignallerImpl(GstSocketIoSignaller* element) : element_(element) {
    gchar* uuid = g_uuid_string_random();
    stable_id_ = uuid;
    g_free(uuid);
  }
  ~SignallerImpl() override;

  // CallHost
  client::SignallingClient* signalling() override { return client_.get(); }
  GMainContext* context() override { return network_running_ ? network.context() : nullptr; }
  GstPromise* make_promise(Call& call, PromiseStep step) override;
  void report_error(SignallerError error, const std::string& subject, const std::string& detail) override;
  void call_failed(Call& call, const std::string& reason) override;
  std::vector<SinkPad> sink_pads() override;
  unsigned browser_start_bitrate_kbps() override { return settings_copy().browser_start_bitrate_kbps; }
  void answered_without_media(Call& call) override;

  void make_spare();  // instance_init, and whenever a call takes the spare
  void apply_settings_to_spare();  // latency or fec-percentage changed: the next call takes it
  void schedule_spare();  // network thread: a new spare, once the call that took the last one is set up
  GstStructure* stats();  // the `stats` property
  GstElement* webrtcbin_ref();  // the latest call's, else the spare's

  GstPad* request_sink_pad(GstPadTemplate* templ, const char* name, const GstCaps* caps);
  void release_sink_pad(GstPad* ghost);
  void on_webrtcbin_pad_added(GstElement* webrtcbin, GstPad* pad);

  bool start();    // NULL->READY, before chaining up
  void connect();  // NULL->READY, after chaining up: nothing reaches webrtcbin before it is READY
  void join(const client::ClientConfig& config, const client::ReconnectPolicy& reconnect);  // connect(), any thread
  void before_webrtcbin_stops();  // READY->NULL, before chaining up
  void stop();     // READY->NULL, after chaining up

  // End of stream. webrtcbin never posts EOS (its nicesink does not get one), so the element
  // drops its children's EOS messages and posts its own: once every linked sink pad has had EOS,
  // or at once when EOS is sent to the element while it has nothing to send (no sink pads, no call).
  void sink_pad_eos(guint32 seqnum);
  void eos_requested(guint32 seqnum);
  void reset_eos();

  // Runs `fn(call)` on the network thread if `webrtcbin` still belongs to a call there.
  template <class F>
  void to_call(GstElement* webrtcbin, F fn) {
    auto keep = std::shared_ptr<GstElement>(GST_ELEMENT(gst_object_ref(webrtcbin)), [](GstElement* e) { gst_object_unref(e); });
    network.post([this, keep, fn = std::move(fn)]() {
      if (Call* call = call_of(keep.get())) fn(*call);
    });
  }
  void on_connection_state(GstElement* webrtcbin, GstWebRTCPeerConnectionState state);

  Settings settings;     // object lock
  std::string local_id;  // object lock
  NetworkThread network;
  std::atomic<guint> call_count{0};

 private:
  // Network thread: the signalling client's events and the policy.
  void on_connected(const std::string& id);
  void on_peers(const std::vector<std::string>& peers);
  void on_signal(const IncomingSignal& in);
  void on_failed(client::ClientError error, const std::string& message);
  void on_lost(client::ClientError error, const std::string& message, uint32_t retry_ms, bool was_connected);
  void cancel_unknown_peer_timer();
  void start_watchdog();
  void check_calls();  // the watchdog: ends calls that never connected or went silent
  void adapt_latency(guint max_ms);  // the watchdog: more latency where retransmissions need it
  bool make_room_for(const std::string& caller);
  void apply_ice_servers(Call& call, const std::string& peer);
  void maybe_call();
  bool at_limit();
  Call* start_call(const std::string& peer, CallRole role, Dialect dialect, const std::string& offer_sdp);
  void end_call(const std::string& peer, const std::string& reason);
  Call* find_call(const std::string& peer);
  Call* call_of(GstElement* webrtcbin);
  void arm_answer_timeout(const std::string& peer);
  void remove_src_pads_of(const std::string& peer, guint32 seqnum);

  void connect_webrtcbin_signals(GstElement* webrtcbin);
  WebRtcSettings webrtc_settings();
  Settings settings_copy();
  void post_element_message(GstStructure* structure);
  void post_eos(guint32 seqnum);
  std::vector<glib::GObjectPtr<GstPad>> sink_ghosts();

  GstSocketIoSignaller* element_;
  bool network_running_ = false;

  // Network thread only.
  std::unique_ptr<client::SignallingClient> client_;
  std::vector<std::string> peers_;
  std::set<std::string> unanswered_;  // peer-id=all: peers that did not answer (until they leave)
  std::map<std::string, unsigned> recalls_;  // times called again after answers without media (until they leave)
  std::set<std::string> limit_warned_;  // peer-id=all: peers not called for max-calls, told once
  bool called_configured_peer_ = false;
  bool failed_ = false;
  // Reconnection. Calls kept through a loss are keyed by their peers' old socket ids, which the
  // server forgot: they are not ended for missing from `clients`. A peer that sent a stableId in
  // its auth (our pages and elements; sio-signalling lists it in `clients`) is recognised under
  // its new id. For peers without one (the chapter's pages, the Node server), as many peers
  // without a stableId as such calls were kept that show up within kRejoinWindowUs of our rejoin
  // are taken for them (a guess: see the README). Either way they are not called again.
  std::set<std::string> carried_;  // peer ids of calls kept through a loss
  struct Rejoined {
    std::string call;  // the kept call's key: the peer's old id
    bool exact;        // matched by stableId (true) or guessed
  };
  std::map<std::string, Rejoined> rejoined_as_;  // by the peer's new id
  std::map<std::string, std::string> call_stable_ids_;  // by call (peer id): the peer's stableId
  std::string stable_id_;  // ours, sent in the auth: the same across our reconnections
  std::string key_of(const std::string& id) const;  // the call key for a peer's current id
  void match_rejoined_peers();
  std::string previous_id_;                // our socket id before the loss ("" if never connected)
  gint64 rejoined_us_ = 0;
  guint unknown_peer_timer_ = 0;
  guint watchdog_ = 0;
  guint spare_timer_ = 0;  // schedule_spare()

  // Guarded by pads_mutex_ (not held across state changes of the whole bin). Calls are changed
  // on the network thread; pads are added from the application's and streaming threads.
  std::recursive_mutex pads_mutex_;
  std::mutex src_pad_add_mutex_;  // serialises our pad-added emissions (on_webrtcbin_pad_added)
  std::unique_ptr<Call> spare_;
  std::map<std::string, std::unique_ptr<Call>> calls_;  // by peer id
  GstElement* latest_webrtcbin_ = nullptr;               // borrowed: the last call started
  guint webrtcbin_serial_ = 0;
  std::vector<SinkPadEntry> sink_pads_;
  guint next_sink_index_ = 0;
  std::map<std::string, GstPad*> src_pads_;            // "video_0" -> pad (owned by the element)
  std::map<GstElement*, std::map<std::string, guint>> stream_counts_;  // per webrtcbin: pads by kind
  std::atomic<bool> eos_posted_{false};
  CallStats call_stats_;
};

}  // namespace sio::gst

struct _GstSocketIoSignaller {
  GstBin parent;
  sio::gst::SignallerImpl* impl;
};

G_DEFINE_TYPE_WITH_CODE(GstSocketIoSignaller, gst_socketio_signaller, GST_TYPE_BIN,
                        GST_DEBUG_CATEGORY_INIT(gst_socketio_signaller_debug, "socketiosignaller", 0,
                                                "Socket.IO WebRTC signaller"));
GST_ELEMENT_REGISTER_DEFINE(socketiosignaller, "socketiosignaller", GST_RANK_NONE, GST_TYPE_SOCKETIO_SIGNALLER);

GType gst_socketio_dialect_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_SOCKETIO_DIALECT_CLASSIC, "peerOffer / peerAnswer / peerIce (RTCPeerConnection pages)", "classic"},
      {GST_SOCKETIO_DIALECT_SIMPLE_PEER, "simple-peer's signal messages", "simple-peer"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstSocketIoDialect", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

namespace sio::gst {
namespace {

// Per sink ghost pad, attached as qdata (the pad functions below only get the pad).
struct SinkPadState {
  std::atomic<bool> eos{false};
};

GQuark sink_state_quark() {
  static GQuark quark = g_quark_from_static_string("socketiosignaller-sink-state");
  return quark;
}

SinkPadState* sink_state(GstPad* ghost) {
  return static_cast<SinkPadState*>(g_object_get_qdata(G_OBJECT(ghost), sink_state_quark()));
}

SignallerImpl* impl_of(GstObject* parent) {
  return parent != nullptr && GST_IS_SOCKETIO_SIGNALLER(parent) ? GST_SOCKETIO_SIGNALLER(parent)->impl : nullptr;
}

// Sink ghost pads feed a tee: with no call (no branch) or a branch being removed, data is dropped
// instead of returning NOT_LINKED/FLUSHING, which would stop a live source for good.
GstFlowReturn sink_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  GstFlowReturn ret = gst_proxy_pad_chain_default(pad, parent, buffer);
  if (ret == GST_FLOW_NOT_LINKED || (ret == GST_FLOW_FLUSHING && !GST_PAD_IS_FLUSHING(pad))) return GST_FLOW_OK;
  return ret;
}
GstFlowReturn sink_chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  GstFlowReturn ret = gst_proxy_pad_chain_list_default(pad, parent, list);
  if (ret == GST_FLOW_NOT_LINKED || (ret == GST_FLOW_FLUSHING && !GST_PAD_IS_FLUSHING(pad))) return GST_FLOW_OK;
  return ret;
}

gboolean sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  SinkPadState* state = sink_state(pad);
  SignallerImpl* impl = impl_of(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS: {
      const guint32 seqnum = gst_event_get_seqnum(event);
      if (state != nullptr) state->eos = true;
      // The calls may take it or not; the element reports EOS itself.
      gst_pad_event_default(pad, parent, event);
      if (impl != nullptr) impl->sink_pad_eos(seqnum);
      return TRUE;
    }
    case GST_EVENT_FLUSH_STOP:
      if (state != nullptr) state->eos = false;
      if (impl != nullptr) impl->reset_eos();
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

// Src pads: a stream nobody linked (say the page's audio when the pipeline only plays its video)
// is dropped rather than failing the whole receive path.
struct PromiseContext {
  SignallerImpl* impl;
  glib::GObjectPtr<GstElement> webrtcbin;
  PromiseStep step;
};

// Runs on webrtcbin's thread: copy the reply and hand it to the network thread. The promise is
// not ours to unref here (see Call::emit_with_promise).
void on_promise_changed(GstPromise* promise, gpointer data) {
  auto* context = static_cast<PromiseContext*>(data);
  GstPromiseResult result = gst_promise_wait(promise);  // already settled: returns at once
  // Only a call that is ending interrupts its promises (Call::~Call): nothing to report.
  if (result == GST_PROMISE_RESULT_INTERRUPTED) return;
  GstStructure* reply = nullptr;
  std::string error;
  if (result == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* r = gst_promise_get_reply(promise);
    if (r != nullptr) reply = gst_structure_copy(r);
  } else {
    error = "webrtcbin did not answer";
  }
  std::shared_ptr<GstStructure> owned(reply, [](GstStructure* s) {
    if (s) gst_structure_free(s);
  });
  PromiseStep step = context->step;
  context->impl->to_call(context->webrtcbin.get(), [owned, step, error](Call& call) {
    call.on_promise(step, owned.get(), error);
  });
}

void free_promise_context(gpointer data) { delete static_cast<PromiseContext*>(data); }

void on_negotiation_needed(GstElement* webrtcbin, gpointer data) {
  static_cast<SignallerImpl*>(data)->to_call(webrtcbin, [](Call& call) { call.on_negotiation_needed(); });
}

void on_ice_candidate(GstElement* webrtcbin, guint mline_index, gchar* candidate, gpointer data) {
  std::string line = candidate != nullptr ? candidate : "";
  static_cast<SignallerImpl*>(data)->to_call(
      webrtcbin, [mline_index, line](Call& call) { call.on_ice_candidate(mline_index, line); });
}

void on_gathering_state(GstElement* webrtcbin, GParamSpec*, gpointer data) {
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  g_object_get(webrtcbin, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
  static_cast<SignallerImpl*>(data)->to_call(webrtcbin, [](Call& call) { call.on_gathering_complete(); });
}

void on_connection_state(GstElement* webrtcbin, GParamSpec*, gpointer data) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtcbin, "connection-state", &state, nullptr);
  GST_DEBUG_OBJECT(webrtcbin, "connection state %d", state);
  static_cast<SignallerImpl*>(data)->on_connection_state(webrtcbin, state);
}

// Stamped here, on webrtcbin's thread: the hop to the network thread is not part of the setup.
void on_ice_connection_state(GstElement* webrtcbin, GParamSpec*, gpointer data) {
  GstWebRTCICEConnectionState state = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  g_object_get(webrtcbin, "ice-connection-state", &state, nullptr);
  const gint64 now = g_get_monotonic_time();
  static_cast<SignallerImpl*>(data)->to_call(webrtcbin,
                                             [state, now](Call& call) { call.on_ice_connection_state(state, now); });
}

void on_pad_added(GstElement* webrtcbin, GstPad* pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  static_cast<SignallerImpl*>(data)->on_webrtcbin_pad_added(webrtcbin, pad);
}

}  // namespace

// --- settings and helpers ------------------------------------------------------------------------

Settings SignallerImpl::settings_copy() {
  GST_OBJECT_LOCK(element_);
  Settings s = settings;
  GST_OBJECT_UNLOCK(element_);
  return s;
}

WebRtcSettings SignallerImpl::webrtc_settings() {
  Settings s = settings_copy();
  return WebRtcSettings{s.stun_server, s.local_addresses, s.latency_ms, s.fec_percentage};
}

void SignallerImpl::connect_webrtcbin_signals(GstElement* webrtcbin) {
  g_signal_connect(webrtcbin, "on-negotiation-needed", G_CALLBACK(sio::gst::on_negotiation_needed), this);
  g_signal_connect(webrtcbin, "on-ice-candidate", G_CALLBACK(sio::gst::on_ice_candidate), this);
  g_signal_connect(webrtcbin, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state), this);
  g_signal_connect(webrtcbin, "notify::connection-state", G_CALLBACK(sio::gst::on_connection_state), this);
  g_signal_connect(webrtcbin, "notify::ice-connection-state", G_CALLBACK(on_ice_connection_state), this);
  g_signal_connect(webrtcbin, "pad-added", G_CALLBACK(on_pad_added), this);
}

std::vector<CallHost::SinkPad> SignallerImpl::sink_pads() {
  std::lock_guard lock(pads_mutex_);
  std::vector<SinkPad> pads;
  for (const auto& entry : sink_pads_) pads.push_back(SinkPad{entry.ghost, entry.tee, entry.gate});
  return pads;
}

std::vector<glib::GObjectPtr<GstPad>> SignallerImpl::sink_ghosts() {
  std::lock_guard lock(pads_mutex_);
  std::vector<glib::GObjectPtr<GstPad>> pads;
  for (const auto& entry : sink_pads_) pads.push_back(glib::retain(entry.ghost));
  return pads;
}

// The spare is the next call's webrtcbin, made ahead: sink pads feed it (caps known, payload types
// seen) and it is READY before a call needs it. Its branches drop data until a call negotiates.
void SignallerImpl::make_spare() {
  std::lock_guard lock(pads_mutex_);
  const guint serial = webrtcbin_serial_++;
  const std::string name = serial == 0 ? std::string("webrtcbin") : "webrtcbin" + std::to_string(serial);
  auto call = std::make_unique<Call>(*this, GST_BIN(element_), webrtc_settings(), name,
                                     [this](GstElement* webrtcbin) { connect_webrtcbin_signals(webrtcbin); });
  if (!call->valid()) {
    GST_ELEMENT_ERROR(element_, CORE, MISSING_PLUGIN, ("webrtcbin is missing"),
                      ("install gstreamer1.0-plugins-bad (webrtc) and gstreamer1.0-nice"));
    return;
  }
  spare_ = std::move(call);
  if (latest_webrtcbin_ == nullptr) g_object_notify(G_OBJECT(element_), "webrtcbin");
}

void SignallerImpl::apply_settings_to_spare() {
  const Settings s = settings_copy();
  std::lock_guard lock(pads_mutex_);
  if (!spare_) return;
  g_object_set(spare_->webrtcbin(), "latency", s.latency_ms, nullptr);
  set_fec_percentage(spare_->webrtcbin(), s.fec_percentage);
}

GstStructure* SignallerImpl::stats() {
  std::vector<CallStats::Call> calls;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) {
      calls.push_back(CallStats::Call{peer, GST_ELEMENT(gst_object_ref(call->webrtcbin())), call->send_queue_overruns()});
    }
  }
  GstStructure* result = call_stats_.collect(calls);
  for (auto& call : calls) gst_object_unref(call.webrtcbin);
  return result;
}

GstElement* SignallerImpl::webrtcbin_ref() {
  std::lock_guard lock(pads_mutex_);
  GstElement* webrtcbin = latest_webrtcbin_;
  if (webrtcbin == nullptr && spare_) webrtcbin = spare_->webrtcbin();
  return webrtcbin != nullptr ? GST_ELEMENT(gst_object_ref(webrtcbin)) : nullptr;
}

Call* SignallerImpl::find_call(const std::string& peer) {
  std::lock_guard lock(pads_mutex_);
  auto it = calls_.find(peer);
  return it != calls_.end() ? it->second.get() : nullptr;
}

Call* SignallerImpl::call_of(GstElement* webrtcbin) {
  std::lock_guard lock(pads_mutex_);
  if (spare_ && spare_->webrtcbin() == webrtcbin) return spare_.get();
  for (auto& [peer, call] : calls_) {
    if (call->webrtcbin() == webrtcbin) return call.get();
  }
  return nullptr;
}

GstPromise* SignallerImpl::make_promise(Call& call, PromiseStep step) {
  auto* context = new PromiseContext{this, glib::retain(call.webrtcbin()), step};
  return gst_promise_new_with_change_func(on_promise_changed, context, free_promise_context);
}

void SignallerImpl::report_error(SignallerError error, const std::string& subject, const std::string& detail) {
  const char* d = detail.c_str();
  const char* s = subject.c_str();
  switch (error) {
    case SignallerError::BadUrl:
      GST_ELEMENT_ERROR(element_, RESOURCE, SETTINGS, ("Invalid server-url \"%s\"", s), ("%s", d));
      break;
    case SignallerError::Unreachable:
      GST_ELEMENT_ERROR(element_, RESOURCE, OPEN_READ_WRITE, ("Could not connect to signalling server"),
                        ("%s: %s", s, d));
      break;
    case SignallerError::Refused:
      // CONNECT_ERROR: a server with --auth-token says "unauthorized" (set auth={"token": ...}).
      GST_ELEMENT_ERROR(element_, RESOURCE, NOT_AUTHORIZED, ("The signalling server refused to let us join"),
                        ("%s: %s", s, d));
      break;
    case SignallerError::TlsFailure:
      GST_ELEMENT_ERROR(element_, RESOURCE, OPEN_READ_WRITE, ("TLS failure talking to signalling server"),
                        ("%s: %s", s, d));
      break;
    case SignallerError::UnknownPeer:
      GST_ELEMENT_ERROR(element_, RESOURCE, NOT_FOUND, ("Unknown peer %s", s), ("%s", d));
      break;
    case SignallerError::NegotiationFailed:
      GST_ELEMENT_ERROR(element_, STREAM, FAILED, ("WebRTC negotiation failed"), ("with %s: %s", s, d));
      break;
    case SignallerError::ServerClosed:
      GST_ELEMENT_ERROR(element_, RESOURCE, READ, ("Signalling server closed the connection"), ("%s: %s", s, d));
      break;
  }
}

void SignallerImpl::post_element_message(GstStructure* structure) {
  gst_element_post_message(GST_ELEMENT(element_), gst_message_new_element(GST_OBJECT(element_), structure));
}

// A call fails from inside one of its own methods: end it once that has returned.
void SignallerImpl::call_failed(Call& call, const std::string& reason) {
  std::string peer = call.peer();
  network.post([this, peer, reason, webrtcbin = call.webrtcbin()]() {
    Call* current = find_call(peer);
    if (current == nullptr || current->webrtcbin() != webrtcbin) return;
    end_call(peer, reason);
    maybe_call();
  });
}

// The chapter's index.html makes its peer with whatever camera stream it has when an offer comes:
// an offer that beats its getUserMedia gets an answer that sends nothing, a one-way call for good.
// Such a page is called again 1, 2, 4 and 8 s later (its camera may wait for the user to allow it);
// after that, or with no camera at all, the call stays one-way.
void SignallerImpl::answered_without_media(Call& call) {
  const std::string peer = call.peer();
  unsigned& recalls = recalls_[peer];
  if (recalls >= kMaxRecalls) return;
  const guint delay_ms = kFirstRecallDelayMs << recalls++;
  network.post([this, peer, delay_ms, webrtcbin = call.webrtcbin()]() {
    Call* current = find_call(peer);
    if (current == nullptr || current->webrtcbin() != webrtcbin) return;
    GST_WARNING_OBJECT(element_, "%s answered without sending media (its camera not ready yet?): calling it again in %u ms",
                       peer.c_str(), delay_ms);
    end_call(peer, "answered without sending media; calling it again");
    struct Data {
      SignallerImpl* self;
      std::string peer;
    };
    GSource* source = g_timeout_source_new(delay_ms);
    g_source_set_callback(
        source,
        [](gpointer data) -> gboolean {
          auto* d = static_cast<Data*>(data);
          SignallerImpl* self = d->self;
          // A configured peer-id is called once: this is that once again.
          if (self->settings_copy().peer_id == d->peer && self->find_call(d->peer) == nullptr)
            self->called_configured_peer_ = false;
          self->maybe_call();
          return G_SOURCE_REMOVE;
        },
        new Data{this, peer}, [](gpointer data) { delete static_cast<Data*>(data); });
    g_source_attach(source, network.context());
    g_source_unref(source);
  });
}

// --- the signalling client and the policy (network thread) ---------------------------------------

bool SignallerImpl::start() {
  Settings s = settings_copy();
  std::string bad_url = client::server_url_problem(s.server_url);
  if (!bad_url.empty()) {
    report_error(SignallerError::BadUrl, s.server_url, bad_url);
    return false;
  }
  {
    std::lock_guard lock(pads_mutex_);
    if (spare_) apply_local_addresses_once(spare_->webrtcbin(), s.local_addresses, element_);
  }
  warm_up_dtls_certificate();
  network.start("sio-signaller");
  network_running_ = true;
  return true;
}

// A webrtcbin below READY is closed: it refuses descriptions and data channels. A peer already
// waiting on the server can offer the moment we join, so join only once the children are READY.
void SignallerImpl::connect() {
  Settings s = settings_copy();
  client::ClientConfig config;
  config.server_url = s.server_url;
  config.auth_json = chapter::auth_with_stable_id(s.auth, stable_id_);
  config.tls_validation = s.tls_validation;
  client::ReconnectPolicy reconnect;
  reconnect.enabled = s.reconnect;
  reconnect.backoff.first_delay_ms = s.reconnect_delay_ms;
  reconnect.backoff.max_delay_ms = std::max(s.reconnect_delay_ms, s.reconnect_delay_max_ms);
  // Joined once the DTLS certificate exists (see dtls_warmup.hpp): a call that came sooner would
  // wait for it inside webrtcbin, hundreds of ms; the wait is the same, but before the call.
  when_dtls_ready([this, config, reconnect]() { join(config, reconnect); });
}

void SignallerImpl::join(const client::ClientConfig& config, const client::ReconnectPolicy& reconnect) {
  network.post([this, config, reconnect]() {
    client::SignallingCallbacks callbacks;
    callbacks.connected = [this](const std::string& id) { on_connected(id); };
    callbacks.peers_changed = [this](const std::vector<std::string>& peers) { on_peers(peers); };
    callbacks.signal = [this](const IncomingSignal& in) { on_signal(in); };
    callbacks.failed = [this](client::ClientError e, const std::string& m) { on_failed(e, m); };
    callbacks.lost = [this](client::ClientError e, const std::string& m, uint32_t retry_ms, bool was_connected) {
      on_lost(e, m, retry_ms, was_connected);
    };
    callbacks.ignored = [this](const std::string& what) { GST_WARNING_OBJECT(element_, "ignoring %s", what.c_str()); };
    failed_ = false;
    called_configured_peer_ = false;
    unanswered_.clear();
    limit_warned_.clear();
    peers_.clear();
    carried_.clear();
    rejoined_as_.clear();
    call_stable_ids_.clear();
    previous_id_.clear();
    rejoined_us_ = 0;
    client_ = std::make_unique<client::SignallingClient>(network.context(), config, std::move(callbacks), reconnect);
    start_watchdog();
    std::string error;
    if (!client_->start(error)) {
      failed_ = true;
      report_error(SignallerError::BadUrl, config.server_url, error);
    }
  });
}

void SignallerImpl::on_connected(const std::string& id) {
  GST_INFO_OBJECT(element_, "connected to the signalling server as %s", id.c_str());
  GST_OBJECT_LOCK(element_);
  local_id = id;
  GST_OBJECT_UNLOCK(element_);
  g_object_notify(G_OBJECT(element_), "local-id");
  post_element_message(gst_structure_new("socketio-connected", "local-id", G_TYPE_STRING, id.c_str(), nullptr));
  if (!previous_id_.empty()) {
    rejoined_us_ = g_get_monotonic_time();
    GST_INFO_OBJECT(element_, "rejoined the signalling server as %s (was %s); %zu call(s) kept", id.c_str(),
                    previous_id_.c_str(), carried_.size());
    post_element_message(gst_structure_new("socketio-rejoined", "local-id", G_TYPE_STRING, id.c_str(), "previous-id",
                                           G_TYPE_STRING, previous_id_.c_str(), "calls", G_TYPE_UINT,
                                           static_cast<guint>(carried_.size()), nullptr));
  }
  // A concrete peer-id must show up in `clients` soon after we join, or it does not exist (after a
  // rejoin it has a new id, and a call with it was kept or has ended: not an error either way).
  const std::string peer_id = settings_copy().peer_id;
  if (peer_id.empty() || peer_id == kAuto || peer_id == kAll || !previous_id_.empty()) return;
  GSource* source = g_timeout_source_new(3000);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* self = static_cast<SignallerImpl*>(data);
        self->unknown_peer_timer_ = 0;
        if (!self->called_configured_peer_ && !self->failed_) {
          self->report_error(SignallerError::UnknownPeer, self->settings_copy().peer_id,
                             "peer-id not in the server's clients list");
        }
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  unknown_peer_timer_ = g_source_attach(source, network.context());
  g_source_unref(source);
}

void SignallerImpl::on_peers(const std::vector<std::string>& peers) {
  peers_ = peers;
  std::vector<const char*> ids;
  for (const auto& p : peers_) ids.push_back(p.c_str());
  ids.push_back(nullptr);
  auto* strv = const_cast<char**>(ids.data());
  g_signal_emit(element_, signals[SIGNAL_PEERS_CHANGED], 0, strv);
  post_element_message(gst_structure_new("socketio-peers", "peers", G_TYPE_STRV, strv, nullptr));
  // Calls with peers that left end; peers that left may be called again when they come back.
  std::vector<std::string> gone;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) {
      if (!client_->has_peer(peer) && carried_.count(peer) == 0) gone.push_back(peer);
    }
  }
  // A kept call's peer recognised under a new id (its stableId) and gone again: it left.
  for (auto it = rejoined_as_.begin(); it != rejoined_as_.end();) {
    if (client_->has_peer(it->first)) {
      ++it;
      continue;
    }
    if (it->second.exact) gone.push_back(it->second.call);
    it = rejoined_as_.erase(it);
  }
  for (const auto& peer : gone) end_call(peer, "peer left");
  match_rejoined_peers();
  for (auto* forgotten : {&unanswered_, &limit_warned_}) {
    for (auto it = forgotten->begin(); it != forgotten->end();) {
      it = client_->has_peer(*it) ? std::next(it) : forgotten->erase(it);
    }
  }
  for (auto it = recalls_.begin(); it != recalls_.end();) {
    it = client_->has_peer(it->first) ? std::next(it) : recalls_.erase(it);
  }
  maybe_call();
}

std::string SignallerImpl::key_of(const std::string& id) const {
  auto it = rejoined_as_.find(id);
  return it != rejoined_as_.end() ? it->second.call : id;
}

void SignallerImpl::match_rejoined_peers() {
  std::set<std::string> matched;  // kept calls already matched
  for (const auto& [new_id, rejoined] : rejoined_as_) matched.insert(rejoined.call);
  for (const auto& old_id : carried_) {
    auto stable = call_stable_ids_.find(old_id);
    if (matched.count(old_id) != 0 || stable == call_stable_ids_.end() || stable->second.empty()) continue;
    for (const auto& peer : peers_) {
      if (peer == old_id || client_->stable_id_of(peer) != stable->second || rejoined_as_.count(peer) != 0) continue;
      GST_INFO_OBJECT(element_, "%s is %s (stableId %s): its call goes on", peer.c_str(), old_id.c_str(),
                      stable->second.c_str());
      rejoined_as_[peer] = Rejoined{old_id, true};
      matched.insert(old_id);
      break;
    }
  }
  if (rejoined_us_ == 0 || g_get_monotonic_time() - rejoined_us_ >= kRejoinWindowUs) return;
  // Kept calls whose peer sent no stableId: a peer without one that shows up now is taken for one.
  std::vector<std::string> unmatched;
  for (const auto& old_id : carried_) {
    auto stable = call_stable_ids_.find(old_id);
    if (matched.count(old_id) == 0 && (stable == call_stable_ids_.end() || stable->second.empty())) {
      unmatched.push_back(old_id);
    }
  }
  for (const auto& peer : peers_) {
    if (unmatched.empty()) break;
    if (find_call(peer) != nullptr || rejoined_as_.count(peer) != 0 || !client_->stable_id_of(peer).empty()) continue;
    GST_INFO_OBJECT(element_, "%s joined just after our rejoin: taken for %s's peer (no stableId to tell), not called",
                    peer.c_str(), unmatched.back().c_str());
    rejoined_as_[peer] = Rejoined{unmatched.back(), false};
    unmatched.pop_back();
  }
}

void SignallerImpl::cancel_unknown_peer_timer() {
  if (unknown_peer_timer_ == 0) return;
  if (GSource* source = g_main_context_find_source_by_id(network.context(), unknown_peer_timer_)) {
    g_source_destroy(source);
  }
  unknown_peer_timer_ = 0;
}

void SignallerImpl::on_lost(client::ClientError error, const std::string& message, uint32_t retry_ms,
                            bool was_connected) {
  cancel_unknown_peer_timer();
  const std::string url = settings_copy().server_url;
  const std::string detail = std::string(client::to_string(error)) + ": " + message;
  if (was_connected) {
    GST_OBJECT_LOCK(element_);
    previous_id_ = local_id;
    local_id.clear();
    GST_OBJECT_UNLOCK(element_);
    g_object_notify(G_OBJECT(element_), "local-id");
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) carried_.insert(peer);
  }
  peers_.clear();
  rejoined_as_.clear();
  rejoined_us_ = 0;
  // A connected call does not need the server: its media goes on while we reconnect.
  GST_WARNING_OBJECT(element_, "signalling connection %s (%s); trying again in %u ms, %u call(s) go on",
                     was_connected ? "lost" : "failed", detail.c_str(), retry_ms, call_count.load());
  if (was_connected) {
    GST_ELEMENT_WARNING(element_, RESOURCE, READ, ("Lost the connection to the signalling server"),
                        ("%s: %s; reconnecting in %u ms; calls in progress go on", url.c_str(), detail.c_str(), retry_ms));
  } else {
    GST_ELEMENT_WARNING(element_, RESOURCE, OPEN_READ_WRITE, ("Could not connect to signalling server"),
                        ("%s: %s; trying again in %u ms", url.c_str(), detail.c_str(), retry_ms));
  }
  post_element_message(gst_structure_new("socketio-connection-lost", "reason", G_TYPE_STRING, detail.c_str(),
                                         "retry-ms", G_TYPE_UINT, retry_ms, "was-connected", G_TYPE_BOOLEAN,
                                         was_connected, nullptr));
}

void SignallerImpl::on_failed(client::ClientError error, const std::string& message) {
  failed_ = true;
  cancel_unknown_peer_timer();
  GST_WARNING_OBJECT(element_, "signalling connection failed: %s: %s", client::to_string(error), message.c_str());
  const std::string url = settings_copy().server_url;
  const std::string detail = std::string(client::to_string(error)) + ": " + message;
  switch (error) {
    case client::ClientError::BadUrl: report_error(SignallerError::BadUrl, url, detail); break;
    case client::ClientError::TlsFailure: report_error(SignallerError::TlsFailure, url, detail); break;
    case client::ClientError::Unreachable:
    case client::ClientError::HandshakeFailed: report_error(SignallerError::Unreachable, url, detail); break;
    case client::ClientError::ConnectRefused: report_error(SignallerError::Refused, url, detail); break;
    case client::ClientError::ServerClosed:
    case client::ClientError::PingTimeout:
    case client::ClientError::ProtocolError: report_error(SignallerError::ServerClosed, url, detail); break;
  }
  std::vector<std::string> peers;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) peers.push_back(peer);
  }
  for (const auto& peer : peers) end_call(peer, "signalling connection lost");
}

// Late enough that the call that took the spare has sent its offer or answer and, on loopback or
// a LAN, connected; a call that comes sooner makes its webrtcbin itself (start_call).
constexpr guint kSpareDelayMs = 1000;

void SignallerImpl::schedule_spare() {
  if (spare_timer_ != 0) return;
  GSource* source = g_timeout_source_new(kSpareDelayMs);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* self = static_cast<SignallerImpl*>(data);
        self->spare_timer_ = 0;
        bool missing = false;
        {
          std::lock_guard lock(self->pads_mutex_);
          missing = !self->spare_;
        }
        if (missing) self->make_spare();
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  spare_timer_ = g_source_attach(source, network.context());
  g_source_unref(source);
}

void SignallerImpl::start_watchdog() {
  if (watchdog_ != 0) return;
  GSource* source = g_timeout_source_new(kWatchdogIntervalMs);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        static_cast<SignallerImpl*>(data)->check_calls();
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);
  watchdog_ = g_source_attach(source, network.context());
  g_source_unref(source);
}

// A call that never connects would hold its place (max-calls) for good, and a peer that vanished
// while the signalling server was away never says goodbye: both end here.
void SignallerImpl::check_calls() {
  const Settings s = settings_copy();
  const CallTimeouts timeouts{s.connect_timeout_ms, s.media_timeout_ms};
  const gint64 now = g_get_monotonic_time();
  struct Ending {
    std::string peer;
    CallVerdict verdict;
    std::string reason;
    bool caller;
  };
  std::vector<Ending> ending;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) {
      const CallVerdict verdict = judge_call(timeouts, call->times(), now);
      if (verdict == CallVerdict::Keep) continue;
      ending.push_back({peer, verdict, call_timeout_reason(timeouts, verdict, call->ice_state()),
                        call->role() == CallRole::Caller});
    }
  }
  for (const auto& e : ending) {
    GST_WARNING_OBJECT(element_, "call with %s: %s", e.peer.c_str(), e.reason.c_str());
    // peer-id=all: as for a peer that does not answer, not called again until it reconnects. That
    // holds for a silent peer too: one still listed is listed by a server that cannot tell it left
    // (stopped, or not yet noticed), and calling it again would only wait out another timeout.
    if (e.caller && s.peer_id == kAll) unanswered_.insert(e.peer);
    end_call(e.peer, e.reason);
    if (e.verdict == CallVerdict::NotConnected) {
      GST_ELEMENT_WARNING(element_, RESOURCE, OPEN_READ_WRITE, ("The call with %s did not connect", e.peer.c_str()),
                          ("%s", e.reason.c_str()));
    }
  }
  if (!ending.empty()) maybe_call();
  adapt_latency(s.latency_max_ms);
}

// A retransmission arrives a round trip after its NACK: on a path longer than `latency` allows for,
// each one would come after its packet was given up. Each connected call's jitter buffers measure
// that round trip; the call's latency grows to fit it (never shrinks), up to latency-max.
void SignallerImpl::adapt_latency(guint max_ms) {
  struct Raise {
    std::string peer;
    glib::GObjectPtr<GstElement> webrtcbin;
    guint from_ms;
    guint to_ms;
    guint64 rtt_ns;
  };
  std::vector<Raise> raises;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) {
      if (call->times().connected_us == 0) continue;
      const guint64 rtt_ns = retransmission_rtt_ns(call->webrtcbin());
      guint current = 0;
      g_object_get(call->webrtcbin(), "latency", &current, nullptr);
      const guint wanted = latency_for_retransmissions(current, max_ms, rtt_ns);
      if (wanted != current) raises.push_back({peer, glib::retain(call->webrtcbin()), current, wanted, rtt_ns});
    }
  }
  for (const auto& r : raises) {
    // rtpbin hands it to the running jitter buffers; each posts a LATENCY message for the pipeline.
    g_object_set(r.webrtcbin.get(), "latency", r.to_ms, nullptr);
    const guint rtt_ms = static_cast<guint>(r.rtt_ns / GST_MSECOND);
    GST_INFO_OBJECT(element_, "call with %s: latency %u -> %u ms, retransmissions take %u ms", r.peer.c_str(),
                    r.from_ms, r.to_ms, rtt_ms);
    post_element_message(gst_structure_new("socketio-call-latency", "peer-id", G_TYPE_STRING, r.peer.c_str(),
                                           "latency", G_TYPE_UINT, r.to_ms, "previous-latency", G_TYPE_UINT,
                                           r.from_ms, "retransmission-rtt", G_TYPE_UINT, rtt_ms, nullptr));
  }
}

// TURN servers with credentials made now (turn-secret), before the call's webrtcbin gathers.
void SignallerImpl::apply_ice_servers(Call& call, const std::string& peer) {
  const Settings s = settings_copy();
  std::vector<std::string> servers = client::split_turn_list(s.turn_server);
  if (!s.turn_secret.empty()) {
    const client::TurnCredentials credentials =
        client::turn_rest_credentials(s.turn_secret, g_get_real_time() / G_USEC_PER_SEC + kTurnCredentialSeconds);
    for (auto& uri : servers) uri = client::with_turn_credentials(uri, credentials);
  }
  for (const auto& uri : apply_turn(call.webrtcbin(), servers, s.ice_transport_policy)) {
    GST_ELEMENT_WARNING(element_, RESOURCE, SETTINGS, ("webrtcbin refused the TURN server %s", uri.c_str()),
                        ("expected turn(s)://USER:PASSWORD@HOST[:PORT]"));
  }
  if (servers.empty() && s.ice_transport_policy == GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY) {
    GST_ELEMENT_WARNING(element_, RESOURCE, SETTINGS, ("ice-transport-policy=relay without a TURN server"),
                        ("the call with %s cannot connect: set turn-server", peer.c_str()));
  }
}

// At max-calls, an offer takes the place of the oldest call that has not connected (an offer that
// never connects must not keep the real caller out): true if one was ended.
bool SignallerImpl::make_room_for(const std::string& caller) {
  std::string oldest;
  {
    std::lock_guard lock(pads_mutex_);
    gint64 oldest_us = G_MAXINT64;
    for (auto& [peer, call] : calls_) {
      if (call->connected() || call->started_us() >= oldest_us) continue;
      oldest = peer;
      oldest_us = call->started_us();
    }
  }
  if (oldest.empty()) return false;
  GST_WARNING_OBJECT(element_, "max-calls reached: the call with %s, not connected, makes way for %s", oldest.c_str(),
                     caller.c_str());
  end_call(oldest, "replaced by a call from " + caller + " (it had not connected)");
  return true;
}

bool SignallerImpl::at_limit() {
  const guint max_calls = settings_copy().max_calls;
  std::lock_guard lock(pads_mutex_);
  return max_calls != 0 && calls_.size() >= max_calls;
}

void SignallerImpl::on_signal(const IncomingSignal& in) {
  // A kept call's peer under its new id still talks to that call.
  const std::string key = key_of(in.from_id);
  Call* call = find_call(key);
  switch (in.kind) {
    case SignalKind::Offer: {
      // Both sides called each other at once (two peer-id=auto elements): the lower socket id
      // keeps its offer, the other answers.
      if (call != nullptr && call->role() == CallRole::Caller && call->offer_pending() &&
          client_->local_id() < in.from_id) {
        GST_INFO_OBJECT(element_, "offer collision with %s: keeping ours", in.from_id.c_str());
        return;
      }
      // A new offer from a peer in a call is a new peer connection on its side (a reload, or
      // simple-peer pages building a new peer per offer): end the old call and answer the new one.
      if (call != nullptr) end_call(key, "new offer from the peer");
      if (at_limit() && !make_room_for(in.from_id)) {
        const guint max_calls = settings_copy().max_calls;
        GST_WARNING_OBJECT(element_, "refusing a call from %s: max-calls (%u) reached", in.from_id.c_str(), max_calls);
        GST_ELEMENT_WARNING(element_, RESOURCE, BUSY, ("Refused a call from %s", in.from_id.c_str()),
                            ("max-calls (%u) calls are in progress", max_calls));
        return;
      }
      start_call(in.from_id, CallRole::Answerer, in.dialect, in.sdp);
      return;
    }
    case SignalKind::Answer:
      if (call == nullptr) {
        GST_INFO_OBJECT(element_, "ignoring an answer from %s, with whom there is no call", in.from_id.c_str());
        return;
      }
      call->on_remote_answer(in.sdp);
      return;
    case SignalKind::Candidate:
      if (call != nullptr) call->on_remote_candidate(in.candidate);
      return;
    case SignalKind::EndOfCandidates:
      GST_DEBUG_OBJECT(element_, "peer %s finished gathering", in.from_id.c_str());
      return;
    case SignalKind::Renegotiate:
      if (call != nullptr) call->on_renegotiate();
      return;
    case SignalKind::TransceiverRequest:
      if (call != nullptr) call->on_transceiver_request(in.media_kind);
      return;
    case SignalKind::Other:
      return;
  }
}

void SignallerImpl::maybe_call() {
  if (failed_ || !client_ || client_->local_id().empty()) return;
  const Settings s = settings_copy();
  if (s.peer_id.empty()) return;
  const Dialect dialect =
      s.dialect == GST_SOCKETIO_DIALECT_SIMPLE_PEER ? Dialect::SimplePeer : Dialect::Classic;
  if (s.peer_id == kAll) {
    for (const auto& peer : peers_) {
      if (find_call(peer) != nullptr || unanswered_.count(peer) != 0 || rejoined_as_.count(peer) != 0) continue;
      if (at_limit()) {
        // Said once per peer; it is called when a call ends and frees a place.
        if (limit_warned_.insert(peer).second) {
          GST_WARNING_OBJECT(element_, "not calling %s: max-calls (%u) reached", peer.c_str(), s.max_calls);
          GST_ELEMENT_WARNING(element_, RESOURCE, BUSY, ("Not calling %s", peer.c_str()),
                              ("max-calls (%u) calls are in progress; it is called when one ends", s.max_calls));
        }
        continue;
      }
      limit_warned_.erase(peer);
      start_call(peer, CallRole::Caller, dialect, {});
      arm_answer_timeout(peer);
    }
    return;
  }
  if (call_count > 0) return;
  if (s.peer_id == kAuto) {
    if (!peers_.empty()) start_call(peers_.front(), CallRole::Caller, dialect, {});
    return;
  }
  // A configured peer is called once; after that call ends we only answer.
  if (called_configured_peer_ || !client_->has_peer(s.peer_id)) return;
  called_configured_peer_ = true;
  start_call(s.peer_id, CallRole::Caller, dialect, {});
}

// peer-id=all: a peer that does not answer in time (a page that cannot take calls, a client that
// is not a page) is not called again until it reconnects, so it cannot hold a call slot.
void SignallerImpl::arm_answer_timeout(const std::string& peer) {
  struct Data {
    SignallerImpl* self;
    std::string peer;
    GstElement* webrtcbin;
  };
  Call* call = find_call(peer);
  if (call == nullptr) return;
  GSource* source = g_timeout_source_new(kAnswerTimeoutMs);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        auto* d = static_cast<Data*>(data);
        Call* current = d->self->find_call(d->peer);
        if (current != nullptr && current->webrtcbin() == d->webrtcbin && current->offer_pending()) {
          GST_WARNING_OBJECT(d->self->element_, "%s did not answer within %u s: not calling it again until it reconnects",
                             d->peer.c_str(), kAnswerTimeoutMs / 1000);
          d->self->unanswered_.insert(d->peer);
          // Ended before the warning: whoever reacts to it sees the call gone.
          d->self->end_call(d->peer, "no answer");
          GST_ELEMENT_WARNING(d->self->element_, RESOURCE, NOT_FOUND, ("Peer %s did not answer", d->peer.c_str()),
                              ("no answer within %u s; not called again until it reconnects", kAnswerTimeoutMs / 1000));
          d->self->maybe_call();
        }
        return G_SOURCE_REMOVE;
      },
      new Data{this, peer, call->webrtcbin()}, [](gpointer data) { delete static_cast<Data*>(data); });
  g_source_attach(source, network.context());
  g_source_unref(source);
}

Call* SignallerImpl::start_call(const std::string& peer, CallRole role, Dialect dialect,
                                const std::string& offer_sdp) {
  Call* call = nullptr;
  guint count = 0;
  {
    std::lock_guard lock(pads_mutex_);
    if (!spare_) make_spare();
    if (!spare_) return nullptr;
    call = spare_.get();
    calls_[peer] = std::move(spare_);
    if (client_) call_stable_ids_[peer] = client_->stable_id_of(peer);
    latest_webrtcbin_ = call->webrtcbin();
    count = static_cast<guint>(calls_.size());
    call_count = count;
  }
  g_object_notify(G_OBJECT(element_), "webrtcbin");
  if (role == CallRole::Caller && peer == settings_copy().peer_id) cancel_unknown_peer_timer();
  const bool calling = role == CallRole::Caller;
  apply_ice_servers(*call, peer);
  g_signal_emit(element_, signals[SIGNAL_CALL_STARTED], 0, peer.c_str());
  post_element_message(gst_structure_new("socketio-call-started", "peer-id", G_TYPE_STRING, peer.c_str(), "role",
                                         G_TYPE_STRING, calling ? "caller" : "answerer", "calls", G_TYPE_UINT, count,
                                         nullptr));
  if (calling) call->start_calling(peer, dialect);
  else call->start_answering(peer, dialect, offer_sdp);
  // The next call's webrtcbin, made ahead so that it is ready when that call comes; not now:
  // making one takes this thread for 10-40 ms, while this call's offer or answer is on its way.
  schedule_spare();
  return call;
}

void SignallerImpl::end_call(const std::string& peer, const std::string& reason) {
  std::unique_ptr<Call> call;
  guint count = 0;
  {
    std::lock_guard lock(pads_mutex_);
    auto it = calls_.find(peer);
    if (it == calls_.end()) return;
    call = std::move(it->second);
    calls_.erase(it);
    carried_.erase(peer);
    call_stable_ids_.erase(peer);
    for (auto it = rejoined_as_.begin(); it != rejoined_as_.end();) {
      it = it->second.call == peer ? rejoined_as_.erase(it) : std::next(it);
    }
    if (latest_webrtcbin_ == call->webrtcbin()) latest_webrtcbin_ = nullptr;
    count = static_cast<guint>(calls_.size());
    call_count = count;
    stream_counts_.erase(call->webrtcbin());
  }
  GST_INFO_OBJECT(element_, "call with %s ended: %s", peer.c_str(), reason.c_str());
  remove_src_pads_of(peer, GST_SEQNUM_INVALID);
  call.reset();  // its webrtcbin stops and leaves the bin
  g_signal_emit(element_, signals[SIGNAL_CALL_ENDED], 0, peer.c_str(), reason.c_str());
  post_element_message(gst_structure_new("socketio-call-ended", "peer-id", G_TYPE_STRING, peer.c_str(), "reason",
                                         G_TYPE_STRING, reason.c_str(), "calls", G_TYPE_UINT, count, nullptr));
}

void SignallerImpl::on_connection_state(GstElement* webrtcbin, GstWebRTCPeerConnectionState state) {
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && state != GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) return;
  to_call(webrtcbin, [this, state](Call& call) {
    if (call.peer().empty()) return;
    if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
      const std::string peer = call.peer();
      end_call(peer, "ICE connection failed");
      maybe_call();
      return;
    }
    const bool first = !call.connected();
    call.on_connection_state(state);
    if (first) {
      // Each step in ms since the call started (-1: not seen), for the launcher's line and benchmarks.
      const Call::Timeline t = call.timeline();
      const auto since_start = [&t](gint64 us) -> gint64 { return us != 0 ? (us - t.started_us) / 1000 : -1; };
      const gst::SelectedCandidatePair pair = gst::selected_candidate_pair(call.webrtcbin()).value_or(
          gst::SelectedCandidatePair{"unknown", "", "unknown", ""});
      post_element_message(gst_structure_new(
          "socketio-call-connected", "peer-id", G_TYPE_STRING, call.peer().c_str(), "role", G_TYPE_STRING,
          call.role() == CallRole::Caller ? "caller" : "answerer", "setup-ms", G_TYPE_INT64,
          since_start(t.connected_us), "description-sent-ms", G_TYPE_INT64, since_start(t.description_sent_us),
          "remote-description-ms", G_TYPE_INT64, since_start(t.remote_description_us), "ice-connected-ms",
          G_TYPE_INT64, since_start(t.ice_connected_us), "local-candidate-type", G_TYPE_STRING,
          pair.local_type.c_str(), "local-candidate-address", G_TYPE_STRING, pair.local_address.c_str(),
          "remote-candidate-type", G_TYPE_STRING, pair.remote_type.c_str(), "remote-candidate-address",
          G_TYPE_STRING, pair.remote_address.c_str(), nullptr));
    }
  });
}

// --- pads ----------------------------------------------------------------------------------------

void SignallerImpl::on_webrtcbin_pad_added(GstElement* webrtcbin, GstPad* pad) {
  std::string kind = media_kind_of_pad(pad);
  if (kind != "audio") kind = "video";  // unknown media: webrtcbin only carries audio and video
  GstCaps* caps = received_stream_caps(webrtcbin, pad);
  const guint max_calls = settings_copy().max_calls;
  GstPad* new_pad = nullptr;
  {
    std::lock_guard lock(pads_mutex_);
    std::string peer;
    for (auto& [id, call] : calls_) {
      if (call->webrtcbin() == webrtcbin) peer = id;
    }
    if (peer.empty()) {  // an ended call's webrtcbin winding down
      if (caps != nullptr) gst_caps_unref(caps);
      return;
    }
    std::string name;
    if (max_calls == 1) {
      // One call at a time: each call's streams come out of the same pads (video_0 again), so a
      // launch line's delayed link stays valid for the next call.
      name = kind + "_" + std::to_string(stream_counts_[webrtcbin][kind]++);
      auto it = src_pads_.find(name);
      if (it != src_pads_.end()) {
        GST_INFO_OBJECT(element_, "stream %s of %s retargeted to %s", name.c_str(), peer.c_str(), GST_PAD_NAME(pad));
        stream_pad_set_stream(it->second, peer, caps);
        gst_ghost_pad_set_target(GST_GHOST_PAD(it->second), pad);
        if (caps != nullptr) gst_caps_unref(caps);
        return;
      }
    } else {
      // Several calls: the lowest number no current pad of this kind has.
      for (guint n = 0;; ++n) {
        name = kind + "_" + std::to_string(n);
        if (src_pads_.count(name) == 0) break;
      }
    }
    GstElementClass* klass = GST_ELEMENT_GET_CLASS(element_);
    GstPadTemplate* templ = gst_element_class_get_pad_template(klass, kind == "audio" ? "audio_%u" : "video_%u");
    new_pad = stream_pad_new(name.c_str(), pad, templ);
    stream_pad_set_stream(new_pad, peer, caps);
    src_pads_[name] = new_pad;
    GST_INFO_OBJECT(element_, "new stream pad %s from %s, caps %" GST_PTR_FORMAT, name.c_str(), peer.c_str(), caps);
  }
  if (caps != nullptr) gst_caps_unref(caps);
  // One pad-added at a time: a launch line's delayed links (s.video_0 ! ..., s.audio_0 ! ...) are
  // not safe against two emissions at once (the audio and video streaming threads): both can link
  // and disconnect the same handler, a critical seen in gst-check.
  std::lock_guard adding(src_pad_add_mutex_);
  gst_pad_set_active(new_pad, TRUE);
  gst_element_add_pad(GST_ELEMENT(element_), new_pad);
}

// A call ended: with one call at a time its pads stay for the next call's streams (no target
// meanwhile); with several, its pads get EOS and go.
void SignallerImpl::remove_src_pads_of(const std::string& peer, guint32 seqnum) {
  const bool keep = settings_copy().max_calls == 1;
  std::vector<GstPad*> removed;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto it = src_pads_.begin(); it != src_pads_.end();) {
      if (stream_pad_peer(it->second) != peer) {
        ++it;
        continue;
      }
      gst_ghost_pad_set_target(GST_GHOST_PAD(it->second), nullptr);
      if (keep) {
        ++it;
        continue;
      }
      removed.push_back(it->second);
      it = src_pads_.erase(it);
    }
  }
  for (GstPad* pad : removed) {
    GST_INFO_OBJECT(element_, "stream pad %s of %s ends", GST_PAD_NAME(pad), peer.c_str());
    GstEvent* eos = gst_event_new_eos();
    if (seqnum != GST_SEQNUM_INVALID) gst_event_set_seqnum(eos, seqnum);
    gst_pad_push_event(pad, eos);
    gst_pad_set_active(pad, FALSE);
    gst_element_remove_pad(GST_ELEMENT(element_), pad);
  }
}

GstPad* SignallerImpl::request_sink_pad(GstPadTemplate* templ, const char* name, const GstCaps*) {
  GstPad* ghost = nullptr;
  {
    std::lock_guard lock(pads_mutex_);
    guint index = next_sink_index_;
    if (name != nullptr && sscanf(name, "sink_%u", &index) != 1) return nullptr;
    std::string pad_name = "sink_" + std::to_string(index);
    for (const auto& existing : sink_pads_) {
      if (pad_name == GST_PAD_NAME(existing.ghost)) return nullptr;
    }
    next_sink_index_ = std::max(next_sink_index_, index + 1);
    // One tee per sink pad: every call takes a branch of it (one encode for all calls).
    GstElement* tee = gst_element_factory_make("tee", ("tee_" + pad_name).c_str());
    if (tee == nullptr) return nullptr;
    g_object_set(tee, "allow-not-linked", TRUE, nullptr);
    gst_object_ref_sink(tee);
    gst_bin_add(GST_BIN(element_), tee);
    GstPad* tee_sink = gst_element_get_static_pad(tee, "sink");
    ghost = gst_ghost_pad_new_from_template(pad_name.c_str(), tee_sink, templ);
    auto gate = std::make_shared<KeyframeGate>();
    gate->install(tee_sink);
    gst_object_unref(tee_sink);
    g_object_set_qdata_full(G_OBJECT(ghost), sink_state_quark(), new SinkPadState,
                            [](gpointer state) { delete static_cast<SinkPadState*>(state); });
    gst_pad_set_chain_function(ghost, sink_chain);
    gst_pad_set_chain_list_function(ghost, sink_chain_list);
    gst_pad_set_event_function(ghost, sink_event);
    sink_pads_.push_back(SinkPadEntry{ghost, tee, gate});
    gst_element_sync_state_with_parent(tee);
    const CallHost::SinkPad pad{ghost, tee, gate};
    if (spare_) spare_->add_branch(pad);
    for (auto& [peer, call] : calls_) call->add_branch(pad);
  }
  if (GST_STATE(element_) >= GST_STATE_PAUSED || GST_STATE_TARGET(element_) >= GST_STATE_PAUSED) {
    gst_pad_set_active(ghost, TRUE);
  }
  gst_element_add_pad(GST_ELEMENT(element_), ghost);
  return ghost;
}

void SignallerImpl::release_sink_pad(GstPad* ghost) {
  GstElement* tee = nullptr;
  {
    std::lock_guard lock(pads_mutex_);
    auto it = std::find_if(sink_pads_.begin(), sink_pads_.end(), [ghost](const auto& e) { return e.ghost == ghost; });
    if (it == sink_pads_.end()) return;
    tee = it->tee;
    sink_pads_.erase(it);
    if (spare_) spare_->remove_branch(ghost);
    for (auto& [peer, call] : calls_) call->remove_branch(ghost);
  }
  gst_pad_set_active(ghost, FALSE);
  gst_element_remove_pad(GST_ELEMENT(element_), ghost);
  gst_element_set_locked_state(tee, TRUE);
  gst_element_set_state(tee, GST_STATE_NULL);
  gst_bin_remove(GST_BIN(element_), tee);
  gst_object_unref(tee);
}

// --- EOS -----------------------------------------------------------------------------------------

void SignallerImpl::post_eos(guint32 seqnum) {
  if (eos_posted_.exchange(true)) return;
  GST_INFO_OBJECT(element_, "posting EOS");
  GstMessage* message = gst_message_new_eos(GST_OBJECT(element_));
  if (seqnum != GST_SEQNUM_INVALID) gst_message_set_seqnum(message, seqnum);
  gst_element_post_message(GST_ELEMENT(element_), message);
}

void SignallerImpl::sink_pad_eos(guint32 seqnum) {
  for (auto& ghost : sink_ghosts()) {
    SinkPadState* state = sink_state(ghost.get());
    // An unlinked sink pad has nothing more to send.
    if (state != nullptr && !state->eos && gst_pad_is_linked(ghost.get())) return;
  }
  post_eos(seqnum);
}

void SignallerImpl::eos_requested(guint32 seqnum) {
  const bool calling = call_count > 0;
  if (!calling) {
    // Src pads left over from an ended call get no more data, and no EOS from webrtcbin.
    std::vector<glib::GObjectPtr<GstPad>> srcs;
    {
      std::lock_guard lock(pads_mutex_);
      for (auto& [name, pad] : src_pads_) srcs.push_back(glib::retain(pad));
    }
    for (auto& pad : srcs) {
      auto target = glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(pad.get())));
      if (target) continue;
      GstEvent* eos = gst_event_new_eos();
      if (seqnum != GST_SEQNUM_INVALID) gst_event_set_seqnum(eos, seqnum);
      gst_pad_push_event(pad.get(), eos);
    }
  }
  // Without a call nothing we send matters any more; with one, wait for the sink pads' EOS
  // (the same EOS reaches them through the sources upstream).
  if (!calling || sink_ghosts().empty()) post_eos(seqnum);
  else sink_pad_eos(seqnum);
}

void SignallerImpl::reset_eos() {
  eos_posted_ = false;
  for (auto& ghost : sink_ghosts()) {
    if (SinkPadState* state = sink_state(ghost.get())) state->eos = false;
  }
}

SignallerImpl::~SignallerImpl() {
  spare_.reset();
  calls_.clear();
  for (auto& entry : sink_pads_) gst_object_unref(entry.tee);
}

// --- state changes -------------------------------------------------------------------------------

void SignallerImpl::before_webrtcbin_stops() {
  std::lock_guard lock(pads_mutex_);
  if (spare_) spare_->before_stop();
  for (auto& [peer, call] : calls_) call->before_stop();
}

void SignallerImpl::stop() {
  // The client and every call go with the network thread; the calls' webrtcbins (already stopped
  // with the bin) leave it here, after the thread is gone.
  std::vector<std::unique_ptr<Call>> ended;
  std::vector<std::string> peers;
  finish_dtls_warmup();  // its callbacks (join) have run or been dropped before the thread goes
  network.stop([this]() {
    cancel_unknown_peer_timer();
    for (guint* id : {&watchdog_, &spare_timer_}) {
      if (*id == 0) continue;
      if (GSource* source = g_main_context_find_source_by_id(network.context(), *id)) g_source_destroy(source);
      *id = 0;
    }
    client_.reset();
  });
  network_running_ = false;
  {
    std::lock_guard lock(pads_mutex_);
    for (auto& [peer, call] : calls_) {
      peers.push_back(peer);
      ended.push_back(std::move(call));
    }
    calls_.clear();
    stream_counts_.clear();
    latest_webrtcbin_ = nullptr;
    call_count = 0;
  }
  for (const auto& peer : peers) remove_src_pads_of(peer, GST_SEQNUM_INVALID);
  ended.clear();
  {
    // A spare that took part in nothing is kept for the next run; one a negotiation touched is not.
    std::lock_guard lock(pads_mutex_);
    if (spare_) {
      GstState state = GST_STATE_NULL;
      gst_element_get_state(spare_->webrtcbin(), &state, nullptr, 0);
      if (state != GST_STATE_NULL) gst_element_set_state(spare_->webrtcbin(), GST_STATE_NULL);
    } else {
      make_spare();  // its timer (schedule_spare) went with the network thread: the next run has one
    }
  }
  GST_OBJECT_LOCK(element_);
  local_id.clear();
  GST_OBJECT_UNLOCK(element_);
}

}  // namespace sio::gst

using sio::gst::SignallerImpl;

static void gst_socketio_signaller_init(GstSocketIoSignaller* self) {
  self->impl = new SignallerImpl(self);
  // Sink and source for good, like webrtcbin (which decides per SDP): the flags must not flicker
  // while webrtcbins come and go, or a pipeline counting its sinks for EOS would miss us.
  gst_bin_set_suppressed_flags(GST_BIN(self),
                               static_cast<GstElementFlags>(GST_ELEMENT_FLAG_SINK | GST_ELEMENT_FLAG_SOURCE));
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK | GST_ELEMENT_FLAG_SOURCE);
  self->impl->make_spare();
}

static void gst_socketio_signaller_finalize(GObject* object) {
  auto* self = GST_SOCKETIO_SIGNALLER(object);
  self->impl->stop();
  delete self->impl;
  G_OBJECT_CLASS(gst_socketio_signaller_parent_class)->finalize(object);
}

static void set_string(GstSocketIoSignaller* self, std::string& field, const GValue* value) {
  GST_OBJECT_LOCK(self);
  field = or_empty(g_value_get_string(value));
  GST_OBJECT_UNLOCK(self);
}

static void get_string(GstSocketIoSignaller* self, const std::string& field, GValue* value, bool null_if_empty) {
  GST_OBJECT_LOCK(self);
  g_value_set_string(value, field.empty() && null_if_empty ? nullptr : field.c_str());
  GST_OBJECT_UNLOCK(self);
}

static void gst_socketio_signaller_set_property(GObject* object, guint prop_id, const GValue* value,
                                                GParamSpec* pspec) {
  auto* self = GST_SOCKETIO_SIGNALLER(object);
  auto& s = self->impl->settings;
  switch (prop_id) {
    case PROP_SERVER_URL: set_string(self, s.server_url, value); break;
    case PROP_DIALECT:
      GST_OBJECT_LOCK(self);
      s.dialect = static_cast<GstSocketIoDialect>(g_value_get_enum(value));
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_PEER_ID: set_string(self, s.peer_id, value); break;
    case PROP_STUN_SERVER:
      set_string(self, s.stun_server, value);
      // The current webrtcbin takes it at once; later ones get it when made.
      if (GstElement* webrtcbin = self->impl->webrtcbin_ref()) {
        g_object_set_property(G_OBJECT(webrtcbin), "stun-server", value);
        gst_object_unref(webrtcbin);
      }
      break;
    case PROP_LATENCY:
      GST_OBJECT_LOCK(self);
      s.latency_ms = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      self->impl->apply_settings_to_spare();  // calls in progress keep theirs; the next one takes it
      break;
    case PROP_FEC_PERCENTAGE:
      GST_OBJECT_LOCK(self);
      s.fec_percentage = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      self->impl->apply_settings_to_spare();
      break;
    case PROP_LATENCY_MAX:
      GST_OBJECT_LOCK(self);
      s.latency_max_ms = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_BROWSER_START_BITRATE:  // read as each description is sent
      GST_OBJECT_LOCK(self);
      s.browser_start_bitrate_kbps = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_TURN_SERVER: set_string(self, s.turn_server, value); break;  // each call takes it as it starts
    case PROP_TURN_SECRET: set_string(self, s.turn_secret, value); break;
    case PROP_ICE_TRANSPORT_POLICY:
      GST_OBJECT_LOCK(self);
      s.ice_transport_policy = static_cast<GstWebRTCICETransportPolicy>(g_value_get_enum(value));
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_TLS_VALIDATION:
      GST_OBJECT_LOCK(self);
      s.tls_validation = g_value_get_boolean(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_RECONNECT:
      GST_OBJECT_LOCK(self);
      s.reconnect = g_value_get_boolean(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_RECONNECT_DELAY:
      GST_OBJECT_LOCK(self);
      s.reconnect_delay_ms = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      GST_OBJECT_LOCK(self);
      s.reconnect_delay_max_ms = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_AUTH: set_string(self, s.auth, value); break;
    case PROP_LOCAL_ADDRESSES: set_string(self, s.local_addresses, value); break;
    case PROP_MAX_CALLS:
      GST_OBJECT_LOCK(self);
      s.max_calls = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_CONNECT_TIMEOUT:
    case PROP_MEDIA_TIMEOUT:
      GST_OBJECT_LOCK(self);
      (prop_id == PROP_CONNECT_TIMEOUT ? s.connect_timeout_ms : s.media_timeout_ms) = g_value_get_uint(value);
      GST_OBJECT_UNLOCK(self);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void gst_socketio_signaller_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_SOCKETIO_SIGNALLER(object);
  auto& s = self->impl->settings;
  switch (prop_id) {
    case PROP_SERVER_URL: get_string(self, s.server_url, value, true); break;
    case PROP_DIALECT:
      GST_OBJECT_LOCK(self);
      g_value_set_enum(value, s.dialect);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_PEER_ID: get_string(self, s.peer_id, value, true); break;
    case PROP_LOCAL_ID: get_string(self, self->impl->local_id, value, true); break;
    case PROP_STUN_SERVER: get_string(self, s.stun_server, value, true); break;
    case PROP_TURN_SERVER: get_string(self, s.turn_server, value, true); break;
    case PROP_TURN_SECRET: get_string(self, s.turn_secret, value, true); break;
    case PROP_ICE_TRANSPORT_POLICY:
      GST_OBJECT_LOCK(self);
      g_value_set_enum(value, s.ice_transport_policy);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_TLS_VALIDATION:
      GST_OBJECT_LOCK(self);
      g_value_set_boolean(value, s.tls_validation);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_RECONNECT:
      GST_OBJECT_LOCK(self);
      g_value_set_boolean(value, s.reconnect);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_RECONNECT_DELAY:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.reconnect_delay_ms);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.reconnect_delay_max_ms);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_AUTH: get_string(self, s.auth, value, true); break;
    case PROP_LOCAL_ADDRESSES: get_string(self, s.local_addresses, value, true); break;
    case PROP_WEBRTCBIN: g_value_take_object(value, self->impl->webrtcbin_ref()); break;
    case PROP_MAX_CALLS:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.max_calls);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_CONNECT_TIMEOUT:
    case PROP_MEDIA_TIMEOUT:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, prop_id == PROP_CONNECT_TIMEOUT ? s.connect_timeout_ms : s.media_timeout_ms);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_CALLS: g_value_set_uint(value, self->impl->call_count); break;
    case PROP_LATENCY:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.latency_ms);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_LATENCY_MAX:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.latency_max_ms);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_FEC_PERCENTAGE:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.fec_percentage);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_BROWSER_START_BITRATE:
      GST_OBJECT_LOCK(self);
      g_value_set_uint(value, s.browser_start_bitrate_kbps);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_STATS: g_value_take_boxed(value, self->impl->stats()); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static GstPad* gst_socketio_signaller_request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name,
                                                      const GstCaps* caps) {
  auto* self = GST_SOCKETIO_SIGNALLER(element);
  if (GST_PAD_TEMPLATE_DIRECTION(templ) != GST_PAD_SINK) return nullptr;
  return self->impl->request_sink_pad(templ, name, caps);
}

static void gst_socketio_signaller_release_pad(GstElement* element, GstPad* pad) {
  GST_SOCKETIO_SIGNALLER(element)->impl->release_sink_pad(pad);
}

static GstStateChangeReturn gst_socketio_signaller_change_state(GstElement* element, GstStateChange transition) {
  auto* self = GST_SOCKETIO_SIGNALLER(element);
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    if (!self->impl->start()) return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) self->impl->reset_eos();
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) self->impl->before_webrtcbin_stops();
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_socketio_signaller_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_NULL_TO_READY) {
    self->impl->stop();
    return ret;
  }
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) self->impl->connect();
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) self->impl->stop();
  return ret;
}

// EOS sent to the element (gst-launch -e, or an application): noted for our own EOS message, and
// into the real sources inside (webrtcbin's nicesrc), so received streams end downstream. Not as
// a bin does: GstBin also sends it into its own and webrtcbin's sink pads, which waits for their
// stream lock, and while a call is still negotiating webrtcbin holds its senders' threads until
// DTLS connects: the caller (an application stopping on SIGTERM) would wait forever. What we send
// gets its EOS from upstream anyway.
static gboolean gst_socketio_signaller_send_event(GstElement* element, GstEvent* event) {
  if (GST_EVENT_TYPE(event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS(gst_socketio_signaller_parent_class)->send_event(element, event);
  GST_DEBUG_OBJECT(element, "EOS sent to the element");
  GST_SOCKETIO_SIGNALLER(element)->impl->eos_requested(gst_event_get_seqnum(event));
  std::vector<sio::glib::GObjectPtr<GstElement>> sources;
  sio::gst::for_each_element_in(GST_BIN(element), [&](GstElement* child) {
    if (GST_IS_BASE_SRC(child)) sources.push_back(sio::glib::retain(child));
  });
  for (auto& source : sources) gst_element_send_event(source.get(), gst_event_ref(event));
  gst_event_unref(event);
  return TRUE;
}

// webrtcbin's EOS messages never come (its nicesink gets no EOS) or mean nothing to our parent:
// the element posts its own (SignallerImpl::post_eos).
static void gst_socketio_signaller_handle_message(GstBin* bin, GstMessage* message) {
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS && GST_MESSAGE_SRC(message) != GST_OBJECT(bin)) {
    GST_DEBUG_OBJECT(bin, "dropping EOS from %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)));
    gst_message_unref(message);
    return;
  }
  GST_BIN_CLASS(gst_socketio_signaller_parent_class)->handle_message(bin, message);
}

static void gst_socketio_signaller_class_init(GstSocketIoSignallerClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = gst_socketio_signaller_set_property;
  gobject_class->get_property = gst_socketio_signaller_get_property;
  gobject_class->finalize = gst_socketio_signaller_finalize;
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_property(
      gobject_class, PROP_SERVER_URL,
      g_param_spec_string("server-url", "Server URL",
                          "Socket.IO signalling server, http:// or https:// (the Socket.IO path /socket.io/ is added)",
                          DEFAULT_SERVER_URL, rw));
  g_object_class_install_property(
      gobject_class, PROP_DIALECT,
      g_param_spec_enum("dialect", "Dialect",
                        "Signalling messages used when calling: classic (peerOffer/peerAnswer/peerIce) or "
                        "simple-peer (signal); answers use the caller's",
                        GST_TYPE_SOCKETIO_DIALECT, DEFAULT_DIALECT, rw));
  g_object_class_install_property(
      gobject_class, PROP_PEER_ID,
      g_param_spec_string("peer-id", "Peer ID",
                          "Socket id to call; \"auto\" = the first other client in the server's list; \"all\" = "
                          "every other client, now and later, up to max-calls; unset = wait for calls and answer them",
                          DEFAULT_PEER_ID, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOCAL_ID,
      g_param_spec_string("local-id", "Local ID", "Our socket id once connected (NULL before)", nullptr, ro));
  g_object_class_install_property(
      gobject_class, PROP_STUN_SERVER,
      g_param_spec_string("stun-server", "STUN server", "STUN server as stun://host:port (NULL = none)",
                          DEFAULT_STUN_SERVER, rw));
  g_object_class_install_property(
      gobject_class, PROP_TURN_SERVER,
      g_param_spec_string("turn-server", "TURN server",
                          "TURN servers, separated by commas: turn(s)://USER:PASSWORD@HOST:PORT, or "
                          "turn(s)://HOST:PORT with turn-secret (NULL = none)",
                          DEFAULT_TURN_SERVER, rw));
  g_object_class_install_property(
      gobject_class, PROP_TURN_SECRET,
      g_param_spec_string("turn-secret", "TURN secret",
                          "Secret shared with the TURN servers (coturn's static-auth-secret): each call gets "
                          "credentials valid for 24 h for the turn-server URIs that have none (NULL = none)",
                          DEFAULT_TURN_SECRET, rw));
  g_object_class_install_property(
      gobject_class, PROP_ICE_TRANSPORT_POLICY,
      g_param_spec_enum("ice-transport-policy", "ICE transport policy",
                        "all: every candidate; relay: only through the TURN servers (a call then needs one)",
                        GST_TYPE_WEBRTC_ICE_TRANSPORT_POLICY, DEFAULT_ICE_TRANSPORT_POLICY, rw));
  g_object_class_install_property(
      gobject_class, PROP_TLS_VALIDATION,
      g_param_spec_boolean("tls-validation", "TLS validation",
                           "Check the https server's certificate (FALSE accepts a self-signed one)",
                           DEFAULT_TLS_VALIDATION, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT,
      g_param_spec_boolean("reconnect", "Reconnect",
                           "Try the signalling server again when the connection is lost or it cannot be reached "
                           "(reconnect-delay, doubling to reconnect-delay-max, +-50 %, forever; a warning each "
                           "time); calls in progress keep their media meanwhile. FALSE: the first failure is an error",
                           DEFAULT_RECONNECT, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_DELAY,
      g_param_spec_uint("reconnect-delay", "Reconnect delay",
                        "Milliseconds before the first new attempt after a loss, doubled after each failed one "
                        "(socket.io-client's reconnectionDelay)",
                        10, 600000, DEFAULT_RECONNECT_DELAY_MS, rw));
  g_object_class_install_property(
      gobject_class, PROP_RECONNECT_DELAY_MAX,
      g_param_spec_uint("reconnect-delay-max", "Reconnect delay max",
                        "Milliseconds the delay between attempts doubles up to (socket.io-client's "
                        "reconnectionDelayMax; below reconnect-delay: reconnect-delay)",
                        10, 600000, DEFAULT_RECONNECT_DELAY_MAX_MS, rw));
  g_object_class_install_property(
      gobject_class, PROP_AUTH,
      g_param_spec_string("auth", "Auth", "JSON object sent in the Socket.IO CONNECT packet (NULL = none)",
                          DEFAULT_AUTH, rw));
  g_object_class_install_property(
      gobject_class, PROP_LOCAL_ADDRESSES,
      g_param_spec_string("local-addresses", "Local addresses",
                          "Comma-separated local IP addresses ICE gathers on (NULL = every interface; loopback "
                          "is only used when listed, e.g. 127.0.0.1)",
                          DEFAULT_LOCAL_ADDRESSES, rw));
  g_object_class_install_property(
      gobject_class, PROP_WEBRTCBIN,
      g_param_spec_object("webrtcbin", "webrtcbin",
                          "The webrtcbin of the call started last (before any call, the one the first call will "
                          "use: the child \"webrtcbin\"); each call has its own",
                          GST_TYPE_ELEMENT, ro));
  g_object_class_install_property(
      gobject_class, PROP_MAX_CALLS,
      g_param_spec_uint("max-calls", "Max calls",
                        "Calls at once, placed and answered (0 = no limit); an offer beyond it takes the place of "
                        "the oldest call that has not connected, else it is refused with a warning. With 1 the src "
                        "pads stay the same from one call to the next",
                        0, G_MAXUINT, DEFAULT_MAX_CALLS, rw));
  // Mutable while playing: the watchdog reads them every time it looks.
  const auto rw_playing = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_CONNECT_TIMEOUT,
      g_param_spec_uint("connect-timeout", "Connect timeout",
                        "Milliseconds a call may take from its offer/answer to connected; one that takes longer "
                        "ends (\"not connected within ... (ICE state)\") and frees its place (0 = wait forever)",
                        0, G_MAXUINT, DEFAULT_CONNECT_TIMEOUT_MS, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_MEDIA_TIMEOUT,
      g_param_spec_uint("media-timeout", "Media timeout",
                        "Milliseconds a connected call may go without receiving anything from its peer (RTP, "
                        "RTCP: a receiver still sends reports) before it ends, e.g. a page closed while the "
                        "signalling server was down (0 = never)",
                        0, G_MAXUINT, DEFAULT_MEDIA_TIMEOUT_MS, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY,
      g_param_spec_uint("latency", "Latency",
                        "Milliseconds the receiving jitter buffer holds packets to reorder and retransmit lost "
                        "ones (webrtcbin's latency; its own default is 200), for every call: the ones after a "
                        "call ended too. A call whose retransmissions take longer gets more, up to latency-max. "
                        "Changed while playing, it applies from the next call",
                        0, G_MAXUINT, DEFAULT_LATENCY_MS, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY_MAX,
      g_param_spec_uint("latency-max", "Latency maximum",
                        "Milliseconds a connected call's latency may grow to when its jitter buffers measure "
                        "retransmissions taking longer than latency allows for (1.5 round trips + 30 ms, in 50 "
                        "ms steps; a socketio-call-latency message each time). At or below latency: never raised",
                        0, G_MAXUINT, DEFAULT_LATENCY_MAX_MS, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_FEC_PERCENTAGE,
      g_param_spec_uint("fec-percentage", "FEC percentage",
                        "Forward error correction on video (ULPFEC in RED, RFC 5109): the share of media "
                        "packets protected, 0 = none. It costs that much more bandwidth and repairs a loss "
                        "without a round trip; NACK/RTX stay on. Both ends must offer or accept it. Changed "
                        "while playing, it applies from the next call",
                        0, 100, DEFAULT_FEC_PERCENTAGE, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_BROWSER_START_BITRATE,
      g_param_spec_uint("browser-start-bitrate", "Browser start bitrate",
                        "kbit/s a browser sending video to us starts at (x-google-start-bitrate in the video "
                        "fmtp of our offers and answers; Chromium starts at 300 and paces its first keyframe "
                        "out slowly); 0 = leave it to the browser. Other peers ignore it",
                        0, 100000, DEFAULT_BROWSER_START_BITRATE_KBPS, rw_playing));
  g_object_class_install_property(
      gobject_class, PROP_CALLS,
      g_param_spec_uint("calls", "Calls", "Calls in progress now", 0, G_MAXUINT, 0, ro));
  g_object_class_install_property(
      gobject_class, PROP_STATS,
      g_param_spec_boxed("stats", "Stats",
                         "Each call's peer-id, state, bitrate-sent and bitrate-received (bit/s since the last "
                         "read), bytes, packets-lost, rtt (s, -1 unknown) and send-queue-overruns (times its "
                         "bounded send queue was full and dropped data): a socketio-stats structure whose "
                         "calls field is an array of call structures. Reading waits for webrtcbin (1 s at most "
                         "per call): not from a streaming thread",
                         GST_TYPE_STRUCTURE, ro));

  /**
   * GstSocketIOSignaller::peers-changed:
   * @self: the element
   * @peers: the other clients in the server's `clients` list (socket ids)
   *
   * The list changed (a client joined or left). From the element's network thread.
   */
  signals[SIGNAL_PEERS_CHANGED] =
      g_signal_new("peers-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 1, G_TYPE_STRV);
  /**
   * GstSocketIOSignaller::call-started:
   * @self: the element
   * @peer: the socket id of the peer called or answered
   *
   * A call began (its webrtcbin exists; the offer or answer follows). From the network thread.
   */
  signals[SIGNAL_CALL_STARTED] = g_signal_new("call-started", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                              nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstSocketIOSignaller::call-ended:
   * @self: the element
   * @peer: the socket id of the call's peer
   * @reason: why it ended, for people (e.g. "peer left", "connection failed")
   *
   * A call ended; its pads got EOS. From the network thread.
   */
  signals[SIGNAL_CALL_ENDED] = g_signal_new("call-ended", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr,
                                            nullptr, nullptr, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &video_src_template);
  gst_element_class_add_static_pad_template(element_class, &audio_src_template);
  gst_element_class_set_static_metadata(
      element_class, "Socket.IO WebRTC signaller", "Network/WebRTC/Bin",
      "Calls and answers WebRTC peers through a Socket.IO signalling server",
      "gst-socketio-webrtc");

  element_class->request_new_pad = gst_socketio_signaller_request_new_pad;
  element_class->release_pad = gst_socketio_signaller_release_pad;
  element_class->change_state = gst_socketio_signaller_change_state;
  element_class->send_event = gst_socketio_signaller_send_event;
  GST_BIN_CLASS(klass)->handle_message = gst_socketio_signaller_handle_message;
  gst_type_mark_as_plugin_api(GST_TYPE_SOCKETIO_DIALECT, static_cast<GstPluginAPIFlags>(0));
}
