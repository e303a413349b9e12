#include "dtls_warmup.hpp"

#include <gst/gst.h>

#include <mutex>

#include "debug.hpp"

namespace sio::gst {

namespace {

std::mutex warmup_mutex;
bool warmup_started = false;
GThread* warmup_thread = nullptr;  // until joined

gpointer warm_up(gpointer) {
  const gint64 start = g_get_monotonic_time();
  // Creating it is enough: its init makes (or finds) the process's certificate.
  GstElement* dtlsdec = gst_element_factory_make("dtlsdec", nullptr);
  if (dtlsdec == nullptr) {
    GST_WARNING("no dtlsdec element: webrtcbin cannot work either (gstreamer1.0-plugins-bad)");
    return nullptr;
  }
  gst_object_unref(gst_object_ref_sink(dtlsdec));
  GST_INFO("DTLS certificate ready in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - start) / 1000);
  return nullptr;
}

}  // namespace

void warm_up_dtls_certificate() {
  std::lock_guard lock(warmup_mutex);
  if (warmup_started) return;
  warmup_started = true;
  warmup_thread = g_thread_new("sio-dtls-warmup", warm_up, nullptr);
}

void finish_dtls_warmup() {
  GThread* thread = nullptr;
  {
    std::lock_guard lock(warmup_mutex);
    thread = warmup_thread;
    warmup_thread = nullptr;
  }
  if (thread != nullptr) g_thread_join(thread);
}

}  // namespace sio::gst
