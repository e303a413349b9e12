#include "call_stats.hpp"

#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22
#endif
#include <gst/webrtc/webrtc.h>

#include <condition_variable>
#include <memory>
#include <set>
#include <utility>

#include "webrtc_glue.hpp"

namespace sio::gst {
namespace {

// A get-stats reply handed from webrtcbin's thread to the waiting one.
struct Reply {
  std::mutex mutex;
  std::condition_variable cond;
  bool done = false;
  GstStructure* stats = nullptr;  // owned copy
};

void on_reply(GstPromise* promise, gpointer data) {
  auto* reply = static_cast<std::shared_ptr<Reply>*>(data);
  GstStructure* copy = nullptr;
  if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
    const GstStructure* s = gst_promise_get_reply(promise);
    if (s != nullptr && !gst_structure_has_field(s, "error")) copy = gst_structure_copy(s);
  }
  std::lock_guard lock((*reply)->mutex);
  (*reply)->stats = copy;
  (*reply)->done = true;
  (*reply)->cond.notify_all();
}

}  // namespace

GstStructure* CallStats::collect(const std::vector<Call>& calls, guint timeout_ms) {
  GValue array = G_VALUE_INIT;
  gst_value_array_init(&array, static_cast<guint>(calls.size()));
  std::set<std::string> present;
  for (const auto& call : calls) {
    present.insert(call.peer);
    auto reply = std::make_shared<Reply>();
    GstPromise* promise = gst_promise_new_with_change_func(
        on_reply, new std::shared_ptr<Reply>(reply), [](gpointer p) { delete static_cast<std::shared_ptr<Reply>*>(p); });
    g_signal_emit_by_name(call.webrtcbin, "get-stats", nullptr, promise);
    GstStructure* stats = nullptr;
    {
      std::unique_lock lock(reply->mutex);
      // A closing webrtcbin may never answer: bounded.
      reply->cond.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return reply->done; });
      stats = std::exchange(reply->stats, nullptr);
    }
    release_promise(promise);  // unanswered after the wait: no reply wanted any more
    guint64 sent = 0, received = 0;
    gint64 lost = 0;
    double rtt = -1;
    for (gint i = 0; stats != nullptr && i < gst_structure_n_fields(stats); ++i) {
      const GValue* value = gst_structure_get_value(stats, gst_structure_nth_field_name(stats, i));
      if (!GST_VALUE_HOLDS_STRUCTURE(value)) continue;
      const GstStructure* s = gst_value_get_structure(value);
      GstWebRTCStatsType type;
      if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr)) continue;
      guint64 bytes = 0;
      double r = 0;
      if (type == GST_WEBRTC_STATS_OUTBOUND_RTP && gst_structure_get_uint64(s, "bytes-sent", &bytes)) sent += bytes;
      if (type == GST_WEBRTC_STATS_INBOUND_RTP) {
        if (gst_structure_get_uint64(s, "bytes-received", &bytes)) received += bytes;
        lost += stats_packets_lost(s);
      }
      if (type == GST_WEBRTC_STATS_REMOTE_INBOUND_RTP) {
        lost += stats_packets_lost(s);
        if (gst_structure_get_double(s, "round-trip-time", &r) && r > rtt) rtt = r;
      }
    }
    if (stats != nullptr) gst_structure_free(stats);
    GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    g_object_get(call.webrtcbin, "connection-state", &state, nullptr);
    guint64 bitrate_sent = 0, bitrate_received = 0;
    {
      std::lock_guard lock(mutex_);
      const gint64 now = g_get_monotonic_time();
      Previous& previous = previous_[call.peer];
      if (previous.at_us != 0 && now > previous.at_us) {
        const double seconds = (now - previous.at_us) / 1e6;
        if (sent >= previous.bytes_sent) bitrate_sent = static_cast<guint64>((sent - previous.bytes_sent) * 8 / seconds);
        if (received >= previous.bytes_received) {
          bitrate_received = static_cast<guint64>((received - previous.bytes_received) * 8 / seconds);
        }
      }
      previous = Previous{sent, received, now};
    }
    GstStructure* entry = gst_structure_new(
        "call", "peer-id", G_TYPE_STRING, call.peer.c_str(), "state", G_TYPE_STRING, connection_state_name(state),
        "bitrate-sent", G_TYPE_UINT64, bitrate_sent, "bitrate-received", G_TYPE_UINT64, bitrate_received,
        "bytes-sent", G_TYPE_UINT64, sent, "bytes-received", G_TYPE_UINT64, received, "packets-lost", G_TYPE_INT64,
        lost, "rtt", G_TYPE_DOUBLE, rtt, "send-queue-overruns", G_TYPE_UINT64, call.send_queue_overruns, nullptr);
    GValue item = G_VALUE_INIT;
    g_value_init(&item, GST_TYPE_STRUCTURE);
    gst_value_set_structure(&item, entry);
    gst_structure_free(entry);
    gst_value_array_append_and_take_value(&array, &item);
  }
  {
    // Calls that ended are forgotten (a peer calling again starts from zero).
    std::lock_guard lock(mutex_);
    for (auto it = previous_.begin(); it != previous_.end();) {
      it = present.count(it->first) ? std::next(it) : previous_.erase(it);
    }
  }
  GstStructure* result = gst_structure_new_empty("socketio-stats");
  gst_structure_take_value(result, "calls", &array);
  return result;
}

}  // namespace sio::gst
