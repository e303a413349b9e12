#include "media_watch.hpp"

#include "debug.hpp"

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
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(webrtcbin));
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* element = GST_ELEMENT(g_value_get_object(&item));
        if (is_ice_source(element) && g_object_get_qdata(G_OBJECT(element), watched_quark()) == nullptr) {
          g_object_set_qdata(G_OBJECT(element), watched_quark(), GINT_TO_POINTER(1));
          if (GstPad* src = gst_element_get_static_pad(element, "src")) {
            gst_pad_add_probe(src, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                              on_packet, new Stamp(last_), [](gpointer data) { delete static_cast<Stamp*>(data); });
            GST_DEBUG_OBJECT(webrtcbin, "watching %s for packets from the peer", GST_OBJECT_NAME(element));
            gst_object_unref(src);
          }
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

}  // namespace sio::gst
