#include "stream_pad.hpp"

#include "debug.hpp"

#include <mutex>

struct _GstSocketIoStreamPad {
  GstGhostPad parent;
  std::mutex* mutex;
  std::string* peer_id;
  GstCaps* caps;  // the stream's, or null (the template's)
  bool dropped;   // the last buffer found nobody downstream to take it (streaming thread only)
  gint started;   // a buffer of the current stream was taken downstream (g_atomic: reset per call)
};

G_DEFINE_TYPE(GstSocketIoStreamPad, gst_socketio_stream_pad, GST_TYPE_GHOST_PAD)

namespace {

enum { PROP_0, PROP_PEER_ID };

// Caps queries on the pad (a launch line's delayed link asks them when the pad appears, before
// any data): the stream's caps when known.
gboolean stream_pad_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    auto* self = GST_SOCKETIO_STREAM_PAD(pad);
    GstCaps* caps = nullptr;
    {
      std::lock_guard lock(*self->mutex);
      if (self->caps != nullptr) caps = gst_caps_ref(self->caps);
    }
    if (caps != nullptr) {
      GstCaps* filter = nullptr;
      gst_query_parse_caps(query, &filter);
      if (filter != nullptr) {
        GstCaps* both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(caps);
        caps = both;
      }
      gst_query_set_caps_result(query, caps);
      gst_caps_unref(caps);
      return TRUE;
    }
  }
  return gst_pad_query_default(pad, parent, query);
}

// Data from webrtcbin that downstream cannot take yet (pad not linked, or linked to elements not
// yet started, which answer FLUSHING) is dropped, not returned: either answer would stop
// webrtcbin's jitter buffer for good, and with it the stream. When a video stream is first taken,
// and when it is taken again after a drop, the peer is asked for a keyframe (webrtcbin sends a
// PLI/FIR): the one that started the stream may not have reached the decoder (dropped here, or
// lost before webrtcbin had the pad), and a browser sends the next only when asked.
GstFlowReturn after_push(GstPad* internal, GstObject* parent, GstFlowReturn ret) {
  auto* self = GST_SOCKETIO_STREAM_PAD(parent);
  if (ret == GST_FLOW_NOT_LINKED || (ret == GST_FLOW_FLUSHING && !GST_PAD_IS_FLUSHING(GST_PAD(self)))) {
    if (!self->dropped) GST_DEBUG_OBJECT(self, "downstream takes nothing (%s): dropping", gst_flow_get_name(ret));
    self->dropped = true;
    return GST_FLOW_OK;
  }
  if (ret == GST_FLOW_OK && (self->dropped || !g_atomic_int_get(&self->started))) {
    GST_INFO_OBJECT(self, "downstream takes the stream%s", self->dropped ? " again" : "");
    self->dropped = false;
    g_atomic_int_set(&self->started, 1);
    if (g_str_has_prefix(GST_PAD_NAME(self), "video")) {
      GST_INFO_OBJECT(self, "asking the peer for a keyframe");
      gst_pad_push_event(internal, gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                                                        gst_structure_new("GstForceKeyUnit", "all-headers",
                                                                          G_TYPE_BOOLEAN, TRUE, nullptr)));
    }
  }
  return ret;
}

GstFlowReturn internal_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  return after_push(pad, parent, gst_proxy_pad_chain_default(pad, parent, buffer));
}

GstFlowReturn internal_chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  return after_push(pad, parent, gst_proxy_pad_chain_list_default(pad, parent, list));
}

}  // namespace

static void gst_socketio_stream_pad_init(GstSocketIoStreamPad* self) {
  self->mutex = new std::mutex;
  self->peer_id = new std::string;
  self->caps = nullptr;
  self->dropped = false;
  self->started = 0;
}

static void gst_socketio_stream_pad_finalize(GObject* object) {
  auto* self = GST_SOCKETIO_STREAM_PAD(object);
  delete self->mutex;
  delete self->peer_id;
  if (self->caps != nullptr) gst_caps_unref(self->caps);
  G_OBJECT_CLASS(gst_socketio_stream_pad_parent_class)->finalize(object);
}

static void gst_socketio_stream_pad_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_SOCKETIO_STREAM_PAD(object);
  if (prop_id != PROP_PEER_ID) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    return;
  }
  std::lock_guard lock(*self->mutex);
  g_value_set_string(value, self->peer_id->empty() ? nullptr : self->peer_id->c_str());
}

static void gst_socketio_stream_pad_class_init(GstSocketIoStreamPadClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->finalize = gst_socketio_stream_pad_finalize;
  gobject_class->get_property = gst_socketio_stream_pad_get_property;
  g_object_class_install_property(
      gobject_class, PROP_PEER_ID,
      g_param_spec_string("peer-id", "Peer ID", "Socket id of the peer whose stream this pad carries", nullptr,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

namespace sio::gst {

GstPad* stream_pad_new(const char* name, GstPad* target, GstPadTemplate* templ) {
  auto* pad = GST_PAD(g_object_new(GST_TYPE_SOCKETIO_STREAM_PAD, "name", name, "direction", GST_PAD_SRC, "template",
                                   templ, nullptr));
  if (target != nullptr) gst_ghost_pad_set_target(GST_GHOST_PAD(pad), target);
  gst_pad_set_query_function(pad, stream_pad_query);
  GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(pad)));
  gst_pad_set_chain_function(internal, internal_chain);
  gst_pad_set_chain_list_function(internal, internal_chain_list);
  gst_object_unref(internal);
  return pad;
}

void stream_pad_set_stream(GstPad* pad, const std::string& peer_id, GstCaps* caps) {
  auto* self = GST_SOCKETIO_STREAM_PAD(pad);
  {
    std::lock_guard lock(*self->mutex);
    *self->peer_id = peer_id;
    gst_caps_replace(&self->caps, caps);
  }
  g_atomic_int_set(&self->started, 0);  // the next call's stream: a keyframe again
  g_object_notify(G_OBJECT(pad), "peer-id");
}

std::string stream_pad_peer(GstPad* pad) {
  auto* self = GST_SOCKETIO_STREAM_PAD(pad);
  std::lock_guard lock(*self->mutex);
  return *self->peer_id;
}

}  // namespace sio::gst
