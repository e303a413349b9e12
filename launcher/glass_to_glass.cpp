#include "glass_to_glass.hpp"

#include <gst/video/video.h>

#include <algorithm>

#include "frame_stamp.hpp"

GST_DEBUG_CATEGORY_STATIC(sio_g2g_debug);
#define GST_CAT_DEFAULT sio_g2g_debug

namespace sio::launcher {
namespace {

void init_debug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(sio_g2g_debug, "siowebrtc-g2g", 0, "sio-webrtc glass-to-glass stamps");
    g_once_init_leave(&once, 1);
  }
}

double wall_ms() { return static_cast<double>(g_get_real_time()) / 1000.0; }

// The picture's component to draw into or read: luma, or green for RGB (white and black are the
// same in every component).
bool component_of(const GstVideoFrame& frame, int& component) {
  const GstVideoFormatInfo* info = frame.info.finfo;
  if (GST_VIDEO_FORMAT_INFO_IS_YUV(info) || GST_VIDEO_FORMAT_INFO_IS_GRAY(info)) {
    component = GST_VIDEO_COMP_Y;
  } else if (GST_VIDEO_FORMAT_INFO_IS_RGB(info)) {
    component = GST_VIDEO_COMP_G;
  } else {
    return false;
  }
  // 8 bits per component, not packed below a byte, not tiled.
  return GST_VIDEO_FORMAT_INFO_DEPTH(info, component) == 8 && !GST_VIDEO_FORMAT_INFO_IS_TILED(info) &&
         GST_VIDEO_FORMAT_INFO_BITS(info) == 8;
}

template <typename P>
P plane_of(GstVideoFrame& frame, int component) {
  using Data = decltype(P::data);
  return P{static_cast<Data>(GST_VIDEO_FRAME_COMP_DATA(&frame, component)), GST_VIDEO_FRAME_COMP_STRIDE(&frame, component),
           GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, component), GST_VIDEO_FRAME_COMP_WIDTH(&frame, component),
           GST_VIDEO_FRAME_COMP_HEIGHT(&frame, component)};
}

// The video info of a pad's current caps, kept from its CAPS events (parsing caps per frame is
// most of a probe's cost).
struct FrameFormat {
  GstVideoInfo info;
  bool known = false;
  void set(GstCaps* caps) { known = caps != nullptr && gst_video_info_from_caps(&info, caps); }
  explicit FrameFormat(GstPad* pad) {
    GstCaps* caps = gst_pad_get_current_caps(pad);  // the probe may come after the caps
    set(caps);
    if (caps) gst_caps_unref(caps);
  }
  // A CAPS event: take it; false for any other event.
  bool on_event(GstPadProbeInfo* info) {
    if (!(GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)) return false;
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      set(caps);
    }
    return true;
  }
  // `buffer` as a video frame (unmap it after); false when it is not one.
  bool map(GstBuffer* buffer, GstMapFlags flags, GstVideoFrame& frame) {
    return known && gst_video_frame_map(&frame, &info, buffer, flags);
  }
};

constexpr auto kFrameProbe = static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM);

GstPadProbeReturn on_raw_frame(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* format = static_cast<FrameFormat*>(data);
  if (format->on_event(info)) return GST_PAD_PROBE_OK;
  GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstVideoFrame frame;
  if (!format->map(buffer, GST_MAP_WRITE, frame)) return GST_PAD_PROBE_OK;
  int component = 0;
  if (component_of(frame, component)) {
    const uint32_t word = stamp::encode(static_cast<uint64_t>(wall_ms()));
    if (GST_VIDEO_FORMAT_INFO_IS_RGB(frame.info.finfo)) {
      for (int c : {GST_VIDEO_COMP_R, GST_VIDEO_COMP_G, GST_VIDEO_COMP_B})
        stamp::draw(plane_of<stamp::Plane>(frame, c), word, 0, 255);
    } else if (GST_VIDEO_FORMAT_INFO_IS_GRAY(frame.info.finfo)) {
      stamp::draw(plane_of<stamp::Plane>(frame, component), word, 0, 255);
    } else {
      stamp::draw(plane_of<stamp::Plane>(frame, component), word, 16, 235);
    }
  }
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

struct Reader {
  GlassToGlass* meter;
  FrameFormat format;
  guint64 frames = 0;
  double upstream_latency_ms = 0;
  bool warned = false;
};

// What a synchronised sink would have been told: the latency upstream of `pad`.
double upstream_latency_ms(GstPad* pad) {
  GstQuery* query = gst_query_new_latency();
  double ms = 0;
  if (gst_pad_peer_query(pad, query)) {
    gboolean live = FALSE;
    GstClockTime min = 0;
    gst_query_parse_latency(query, &live, &min, nullptr);
    if (live && GST_CLOCK_TIME_IS_VALID(min)) ms = static_cast<double>(min) / GST_MSECOND;
  }
  gst_query_unref(query);
  return ms;
}

// How long after now a sink synchronised to the clock shows `buffer`: running time + base time +
// upstream latency, on the element's clock (0 when it is already late, or cannot tell).
double wait_before_shown_ms(GstPad* pad, GstBuffer* buffer, double latency_ms) {
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) return 0;
  GstEvent* event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  if (!event) return 0;
  const GstSegment* segment = nullptr;
  gst_event_parse_segment(event, &segment);
  const guint64 running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
  gst_event_unref(event);
  GstElement* element = gst_pad_get_parent_element(pad);
  if (!element) return 0;
  double wait = 0;
  if (GstClock* clock = gst_element_get_clock(element)) {
    const GstClockTime now = gst_clock_get_time(clock);
    const GstClockTime base = gst_element_get_base_time(element);
    if (GST_CLOCK_TIME_IS_VALID(running)) {
      const double shown = static_cast<double>(base + running) + latency_ms * GST_MSECOND;
      wait = std::max(0.0, (shown - static_cast<double>(now)) / GST_MSECOND);
    }
    gst_object_unref(clock);
  }
  gst_object_unref(element);
  return wait;
}

GstPadProbeReturn on_decoded_frame(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* reader = static_cast<Reader*>(data);
  if (reader->format.on_event(info)) return GST_PAD_PROBE_OK;
  const double now = wall_ms();
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstVideoFrame frame;
  if (!reader->format.map(buffer, GST_MAP_READ, frame)) return GST_PAD_PROBE_OK;
  std::optional<uint32_t> word;
  int component = 0;
  if (component_of(frame, component)) word = stamp::read(plane_of<stamp::ConstPlane>(frame, component));
  gst_video_frame_unmap(&frame);
  const std::optional<uint32_t> sent = word ? stamp::decode(*word) : std::nullopt;
  if (!sent) return GST_PAD_PROBE_OK;
  // The latency changes when the pipeline recomputes it: asked again every 30 stamped frames.
  if (reader->frames++ % 30 == 0) reader->upstream_latency_ms = upstream_latency_ms(pad);
  const double decoded = static_cast<double>(stamp::age_ms(*sent, static_cast<uint64_t>(now)));
  if (decoded < 0 && !reader->warned) {
    reader->warned = true;
    GST_WARNING_OBJECT(pad, "a stamp %.0f ms in the future: the sender's clock is ahead of ours", -decoded);
  }
  if (reader->meter->add(decoded, decoded + wait_before_shown_ms(pad, buffer, reader->upstream_latency_ms),
                         reader->upstream_latency_ms)) {
    GST_INFO_OBJECT(pad, "more than %zu stamped frames: the run's figures keep the last %zu",
                    reader->meter->kept_limit(), reader->meter->kept_limit());
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

void stamp_frames_on(GstPad* pad) {
  init_debug();
  gst_pad_add_probe(pad, kFrameProbe, on_raw_frame, new FrameFormat(pad),
                    [](gpointer data) { delete static_cast<FrameFormat*>(data); });
}

void measure_stamps_on(GstPad* pad, GlassToGlass& meter) {
  init_debug();
  gst_pad_add_probe(pad, kFrameProbe, on_decoded_frame, new Reader{&meter, FrameFormat(pad)},
                    [](gpointer data) { delete static_cast<Reader*>(data); });
}

}  // namespace sio::launcher
