#include "media_counters.hpp"

namespace sio::launcher {
namespace {

GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* counter = static_cast<std::atomic<uint64_t>*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    *counter += gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  } else {
    *counter += 1;
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

void count_buffers_on(GstPad* pad, std::atomic<uint64_t>& counter) {
  gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_buffer, &counter, nullptr);
}

}  // namespace sio::launcher
