/**
 * SECTION:element-socketiosignaller
 * @title: socketiosignaller
 *
 * A bin around one webrtcbin that signals over Socket.IO with the course chapter's messages, so
 * that a pipeline can call, or be called by, the chapter's pages (and other pipelines) through
 * sio-signalling or the chapter's Node server.
 *
 * Send media by linking RTP payloaders to request pads `sink_%u`. Received streams appear as
 * sometimes pads `video_%u` and `audio_%u` (RTP), named by media kind so a launch line can route
 * each kind to its own branch; they stay the same pads from one call to the next.
 *
 * With `peer-id` set the element calls that socket id (`auto`: the first other client in the
 * server's `clients` list); without it, it answers the first offer it gets. In both roles it takes
 * the next call when the peer hangs up or leaves, without a restart.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ peer-id=auto \
 *   videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! s.sink_0 \
 *   audiotestsrc is-live=true ! opusenc ! rtpopuspay ! s.sink_1
 * ]| Calls the first other client (for instance the chapter's receiver.html) with a test pattern
 * and a tone. The streams share one bundle, so each needs its own payload type: when calling, a
 * sink pad whose payload type an earlier one uses (both payloaders default to 96) is switched to a
 * free one before the offer.
 * |[
 * gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ \
 *   s.video_0 ! rtpvp8depay ! vp8dec ! videoconvert ! autovideosink \
 *   s.audio_0 ! rtpopusdepay ! opusdec ! audioconvert ! autoaudiosink
 * ]| Answers a call (for instance from the chapter's sender.html) and plays it.
 * |[
 * gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ dialect=simple-peer peer-id=auto \
 *   videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! s.sink_0 \
 *   s.video_0 ! decodebin ! videoconvert ! autovideosink
 * ]| A two-way call with the chapter's simple-peer index.html.
 *
 * When answering with sink pads, the element makes each payloader switch to the payload type the
 * offer gives its codec (Chromium: VP8 96, Opus 111) before it answers: webrtcbin 1.22 pairs an
 * offered m-line with a sink pad by caps, payload type included. A sink pad the call does not
 * carry drops its data (with a warning) instead of blocking its branch.
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
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "call_session.hpp"
#include "debug.hpp"
#include "gobject_ptr.hpp"
#include "network_thread.hpp"
#include "webrtc_glue.hpp"

GST_DEBUG_CATEGORY(gst_socketio_signaller_debug);

namespace {

constexpr const char* DEFAULT_SERVER_URL = "http://127.0.0.1:3000/";
constexpr GstSocketIoDialect DEFAULT_DIALECT = GST_SOCKETIO_DIALECT_CLASSIC;
constexpr const char* DEFAULT_PEER_ID = nullptr;
constexpr const char* DEFAULT_STUN_SERVER = nullptr;
constexpr const char* DEFAULT_TURN_SERVER = nullptr;
constexpr gboolean DEFAULT_TLS_VALIDATION = TRUE;
constexpr const char* DEFAULT_AUTH = nullptr;
constexpr const char* DEFAULT_LOCAL_ADDRESSES = nullptr;

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_DIALECT,
  PROP_PEER_ID,
  PROP_LOCAL_ID,
  PROP_STUN_SERVER,
  PROP_TURN_SERVER,
  PROP_TLS_VALIDATION,
  PROP_AUTH,
  PROP_LOCAL_ADDRESSES,
  PROP_WEBRTCBIN,
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

// Properties; guarded by the element's object lock.
struct Settings {
  std::string server_url = DEFAULT_SERVER_URL;
  GstSocketIoDialect dialect = DEFAULT_DIALECT;
  std::string peer_id;
  std::string stun_server;
  std::string turn_server;
  bool tls_validation = DEFAULT_TLS_VALIDATION;
  std::string auth;
  std::string local_addresses;
};

// Returns "" when `url` is a usable server-url, else why not.
std::string check_server_url(const std::string& url) {
  if (url.empty()) return "server-url is empty";
  GError* error = nullptr;
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, &error);
  if (uri == nullptr) {
    std::string reason = error->message;
    g_error_free(error);
    return reason;
  }
  std::string reason;
  const char* scheme = g_uri_get_scheme(uri);
  if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) {
    reason = "the scheme must be http or https";
  } else if (g_uri_get_host(uri) == nullptr || *g_uri_get_host(uri) == '\0') {
    reason = "no host";
  }
  g_uri_unref(uri);
  return reason;
}

}  // namespace

namespace sio::gst {

// Private state of the element, and the element side of the call logic (SessionHost).
class SignallerImpl final : public SessionHost {
 public:
  explicit SignallerImpl(GstSocketIoSignaller* element) : element_(element) {}

  // Called from instance_init and on every call end.
  GstElement* install_webrtcbin();
  void replace_webrtcbin() override;
  GstElement* webrtcbin() override {
    std::lock_guard lock(pads_mutex);
    return webrtcbin_;
  }
  GstElement* webrtcbin_ref() {
    std::lock_guard lock(pads_mutex);
    return webrtcbin_ != nullptr ? GST_ELEMENT(gst_object_ref(webrtcbin_)) : nullptr;
  }
  bool has_sink_pads() override {
    std::lock_guard lock(pads_mutex);
    return !sink_pads_.empty();
  }
  bool sink_pads_have_caps() override;
  int align_payload_types(const GstSDPMessage* offer) override;
  bool payload_types_aligned() override;
  int make_payload_types_unique() override;
  void check_sink_pads_sending() override;
  GstPromise* make_promise(GstElement* webrtcbin, PromiseStep step) override;
  void report_error(SignallerError error, const std::string& subject, const std::string& detail) override;
  void connected(const std::string& local_id) override;
  void peers_changed(const std::vector<std::string>& peers) override;
  void call_started(const std::string& peer_id, bool calling) override;
  void call_ended(const std::string& peer_id, const std::string& reason) override;

  GstPad* request_sink_pad(GstPadTemplate* templ, const char* name, const GstCaps* caps);
  void release_sink_pad(GstPad* ghost);
  void on_webrtcbin_pad_added(GstElement* webrtcbin, GstPad* pad);

  bool start();    // NULL->READY, before chaining up: the session exists when webrtcbin first speaks
  void connect();  // NULL->READY, after chaining up: nothing reaches webrtcbin before it is READY
  void before_webrtcbin_stops();  // READY->NULL, before chaining up
  void stop();   // READY->NULL, after chaining up

  // End of stream. webrtcbin never posts EOS (its nicesink does not get one), so the element
  // drops its children's EOS messages and posts its own: once every linked sink pad has had EOS,
  // or at once when EOS is sent to the element while it has nothing to send (no sink pads, no call).
  void sink_pad_eos(guint32 seqnum);
  void eos_requested(guint32 seqnum);
  void reset_eos();
  void apply_local_addresses_once(GstElement* webrtcbin);

  // Runs `fn(session)` on the network thread if a session is alive there.
  template <class F>
  void to_session(F fn) {
    network.post([this, fn = std::move(fn)]() {
      if (session) fn(*session);
    });
  }

  Settings settings;     // object lock
  std::string local_id;  // object lock
  NetworkThread network;
  std::unique_ptr<CallSession> session;  // network thread only

  std::recursive_mutex pads_mutex;  // guards webrtcbin_, the pad tables (not held across state changes)
  std::atomic<bool> in_call{false};

 private:
  void connect_webrtcbin_signals(GstElement* webrtcbin);
  WebRtcSettings webrtc_settings();
  void post_element_message(GstStructure* structure);
  void post_eos(guint32 seqnum);
  std::vector<glib::GObjectPtr<GstPad>> sink_pads_copy();

  GstSocketIoSignaller* element_;
  GstElement* webrtcbin_ = nullptr;           // owned ref; also a child of the bin
  std::vector<GstPad*> sink_pads_;            // our sink ghost pads (the element owns them)
  guint next_sink_index_ = 0;
  std::map<std::string, GstPad*> src_pads_;   // "video_0" -> ghost pad (owned by the element)
  std::map<std::string, guint> stream_counts_;  // per webrtcbin: src pads seen by kind
  std::atomic<bool> webrtcbin_used_{false};
  std::atomic<bool> eos_posted_{false};
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
  std::atomic<int> wanted_payload{-1};  // answering: the offer's payload type for this stream
  std::atomic<bool> eos{false};
  std::atomic<bool> dropped{false};     // data was dropped since webrtcbin last took some
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

// True when buffers reaching this sink ghost pad can go into webrtcbin: its webrtcbin pad has been
// joined to a negotiated, sending transceiver (webrtcbin then gives that pad a target). Until then
// webrtcbin holds the pad in a blocking probe, and forever if the call does not carry the stream
// (say the peer's answer left it out), which would stall the branch and its EOS. So drop instead,
// but let the sticky events (caps above all) through: webrtcbin needs them to negotiate.
bool webrtcbin_takes_data(GstPad* ghost) {
  SinkPadState* state = sink_state(ghost);
  GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(ghost));
  if (target == nullptr) {  // being replaced: NOT_LINKED, dropped by the caller
    if (state != nullptr) state->dropped = true;
    return true;
  }
  bool connected = true;
  if (GST_IS_GHOST_PAD(target)) {
    GstPad* inner = gst_ghost_pad_get_target(GST_GHOST_PAD(target));
    connected = inner != nullptr;
    if (inner != nullptr) gst_object_unref(inner);
  }
  if (!connected) {
    GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(ghost)));
    if (internal != nullptr) {
      // Any serialized event pushes the pending sticky events first (a new webrtcbin after a
      // call has none yet).
      if (GST_PAD_HAS_PENDING_EVENTS(internal)) {
        gst_pad_push_event(internal, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM,
                                                          gst_structure_new_empty("socketiosignaller-sticky")));
      }
      gst_object_unref(internal);
    }
    if (state != nullptr) state->dropped = true;
    static GQuark logged = g_quark_from_static_string("socketiosignaller-drop-logged");
    if (g_object_get_qdata(G_OBJECT(target), logged) == nullptr) {
      g_object_set_qdata(G_OBJECT(target), logged, GINT_TO_POINTER(1));
      GST_INFO_OBJECT(ghost, "no negotiated transceiver for %s (yet): dropping its data meanwhile",
                      GST_PAD_NAME(target));
    }
  }
  gst_object_unref(target);
  if (connected && state != nullptr && state->dropped.exchange(false)) {
    // The stream joins a call: the peer's decoder needs a key frame, and the last one may have
    // been dropped. (A video encoder upstream takes this; audio ones ignore it.)
    GST_DEBUG_OBJECT(ghost, "asking upstream for a key frame");
    gst_pad_push_event(ghost, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                                   gst_structure_new("GstForceKeyUnit", "running-time", G_TYPE_UINT64,
                                                                     GST_CLOCK_TIME_NONE, "all-headers", G_TYPE_BOOLEAN,
                                                                     TRUE, "count", G_TYPE_UINT, 0u, nullptr)));
  }
  return connected;
}

// Sink ghost pads: while webrtcbin is being replaced (call end) or has no call yet, data is
// dropped instead of returning NOT_LINKED/FLUSHING, which would stop a live source for good.
GstFlowReturn sink_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  if (!webrtcbin_takes_data(pad)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  GstFlowReturn ret = gst_proxy_pad_chain_default(pad, parent, buffer);
  if (ret == GST_FLOW_NOT_LINKED || (ret == GST_FLOW_FLUSHING && !GST_PAD_IS_FLUSHING(pad))) return GST_FLOW_OK;
  return ret;
}
GstFlowReturn sink_chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  if (!webrtcbin_takes_data(pad)) {
    gst_buffer_list_unref(list);
    return GST_FLOW_OK;
  }
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
      // webrtcbin may take it or not (no call); the element reports EOS itself.
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

// Caps queries through a sink pad (from the payloader upstream, or from webrtcbin looking
// upstream) answer with the offered payload type while answering, so rtpbasepayload takes it.
void restrict_payload(GstQuery* query, int payload) {
  GstCaps* result = nullptr;
  gst_query_parse_caps_result(query, &result);
  if (result == nullptr) return;
  GstCaps* wanted = gst_caps_new_simple("application/x-rtp", "payload", G_TYPE_INT, payload, nullptr);
  GstCaps* restricted = gst_caps_intersect_full(result, wanted, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref(wanted);
  if (!gst_caps_is_empty(restricted)) gst_query_set_caps_result(query, restricted);
  gst_caps_unref(restricted);
}

gboolean sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  gboolean ret = gst_pad_query_default(pad, parent, query);
  SinkPadState* state = sink_state(pad);
  if (ret && GST_QUERY_TYPE(query) == GST_QUERY_CAPS && state != nullptr && state->wanted_payload >= 0) {
    restrict_payload(query, state->wanted_payload);
  }
  return ret;
}

// The same for the ghost pad's internal pad; its parent is the ghost pad.
gboolean sink_internal_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  gboolean ret = gst_pad_query_default(pad, parent, query);
  SinkPadState* state = GST_IS_PAD(parent) ? sink_state(GST_PAD(parent)) : nullptr;
  if (ret && GST_QUERY_TYPE(query) == GST_QUERY_CAPS && state != nullptr && state->wanted_payload >= 0) {
    restrict_payload(query, state->wanted_payload);
  }
  return ret;
}
// Src ghost pads: a stream nobody linked (say the page's audio when the pipeline only plays its
// video) is dropped rather than failing the whole receive path.
GstFlowReturn src_internal_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  GstFlowReturn ret = gst_proxy_pad_chain_default(pad, parent, buffer);
  return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}
GstFlowReturn src_internal_chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  GstFlowReturn ret = gst_proxy_pad_chain_list_default(pad, parent, list);
  return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}

void set_msid(GstPad* webrtcbin_pad, const char* stream_id) {
  // One stream id for all our tracks: receiver.html shows e.streams[0].
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(webrtcbin_pad), "msid") != nullptr) {
    g_object_set(webrtcbin_pad, "msid", stream_id, nullptr);
  }
}

struct PromiseContext {
  SignallerImpl* impl;
  glib::GObjectPtr<GstElement> webrtcbin;
  PromiseStep step;
};

// Runs on webrtcbin's thread: copy the reply and hand it to the network thread. The promise is
// not ours to unref here (see CallSession::emit_with_promise).
void on_promise_changed(GstPromise* promise, gpointer data) {
  auto* context = static_cast<PromiseContext*>(data);
  GstPromiseResult result = gst_promise_wait(promise);  // already settled: returns at once
  GstStructure* reply = nullptr;
  std::string error;
  if (result == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* r = gst_promise_get_reply(promise);
    if (r != nullptr) reply = gst_structure_copy(r);
  } else {
    error = result == GST_PROMISE_RESULT_INTERRUPTED ? "webrtcbin interrupted the operation"
                                                     : "webrtcbin did not answer";
  }
  std::shared_ptr<GstStructure> owned(reply, [](GstStructure* s) {
    if (s) gst_structure_free(s);
  });
  GstElement* webrtcbin = GST_ELEMENT(gst_object_ref(context->webrtcbin.get()));
  std::shared_ptr<GstElement> keep(webrtcbin, [](GstElement* e) { gst_object_unref(e); });
  PromiseStep step = context->step;
  context->impl->to_session([keep, owned, step, error](CallSession& session) {
    session.on_promise(keep.get(), step, owned.get(), error);
  });
}

void free_promise_context(gpointer data) { delete static_cast<PromiseContext*>(data); }

std::shared_ptr<GstElement> share(GstElement* element) {
  return std::shared_ptr<GstElement>(GST_ELEMENT(gst_object_ref(element)), [](GstElement* e) { gst_object_unref(e); });
}

void on_negotiation_needed(GstElement* webrtcbin, gpointer data) {
  auto keep = share(webrtcbin);
  static_cast<SignallerImpl*>(data)->to_session([keep](CallSession& s) { s.on_negotiation_needed(keep.get()); });
}

void on_ice_candidate(GstElement* webrtcbin, guint mline_index, gchar* candidate, gpointer data) {
  auto keep = share(webrtcbin);
  std::string line = candidate != nullptr ? candidate : "";
  static_cast<SignallerImpl*>(data)->to_session(
      [keep, mline_index, line](CallSession& s) { s.on_ice_candidate(keep.get(), mline_index, line); });
}

void on_gathering_state(GstElement* webrtcbin, GParamSpec*, gpointer data) {
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  g_object_get(webrtcbin, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
  auto keep = share(webrtcbin);
  static_cast<SignallerImpl*>(data)->to_session([keep](CallSession& s) { s.on_gathering_complete(keep.get()); });
}

void on_connection_state(GstElement* webrtcbin, GParamSpec*, gpointer data) {
  GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_object_get(webrtcbin, "connection-state", &state, nullptr);
  GST_DEBUG_OBJECT(webrtcbin, "connection state %d", state);
  if (state != GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) return;
  auto keep = share(webrtcbin);
  static_cast<SignallerImpl*>(data)->to_session([keep](CallSession& s) { s.on_connection_failed(keep.get()); });
}

void on_pad_added(GstElement* webrtcbin, GstPad* pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  static_cast<SignallerImpl*>(data)->on_webrtcbin_pad_added(webrtcbin, pad);
}

}  // namespace

WebRtcSettings SignallerImpl::webrtc_settings() {
  GST_OBJECT_LOCK(element_);
  WebRtcSettings s{settings.stun_server, settings.turn_server, settings.local_addresses};
  GST_OBJECT_UNLOCK(element_);
  return s;
}

void SignallerImpl::connect_webrtcbin_signals(GstElement* webrtcbin) {
  g_signal_connect(webrtcbin, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), this);
  g_signal_connect(webrtcbin, "on-ice-candidate", G_CALLBACK(on_ice_candidate), this);
  g_signal_connect(webrtcbin, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state), this);
  g_signal_connect(webrtcbin, "notify::connection-state", G_CALLBACK(on_connection_state), this);
  g_signal_connect(webrtcbin, "pad-added", G_CALLBACK(on_pad_added), this);
}

void SignallerImpl::apply_local_addresses_once(GstElement* webrtcbin) {
  // libnice cannot forget an address: add them once per webrtcbin (a new one comes with each call).
  static GQuark applied = g_quark_from_static_string("socketiosignaller-local-addresses");
  if (g_object_get_qdata(G_OBJECT(webrtcbin), applied) != nullptr) return;
  WebRtcSettings s = webrtc_settings();
  if (s.local_addresses.empty()) return;
  g_object_set_qdata(G_OBJECT(webrtcbin), applied, GINT_TO_POINTER(1));
  for (const auto& bad : apply_local_addresses(webrtcbin, s.local_addresses)) {
    GST_WARNING_OBJECT(element_, "local-addresses: cannot use \"%s\"", bad.c_str());
  }
}

GstElement* SignallerImpl::install_webrtcbin() {
  GstElement* webrtcbin = make_webrtcbin(webrtc_settings());
  if (webrtcbin == nullptr) return nullptr;
  gst_object_ref_sink(webrtcbin);
  connect_webrtcbin_signals(webrtcbin);
  gst_bin_add(GST_BIN(element_), webrtcbin);
  std::lock_guard lock(pads_mutex);
  webrtcbin_ = webrtcbin;
  stream_counts_.clear();
  return webrtcbin;
}

void SignallerImpl::replace_webrtcbin() {
  GstElement* old = nullptr;
  std::vector<glib::GObjectPtr<GstPad>> sinks;
  {
    std::lock_guard lock(pads_mutex);
    old = std::exchange(webrtcbin_, nullptr);
    for (GstPad* ghost : sink_pads_) {
      sinks.push_back(glib::retain(ghost));
      // The next call's offer decides again (answering); a caller takes the payloaders' own.
      if (SinkPadState* state = sink_state(ghost)) state->wanted_payload = -1;
    }
    // Received streams stop; their ghost pads stay for the next call's streams.
    for (auto& [name, ghost] : src_pads_) gst_ghost_pad_set_target(GST_GHOST_PAD(ghost), nullptr);
    stream_counts_.clear();
  }
  GST_DEBUG_OBJECT(element_, "replacing webrtcbin");
  if (old != nullptr) {
    g_signal_handlers_disconnect_by_data(old, this);
    // Unhook the sink ghost pads first: pushes in flight get FLUSHING/NOT_LINKED, which
    // sink_chain turns into drops.
    std::vector<glib::GObjectPtr<GstPad>> old_targets;
    for (auto& ghost : sinks) {
      old_targets.push_back(glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(ghost.get()))));
      gst_ghost_pad_set_target(GST_GHOST_PAD(ghost.get()), nullptr);
    }
    gst_element_set_locked_state(old, TRUE);
    detach_receive_bins_from_ice(old);
    gst_element_set_state(old, GST_STATE_NULL);
    for (auto& target : old_targets) {
      if (target) gst_element_release_request_pad(old, target.get());
    }
    gst_bin_remove(GST_BIN(element_), old);
    gst_object_unref(old);
  }
  GstElement* fresh = make_webrtcbin(webrtc_settings());
  if (fresh == nullptr) {
    GST_ELEMENT_ERROR(element_, CORE, MISSING_PLUGIN, ("webrtcbin is missing"), ("could not make a new webrtcbin"));
    return;
  }
  gst_object_ref_sink(fresh);
  connect_webrtcbin_signals(fresh);
  // In the bin before linking: a ghost pad cannot target a pad outside its element's hierarchy.
  gst_bin_add(GST_BIN(element_), fresh);
  std::string stream_id = GST_OBJECT_NAME(element_);
  for (auto& ghost : sinks) {
    GstCaps* caps = gst_pad_get_current_caps(ghost.get());
    GstPadTemplate* templ = gst_element_get_pad_template(fresh, "sink_%u");
    GstPad* pad = gst_element_request_pad(fresh, templ, nullptr, caps);
    if (caps != nullptr) gst_caps_unref(caps);
    if (pad == nullptr) {
      GST_WARNING_OBJECT(element_, "new webrtcbin refused a sink pad for %s", GST_PAD_NAME(ghost.get()));
      continue;
    }
    set_msid(pad, stream_id.c_str());
    if (!gst_ghost_pad_set_target(GST_GHOST_PAD(ghost.get()), pad)) {
      GST_WARNING_OBJECT(element_, "cannot retarget %s", GST_PAD_NAME(ghost.get()));
    }
    gst_object_unref(pad);
  }
  {
    std::lock_guard lock(pads_mutex);
    webrtcbin_ = fresh;
    stream_counts_.clear();
  }
  apply_local_addresses_once(fresh);
  gst_element_sync_state_with_parent(fresh);
  webrtcbin_used_ = false;
  g_object_notify(G_OBJECT(element_), "webrtcbin");
}

GstPromise* SignallerImpl::make_promise(GstElement* webrtcbin, PromiseStep step) {
  webrtcbin_used_ = true;
  auto* context = new PromiseContext{this, glib::retain(webrtcbin), step};
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

void SignallerImpl::connected(const std::string& id) {
  GST_OBJECT_LOCK(element_);
  local_id = id;
  GST_OBJECT_UNLOCK(element_);
  g_object_notify(G_OBJECT(element_), "local-id");
  post_element_message(gst_structure_new("socketio-connected", "local-id", G_TYPE_STRING, id.c_str(), nullptr));
}

void SignallerImpl::peers_changed(const std::vector<std::string>& peers) {
  std::vector<const char*> ids;
  for (const auto& p : peers) ids.push_back(p.c_str());
  ids.push_back(nullptr);
  auto* strv = const_cast<char**>(ids.data());
  g_signal_emit(element_, signals[SIGNAL_PEERS_CHANGED], 0, strv);
  post_element_message(gst_structure_new("socketio-peers", "peers", G_TYPE_STRV, strv, nullptr));
}

void SignallerImpl::call_started(const std::string& peer_id, bool calling) {
  webrtcbin_used_ = true;
  in_call = true;
  g_signal_emit(element_, signals[SIGNAL_CALL_STARTED], 0, peer_id.c_str());
  post_element_message(gst_structure_new("socketio-call-started", "peer-id", G_TYPE_STRING, peer_id.c_str(), "role",
                                         G_TYPE_STRING, calling ? "caller" : "answerer", nullptr));
}

void SignallerImpl::call_ended(const std::string& peer_id, const std::string& reason) {
  in_call = false;
  g_signal_emit(element_, signals[SIGNAL_CALL_ENDED], 0, peer_id.c_str(), reason.c_str());
  post_element_message(gst_structure_new("socketio-call-ended", "peer-id", G_TYPE_STRING, peer_id.c_str(),
                                         "reason", G_TYPE_STRING, reason.c_str(), nullptr));
}

std::vector<glib::GObjectPtr<GstPad>> SignallerImpl::sink_pads_copy() {
  std::lock_guard lock(pads_mutex);
  std::vector<glib::GObjectPtr<GstPad>> pads;
  for (GstPad* ghost : sink_pads_) pads.push_back(glib::retain(ghost));
  return pads;
}

bool SignallerImpl::sink_pads_have_caps() {
  for (auto& ghost : sink_pads_copy()) {
    auto target = glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(ghost.get())));
    if (!target || !gst_pad_has_current_caps(target.get())) return false;
  }
  return true;
}

int SignallerImpl::align_payload_types(const GstSDPMessage* offer) {
  int switching = 0;
  for (auto& ghost : sink_pads_copy()) {
    SinkPadState* state = sink_state(ghost.get());
    if (state == nullptr) continue;
    GstCaps* caps = gst_pad_get_current_caps(ghost.get());
    const int current = payload_type_of(caps);
    // Nothing sent yet: what the payloader upstream can make says which codec it is.
    if (caps == nullptr) caps = gst_pad_peer_query_caps(ghost.get(), nullptr);
    const int offered = offered_payload_type(offer, caps);
    state->wanted_payload = offered;
    if (offered < 0) {
      GST_WARNING_OBJECT(element_, "%s: the offer has no format matching %" GST_PTR_FORMAT, GST_PAD_NAME(ghost.get()),
                         caps);
    } else if (current >= 0 && current != offered) {
      GST_INFO_OBJECT(element_, "%s: payload type %d -> %d (the offer's)", GST_PAD_NAME(ghost.get()), current, offered);
      // rtpbasepayload renegotiates on its next buffer and takes the payload type our caps
      // query now returns (see sink_query).
      gst_pad_push_event(ghost.get(), gst_event_new_reconfigure());
      ++switching;
    }
    if (caps != nullptr) gst_caps_unref(caps);
  }
  return switching;
}

int SignallerImpl::make_payload_types_unique() {
  std::vector<glib::GObjectPtr<GstPad>> pads = sink_pads_copy();
  std::vector<int> current;
  std::set<int> used;
  for (auto& ghost : pads) {
    GstCaps* caps = gst_pad_get_current_caps(ghost.get());
    current.push_back(payload_type_of(caps));
    if (caps != nullptr) gst_caps_unref(caps);
    if (current.back() >= 0) used.insert(current.back());
  }
  std::map<int, size_t> keeper;  // payload type -> the first sink pad using it, which keeps it
  int switching = 0;
  for (size_t i = 0; i < pads.size(); ++i) {
    const int pt = current[i];
    if (pt < 0) continue;
    const auto [kept, first] = keeper.emplace(pt, i);
    if (first) continue;
    int fresh = 96;  // the dynamic range, RFC 3551
    while (fresh <= 127 && used.count(fresh) != 0) ++fresh;
    SinkPadState* state = sink_state(pads[i].get());
    if (fresh > 127 || state == nullptr) {
      GST_WARNING_OBJECT(element_, "%s: payload type %d is taken and no dynamic one is free", GST_PAD_NAME(pads[i].get()),
                         pt);
      continue;
    }
    used.insert(fresh);
    state->wanted_payload = fresh;
    GST_INFO_OBJECT(element_, "%s: payload type %d -> %d (%s keeps %d)", GST_PAD_NAME(pads[i].get()), pt, fresh,
                    GST_PAD_NAME(pads[kept->second].get()), pt);
    // As when answering: rtpbasepayload takes the type our caps query returns on its next buffer.
    gst_pad_push_event(pads[i].get(), gst_event_new_reconfigure());
    ++switching;
  }
  return switching;
}

bool SignallerImpl::payload_types_aligned() {
  for (auto& ghost : sink_pads_copy()) {
    SinkPadState* state = sink_state(ghost.get());
    const int wanted = state != nullptr ? state->wanted_payload.load() : -1;
    if (wanted < 0) continue;
    auto target = glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(ghost.get())));
    if (!target) continue;
    GstCaps* caps = gst_pad_get_current_caps(target.get());
    if (caps == nullptr) {
      // Nothing sent yet either: webrtcbin asks upstream, and sink_internal_query answers.
      if (gst_pad_has_current_caps(ghost.get())) return false;
      continue;
    }
    const int pt = payload_type_of(caps);
    gst_caps_unref(caps);
    if (pt != wanted) return false;
  }
  return true;
}

void SignallerImpl::check_sink_pads_sending() {
  for (auto& ghost : sink_pads_copy()) {
    auto target = glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(ghost.get())));
    if (!target || !GST_IS_GHOST_PAD(target.get())) continue;
    auto inner = glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(target.get())));
    if (inner) continue;
    GstCaps* caps = gst_pad_get_current_caps(target.get());
    GST_WARNING_OBJECT(element_,
                       "%s is not sent in this call (the negotiation did not pair it with a sending m-line; "
                       "caps %" GST_PTR_FORMAT "): its data is dropped",
                       GST_PAD_NAME(ghost.get()), caps);
    if (caps != nullptr) gst_caps_unref(caps);
  }
}

void SignallerImpl::post_eos(guint32 seqnum) {
  if (eos_posted_.exchange(true)) return;
  GST_INFO_OBJECT(element_, "posting EOS");
  GstMessage* message = gst_message_new_eos(GST_OBJECT(element_));
  if (seqnum != GST_SEQNUM_INVALID) gst_message_set_seqnum(message, seqnum);
  gst_element_post_message(GST_ELEMENT(element_), message);
}

void SignallerImpl::sink_pad_eos(guint32 seqnum) {
  for (auto& ghost : sink_pads_copy()) {
    SinkPadState* state = sink_state(ghost.get());
    // An unlinked sink pad has nothing more to send.
    if (state != nullptr && !state->eos && gst_pad_is_linked(ghost.get())) return;
  }
  post_eos(seqnum);
}

void SignallerImpl::eos_requested(guint32 seqnum) {
  const bool calling = in_call;
  if (!calling) {
    // Src pads left over from an ended call get no more data, and no EOS from webrtcbin.
    std::vector<glib::GObjectPtr<GstPad>> srcs;
    {
      std::lock_guard lock(pads_mutex);
      for (auto& [name, ghost] : src_pads_) srcs.push_back(glib::retain(ghost));
    }
    for (auto& ghost : srcs) {
      auto target = glib::adopt(gst_ghost_pad_get_target(GST_GHOST_PAD(ghost.get())));
      if (target) continue;
      GstEvent* eos = gst_event_new_eos();
      if (seqnum != GST_SEQNUM_INVALID) gst_event_set_seqnum(eos, seqnum);
      gst_pad_push_event(ghost.get(), eos);
    }
  }
  // Without a call nothing we send matters any more; with one, wait for the sink pads' EOS
  // (the same EOS reaches them through the sources upstream).
  if (!calling || !has_sink_pads()) post_eos(seqnum);
  else sink_pad_eos(seqnum);
}

void SignallerImpl::reset_eos() {
  eos_posted_ = false;
  for (auto& ghost : sink_pads_copy()) {
    if (SinkPadState* state = sink_state(ghost.get())) state->eos = false;
  }
}

GstPad* SignallerImpl::request_sink_pad(GstPadTemplate* templ, const char* name, const GstCaps* caps) {
  GstPad* ghost = nullptr;
  {
    std::lock_guard lock(pads_mutex);
    guint index = next_sink_index_;
    if (name != nullptr && sscanf(name, "sink_%u", &index) != 1) return nullptr;
    std::string pad_name = "sink_" + std::to_string(index);
    for (GstPad* existing : sink_pads_) {
      if (pad_name == GST_PAD_NAME(existing)) return nullptr;
    }
    next_sink_index_ = std::max(next_sink_index_, index + 1);
    GstPadTemplate* inner_templ = gst_element_get_pad_template(webrtcbin_, "sink_%u");
    GstPad* target = gst_element_request_pad(webrtcbin_, inner_templ, nullptr, caps);
    if (target == nullptr) return nullptr;
    set_msid(target, GST_OBJECT_NAME(element_));
    ghost = gst_ghost_pad_new_from_template(pad_name.c_str(), target, templ);
    gst_object_unref(target);
    g_object_set_qdata_full(G_OBJECT(ghost), sink_state_quark(), new SinkPadState,
                            [](gpointer state) { delete static_cast<SinkPadState*>(state); });
    gst_pad_set_chain_function(ghost, sink_chain);
    gst_pad_set_chain_list_function(ghost, sink_chain_list);
    gst_pad_set_event_function(ghost, sink_event);
    gst_pad_set_query_function(ghost, sink_query);
    GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(ghost)));
    gst_pad_set_query_function(internal, sink_internal_query);
    gst_object_unref(internal);
    sink_pads_.push_back(ghost);
  }
  if (GST_STATE(element_) >= GST_STATE_PAUSED || GST_STATE_TARGET(element_) >= GST_STATE_PAUSED) {
    gst_pad_set_active(ghost, TRUE);
  }
  gst_element_add_pad(GST_ELEMENT(element_), ghost);
  return ghost;
}

void SignallerImpl::release_sink_pad(GstPad* ghost) {
  {
    std::lock_guard lock(pads_mutex);
    auto it = std::find(sink_pads_.begin(), sink_pads_.end(), ghost);
    if (it == sink_pads_.end()) return;
    sink_pads_.erase(it);
    GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(ghost));
    gst_ghost_pad_set_target(GST_GHOST_PAD(ghost), nullptr);
    if (target != nullptr) {
      if (webrtcbin_ != nullptr && GST_OBJECT_PARENT(target) == GST_OBJECT(webrtcbin_)) {
        gst_element_release_request_pad(webrtcbin_, target);
      }
      gst_object_unref(target);
    }
  }
  gst_pad_set_active(ghost, FALSE);
  gst_element_remove_pad(GST_ELEMENT(element_), ghost);
}

void SignallerImpl::on_webrtcbin_pad_added(GstElement* webrtcbin, GstPad* pad) {
  std::string kind = media_kind_of_pad(pad);
  if (kind != "audio") kind = "video";  // unknown media: webrtcbin only carries audio and video
  GstPad* new_ghost = nullptr;
  {
    std::lock_guard lock(pads_mutex);
    if (webrtcbin != webrtcbin_) return;  // a replaced webrtcbin winding down
    std::string name = kind + "_" + std::to_string(stream_counts_[kind]++);
    auto it = src_pads_.find(name);
    if (it != src_pads_.end()) {
      // Same ghost pad as in the previous call: gst-launch's delayed link stays valid.
      GST_INFO_OBJECT(element_, "stream %s retargeted to %s", name.c_str(), GST_PAD_NAME(pad));
      gst_ghost_pad_set_target(GST_GHOST_PAD(it->second), pad);
      return;
    }
    GstElementClass* klass = GST_ELEMENT_GET_CLASS(element_);
    GstPadTemplate* templ = gst_element_class_get_pad_template(klass, kind == "audio" ? "audio_%u" : "video_%u");
    new_ghost = gst_ghost_pad_new_from_template(name.c_str(), pad, templ);
    GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(new_ghost)));
    gst_pad_set_chain_function(internal, src_internal_chain);
    gst_pad_set_chain_list_function(internal, src_internal_chain_list);
    gst_object_unref(internal);
    src_pads_[name] = new_ghost;
  }
  GST_INFO_OBJECT(element_, "new stream pad %s", GST_PAD_NAME(new_ghost));
  gst_pad_set_active(new_ghost, TRUE);
  gst_element_add_pad(GST_ELEMENT(element_), new_ghost);
}

bool SignallerImpl::start() {
  GST_OBJECT_LOCK(element_);
  Settings s = settings;
  GST_OBJECT_UNLOCK(element_);
  std::string bad_url = check_server_url(s.server_url);
  if (!bad_url.empty()) {
    report_error(SignallerError::BadUrl, s.server_url, bad_url);
    return false;
  }
  if (GstElement* webrtcbin = webrtcbin_ref()) {
    apply_local_addresses_once(webrtcbin);
    gst_object_unref(webrtcbin);
  }
  SessionSettings session_settings;
  session_settings.client.server_url = s.server_url;
  session_settings.client.auth_json = s.auth;
  session_settings.client.tls_validation = s.tls_validation;
  session_settings.dialect =
      s.dialect == GST_SOCKETIO_DIALECT_SIMPLE_PEER ? chapter::Dialect::SimplePeer : chapter::Dialect::Classic;
  session_settings.peer_id = s.peer_id;
  network.start("sio-signaller");
  GMainContext* context = network.context();
  network.post([this, context, session_settings]() {
    session = std::make_unique<CallSession>(*this, context, session_settings);
  });
  return true;
}

// A webrtcbin below READY is closed: it refuses descriptions and data channels. A peer already
// waiting on the server can offer the moment we join, so join only once the children are READY.
void SignallerImpl::connect() {
  network.post([this]() {
    if (session) session->start();
  });
}

void SignallerImpl::before_webrtcbin_stops() {
  if (GstElement* webrtcbin = webrtcbin_ref()) {
    detach_receive_bins_from_ice(webrtcbin);
    gst_object_unref(webrtcbin);
  }
}

void SignallerImpl::stop() {
  network.stop([this]() { session.reset(); });
  // A webrtcbin the network thread swapped in while the bin was going down may have been synced
  // to a running state after the bin had already stopped its children.
  if (GstElement* webrtcbin = webrtcbin_ref()) {
    gst_element_set_state(webrtcbin, GST_STATE_NULL);
    gst_object_unref(webrtcbin);
  }
  in_call = false;
  GST_OBJECT_LOCK(element_);
  local_id.clear();
  GST_OBJECT_UNLOCK(element_);
  // A webrtcbin that negotiated cannot take another call: start the next run with a fresh one.
  if (webrtcbin_used_) replace_webrtcbin();
}

}  // namespace sio::gst

using sio::gst::SignallerImpl;

static void gst_socketio_signaller_init(GstSocketIoSignaller* self) {
  self->impl = new SignallerImpl(self);
  // Sink and source for good, like webrtcbin (which decides per SDP): the flags must not flicker
  // while webrtcbin is swapped, or a pipeline counting its sinks for EOS would miss us.
  gst_bin_set_suppressed_flags(GST_BIN(self),
                               static_cast<GstElementFlags>(GST_ELEMENT_FLAG_SINK | GST_ELEMENT_FLAG_SOURCE));
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK | GST_ELEMENT_FLAG_SOURCE);
  if (self->impl->install_webrtcbin() == nullptr) {
    GST_ERROR_OBJECT(self, "webrtcbin is missing (gst-plugins-bad webrtc and gstreamer1.0-nice)");
  }
}

static void gst_socketio_signaller_finalize(GObject* object) {
  auto* self = GST_SOCKETIO_SIGNALLER(object);
  self->impl->network.stop([impl = self->impl]() { impl->session.reset(); });
  if (GstElement* webrtcbin = self->impl->webrtcbin()) gst_object_unref(webrtcbin);
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
    case PROP_TURN_SERVER: {
      const bool stun = prop_id == PROP_STUN_SERVER;
      set_string(self, stun ? s.stun_server : s.turn_server, value);
      // The current webrtcbin takes it at once; later ones get it when made.
      if (GstElement* webrtcbin = self->impl->webrtcbin_ref()) {
        g_object_set_property(G_OBJECT(webrtcbin), stun ? "stun-server" : "turn-server", value);
        gst_object_unref(webrtcbin);
      }
      break;
    }
    case PROP_TLS_VALIDATION:
      GST_OBJECT_LOCK(self);
      s.tls_validation = g_value_get_boolean(value);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_AUTH: set_string(self, s.auth, value); break;
    case PROP_LOCAL_ADDRESSES: set_string(self, s.local_addresses, value); break;
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
    case PROP_TLS_VALIDATION:
      GST_OBJECT_LOCK(self);
      g_value_set_boolean(value, s.tls_validation);
      GST_OBJECT_UNLOCK(self);
      break;
    case PROP_AUTH: get_string(self, s.auth, value, true); break;
    case PROP_LOCAL_ADDRESSES: get_string(self, s.local_addresses, value, true); break;
    case PROP_WEBRTCBIN: g_value_take_object(value, self->impl->webrtcbin_ref()); break;
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

// EOS sent to the element (gst-launch -e, or an application): into webrtcbin's sources as a
// bin does, and noted for our own EOS message.
static gboolean gst_socketio_signaller_send_event(GstElement* element, GstEvent* event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    GST_DEBUG_OBJECT(element, "EOS sent to the element");
    GST_SOCKETIO_SIGNALLER(element)->impl->eos_requested(gst_event_get_seqnum(event));
  }
  return GST_ELEMENT_CLASS(gst_socketio_signaller_parent_class)->send_event(element, event);
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
                          "Socket id to call; \"auto\" = the first other client in the server's list; "
                          "unset = wait for calls and answer them",
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
                          "TURN server as turn(s)://username:password@host:port (NULL = none)", DEFAULT_TURN_SERVER,
                          rw));
  g_object_class_install_property(
      gobject_class, PROP_TLS_VALIDATION,
      g_param_spec_boolean("tls-validation", "TLS validation",
                           "Check the https server's certificate (FALSE accepts a self-signed one)",
                           DEFAULT_TLS_VALIDATION, rw));
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
                          "The inner webrtcbin (a new one after each call; also the child \"webrtcbin\")",
                          GST_TYPE_ELEMENT, ro));

  signals[SIGNAL_PEERS_CHANGED] =
      g_signal_new("peers-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 1, G_TYPE_STRV);
  signals[SIGNAL_CALL_STARTED] = g_signal_new("call-started", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                              nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CALL_ENDED] = g_signal_new("call-ended", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr,
                                            nullptr, nullptr, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &video_src_template);
  gst_element_class_add_static_pad_template(element_class, &audio_src_template);
  gst_element_class_set_static_metadata(
      element_class, "Socket.IO WebRTC signaller", "Network/WebRTC/Bin",
      "Calls and answers WebRTC peers (the course chapter's pages, other pipelines) through a Socket.IO "
      "signalling server, with webrtcbin inside.\n"
      "Send: link RTP payloaders to sink_%u. Receive: sometimes pads video_%u / audio_%u (RTP), stable across "
      "calls.\n"
      "Call (peer-id=auto calls the first other client, e.g. receiver.html):\n"
      "  gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ peer-id=auto "
      "videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! s.sink_0 "
      "audiotestsrc is-live=true ! opusenc ! rtpopuspay pt=97 ! s.sink_1\n"
      "Answer (e.g. a call from sender.html):\n"
      "  gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ "
      "s.video_0 ! rtpvp8depay ! vp8dec ! videoconvert ! autovideosink "
      "s.audio_0 ! rtpopusdepay ! opusdec ! audioconvert ! autoaudiosink\n"
      "Two-way with simple-peer's index.html:\n"
      "  gst-launch-1.0 socketiosignaller name=s server-url=http://127.0.0.1:3000/ dialect=simple-peer "
      "peer-id=auto videotestsrc is-live=true ! vp8enc deadline=1 ! rtpvp8pay ! s.sink_0 "
      "s.video_0 ! decodebin ! videoconvert ! autovideosink\n"
      "When calling, a stream whose payload type another already uses is switched to a free one (the "
      "streams share one bundle). "
      "When answering with sink pads, the payloaders are switched to the payload types the offer uses "
      "(webrtcbin matches offered media to sink pads by caps, payload type included). The element posts EOS "
      "once every sink pad has had EOS (at once without sink pads or a call), so gst-launch-1.0 -e stops.",
      "gst-socketio-webrtc");

  element_class->request_new_pad = gst_socketio_signaller_request_new_pad;
  element_class->release_pad = gst_socketio_signaller_release_pad;
  element_class->change_state = gst_socketio_signaller_change_state;
  element_class->send_event = gst_socketio_signaller_send_event;
  GST_BIN_CLASS(klass)->handle_message = gst_socketio_signaller_handle_message;
  gst_type_mark_as_plugin_api(GST_TYPE_SOCKETIO_DIALECT, static_cast<GstPluginAPIFlags>(0));
}
