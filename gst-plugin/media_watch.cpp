#include "media_watch.hpp"

#include "debug.hpp"
#include "webrtc_glue.hpp"

namespace sio::gst {

namespace {

using Stamp = std::shared_ptr<std::atomic<gint64>>;

GQuark watched_quark() {
  static GQuark quark = g_quark_from_static_string("socketiosignaller-media-watched");
  return quark;
}

GstPadProbeReturn on_packet(GstPad*, GstPadProbeInfo*, gpointer data) {
  (*static_cast<Stamp*>(data))->store(g_get_monotonic_time(), std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

bool is_ice_source(GstElement* element) {
  GstElementFactory* factory = gst_element_get_factory(element);
  return factory != nullptr && g_str_equal(GST_OBJECT_NAME(factory), "nicesrc");
}

}  // namespace

void MediaWatch::watch(GstElement* webrtcbin) {
  for_each_element_in(GST_BIN(webrtcbin), [this, webrtcbin](GstElement* element) {
    if (!is_ice_source(element) || g_object_get_qdata(G_OBJECT(element), watched_quark()) != nullptr) return;
    g_object_set_qdata(G_OBJECT(element), watched_quark(), GINT_TO_POINTER(1));
    GstPad* src = gst_element_get_static_pad(element, "src");
    if (src == nullptr) return;
    gst_pad_add_probe(src, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      on_packet, new Stamp(last_), [](gpointer data) { delete static_cast<Stamp*>(data); });
    GST_DEBUG_OBJECT(webrtcbin, "watching %s for packets from the peer", GST_OBJECT_NAME(element));
    gst_object_unref(src);
  });
}

}  // namespace sio::gst
