#include "mix_sinks.hpp"

#include <cmath>
#include <cstdio>
#include <functional>

#include "gobject_ptr.hpp"
#include "keyframe_recovery.hpp"
#include "main_context.hpp"

GST_DEBUG_CATEGORY_STATIC(sio_mix_debug);
#define GST_CAT_DEFAULT sio_mix_debug

namespace sio::launcher {
namespace {

constexpr int kTileWidth = 320;
constexpr int kTileHeight = 240;
// Inputs come through webrtcbin's jitter buffer and a decoder: the mixers wait this much longer
// for them before they output a frame without them.
constexpr guint64 kMixLatencyNs = 400 * GST_MSECOND;

std::string mix_description(SinkKind kind, int width, int height) {
  const std::string latency = std::to_string(kMixLatencyNs);
  std::string video_out, audio_out, file;
  switch (kind) {
    case SinkKind::Window:
      video_out = "autovideosink";
      audio_out = "autoaudiosink";
      break;
    case SinkKind::Fake:
      video_out = "fakesink sync=false async=false";
      audio_out = "fakesink sync=false async=false";
      break;
    case SinkKind::File:
      // The compositor stays on time whatever the encoder does (a leaky queue lets the encoder
      // skip pictures), so the recording keeps up with the calls on a loaded machine.
      video_out = "queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0 ! "
                  "vp8enc deadline=1 cpu-used=4 lag-in-frames=0 target-bitrate=2000000 keyframe-max-dist=60 ! "
                  "queue ! mixmux.";
      audio_out = "opusenc ! queue ! mixmux.";
      file = " matroskamux name=mixmux streamable=false ! filesink name=mixfile async=false";
      break;
  }
  // The mixers' output caps are fixed here, not left to their inputs: when the first output came
  // before the background source's first picture (a loaded machine), the compositor chose 1x1 at
  // 25/1, and the recording's muxer then refused the change to the grid's size (an empty file).
  const std::string video_caps = "video/x-raw,width=" + std::to_string(width) +
                                 ",height=" + std::to_string(height) + ",framerate=30/1,pixel-aspect-ratio=1/1";
  const std::string audio_caps = "audio/x-raw,rate=48000,channels=2";
  // No ignore-inactive-pads: in GStreamer 1.22, when the mixer's first timeout came before any
  // input had data (the black picture's first was late), the compositor took its pads for ended
  // ("All sinkpads are EOS") and ended the mix: no picture for the whole run, one start in 20.
  // Without it a live mixer still outputs at each timeout with whatever inputs have.
  return "videotestsrc is-live=true pattern=black ! " + video_caps +
         " ! compositor name=mixv background=black latency=" + latency + " ! " +
         video_caps + " ! videoconvert ! " + video_out + " audiotestsrc is-live=true wave=silence ! " + audio_caps +
         " ! audiomixer name=mixa latency=" + latency + " ! " + audio_caps +
         " ! audioconvert ! audioresample ! " + audio_out + file;
}

// A call's chain never waits for the mixer: the mixer takes a picture when its output time comes
// (and, mixing into a file, only as fast as the encoder goes), so a blocking queue here held the
// decoder and webrtcbin's receive path, and the call lost most of its frames (2 a second of 20 on
// this machine). The out queue drops its oldest instead: the grid shows each call's latest picture.
std::string chain_description(bool video) {
  return video ? "queue name=in ! decodebin ! videoconvert ! videoscale ! video/x-raw,width=" +
                     std::to_string(kTileWidth) + ",height=" + std::to_string(kTileHeight) +
                     ",pixel-aspect-ratio=1/1 ! identity name=count ! queue name=out leaky=downstream "
                     "max-size-buffers=2 max-size-bytes=0 max-size-time=0"
               : std::string("queue name=in ! decodebin ! audioconvert ! audioresample ! identity name=count ! "
                             "queue name=out leaky=downstream max-size-buffers=0 max-size-bytes=0 "
                             "max-size-time=1000000000");
}

// The out queue dropped (see chain_description): logged once per input, with why.
void on_out_overrun(GstElement* queue, gpointer) {
  if (g_object_get_data(G_OBJECT(queue), "sio-overrun-logged") != nullptr) return;
  g_object_set_data(G_OBJECT(queue), "sio-overrun-logged", GINT_TO_POINTER(1));
  GstObject* chain = gst_object_get_parent(GST_OBJECT(queue));
  GST_INFO("%s: the mixer is behind; its oldest decoded data is dropped, not the call's packets (logged once)",
           chain != nullptr ? GST_OBJECT_NAME(chain) : GST_OBJECT_NAME(queue));
  if (chain != nullptr) gst_object_unref(chain);
}

// A plain segment from 0 in place of the call's own (which starts where that call's stream did):
// the pictures' stamps (see MixSinks::restamp) are then running times of the mix.
GstPadProbeReturn plain_segment(GstPadProbeInfo* info) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_SEGMENT) return GST_PAD_PROBE_OK;
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  GstEvent* plain = gst_event_new_segment(&segment);
  gst_event_set_seqnum(plain, gst_event_get_seqnum(event));
  gst_event_unref(event);
  GST_PAD_PROBE_INFO_DATA(info) = plain;
  return GST_PAD_PROBE_OK;
}

// Serialized queries (the decoder's and converters' ALLOCATION before their first buffer, DRAIN)
// are answered here, not by the mixer: a queue holds such a query until the mixer's pad has taken
// it, and the mixer's pads took them only when the mix got to them, so a call's chain could wait
// there before its first buffer for as long as the call lasted (seen with the first call, one run
// in four). Not asked, the decoder allocates plain system memory, which the mixer takes.
GstPadProbeReturn answer_serialized_queries(GstPad*, GstPadProbeInfo* info, gpointer) {
  GstQuery* query = GST_PAD_PROBE_INFO_QUERY(info);
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_ALLOCATION:
    case GST_QUERY_DRAIN:
      return GST_PAD_PROBE_HANDLED;  // answered: no pool proposed, nothing to drain
    default:
      return GST_PAD_PROBE_OK;
  }
}

}  // namespace

std::vector<NeededElement> mix_elements(SinkKind kind) {
  const std::string why = "mixing several calls (--max-calls)";
  std::vector<NeededElement> needed;
  for (const char* f : {"compositor", "audiomixer", "videotestsrc", "audiotestsrc", "videoconvert", "videoscale",
                        "audioconvert", "audioresample", "decodebin", "queue", "identity"})
    needed.push_back({f, why});
  if (kind == SinkKind::File) {
    for (const char* f : {"vp8enc", "opusenc", "matroskamux", "filesink"}) needed.push_back({f, why + " into a file"});
  }
  return needed;
}

MixSinks::MixSinks(GstElement* pipeline, GstElement* signaller, SinkKind kind, std::string file, int tiles,
                   MediaCounters& counters)
    : pipeline_(pipeline), signaller_(signaller), kind_(kind), file_(std::move(file)), tiles_(tiles),
      counters_(counters) {
  static gsize debug_once = 0;
  if (g_once_init_enter(&debug_once)) {
    GST_DEBUG_CATEGORY_INIT(sio_mix_debug, "siowebrtc-mix", 0, "sio-webrtc: several calls mixed");
    g_once_init_leave(&debug_once, 1);
  }
  columns_ = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(tiles_)))));
  const int rows = (tiles_ + columns_ - 1) / columns_;
  tile_used_.assign(tiles_, false);
  GError* error = nullptr;
  GstElement* bin = gst_parse_bin_from_description(
      mix_description(kind_, columns_ * kTileWidth, rows * kTileHeight).c_str(), FALSE, &error);
  if (bin == nullptr) {
    GST_ELEMENT_ERROR(signaller_, CORE, MISSING_PLUGIN, ("Cannot build the mix of the calls"),
                      ("%s", error ? error->message : "?"));
    if (error) g_error_free(error);
    return;
  }
  gst_object_set_name(GST_OBJECT(bin), "mix");
  compositor_ = gst_bin_get_by_name(GST_BIN(bin), "mixv");
  if (glib::GObjectPtr<GstPad> out(gst_element_get_static_pad(compositor_, "src")); out) {
    gst_pad_add_probe(out.get(), GST_PAD_PROBE_TYPE_BUFFER, on_mix_output, this, nullptr);
  }
  audiomixer_ = gst_bin_get_by_name(GST_BIN(bin), "mixa");
  gst_object_unref(compositor_);  // the pipeline holds them
  gst_object_unref(audiomixer_);
  if (glib::GObjectPtr<GstElement> sink(gst_bin_get_by_name(GST_BIN(bin), "mixfile")); sink) {
    g_object_set(sink.get(), "location", file_.c_str(), nullptr);
  }
  if (glib::GObjectPtr<GstElement> mux(gst_bin_get_by_name(GST_BIN(bin), "mixmux")); mux) {
    recording_ = std::make_unique<RecordingWatch>(mux.get());
  }
  mix_bin_ = bin;
  gst_bin_add(GST_BIN(pipeline_), bin);
  handlers_[0] = g_signal_connect(signaller_, "pad-added", G_CALLBACK(on_pad_added), this);
  handlers_[1] = g_signal_connect(signaller_, "pad-removed", G_CALLBACK(on_pad_removed), this);
  std::printf("receiving: several calls mixed into a %dx%d grid of %dx%d pictures and one audio mix -> %s\n",
              columns_, rows, kTileWidth, kTileHeight,
              kind_ == SinkKind::Window ? "a window and the speakers"
              : kind_ == SinkKind::Fake ? "decoded and counted (--sink=fake)"
                                        : file_.c_str());
  std::fflush(stdout);
}

MixSinks::~MixSinks() {
  for (gulong handler : handlers_)
    if (handler) g_signal_handler_disconnect(signaller_, handler);
  std::lock_guard lock(mutex_);
  for (auto& [name, input] : inputs_) {
    if (input.chain) gst_object_unref(input.chain);
    if (input.mixer_pad) gst_object_unref(input.mixer_pad);
  }
}

// Compositor src pad: where the mix's output has got to (running time of the end of its latest
// picture).
GstPadProbeReturn MixSinks::on_mix_output(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  static_cast<MixSinks*>(data)->mix_pictures_.fetch_add(1, std::memory_order_relaxed);
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) return GST_PAD_PROBE_OK;
  GstEvent* event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
  if (event == nullptr) return GST_PAD_PROBE_OK;
  const GstSegment* segment = nullptr;
  gst_event_parse_segment(event, &segment);
  const GstClockTime end = GST_BUFFER_PTS(buffer) + (GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer) : 0);
  const GstClockTime running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, end);
  gst_event_unref(event);
  if (GST_CLOCK_TIME_IS_VALID(running)) static_cast<MixSinks*>(data)->mix_position_ = running;
  return GST_PAD_PROBE_OK;
}

// A call's picture is stamped for the mix's next output picture, so the compositor takes it at
// once whether the mix runs on time or behind: stamped with the time it arrived, it waited until
// the mix's output time reached that, which a mix running behind (a loaded machine) never did for
// a call that joined later. Before the mix has output anything: the running time now.
GstPadProbeReturn MixSinks::restamp(GstPad*, GstPadProbeInfo* info, gpointer data) {
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) return plain_segment(info);
  auto* self = static_cast<MixSinks*>(data);
  GstClockTime stamp = self->mix_position_;
  if (!GST_CLOCK_TIME_IS_VALID(stamp)) {
    GstClock* clock = gst_element_get_clock(self->pipeline_);
    if (clock == nullptr) return GST_PAD_PROBE_OK;
    const GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    const GstClockTime base = gst_element_get_base_time(self->pipeline_);
    stamp = now > base ? now - base : 0;
  }
  GstBuffer* buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_BUFFER_PTS(buffer) = stamp;
  GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buffer) = GST_CLOCK_TIME_NONE;  // shown until the call's next picture
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  return GST_PAD_PROBE_OK;
}

void MixSinks::on_pad_added(GstElement*, GstPad* pad, gpointer self) {
  if (GST_PAD_DIRECTION(pad) == GST_PAD_SRC) static_cast<MixSinks*>(self)->link(pad);
}

// The element removes a call's pads (after their EOS) when the call ends: its inputs leave the mix.
void MixSinks::on_pad_removed(GstElement*, GstPad* pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  auto* self = static_cast<MixSinks*>(data);
  std::string name = GST_PAD_NAME(pad);
  post_to_main([self, name] { self->remove(name); });
}

int MixSinks::take_tile() {
  for (size_t i = 0; i < tile_used_.size(); ++i) {
    if (!tile_used_[i]) {
      tile_used_[i] = true;
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Streaming thread (the element's pad-added).
void MixSinks::link(GstPad* pad) {
  std::lock_guard lock(mutex_);
  if (compositor_ == nullptr || finished_) return;
  const std::string name = GST_PAD_NAME(pad);
  const bool video = g_str_has_prefix(name.c_str(), "video");
  if (!video && !g_str_has_prefix(name.c_str(), "audio")) return;
  std::string peer;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(pad), "peer-id")) {
    gchar* id = nullptr;
    g_object_get(pad, "peer-id", &id, nullptr);
    peer = id ? id : "";
    g_free(id);
  }
  Input input;
  input.peer = peer;
  input.mixer = video ? compositor_ : audiomixer_;
  if (video && (input.tile = take_tile()) < 0) {
    g_print("receiving %s -> not shown: every place of the grid is taken (%s)\n", name.c_str(), peer.c_str());
    return;
  }
  GError* error = nullptr;
  GstElement* chain = gst_parse_bin_from_description(chain_description(video).c_str(), FALSE, &error);
  if (chain == nullptr) {
    GST_ELEMENT_ERROR(signaller_, CORE, MISSING_PLUGIN, ("Cannot build the receiving chain for %s", name.c_str()),
                      ("%s", error ? error->message : "?"));
    if (error) g_error_free(error);
    if (input.tile >= 0) tile_used_[input.tile] = false;
    return;
  }
  gst_object_set_name(GST_OBJECT(chain), ("mix_" + name).c_str());
  if (video) recover_from_missing_keyframes(GST_BIN(chain));
  {
    glib::GObjectPtr<GstElement> in(gst_bin_get_by_name(GST_BIN(chain), "in"));
    glib::GObjectPtr<GstPad> in_pad(gst_element_get_static_pad(in.get(), "sink"));
    gst_element_add_pad(chain, gst_ghost_pad_new("sink", in_pad.get()));
    glib::GObjectPtr<GstElement> out(gst_bin_get_by_name(GST_BIN(chain), "out"));
    glib::GObjectPtr<GstPad> out_pad(gst_element_get_static_pad(out.get(), "src"));
    g_signal_connect(out.get(), "overrun", G_CALLBACK(on_out_overrun), nullptr);
    gst_element_add_pad(chain, gst_ghost_pad_new("src", out_pad.get()));
    glib::GObjectPtr<GstElement> count(gst_bin_get_by_name(GST_BIN(chain), "count"));
    glib::GObjectPtr<GstPad> count_pad(gst_element_get_static_pad(count.get(), "sink"));
    count_buffers_on(count_pad.get(), video ? counters_.received_video_frames : counters_.received_audio_buffers);
    if (video && !peer.empty()) count_buffers_on(count_pad.get(), counters_.video_frames_from(peer));
    glib::GObjectPtr<GstPad> count_src(gst_element_get_static_pad(count.get(), "src"));
    gst_pad_add_probe(count_src.get(), GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, answer_serialized_queries, nullptr,
                      nullptr);
    if (video) {
      // The grid shows each peer's latest picture, stamped for the mix's next output (restamp):
      // never dropped as late, never held as early.
      gst_pad_add_probe(count_src.get(),
                        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                        restamp, this, nullptr);
    }
  }
  input.chain = GST_ELEMENT(gst_object_ref(chain));
  gst_bin_add(GST_BIN(pipeline_), chain);
  input.mixer_pad = gst_element_request_pad_simple(input.mixer, "sink_%u");
  if (video) {
    g_object_set(input.mixer_pad, "xpos", (input.tile % columns_) * kTileWidth, "ypos",
                 (input.tile / columns_) * kTileHeight, nullptr);
  }
  // The mixers live in the "mix" bin: a ghost of the request pad on it, as pads link within one bin.
  input.mix_ghost = gst_ghost_pad_new(("in_" + name).c_str(), input.mixer_pad);
  gst_pad_set_active(input.mix_ghost, TRUE);
  gst_element_add_pad(mix_bin_, input.mix_ghost);
  glib::GObjectPtr<GstPad> chain_src(gst_element_get_static_pad(chain, "src"));
  glib::GObjectPtr<GstPad> chain_sink(gst_element_get_static_pad(chain, "sink"));
  // Started before the call's pad links to it: a chain not yet started answers FLUSHING.
  const bool linked = gst_pad_link(chain_src.get(), input.mix_ghost) == GST_PAD_LINK_OK;
  gst_element_sync_state_with_parent(chain);
  if (!linked || gst_pad_link(pad, chain_sink.get()) != GST_PAD_LINK_OK) {
    GST_ELEMENT_ERROR(signaller_, CORE, NEGOTIATION, ("Cannot mix received %s", name.c_str()), (nullptr));
  }
  if (video) {
    g_print("receiving %s -> the mix, place %d (from %s)\n", name.c_str(), input.tile + 1, peer.c_str());
  } else {
    g_print("receiving %s -> the audio mix (from %s)\n", name.c_str(), peer.c_str());
  }
  inputs_[name] = input;
}

// Main context. The chain stops first (its threads leave the mixer pad), then the pad goes.
void MixSinks::release(Input& input) {
  if (input.chain) {
    // Off the call's pad first: the element drops what it pushes into an unlinked pad, where a
    // stopped chain would answer FLUSHING and pause webrtcbin's threads.
    glib::GObjectPtr<GstPad> sink(gst_element_get_static_pad(input.chain, "sink"));
    if (glib::GObjectPtr<GstPad> peer(gst_pad_get_peer(sink.get())); peer) gst_pad_unlink(peer.get(), sink.get());
    // The chain's last thread may be held in the mixer's pad (an aggregator pad takes one buffer
    // at a time): flushing that pad lets it go, or stopping the chain would wait for it forever.
    if (input.mixer_pad) gst_pad_send_event(input.mixer_pad, gst_event_new_flush_start());
    gst_element_set_locked_state(input.chain, TRUE);
    gst_element_set_state(input.chain, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(pipeline_), input.chain);
    gst_object_unref(input.chain);
    input.chain = nullptr;
  }
  if (input.mix_ghost) {
    gst_pad_set_active(input.mix_ghost, FALSE);
    gst_element_remove_pad(mix_bin_, input.mix_ghost);  // the bin held the only reference
    input.mix_ghost = nullptr;
  }
  if (input.mixer_pad) {
    gst_element_release_request_pad(input.mixer, input.mixer_pad);
    gst_object_unref(input.mixer_pad);
    input.mixer_pad = nullptr;
  }
  if (input.tile >= 0) tile_used_[input.tile] = false;
}

void MixSinks::remove(const std::string& pad_name) {
  std::lock_guard lock(mutex_);
  auto it = inputs_.find(pad_name);
  if (it == inputs_.end()) return;
  GST_INFO("%s (from %s) leaves the mix", pad_name.c_str(), it->second.peer.c_str());
  release(it->second);
  inputs_.erase(it);
}

void MixSinks::finish(const char* why, guint grace_ms) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  for (auto& [name, input] : inputs_) release(input);
  inputs_.clear();
  if (kind_ == SinkKind::File) {
    g_print("recording: %s finishes (%s); the mix made %llu pictures\n", file_.c_str(), why,
            static_cast<unsigned long long>(mix_pictures_.load()));
  }
  if (recording_) recording_->on_stopping(grace_ms);
}

}  // namespace sio::launcher
