#include "call_monitor.hpp"

#include <gst/webrtc/webrtc.h>

#include <cstdio>
#include <functional>
#include <memory>

#include "gobject_ptr.hpp"
#include "main_context.hpp"
#include "webrtc_glue.hpp"

namespace sio::launcher {
namespace {

// Sums the figures of one get-stats reply (any thread: only reads the structure).
CallMonitor::StatsSample parse_stats(const GstStructure* reply) {
  CallMonitor::StatsSample sample;
  sample.at_us = g_get_monotonic_time();
  const int n = gst_structure_n_fields(reply);
  for (int i = 0; i < n; ++i) {
    const GValue* value = gst_structure_get_value(reply, gst_structure_nth_field_name(reply, i));
    if (!GST_VALUE_HOLDS_STRUCTURE(value)) continue;
    const GstStructure* s = gst_value_get_structure(value);
    GstWebRTCStatsType type;
    if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr)) continue;
    guint64 u64 = 0;
    guint u = 0;
    double rtt = 0;
    switch (type) {
      case GST_WEBRTC_STATS_OUTBOUND_RTP:
        if (gst_structure_get_uint64(s, "bytes-sent", &u64)) sample.bytes_sent += u64;
        if (gst_structure_get_uint(s, "nack-count", &u)) sample.nacks_received += u;
        break;
      case GST_WEBRTC_STATS_INBOUND_RTP:
        if (gst_structure_get_uint64(s, "bytes-received", &u64)) sample.bytes_received += u64;
        if (gst_structure_get_uint64(s, "packets-received", &u64)) sample.packets_received += u64;
        else if (gst_structure_get_uint(s, "packets-received", &u)) sample.packets_received += u;
        sample.packets_lost += gst::stats_packets_lost(s);
        if (gst_structure_get_uint(s, "nack-count", &u)) sample.nacks_sent += u;
        break;
      case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
        sample.packets_lost += gst::stats_packets_lost(s);
        if (gst_structure_get_double(s, "round-trip-time", &rtt) && rtt > sample.rtt_s) sample.rtt_s = rtt;
        break;
      default:
        break;
    }
  }
  return sample;
}

constexpr guint kConnectWarningSeconds = 10;


// Local candidates per webrtcbin, counted on its threads (qdata: lives as long as the webrtcbin).
GQuark candidates_quark() {
  static GQuark quark = g_quark_from_static_string("sio-webrtc-local-candidates");
  return quark;
}

std::atomic<int>* candidate_counter(GstElement* webrtcbin) {
  return static_cast<std::atomic<int>*>(g_object_get_qdata(G_OBJECT(webrtcbin), candidates_quark()));
}

int local_candidates(GstElement* webrtcbin) {
  std::atomic<int>* counter = candidate_counter(webrtcbin);
  return counter ? counter->load() : 0;
}

}  // namespace

struct StatsRequest {
  CallMonitor* monitor;
  GstElement* webrtcbin;  // owned ref
  unsigned round;
};

CallMonitor::CallMonitor(GstElement* signaller, MediaCounters& counters)
    : signaller_(signaller), counters_(counters) {
  handlers_[0] = g_signal_connect(signaller_, "notify::local-id", G_CALLBACK(on_local_id), this);
  handlers_[1] = g_signal_connect(signaller_, "call-started", G_CALLBACK(on_call_started), this);
  handlers_[2] = g_signal_connect(signaller_, "call-ended", G_CALLBACK(on_call_ended), this);
}

CallMonitor::~CallMonitor() {
  for (gulong handler : handlers_)
    if (handler) g_signal_handler_disconnect(signaller_, handler);
  interrupt_stats_requests();
  for (auto& [peer, call] : calls_) detach(*call);
}

void CallMonitor::interrupt_stats_requests() {
  for (GstPromise* promise : stats_promises_) gst::release_promise(promise);
  stats_promises_.clear();
}

void CallMonitor::detach(CallInfo& call) {
  if (call.connect_timer) g_source_remove(call.connect_timer);
  call.connect_timer = 0;
  if (!call.webrtcbin) return;
  g_signal_handlers_disconnect_by_data(call.webrtcbin, this);
  gst_object_unref(call.webrtcbin);
  call.webrtcbin = nullptr;
}

// --- element threads: copy, then hand over to the main context. The launcher drains the main
// context after the pipeline reached NULL and before destroying the monitor.

void CallMonitor::on_local_id(GObject* object, GParamSpec*, gpointer) {
  glib::GCharPtr id;
  {
    gchar* raw = nullptr;
    g_object_get(object, "local-id", &raw, nullptr);
    id.reset(raw);
  }
  if (!id || !*id) return;
  std::string copy = id.get();
  post_to_main([copy] {
    std::printf("connected: local id %s\n", copy.c_str());
    std::fflush(stdout);
  });
}

void CallMonitor::on_call_started(GstElement* element, const gchar* peer, gpointer data) {
  auto* self = static_cast<CallMonitor*>(data);
  // Emitted on the element's network thread right after the call took its webrtcbin, so the
  // property is this call's.
  GstElement* webrtcbin = nullptr;
  g_object_get(element, "webrtcbin", &webrtcbin, nullptr);  // transfer full
  std::string copy = peer ? peer : "";
  // Connected here, before negotiation goes on (on the element's threads), so no candidate or
  // state change of this call is missed; the main context only adopts the webrtcbin. Candidates
  // are counted before the hand-over, state changes (which post) after it, so they follow it.
  if (webrtcbin) {
    g_object_set_qdata_full(G_OBJECT(webrtcbin), candidates_quark(), new std::atomic<int>(0),
                            [](gpointer p) { delete static_cast<std::atomic<int>*>(p); });
    g_signal_connect(webrtcbin, "on-ice-candidate", G_CALLBACK(on_local_candidate), self);
  }
  post_to_main([self, copy, webrtcbin] { self->call_started(copy, webrtcbin); });
  if (webrtcbin) {
    g_signal_connect(webrtcbin, "notify::connection-state", G_CALLBACK(on_connection_state), self);
    g_signal_connect(webrtcbin, "notify::ice-gathering-state", G_CALLBACK(on_gathering_state), self);
  }
}

void CallMonitor::on_call_ended(GstElement*, const gchar* peer, const gchar* reason, gpointer data) {
  auto* self = static_cast<CallMonitor*>(data);
  std::string p = peer ? peer : "", r = reason ? reason : "";
  post_to_main([self, p, r] { self->call_ended(p, r); });
}

void CallMonitor::on_connection_state(GObject* webrtcbin, GParamSpec*, gpointer data) {
  auto* self = static_cast<CallMonitor*>(data);
  GstWebRTCPeerConnectionState state;
  g_object_get(webrtcbin, "connection-state", &state, nullptr);
  auto* ref = static_cast<GstElement*>(gst_object_ref(webrtcbin));
  post_to_main([self, ref, state] {
    self->connection_state(ref, static_cast<int>(state));
    gst_object_unref(ref);
  });
}

void CallMonitor::on_gathering_state(GObject* webrtcbin, GParamSpec*, gpointer data) {
  auto* self = static_cast<CallMonitor*>(data);
  GstWebRTCICEGatheringState state;
  g_object_get(webrtcbin, "ice-gathering-state", &state, nullptr);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
  auto* ref = static_cast<GstElement*>(gst_object_ref(webrtcbin));
  post_to_main([self, ref] {
    self->gathering_complete(ref);
    gst_object_unref(ref);
  });
}

void CallMonitor::on_local_candidate(GstElement* webrtcbin, guint, gchar*, gpointer) {
  if (std::atomic<int>* counter = candidate_counter(webrtcbin)) ++*counter;
}

// --- main context

CallMonitor::CallInfo* CallMonitor::find(GstElement* webrtcbin) {
  for (auto& [peer, call] : calls_)
    if (call->webrtcbin == webrtcbin) return call.get();
  return nullptr;
}

void CallMonitor::update_in_call() {
  bool connected = false;
  for (auto& [peer, call] : calls_) connected = connected || call->state == "connected";
  counters_.in_call = connected;
}

void CallMonitor::call_started(const std::string& peer, GstElement* webrtcbin) {
  if (auto it = calls_.find(peer); it != calls_.end()) detach(*it->second);  // the peer called again
  auto call = std::make_unique<CallInfo>();
  call->peer = peer;
  call->webrtcbin = webrtcbin;  // adopts the reference taken on the element's thread (signals connected there)
  call->started_us = g_get_monotonic_time();
  if (webrtcbin) {
    struct Timer {
      CallMonitor* self;
      GstElement* webrtcbin;
    };
    call->connect_timer = g_timeout_add_seconds_full(
        G_PRIORITY_DEFAULT, kConnectWarningSeconds, on_connect_timeout, new Timer{this, webrtcbin},
        [](gpointer p) { delete static_cast<Timer*>(p); });
  }
  calls_[peer] = std::move(call);
  latest_peer_ = peer;
  ++calls_started_;
  update_in_call();
}

void CallMonitor::call_ended(const std::string& peer, const std::string& reason) {
  std::printf("call: ended with %s (%s)\n", peer.c_str(), reason.c_str());
  auto it = calls_.find(peer);
  if (it != calls_.end()) {
    detach(*it->second);
    calls_.erase(it);
  }
  if (latest_peer_ == peer) latest_peer_ = calls_.empty() ? std::string() : calls_.rbegin()->first;
  if (calls_.size() > 0) std::printf("calls: %zu in progress\n", calls_.size());
  std::fflush(stdout);
  update_in_call();
}

// The commonest reason a call never connects on a small device: ICE found no address to offer.
void CallMonitor::gathering_complete(GstElement* webrtcbin) {
  CallInfo* call = find(webrtcbin);
  if (!call || local_candidates(webrtcbin) > 0) return;
  std::printf("call: no local ICE candidates for the call with %s: no usable network interface (loopback is "
              "used only when listed: --ice-address=127.0.0.1 for calls within this machine)\n",
              call->peer.c_str());
  std::fflush(stdout);
}

gboolean CallMonitor::on_connect_timeout(gpointer data) {
  struct Timer {
    CallMonitor* self;
    GstElement* webrtcbin;
  };
  auto* timer = static_cast<Timer*>(data);
  if (CallInfo* call = timer->self->find(timer->webrtcbin)) call->connect_timer = 0;
  timer->self->connect_timeout(timer->webrtcbin);
  return G_SOURCE_REMOVE;
}

static const char* enum_nick(GType type, int value) {
  GEnumClass* klass = static_cast<GEnumClass*>(g_type_class_ref(type));
  GEnumValue* found = g_enum_get_value(klass, value);
  const char* nick = found ? found->value_nick : "?";  // static strings: valid after unref
  g_type_class_unref(klass);
  return nick;
}

void CallMonitor::connect_timeout(GstElement* webrtcbin) {
  CallInfo* call = find(webrtcbin);
  if (!call || call->state == "connected") return;
  const int candidates = local_candidates(webrtcbin);
  if (candidates == 0) {
    std::printf("call: not connected with %s after %u s: no local ICE candidates so far (without a usable "
                "network interface there are none: loopback is used only when listed, --ice-address=127.0.0.1 "
                "for calls within this machine)\n",
                call->peer.c_str(), kConnectWarningSeconds);
  } else {
    GstWebRTCICEConnectionState ice;
    g_object_get(webrtcbin, "ice-connection-state", &ice, nullptr);
    std::printf("call: not connected with %s after %u s (ICE %s, %d local candidates): check that both ends can "
                "reach each other's addresses (--ice-address), or add --stun / --turn\n",
                call->peer.c_str(), kConnectWarningSeconds, enum_nick(GST_TYPE_WEBRTC_ICE_CONNECTION_STATE, ice),
                candidates);
  }
  std::fflush(stdout);
}

void CallMonitor::on_element_message(const GstStructure* structure) {
  if (gst_structure_has_name(structure, "socketio-connection-lost")) {
    const char* reason = gst_structure_get_string(structure, "reason");
    guint retry_ms = 0;
    gboolean was_connected = FALSE;
    gst_structure_get_uint(structure, "retry-ms", &retry_ms);
    gst_structure_get_boolean(structure, "was-connected", &was_connected);
    std::printf("signalling: %s (%s); trying again in %.1f s; %zu call(s) go on\n",
                was_connected ? "lost the server" : "cannot reach the server", reason ? reason : "?", retry_ms / 1000.0,
                calls_.size());
    std::fflush(stdout);
  } else if (gst_structure_has_name(structure, "socketio-rejoined")) {
    const char* id = gst_structure_get_string(structure, "local-id");
    const char* previous = gst_structure_get_string(structure, "previous-id");
    guint kept = 0;
    gst_structure_get_uint(structure, "calls", &kept);
    std::printf("signalling: rejoined as %s (was %s); %u call(s) kept\n", id ? id : "?", previous ? previous : "?", kept);
    std::fflush(stdout);
  } else if (gst_structure_has_name(structure, "socketio-call-connected")) {
    print_connected(structure);
  } else if (gst_structure_has_name(structure, "socketio-call-media")) {
    // "call: first video RTP from PEER after N ms": the steps between DTLS and the first picture.
    const char* peer = gst_structure_get_string(structure, "peer-id");
    const char* media = gst_structure_get_string(structure, "media");
    gint64 ms = -1;
    gst_structure_get_int64(structure, "first-rtp-ms", &ms);
    std::printf("call: first %s RTP from %s after %lld ms\n", media ? media : "other", peer ? peer : "?",
                static_cast<long long>(ms));
    std::fflush(stdout);
  } else if (gst_structure_has_name(structure, "socketio-call-latency")) {
    // "call: latency for PEER raised to 200 ms (was 50): retransmissions take 104 ms"
    const char* peer = gst_structure_get_string(structure, "peer-id");
    guint latency = 0, previous = 0, rtt = 0;
    gst_structure_get_uint(structure, "latency", &latency);
    gst_structure_get_uint(structure, "previous-latency", &previous);
    gst_structure_get_uint(structure, "retransmission-rtt", &rtt);
    std::printf("call: latency for %s raised to %u ms (was %u): retransmissions take %u ms\n", peer ? peer : "?",
                latency, previous, rtt);
    std::fflush(stdout);
  } else if (gst_structure_has_name(structure, "socketio-call-started")) {
    const char* peer = gst_structure_get_string(structure, "peer-id");
    const char* role = gst_structure_get_string(structure, "role");
    guint calls = 1;
    gst_structure_get_uint(structure, "calls", &calls);
    std::printf("call: started with %s (%s)\n", peer ? peer : "?", g_strcmp0(role, "caller") == 0 ? "calling" : "answering");
    if (calls > 1) std::printf("calls: %u in progress\n", calls);
    std::fflush(stdout);
  }
}

// "call: connected with PEER in N ms (offer sent 3 ms, answer in 41 ms, ICE 95 ms, DTLS 130 ms)":
// each step counted from the call's start, as the element measured it.
void CallMonitor::print_connected(const GstStructure* structure) {
  const char* peer = gst_structure_get_string(structure, "peer-id");
  const bool caller = g_strcmp0(gst_structure_get_string(structure, "role"), "caller") == 0;
  gint64 setup = -1, sent = -1, remote = -1, ice = -1;
  gst_structure_get_int64(structure, "setup-ms", &setup);
  gst_structure_get_int64(structure, "description-sent-ms", &sent);
  gst_structure_get_int64(structure, "remote-description-ms", &remote);
  gst_structure_get_int64(structure, "ice-connected-ms", &ice);
  if (call_setup_ms_ < 0) call_setup_ms_ = setup;
  std::string steps;
  const auto step = [&steps](const char* what, gint64 ms) {
    if (ms < 0) return;
    steps += (steps.empty() ? "" : ", ") + std::string(what) + " " + std::to_string(ms) + " ms";
  };
  step(caller ? "offer sent" : "answer sent", sent);
  if (caller) step("answer in", remote);
  step("ICE", ice);
  step("DTLS", setup);
  std::printf("call: connected with %s in %lld ms (%s)\n", peer ? peer : "?", static_cast<long long>(setup),
              steps.c_str());
  // Which way the media goes: "relay" at either end is through a TURN server.
  const char* local_type = gst_structure_get_string(structure, "local-candidate-type");
  const char* remote_type = gst_structure_get_string(structure, "remote-candidate-type");
  if (local_type != nullptr && remote_type != nullptr) {
    const char* local_address = gst_structure_get_string(structure, "local-candidate-address");
    const char* remote_address = gst_structure_get_string(structure, "remote-candidate-address");
    std::printf("call: candidate pair with %s: local %s %s, remote %s %s\n", peer ? peer : "?", local_type,
                local_address ? local_address : "", remote_type, remote_address ? remote_address : "");
  }
  std::fflush(stdout);
}

void CallMonitor::connection_state(GstElement* webrtcbin, int state) {
  CallInfo* call = find(webrtcbin);
  if (!call) return;  // an ended call's
  // "connected" is printed from the element's socketio-call-connected message, with its steps.
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
    std::printf("call: connection with %s failed (ICE/DTLS: no working candidate pair; "
                "check --ice-address, --stun and --turn)\n", call->peer.c_str());
    std::fflush(stdout);
  }
  call->state = gst::connection_state_name(static_cast<GstWebRTCPeerConnectionState>(state));
  update_in_call();
}

// One round: get-stats of every call; the lines are printed when the last reply is in (or at the
// next round, with what came: a closing webrtcbin may never answer).
void CallMonitor::request_status() {
  if (stats_waiting_ > 0) print_status();
  interrupt_stats_requests();
  ++stats_round_;
  stats_waiting_ = 0;
  for (auto& [peer, call] : calls_) {
    if (!call->webrtcbin) continue;
    ++stats_waiting_;
    auto* request = new StatsRequest{this, GST_ELEMENT(gst_object_ref(call->webrtcbin)), stats_round_};
    GstPromise* promise = gst_promise_new_with_change_func(on_stats, request, [](gpointer p) {
      auto* r = static_cast<StatsRequest*>(p);
      gst_object_unref(r->webrtcbin);
      delete r;
    });
    g_signal_emit_by_name(call->webrtcbin, "get-stats", nullptr, promise);
    stats_promises_.push_back(promise);
  }
  if (stats_waiting_ == 0) print_status();
}

void CallMonitor::on_stats(GstPromise* promise, gpointer data) {
  auto* request = static_cast<StatsRequest*>(data);
  const GstPromiseResult result = gst_promise_wait(promise);  // already settled: returns at once
  if (result == GST_PROMISE_RESULT_INTERRUPTED) return;  // by us: the round is over
  StatsSample sample;
  bool ok = false;
  if (result == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* reply = gst_promise_get_reply(promise);
    // A closed webrtcbin (the call just ended) answers with {error}: not a sample of zeros.
    if (reply && !gst_structure_has_field(reply, "error")) {
      sample = parse_stats(reply);
      sample.packets_recovered = gst::packets_recovered(request->webrtcbin);
      sample.fec_recovered = gst::fec_packets_recovered(request->webrtcbin);
      ok = true;
    }
  }
  CallMonitor* self = request->monitor;
  auto* webrtcbin = GST_ELEMENT(gst_object_ref(request->webrtcbin));
  const unsigned round = request->round;
  post_to_main([self, webrtcbin, round, sample, ok] {
    self->stats_arrived(webrtcbin, round, sample, ok);
    gst_object_unref(webrtcbin);
  });
}

void CallMonitor::stats_arrived(GstElement* webrtcbin, unsigned round, const StatsSample& sample, bool ok) {
  if (round != stats_round_) return;  // a late reply: its round was printed without it
  if (CallInfo* call = find(webrtcbin); call && ok) {
    call->send_bps = call->recv_bps = 0;
    if (call->last.at_us && sample.at_us > call->last.at_us) {
      const double seconds = (sample.at_us - call->last.at_us) / 1e6;
      if (sample.bytes_sent >= call->last.bytes_sent)
        call->send_bps = (sample.bytes_sent - call->last.bytes_sent) * 8 / seconds;
      if (sample.bytes_received >= call->last.bytes_received)
        call->recv_bps = (sample.bytes_received - call->last.bytes_received) * 8 / seconds;
    }
    call->send_kbps = static_cast<long long>(call->send_bps / 1000);
    call->recv_kbps = static_cast<long long>(call->recv_bps / 1000);
    call->last = sample;
    call->packets_lost = sample.packets_lost;
    call->rtt_s = sample.rtt_s;
  }
  if (stats_waiting_ > 0 && --stats_waiting_ == 0) print_status();
}

// `status-call:` per call when there are several, then `status:` for all of them (bitrates and
// losses summed; state, peer and round trip those of the call started last).
void CallMonitor::print_status() {
  stats_waiting_ = 0;
  long long send_kbps = 0, recv_kbps = 0;
  int64_t packets_lost = 0;
  uint64_t nacks_sent = 0, nacks_received = 0, packets_recovered = 0, fec_recovered = 0;
  for (auto& [peer, call] : calls_) {
    send_kbps += call->send_kbps;
    recv_kbps += call->recv_kbps;
    packets_lost += call->packets_lost;
    nacks_sent += call->last.nacks_sent;
    nacks_received += call->last.nacks_received;
    packets_recovered += call->last.packets_recovered;
    fec_recovered += call->last.fec_recovered;
    if (calls_.size() > 1) {
      char rtt[32] = "-";
      if (call->rtt_s >= 0) std::snprintf(rtt, sizeof rtt, "%.1f", call->rtt_s * 1000);
      // Frames counted per peer when the calls are mixed (-1: not counted that way).
      std::printf("status-call: peer=%s state=%s send_kbps=%lld recv_kbps=%lld packets_lost=%lld rtt_ms=%s "
                  "received_video_frames=%lld\n",
                  peer.c_str(), call->state.c_str(), call->send_kbps, call->recv_kbps,
                  static_cast<long long>(call->packets_lost), rtt,
                  static_cast<long long>(counters_.video_frames_of(peer)));
    }
  }
  const CallInfo* latest = nullptr;
  if (auto it = calls_.find(latest_peer_); it != calls_.end()) latest = it->second.get();
  char rtt[32] = "-";
  if (latest && latest->rtt_s >= 0) std::snprintf(rtt, sizeof rtt, "%.1f", latest->rtt_s * 1000);
  std::printf("status: state=%s peer=%s calls=%zu send_kbps=%lld recv_kbps=%lld sent_video_frames=%llu "
              "received_video_frames=%llu received_audio_buffers=%llu packets_lost=%lld rtt_ms=%s video_encoders=%llu audio_encoders=%llu "
              "nacks_sent=%llu nacks_received=%llu packets_recovered=%llu fec_recovered=%llu\n",
              latest ? latest->state.c_str() : "waiting", latest ? latest->peer.c_str() : "-", calls_.size(),
              send_kbps, recv_kbps, static_cast<unsigned long long>(counters_.sent_video_frames.load()),
              static_cast<unsigned long long>(counters_.received_video_frames.load()),
              static_cast<unsigned long long>(counters_.received_audio_buffers.load()),
              static_cast<long long>(packets_lost), rtt, static_cast<unsigned long long>(counters_.video_encoders.load()),
              static_cast<unsigned long long>(counters_.audio_encoders.load()),
              static_cast<unsigned long long>(nacks_sent), static_cast<unsigned long long>(nacks_received),
              static_cast<unsigned long long>(packets_recovered), static_cast<unsigned long long>(fec_recovered));
  if (auto figures = counters_.glass_to_glass.take_interval())
    std::printf("%s\n", GlassToGlass::describe(*figures, "since the last status").c_str());
  std::fflush(stdout);
}

LauncherSnapshot CallMonitor::snapshot() const {
  LauncherSnapshot s;
  for (const auto& [peer, call] : calls_) {
    s.calls.push_back({peer, call->state, call->send_bps, call->recv_bps, call->last.bytes_sent,
                       call->last.bytes_received, call->packets_lost, call->rtt_s,
                       counters_.video_frames_of(peer)});
  }
  s.calls_started = calls_started_;
  s.sent_video_frames = counters_.sent_video_frames.load();
  s.received_video_frames = counters_.received_video_frames.load();
  s.received_audio_buffers = counters_.received_audio_buffers.load();
  s.keyframe_requests = counters_.keyframe_requests.load();
  s.video_encoders = counters_.video_encoders.load();
  return s;
}

std::string CallMonitor::summary_line() const {
  char line[320];
  std::snprintf(line, sizeof line,
                "summary: sent_video_frames=%llu received_video_frames=%llu received_audio_buffers=%llu "
                "call_setup_ms=%lld calls_started=%llu",
                static_cast<unsigned long long>(counters_.sent_video_frames.load()),
                static_cast<unsigned long long>(counters_.received_video_frames.load()),
                static_cast<unsigned long long>(counters_.received_audio_buffers.load()),
                static_cast<long long>(call_setup_ms_), static_cast<unsigned long long>(calls_started_));
  return line;
}

}  // namespace sio::launcher
