#include "dtls_warmup.hpp"

#include <gst/gst.h>

#include <mutex>
#include <utility>
#include <vector>

#include "debug.hpp"

namespace sio::gst {

namespace {

std::mutex warmup_mutex;
bool warmup_started = false;
bool certificate_ready = false;
GThread* warmup_thread = nullptr;  // until joined
std::vector<std::function<void()>> waiting;  // when_dtls_ready callbacks, until the certificate exists

void announce_ready() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(warmup_mutex);
    certificate_ready = true;
    callbacks.swap(waiting);
  }
  for (auto& fn : callbacks) fn();
}

gpointer warm_up(gpointer) {
  const gint64 start = g_get_monotonic_time();
  // Creating it is enough: its init makes (or finds) the process's certificate.
  GstElement* dtlsdec = gst_element_factory_make("dtlsdec", nullptr);
  if (dtlsdec == nullptr) {
    GST_WARNING("no dtlsdec element: webrtcbin cannot work either (gstreamer1.0-plugins-bad)");
  } else {
    gst_object_unref(gst_object_ref_sink(dtlsdec));
    GST_INFO("DTLS certificate ready in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - start) / 1000);
  }
  // webrtcbin makes its first SRTP and libnice elements while it creates the first offer or
  // answer, and GStreamer loads their plugins (libsrtp2, libnice) from disk then: 60 ms of the
  // first call's offer here, several hundred with a browser starting beside it. Loaded now, they
  // cost no call anything (an absent one is webrtcbin's error to report, when a call needs it).
  for (const char* name : {"srtp", "nice"}) {
    const gint64 at = g_get_monotonic_time();
    if (GstPlugin* plugin = gst_plugin_load_by_name(name)) {
      gst_object_unref(plugin);
      GST_INFO("plugin %s loaded in %" G_GINT64_FORMAT " ms", name, (g_get_monotonic_time() - at) / 1000);
    }
  }
  announce_ready();
  return nullptr;
}

}  // namespace

void warm_up_dtls_certificate() {
  std::lock_guard lock(warmup_mutex);
  if (warmup_started) return;
  warmup_started = true;
  warmup_thread = g_thread_new("sio-dtls-warmup", warm_up, nullptr);
}

void when_dtls_ready(std::function<void()> fn) {
  {
    std::lock_guard lock(warmup_mutex);
    if (warmup_started && !certificate_ready) {
      waiting.push_back(std::move(fn));
      return;
    }
  }
  fn();
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
