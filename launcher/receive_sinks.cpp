#include "receive_sinks.hpp"

#include <glib.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <cstring>

#include "gobject_ptr.hpp"
#include "keyframe_recovery.hpp"

GST_DEBUG_CATEGORY_STATIC(sio_receive_debug);
#define GST_CAT_DEFAULT sio_receive_debug

namespace sio::launcher {
namespace {

bool has_display() {
  const char* x11 = g_getenv("DISPLAY");
  const char* wayland = g_getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
}

// One chain per stream, from an element named "in" to one named "count" whose sink pad is
// counted. Recording keeps the sender's encoding (parsebin: depayloader + parser) and leaves
// the src pad of "out" for the muxer.
std::string chain_description(SinkKind kind, bool video) {
  switch (kind) {
    case SinkKind::Window:
      return video ? "queue name=in ! decodebin ! videoconvert ! identity name=count ! autovideosink"
                   : "queue name=in ! decodebin ! audioconvert ! audioresample ! identity name=count ! autoaudiosink";
    case SinkKind::Fake:
      return "queue name=in ! decodebin ! fakesink name=count sync=false async=false";
    case SinkKind::File:
      // The leaky queue before the muxer: matroskamux waits until every stream has data, and a
      // stream that stops must never block webrtcbin's threads (the element could not end the
      // call); a stall of more than 5 s drops the oldest data instead.
      return "queue name=in ! parsebin ! identity name=count ! queue name=out max-size-buffers=0 "
             "max-size-bytes=0 max-size-time=5000000000 leaky=downstream";
  }
  return {};
}

}  // namespace

SinkKind resolve_sink(const LaunchOptions& options) {
  switch (options.sink) {
    case SinkChoice::Fake:
      return SinkKind::Fake;
    case SinkChoice::File:
      return SinkKind::File;
    case SinkChoice::Auto:
      break;
  }
  return has_display() ? SinkKind::Window : SinkKind::Fake;
}

std::vector<NeededElement> receive_elements(SinkKind kind) {
  const std::string why = "received media";
  std::vector<NeededElement> needed = {{"queue", why}, {"identity", why}};
  switch (kind) {
    case SinkKind::Window:
      for (const char* f : {"decodebin", "videoconvert", "audioconvert", "audioresample", "autovideosink",
                            "autoaudiosink", "vp8dec", "avdec_h264", "opusdec"})
        needed.push_back({f, "--sink=auto (play received media)"});
      break;
    case SinkKind::Fake:
      for (const char* f : {"decodebin", "fakesink", "vp8dec", "avdec_h264", "opusdec"})
        needed.push_back({f, "decoding received media"});
      break;
    case SinkKind::File:
      for (const char* f : {"parsebin", "matroskamux", "filesink", "rtpvp8depay", "rtph264depay", "h264parse",
                            "rtpopusdepay", "opusparse"})
        needed.push_back({f, "--sink=FILE.mkv"});
      break;
  }
  return needed;
}

ReceiveSinks::ReceiveSinks(GstElement* pipeline, GstElement* signaller, SinkKind kind, std::string file,
                           MediaCounters& counters)
    : pipeline_(pipeline), signaller_(signaller), kind_(kind), file_(std::move(file)), counters_(counters) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(sio_receive_debug, "siowebrtc-receive", 0, "sio-webrtc receiving side");
    g_once_init_leave(&debug_once, 1);
  }
  handler_ = g_signal_connect(signaller_, "pad-added", G_CALLBACK(on_pad_added), this);
  if (kind_ == SinkKind::File)
    call_ended_handler_ = g_signal_connect(signaller_, "call-ended", G_CALLBACK(on_call_ended), this);
}

ReceiveSinks::~ReceiveSinks() {
  if (handler_) g_signal_handler_disconnect(signaller_, handler_);
  if (call_ended_handler_) g_signal_handler_disconnect(signaller_, call_ended_handler_);
  if (absent_timer_) g_source_remove(absent_timer_);
  for (auto* reserved : {&reserved_video_, &reserved_audio_})
    for (GstPad* pad : *reserved) gst_object_unref(pad);
  for (auto& stream : recorded_) {
    gst_object_unref(stream.feed);
    gst_object_unref(stream.count_src);
  }
}

void ReceiveSinks::on_call_ended(GstElement*, const gchar*, const gchar*, gpointer self) {
  static_cast<ReceiveSinks*>(self)->finish_recording("the call ended");
}

// Ends the reserved pads nothing came to. Only pads no thread pushes into: safe to send EOS.
void ReceiveSinks::end_reserved_pads(const char* why) {
  for (auto* reserved : {&reserved_video_, &reserved_audio_}) {
    for (GstPad* pad : *reserved) {
      g_print("recording: no %s stream came (%s); the file has the others\n",
              reserved == &reserved_video_ ? "video" : "audio", why);
      gst_pad_send_event(pad, gst_event_new_eos());
      gst_object_unref(pad);
    }
    reserved->clear();
  }
}

gboolean ReceiveSinks::on_absent_timeout(gpointer data) {
  auto* self = static_cast<ReceiveSinks*>(data);
  std::lock_guard lock(self->mutex_);
  self->absent_timer_ = 0;
  self->end_reserved_pads("announced by the peer, none within 3 s");
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn drop_buffers(GstPad*, GstPadProbeInfo*, gpointer) { return GST_PAD_PROBE_DROP; }

void ReceiveSinks::finish_recording(const char* why) {
  std::lock_guard lock(mutex_);
  if (!mux_ || recording_finished_) return;
  recording_finished_ = true;
  // Stop feeding the muxer first (later calls on the same pads are still counted), then end each
  // stream through its leaky queue, which never holds its sink pad for long.
  for (auto& stream : recorded_) {
    gst_pad_add_probe(stream.count_src,
                      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      drop_buffers, nullptr, nullptr);
    gst_pad_send_event(stream.feed, gst_event_new_eos());
  }
  end_reserved_pads(why);
  g_print("recording: %s finished (%s); later calls are counted, not recorded\n", file_.c_str(), why);
}

void ReceiveSinks::on_pad_added(GstElement*, GstPad* pad, gpointer self) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  static_cast<ReceiveSinks*>(self)->link(pad);
}

GstElement* ReceiveSinks::muxer() {
  if (mux_) return mux_;
  GstElement* mux = gst_element_factory_make("matroskamux", "recording_mux");
  GstElement* sink = gst_element_factory_make("filesink", "recording_file");
  if (!mux || !sink) {
    if (mux) gst_object_unref(gst_object_ref_sink(mux));
    if (sink) gst_object_unref(gst_object_ref_sink(sink));
    return nullptr;
  }
  // A seekable file: the index and duration are written at EOS (--duration / Ctrl-C send it).
  g_object_set(mux, "streamable", FALSE, nullptr);
  g_object_set(sink, "location", file_.c_str(), "async", FALSE, nullptr);
  // matroskamux writes its header once every pad has data and takes no stream after that, while
  // webrtcbin adds each stream's pad when its first packet comes. So reserve a pad for every
  // stream the peer's description says it sends before any data flows (the first stream's pad
  // is added after the descriptions are set); a reserved pad nothing comes to gets EOS at stop.
  int videos = 0, audios = 0;
  count_remote_streams(videos, audios);
  for (int i = 0; i < videos; ++i) reserved_video_.push_back(gst_element_request_pad_simple(mux, "video_%u"));
  for (int i = 0; i < audios; ++i) reserved_audio_.push_back(gst_element_request_pad_simple(mux, "audio_%u"));
  GST_INFO("recording %d video and %d audio stream(s) to %s", videos, audios, file_.c_str());
  gst_bin_add_many(GST_BIN(pipeline_), mux, sink, nullptr);
  gst_element_link(mux, sink);
  gst_element_sync_state_with_parent(sink);
  gst_element_sync_state_with_parent(mux);
  mux_ = mux;
  return mux_;
}

void ReceiveSinks::count_remote_streams(int& videos, int& audios) {
  GstElement* webrtcbin = nullptr;
  g_object_get(signaller_, "webrtcbin", &webrtcbin, nullptr);
  if (!webrtcbin) return;
  GstWebRTCSessionDescription* remote = nullptr;
  g_object_get(webrtcbin, "remote-description", &remote, nullptr);
  gst_object_unref(webrtcbin);
  if (!remote) return;
  for (guint i = 0; i < gst_sdp_message_medias_len(remote->sdp); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(remote->sdp, i);
    // The remote's direction: does it send on this m-line?
    if (gst_sdp_media_get_attribute_val(media, "recvonly") || gst_sdp_media_get_attribute_val(media, "inactive"))
      continue;
    if (gst_sdp_media_get_port(media) == 0 && !gst_sdp_media_get_attribute_val(media, "bundle-only")) continue;
    const char* kind = gst_sdp_media_get_media(media);
    if (g_strcmp0(kind, "video") == 0) ++videos;
    if (g_strcmp0(kind, "audio") == 0) ++audios;
  }
  gst_webrtc_session_description_free(remote);
}

GstPad* ReceiveSinks::take_mux_pad(bool video) {
  auto& reserved = video ? reserved_video_ : reserved_audio_;
  if (reserved.empty()) return nullptr;
  GstPad* pad = reserved.front();
  reserved.erase(reserved.begin());
  return pad;
}


void ReceiveSinks::link(GstPad* pad) {
  std::lock_guard lock(mutex_);
  glib::GCharPtr name(gst_pad_get_name(pad));
  const bool video = g_str_has_prefix(name.get(), "video");
  if (!video && !g_str_has_prefix(name.get(), "audio")) return;

  glib::GErrorPtr error;
  GError* raw_error = nullptr;
  // Ghost pads made by hand: ghost_unlinked_pads would pick the sink behind decodebin's
  // not-yet-linked src pad rather than the chain's first element.
  GstElement* bin = gst_parse_bin_from_description(chain_description(kind_, video).c_str(), FALSE, &raw_error);
  error.reset(raw_error);
  if (!bin) {
    GST_ELEMENT_ERROR(signaller_, CORE, MISSING_PLUGIN, ("Cannot build the receiving chain for %s", name.get()),
                      ("%s", error ? error->message : "?"));
    return;
  }
  std::string bin_name = std::string("receive_") + name.get();
  gst_object_set_name(GST_OBJECT(bin), bin_name.c_str());
  {
    glib::GObjectPtr<GstElement> in(gst_bin_get_by_name(GST_BIN(bin), "in"));
    glib::GObjectPtr<GstPad> in_pad(gst_element_get_static_pad(in.get(), "sink"));
    gst_element_add_pad(bin, gst_ghost_pad_new("sink", in_pad.get()));
    glib::GObjectPtr<GstElement> count(gst_bin_get_by_name(GST_BIN(bin), "count"));
    glib::GObjectPtr<GstPad> count_pad(gst_element_get_static_pad(count.get(), "sink"));
    count_buffers_on(count_pad.get(), video ? counters_.received_video_frames : counters_.received_audio_buffers);
    if (video) print_first_frame_of_each_stream(count_pad.get(), pad);
    if (video && kind_ != SinkKind::File) measure_stamps_on(count_pad.get(), counters_.glass_to_glass);
    // Recording: "out" is the chain's open end, for the muxer.
    if (glib::GObjectPtr<GstElement> out(gst_bin_get_by_name(GST_BIN(bin), "out")); out) {
      glib::GObjectPtr<GstPad> out_src(gst_element_get_static_pad(out.get(), "src"));
      gst_element_add_pad(bin, gst_ghost_pad_new("src", out_src.get()));
    }
  }
  if (video) recover_from_missing_keyframes(GST_BIN(bin));
  gst_bin_add(GST_BIN(pipeline_), bin);

  if (kind_ == SinkKind::File) {
    GstElement* mux = recording_finished_ ? nullptr : muxer();
    glib::GObjectPtr<GstPad> bin_src(gst_element_get_static_pad(bin, "src"));
    GstPad* mux_pad = mux ? take_mux_pad(video) : nullptr;  // transfer full
    if (mux_pad && gst_pad_link(bin_src.get(), mux_pad) == GST_PAD_LINK_OK) {
      glib::GObjectPtr<GstElement> out(gst_bin_get_by_name(GST_BIN(bin), "out"));
      glib::GObjectPtr<GstElement> count(gst_bin_get_by_name(GST_BIN(bin), "count"));
      recorded_.push_back({gst_element_get_static_pad(out.get(), "sink"), gst_element_get_static_pad(count.get(), "src")});
      if (recorded_.size() == 1 && !absent_timer_) absent_timer_ = g_timeout_add_seconds(3, on_absent_timeout, this);
    } else {
      // After the recorded call, or a stream the peer's description did not announce (matroskamux
      // takes no stream after its header): counted, not recorded.
      g_print("recording: %s not recorded (%s)\n", name.get(),
              recording_finished_ ? "the recording has finished" : "not announced before the file started");
      GstElement* drop = gst_element_factory_make("fakesink", nullptr);
      g_object_set(drop, "sync", FALSE, "async", FALSE, nullptr);
      gst_bin_add(GST_BIN(pipeline_), drop);
      glib::GObjectPtr<GstPad> drop_pad(gst_element_get_static_pad(drop, "sink"));
      gst_pad_link(bin_src.get(), drop_pad.get());
      gst_element_sync_state_with_parent(drop);
      if (mux_pad) gst_element_release_request_pad(mux, mux_pad);
    }
    if (mux_pad) gst_object_unref(mux_pad);
  }

  // Started before the call's pad links to it: a bin not yet started answers FLUSHING.
  gst_element_sync_state_with_parent(bin);
  glib::GObjectPtr<GstPad> sink(gst_element_get_static_pad(bin, "sink"));
  if (gst_pad_link(pad, sink.get()) != GST_PAD_LINK_OK) {
    GST_ELEMENT_ERROR(signaller_, CORE, NEGOTIATION, ("Cannot link received %s", name.get()), (nullptr));
    return;
  }
  const char* where = kind_ == SinkKind::Window ? (video ? "a window" : "the speakers")
                      : kind_ == SinkKind::Fake ? "decoded and counted (--sink=fake)"
                                                : file_.c_str();
  g_print("receiving %s -> %s\n", name.get(), where);
  GST_INFO("receiving %s", name.get());
}

}  // namespace sio::launcher
