#include "keyframe_recovery.hpp"

namespace sio::launcher {
namespace {

constexpr guint64 kMinRequestIntervalNs = 500 * GST_MSECOND;

void set_if_present(GstElement* element, const char* name, const GValue& value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(element), name) != nullptr) {
    g_object_set_property(G_OBJECT(element), name, &value);
  }
}

void configure(GstElement* element) {
  GValue yes = G_VALUE_INIT;
  g_value_init(&yes, G_TYPE_BOOLEAN);
  g_value_set_boolean(&yes, TRUE);
  // RTP depayloaders (rtpvp8depay, rtph264depay): ask when packets were lost.
  set_if_present(element, "request-keyframe", yes);
  // Video decoders (GstVideoDecoder): a stream that starts with a delta frame is dropped up to
  // its next keyframe, which is asked for at once.
  set_if_present(element, "automatic-request-sync-points", yes);
  g_value_unset(&yes);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(element), "min-force-key-unit-interval") != nullptr) {
    g_object_set(element, "min-force-key-unit-interval", kMinRequestIntervalNs, nullptr);
  }
}

void on_deep_element_added(GstBin*, GstBin*, GstElement* element, gpointer) { configure(element); }

}  // namespace

void recover_from_missing_keyframes(GstBin* bin) {
  g_signal_connect(bin, "deep-element-added", G_CALLBACK(on_deep_element_added), nullptr);
  GstIterator* it = gst_bin_iterate_recurse(bin);
  gst_iterator_foreach(
      it, [](const GValue* item, gpointer) { configure(GST_ELEMENT(g_value_get_object(item))); }, nullptr);
  gst_iterator_free(it);
}

}  // namespace sio::launcher
