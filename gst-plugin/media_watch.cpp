#include "media_watch.hpp"

#include "debug.hpp"
#include "webrtc_glue.hpp"

namespace sio::gst {

namespace {

using Stamp = std::shared_ptr<MediaWatch::State>;

GQuark watched_quark() {
  static GQuark quark = g_quark_from_static_string("socketiosignaller-media-watched");
  return quark;
}

// The payload type of an RTP packet; -1 for RTCP (payload types 64-95 with the marker bit: RFC
// 5761), DTLS, SCTP over DTLS or anything else (RFC 7983's first byte).
int rtp_payload_type(GstBuffer* buffer) {
  guint8 head[2];
  if (buffer == nullptr || gst_buffer_extract(buffer, 0, head, 2) != 2) return -1;
  const int payload_type = head[1] & 0x7f;
  if (head[0] < 128 || head[0] > 191 || (payload_type >= 64 && payload_type <= 95)) return -1;
  return payload_type;
}

const char* kind_name(uint8_t kind) {
  return kind == MediaWatch::kAudio ? "audio" : kind == MediaWatch::kVideo ? "video" : "other";
}

GstPadProbeReturn on_packet(GstPad*, GstPadProbeInfo* info, gpointer data) {
  MediaWatch::State& state = **static_cast<Stamp*>(data);
  const gint64 now = g_get_monotonic_time();
  state.last.store(now, std::memory_order_relaxed);
  constexpr uint8_t kBoth = MediaWatch::kAudio | MediaWatch::kVideo;  // then nothing is left to report
  if (!state.first_rtp || (state.reported.load(std::memory_order_relaxed) & kBoth) == kBoth) return GST_PAD_PROBE_OK;
  GstBuffer* first = GST_PAD_PROBE_INFO_BUFFER(info);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    first = gst_buffer_list_length(list) > 0 ? gst_buffer_list_get(list, 0) : nullptr;
  }
  const int payload_type = rtp_payload_type(first);
  if (payload_type < 0) return GST_PAD_PROBE_OK;
  uint8_t kind = state.kinds[payload_type].load(std::memory_order_relaxed);
  if (kind == 0) kind = MediaWatch::kOther;
  if ((state.reported.fetch_or(kind) & kind) == 0) state.first_rtp(now, kind_name(kind));
  return GST_PAD_PROBE_OK;
}

bool is_ice_source(GstElement* element) {
  GstElementFactory* factory = gst_element_get_factory(element);
  return factory != nullptr && g_str_equal(GST_OBJECT_NAME(factory), "nicesrc");
}

}  // namespace

void MediaWatch::set_media_kinds(const std::vector<std::pair<int, bool>>& payload_type_is_video) {
  for (const auto& [payload_type, video] : payload_type_is_video) {
    if (payload_type >= 0 && payload_type < 128) state_->kinds[payload_type].store(video ? kVideo : kAudio);
  }
}

void MediaWatch::watch(GstElement* webrtcbin) {
  for_each_element_in(GST_BIN(webrtcbin), [this, webrtcbin](GstElement* element) {
    if (!is_ice_source(element) || g_object_get_qdata(G_OBJECT(element), watched_quark()) != nullptr) return;
    g_object_set_qdata(G_OBJECT(element), watched_quark(), GINT_TO_POINTER(1));
    GstPad* src = gst_element_get_static_pad(element, "src");
    if (src == nullptr) return;
    gst_pad_add_probe(src, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      on_packet, new Stamp(state_), [](gpointer data) { delete static_cast<Stamp*>(data); });
    GST_DEBUG_OBJECT(webrtcbin, "watching %s for packets from the peer", GST_OBJECT_NAME(element));
    gst_object_unref(src);
  });
}

}  // namespace sio::gst
