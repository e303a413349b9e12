#include "media_counters.hpp"

#include <cstdio>

#include <gst/video/video.h>

namespace sio::launcher {
namespace {

struct Counting {
  std::atomic<uint64_t>* counter;
  const std::atomic<bool>* gate;
};

GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* counting = static_cast<Counting*>(data);
  if (counting->gate && !counting->gate->load()) return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    *counting->counter += gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  } else {
    *counting->counter += 1;
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

void count_buffers_on(GstPad* pad, std::atomic<uint64_t>& counter, const std::atomic<bool>* gate) {
  gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_buffer, new Counting{&counter, gate},
                    [](gpointer data) { delete static_cast<Counting*>(data); });
}

void count_keyframe_requests_on(GstPad* pad, std::atomic<uint64_t>& counter) {
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))) ++*static_cast<std::atomic<uint64_t>*>(data);
        return GST_PAD_PROBE_OK;
      },
      &counter, nullptr);
}

void print_first_frame_of_each_stream(GstPad* pad, GstPad* source) {
  struct Watch {
    GstPad* source;  // owned ref
    std::atomic<bool> armed{true};
    ~Watch() { gst_object_unref(source); }
  };
  gst_pad_add_probe(
      pad,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto* watch = static_cast<Watch*>(data);
        if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
          if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_STREAM_START) watch->armed = true;
          return GST_PAD_PROBE_OK;
        }
        if (!watch->armed.exchange(false)) return GST_PAD_PROBE_OK;
        gchar* peer = nullptr;
        if (g_object_class_find_property(G_OBJECT_GET_CLASS(watch->source), "peer-id"))
          g_object_get(watch->source, "peer-id", &peer, nullptr);
        std::printf("picture: first video frame from %s\n", peer != nullptr ? peer : "?");
        std::fflush(stdout);
        g_free(peer);
        return GST_PAD_PROBE_OK;
      },
      new Watch{GST_PAD(gst_object_ref(source))}, [](gpointer data) { delete static_cast<Watch*>(data); });
}

void count_buffers_on(GstPad* pad, std::shared_ptr<std::atomic<uint64_t>> counter) {
  gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto& c = **static_cast<std::shared_ptr<std::atomic<uint64_t>>*>(data);
        c += (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) ? gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info))
                                                           : 1;
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<std::atomic<uint64_t>>(std::move(counter)),
      [](gpointer data) { delete static_cast<std::shared_ptr<std::atomic<uint64_t>>*>(data); });
}

}  // namespace sio::launcher
