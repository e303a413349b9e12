#include "send_branch.hpp"

#include <gst/rtp/gstrtpbuffer.h>

#include "debug.hpp"
#include "webrtc_glue.hpp"

namespace sio::gst {

namespace {

// A sending queue holds at most this much of one call's stream; a call that cannot keep up loses
// its oldest packets (then asks for a keyframe by PLI) instead of holding up the others.
constexpr guint64 kQueueMaxTime = 500 * GST_MSECOND;
constexpr guint kQueueMaxBytes = 4 * 1024 * 1024;
constexpr gint64 kOverrunLogIntervalUs = 5 * G_USEC_PER_SEC;
constexpr gint64 kNudgeIntervalUs = 50 * 1000;
constexpr const char* kNudge = "socketiosignaller-nudge";

// Marks the force-key-unit events the gate sends itself, so its own probe lets them through.
constexpr const char* kGateField = "socketiosignaller-gate";

bool is_force_key_unit(GstEvent* event) {
  return GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_UPSTREAM &&
         gst_structure_has_name(gst_event_get_structure(event), "GstForceKeyUnit");
}

GstEvent* force_key_unit_event() {
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                              gst_structure_new("GstForceKeyUnit", "running-time", G_TYPE_UINT64, GST_CLOCK_TIME_NONE,
                                                "all-headers", G_TYPE_BOOLEAN, TRUE, "count", G_TYPE_UINT, 0u,
                                                kGateField, G_TYPE_BOOLEAN, TRUE, nullptr));
}

GstCaps* with_payload(const GstCaps* caps, int payload_type) {
  GstCaps* copy = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(copy); ++i) {
    gst_structure_set(gst_caps_get_structure(copy, i), "payload", G_TYPE_INT, payload_type, nullptr);
  }
  return copy;
}

bool rewrite_payload_type(GstBuffer* buffer, int payload_type) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READWRITE, &rtp)) return false;
  gst_rtp_buffer_set_payload_type(&rtp, static_cast<guint8>(payload_type));
  gst_rtp_buffer_unmap(&rtp);
  return true;
}

int buffer_payload_type(GstBuffer* buffer) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) return -1;
  const int pt = gst_rtp_buffer_get_payload_type(&rtp);
  gst_rtp_buffer_unmap(&rtp);
  return pt;
}

bool pad_sending(GstPad* webrtcbin_pad) {
  if (webrtcbin_pad == nullptr) return false;
  if (!GST_IS_GHOST_PAD(webrtcbin_pad)) return true;
  GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(webrtcbin_pad));
  if (target == nullptr) return false;
  gst_object_unref(target);
  return true;
}

void set_msid(GstPad* webrtcbin_pad, const char* stream_id) {
  // One stream id for all our tracks: the chapter's receiver.html shows e.streams[0].
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(webrtcbin_pad), "msid") != nullptr) {
    g_object_set(webrtcbin_pad, "msid", stream_id, nullptr);
  }
}

std::shared_ptr<BranchState>* box(const std::shared_ptr<BranchState>& state) {
  return new std::shared_ptr<BranchState>(state);
}
void unbox(gpointer data) { delete static_cast<std::shared_ptr<BranchState>*>(data); }
BranchState& unboxed(gpointer data) { return **static_cast<std::shared_ptr<BranchState>*>(data); }

}  // namespace

// --- KeyframeGate ---------------------------------------------------------------------------

void KeyframeGate::install(GstPad* pad) {
  pad_ = pad;
  gst_pad_add_probe(pad,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_EVENT_UPSTREAM | GST_PAD_PROBE_TYPE_BUFFER |
                                                 GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    probe, this, nullptr);
}

bool KeyframeGate::admit(GstClockTime now) {
  std::lock_guard lock(mutex_);
  if (last_ == GST_CLOCK_TIME_NONE || now >= last_ + interval_) {
    last_ = now;
    held_ = false;
    return true;
  }
  held_ = true;
  return false;
}

void KeyframeGate::send(GstPad* pad) {
  ++forwarded_;
  gst_pad_push_event(pad, force_key_unit_event());
}

void KeyframeGate::request(const char* why, bool urgent) {
  if (pad_ == nullptr) return;
  const GstClockTime now = g_get_monotonic_time() * GST_USECOND;
  if (urgent) {
    std::lock_guard lock(mutex_);
    last_ = now;
    held_ = false;
  }
  if (urgent || admit(now)) {
    GST_DEBUG_OBJECT(pad_, "keyframe requested upstream: %s", why);
    send(pad_);
  } else {
    ++coalesced_;
    GST_DEBUG_OBJECT(pad_, "keyframe request held (one went up less than 500 ms ago): %s", why);
  }
}

GstPadProbeReturn KeyframeGate::probe(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<KeyframeGate*>(data);
  const GstClockTime now = g_get_monotonic_time() * GST_USECOND;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_UPSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (!is_force_key_unit(event)) return GST_PAD_PROBE_OK;
    if (gst_structure_has_field(gst_event_get_structure(event), kGateField)) return GST_PAD_PROBE_OK;
    if (self->admit(now)) {
      ++self->forwarded_;
      GST_DEBUG_OBJECT(pad, "keyframe request (PLI/FIR) forwarded upstream");
      return GST_PAD_PROBE_OK;
    }
    ++self->coalesced_;
    GST_LOG_OBJECT(pad, "keyframe request coalesced with the one sent less than 500 ms ago");
    return GST_PAD_PROBE_DROP;
  }
  // Data: a held request goes up once its interval is over.
  bool send_now = false;
  {
    std::lock_guard lock(self->mutex_);
    if (self->held_ && now >= self->last_ + self->interval_) {
      self->held_ = false;
      self->last_ = now;
      send_now = true;
    }
  }
  if (send_now) {
    GST_DEBUG_OBJECT(pad, "held keyframe request sent upstream");
    self->send(pad);
  }
  return GST_PAD_PROBE_OK;
}

// --- SendBranch -----------------------------------------------------------------------------

BranchState::~BranchState() {
  if (webrtcbin_pad != nullptr) gst_object_unref(webrtcbin_pad);
  if (upstream_caps != nullptr) gst_caps_unref(upstream_caps);
}

std::unique_ptr<SendBranch> SendBranch::make(GstBin* bin, GstElement* tee, GstElement* webrtcbin, const char* msid,
                                             std::shared_ptr<KeyframeGate> gate, const std::string& label) {
  GstPad* tee_sink = gst_element_get_static_pad(tee, "sink");
  GstCaps* caps = gst_pad_get_current_caps(tee_sink);
  gst_object_unref(tee_sink);
  GstPadTemplate* templ = gst_element_get_pad_template(webrtcbin, "sink_%u");
  GstPad* webrtcbin_pad = gst_element_request_pad(webrtcbin, templ, nullptr, caps);
  if (caps != nullptr) gst_caps_unref(caps);
  if (webrtcbin_pad == nullptr) {
    GST_WARNING_OBJECT(bin, "%s: webrtcbin refused a sink pad", label.c_str());
    return nullptr;
  }
  set_msid(webrtcbin_pad, msid);

  std::unique_ptr<SendBranch> branch(new SendBranch);
  branch->bin_ = bin;
  branch->tee_ = GST_ELEMENT(gst_object_ref(tee));
  branch->webrtcbin_ = GST_ELEMENT(gst_object_ref(webrtcbin));
  branch->state_ = std::make_shared<BranchState>();
  branch->state_->webrtcbin_pad = webrtcbin_pad;  // adopts the request's reference
  branch->state_->gate = std::move(gate);
  branch->state_->label = label;

  GstElement* queue = gst_element_factory_make("queue", nullptr);
  g_object_set(queue, "max-size-buffers", 0u, "max-size-bytes", kQueueMaxBytes, "max-size-time", kQueueMaxTime,
               nullptr);
  gst_util_set_object_arg(G_OBJECT(queue), "leaky", "downstream");
  branch->queue_ = GST_ELEMENT(gst_object_ref_sink(queue));
  g_signal_connect_data(queue, "overrun", G_CALLBACK(on_overrun), box(branch->state_),
                        [](gpointer data, GClosure*) { unbox(data); }, static_cast<GConnectFlags>(0));
  gst_bin_add(bin, queue);

  GstPad* queue_src = gst_element_get_static_pad(queue, "src");
  GstPad* queue_sink = gst_element_get_static_pad(queue, "sink");
  gst_pad_add_probe(queue_sink, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_queue_sink, box(branch->state_), unbox);
  gst_pad_add_probe(queue_src,
                    static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER |
                                                 GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_QUERY_BOTH),
                    on_queue_src, box(branch->state_), unbox);
  if (gst_pad_link(queue_src, webrtcbin_pad) != GST_PAD_LINK_OK) {
    GST_WARNING_OBJECT(bin, "%s: cannot link a queue to webrtcbin's %s", label.c_str(), GST_PAD_NAME(webrtcbin_pad));
  }
  // Running before the tee feeds it: a queue still in NULL would answer the tee with FLUSHING.
  gst_element_sync_state_with_parent(queue);
  // Under the tee sink's stream lock, so that no serialized event is half-way through the tee: a
  // new tee pad gets the sticky events its sink has stored, and an event is forwarded to the pads
  // the tee had when it came, so a pad requested while a segment was in flight got data before
  // any segment ("Got data flow before segment event", once in a clean CI run). The lock waits
  // for at most one push into the branches' leaky queues.
  GstPad* tee_sink_pad = gst_element_get_static_pad(tee, "sink");
  GST_PAD_STREAM_LOCK(tee_sink_pad);
  branch->tee_pad_ = gst_element_request_pad_simple(tee, "src_%u");
  GST_PAD_STREAM_UNLOCK(tee_sink_pad);
  gst_object_unref(tee_sink_pad);
  if (gst_pad_link(branch->tee_pad_, queue_sink) != GST_PAD_LINK_OK) {
    GST_WARNING_OBJECT(bin, "%s: cannot link the tee to its queue", label.c_str());
  }
  gst_object_unref(queue_src);
  gst_object_unref(queue_sink);
  return branch;
}

void SendBranch::unlink() {
  if (unlinked_) return;
  unlinked_ = true;
  GstPad* queue_sink = gst_element_get_static_pad(queue_, "sink");
  gst_pad_unlink(tee_pad_, queue_sink);
  gst_object_unref(queue_sink);
  gst_element_release_request_pad(tee_, tee_pad_);
}

void SendBranch::remove(bool release_webrtcbin_pad) {
  if (removed_) return;
  removed_ = true;
  unlink();
  gst_element_set_locked_state(queue_, TRUE);
  gst_element_set_state(queue_, GST_STATE_NULL);
  if (release_webrtcbin_pad && state_->webrtcbin_pad != nullptr &&
      GST_OBJECT_PARENT(state_->webrtcbin_pad) == GST_OBJECT(webrtcbin_)) {
    gst_element_release_request_pad(webrtcbin_, state_->webrtcbin_pad);
  }
  if (GST_OBJECT_PARENT(queue_) == GST_OBJECT(bin_)) gst_bin_remove(bin_, queue_);  // not when the bin is disposed
}

SendBranch::~SendBranch() {
  remove(false);
  gst_object_unref(tee_pad_);
  gst_object_unref(queue_);
  gst_object_unref(tee_);
  gst_object_unref(webrtcbin_);
}

void SendBranch::set_payload_type(int payload_type) { state_->payload_type = payload_type; }

int SendBranch::webrtcbin_payload_type() const {
  GstCaps* caps = gst_pad_get_current_caps(state_->webrtcbin_pad);
  const int pt = payload_type_of(caps);
  if (caps != nullptr) gst_caps_unref(caps);
  return pt;
}

bool SendBranch::webrtcbin_has_caps() const { return gst_pad_has_current_caps(state_->webrtcbin_pad); }

bool SendBranch::sending() const { return pad_sending(state_->webrtcbin_pad); }

// Tee thread. Until webrtcbin joins its pad to a negotiated, sending transceiver it holds the pad
// in a blocking probe, and forever if the call does not carry the stream: drop the data instead
// (events, caps above all, still go through: webrtcbin needs them to negotiate). When the stream
// starts going into the call, the peer's decoder needs a keyframe.
GstPadProbeReturn SendBranch::on_queue_sink(GstPad* pad, GstPadProbeInfo*, gpointer data) {
  BranchState& state = unboxed(data);
  if (!pad_sending(state.webrtcbin_pad)) {
    if (!state.dropped.exchange(true)) {
      GST_INFO_OBJECT(pad, "%s: no negotiated transceiver (yet): dropping its data meanwhile", state.label.c_str());
    }
    // webrtcbin describes the pad by its caps: when they did not get there (webrtcbin was not
    // running yet) or carry another payload type than the call now wants, a serialized event
    // through the queue sends them again (the queue's src pad pushes pending sticky events first,
    // and its probe re-sends rewritten caps), even though no buffer goes through.
    const int pt = state.payload_type;
    const bool stale = !gst_pad_has_current_caps(state.webrtcbin_pad) || (pt >= 0 && state.caps_payload != pt);
    const gint64 now = g_get_monotonic_time();
    if (stale && now - state.last_nudge_us >= kNudgeIntervalUs) {
      state.last_nudge_us = now;
      gst_pad_send_event(pad, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty(kNudge)));
    }
    return GST_PAD_PROBE_DROP;
  }
  if (state.dropped.exchange(false) && state.gate) state.gate->request("a call starts taking the stream");
  return GST_PAD_PROBE_OK;
}

// The call's queue thread: the caps that went by, with the payload type the call now wants.
void SendBranch::resend_caps(GstPad* queue_src, BranchState& state, int pt) {
  GstCaps* upstream = nullptr;
  {
    std::lock_guard lock(state.caps_mutex);
    if (state.upstream_caps != nullptr) upstream = gst_caps_ref(state.upstream_caps);
  }
  if (upstream == nullptr) return;
  GstCaps* rewritten = with_payload(upstream, pt);
  gst_caps_unref(upstream);
  GST_DEBUG_OBJECT(queue_src, "%s: payload type %d from now on", state.label.c_str(), pt);
  gst_pad_push_event(queue_src, gst_event_new_caps(rewritten));  // on_queue_src records it
  gst_caps_unref(rewritten);
}

// The call's queue thread: the payload type this call negotiated, on caps, buffers and caps queries.
GstPadProbeReturn SendBranch::on_queue_src(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  BranchState& state = unboxed(data);
  const int pt = state.payload_type;
  const GstPadProbeType type = GST_PAD_PROBE_INFO_TYPE(info);
  if (type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CUSTOM_DOWNSTREAM && gst_event_has_name(event, kNudge)) {
      if (pt >= 0 && state.caps_payload != pt) resend_caps(pad, state, pt);
      return GST_PAD_PROBE_DROP;  // it has done its work: pending caps went ahead of it
    }
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    {
      std::lock_guard lock(state.caps_mutex);
      gst_caps_replace(&state.upstream_caps, caps);
    }
    if (pt < 0) {
      state.caps_payload = payload_type_of(caps);
      return GST_PAD_PROBE_OK;
    }
    GstCaps* rewritten = with_payload(caps, pt);
    GstEvent* replacement = gst_event_new_caps(rewritten);
    gst_caps_unref(rewritten);
    gst_event_set_seqnum(replacement, gst_event_get_seqnum(event));
    gst_event_unref(event);
    GST_PAD_PROBE_INFO_DATA(info) = replacement;
    state.caps_payload = pt;
    return GST_PAD_PROBE_OK;
  }
  if (type & GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM) {
    // What webrtcbin takes, asked by the payloader through the tee: any payload type (this branch
    // rewrites it), or calls that negotiated different types would leave nothing in common.
    GstQuery* query = GST_PAD_PROBE_INFO_QUERY(info);
    if (!(type & GST_PAD_PROBE_TYPE_PULL) || GST_QUERY_TYPE(query) != GST_QUERY_CAPS) return GST_PAD_PROBE_OK;
    GstCaps* result = nullptr;
    gst_query_parse_caps_result(query, &result);
    if (result != nullptr && !gst_caps_is_empty(result) && !gst_caps_is_any(result)) {
      GstCaps* any_payload = gst_caps_copy(result);
      for (guint i = 0; i < gst_caps_get_size(any_payload); ++i) {
        gst_structure_remove_field(gst_caps_get_structure(any_payload, i), "payload");
      }
      gst_query_set_caps_result(query, any_payload);
      gst_caps_unref(any_payload);
    }
    return GST_PAD_PROBE_OK;
  }
  if (type & GST_PAD_PROBE_TYPE_QUERY_UPSTREAM) {
    GstQuery* query = GST_PAD_PROBE_INFO_QUERY(info);
    if (pt < 0 || !(type & GST_PAD_PROBE_TYPE_PULL) || GST_QUERY_TYPE(query) != GST_QUERY_CAPS) {
      return GST_PAD_PROBE_OK;
    }
    GstCaps* result = nullptr;
    gst_query_parse_caps_result(query, &result);
    if (result != nullptr && !gst_caps_is_empty(result) && !gst_caps_is_any(result)) {
      GstCaps* rewritten = with_payload(result, pt);
      gst_query_set_caps_result(query, rewritten);
      gst_caps_unref(rewritten);
    }
    return GST_PAD_PROBE_OK;
  }
  if (pt < 0) return GST_PAD_PROBE_OK;
  // The call's payload type was set after the caps went by: send them again first.
  if (state.caps_payload != pt) resend_caps(pad, state, pt);
  if (type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buffer_payload_type(buffer) == pt) return GST_PAD_PROBE_OK;
    buffer = gst_buffer_make_writable(buffer);  // the tee shares it with the other calls
    rewrite_payload_type(buffer, pt);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    return GST_PAD_PROBE_OK;
  }
  GstBufferList* list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  gst_buffer_list_foreach(
      list,
      [](GstBuffer** buffer, guint, gpointer user) -> gboolean {
        const int payload = GPOINTER_TO_INT(user);
        if (buffer_payload_type(*buffer) != payload) {
          *buffer = gst_buffer_make_writable(*buffer);
          rewrite_payload_type(*buffer, payload);
        }
        return TRUE;
      },
      GINT_TO_POINTER(pt));
  GST_PAD_PROBE_INFO_DATA(info) = list;
  return GST_PAD_PROBE_OK;
}

// Tee thread: the call's queue is full (it cannot send as fast as the encoder makes data).
void SendBranch::on_overrun(GstElement* queue, gpointer data) {
  BranchState& state = unboxed(data);
  ++state.overruns;
  const gint64 now = g_get_monotonic_time();
  if (now - state.last_overrun_log_us < kOverrunLogIntervalUs) return;
  state.last_overrun_log_us = now;
  GST_WARNING_OBJECT(queue,
                     "%s: this call's send queue is full (500 ms or 4 MB): it cannot keep up, its oldest packets "
                     "are dropped (%" G_GUINT64_FORMAT " times so far); the other calls are not held up",
                     state.label.c_str(), state.overruns.load());
}

}  // namespace sio::gst
