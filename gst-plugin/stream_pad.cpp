#include "stream_pad.hpp"

#include <mutex>

struct _GstSocketIoStreamPad {
  GstGhostPad parent;
  std::mutex* mutex;
  std::string* peer_id;
  GstCaps* caps;  // the stream's, or null (the template's)
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

}  // namespace

static void gst_socketio_stream_pad_init(GstSocketIoStreamPad* self) {
  self->mutex = new std::mutex;
  self->peer_id = new std::string;
  self->caps = nullptr;
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
  return pad;
}

void stream_pad_set_stream(GstPad* pad, const std::string& peer_id, GstCaps* caps) {
  auto* self = GST_SOCKETIO_STREAM_PAD(pad);
  {
    std::lock_guard lock(*self->mutex);
    *self->peer_id = peer_id;
    gst_caps_replace(&self->caps, caps);
  }
  g_object_notify(G_OBJECT(pad), "peer-id");
}

std::string stream_pad_peer(GstPad* pad) {
  auto* self = GST_SOCKETIO_STREAM_PAD(pad);
  std::lock_guard lock(*self->mutex);
  return *self->peer_id;
}

}  // namespace sio::gst
