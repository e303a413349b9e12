#include "recording_watch.hpp"

#include <cstdio>

GST_DEBUG_CATEGORY_STATIC(sio_recording_debug);
#define GST_CAT_DEFAULT sio_recording_debug

namespace sio::launcher {
namespace {

gpointer send_eos(gpointer pad) {
  if (!gst_pad_send_event(GST_PAD(pad), gst_event_new_eos())) {
    GST_WARNING_OBJECT(pad, "the muxer refused the EOS (flushing: the pipeline is stopping)");
  }
  gst_object_unref(pad);
  return nullptr;
}

}  // namespace

RecordingWatch::RecordingWatch(GstElement* mux) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(sio_recording_debug, "siowebrtc-recording", 0, "sio-webrtc: recordings finalised");
    g_once_init_leave(&debug_once, 1);
  }
  GstIterator* it = gst_element_iterate_sink_pads(mux);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto input = std::make_unique<Input>();
    input->pad = GST_PAD(g_value_dup_object(&item));
    input->probe = gst_pad_add_probe(
        input->pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        on_data, input.get(), nullptr);
    inputs_.push_back(std::move(input));
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

RecordingWatch::~RecordingWatch() {
  if (grace_id_) g_source_remove(grace_id_);
  for (auto& input : inputs_) {
    gst_pad_remove_probe(input->pad, input->probe);
    gst_object_unref(input->pad);
  }
}

GstPadProbeReturn RecordingWatch::on_data(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* input = static_cast<Input*>(data);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    input->buffers.fetch_add(1, std::memory_order_relaxed);
  } else if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
    input->eos = true;
  }
  return GST_PAD_PROBE_OK;
}

void RecordingWatch::on_stopping(guint grace_ms) {
  std::string carried;
  for (auto& input : inputs_) {
    carried += (carried.empty() ? "" : ", ") + std::string(GST_PAD_NAME(input->pad)) + " " +
               std::to_string(input->buffers.load()) + " buffers";
  }
  std::printf("recording: the muxer has taken %s\n", carried.c_str());
  std::fflush(stdout);
  if (grace_id_ == 0) grace_id_ = g_timeout_add(grace_ms, on_grace_over, this);
}

gboolean RecordingWatch::on_grace_over(gpointer data) {
  auto* self = static_cast<RecordingWatch*>(data);
  self->grace_id_ = 0;
  for (auto& input : self->inputs_) {
    if (input->eos) continue;
    std::fprintf(stderr,
                 "sio-webrtc: the recording's %s input had no EOS after it was sent (%llu buffers came in): "
                 "ending that input at the muxer so the file is finalised\n",
                 GST_PAD_NAME(input->pad), static_cast<unsigned long long>(input->buffers.load()));
    g_thread_unref(g_thread_new("sio-recording-eos", send_eos, gst_object_ref(input->pad)));
  }
  return G_SOURCE_REMOVE;
}

}  // namespace sio::launcher
