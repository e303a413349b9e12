// sio-webrtc's sending side (launcher/plugins, v4l2_probe, send_branches): a table of plans
// (options + environment -> elements, passthrough, errors), and every planned description parsed
// and RUN until its payloader has produced RTP packets; and the recording watch that finalises a
// file whose input stalled.
//
// V4L2: this machine's kernel has no module support and no media subsystem (no v4l2loopback is
// possible), so V4L2 plans are built from fake device caps and run with the `v4l2src ...` source
// replaced by a fake source producing the chosen mode's caps (raw, MJPEG via jpegenc, H.264 via
// x264enc): the rest of the branch must negotiate with exactly what the camera would give.
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <glob.h>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "plugins.hpp"
#include "recording_watch.hpp"
#include "send_branches.hpp"
#include "v4l2_probe.hpp"

namespace sio::launcher {
namespace {

// --- Fake cameras (caps strings in the form v4l2src's caps query gives them) -----------------

V4l2Device camera(const std::string& caps, const std::string& path = "/dev/video0") {
  return V4l2Device{path, "Fake Camera", caps};
}

// A Raspberry-Pi-like camera: H.264 and raw at several sizes.
const char* kH264AndRawCaps =
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, width=(int)640, "
    "height=(int)480, framerate=(fraction){ 30/1, 15/1 }; "
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, width=(int)1280, "
    "height=(int)720, framerate=(fraction)30/1; "
    "video/x-raw, format=(string)YUY2, width=(int)640, height=(int)480, "
    "framerate=(fraction){ 30/1, 15/1 }";

// A typical USB webcam: MJPEG at every size, raw YUY2 fast only at small sizes.
const char* kUvcCaps =
    "image/jpeg, width=(int)1280, height=(int)720, framerate=(fraction){ 30/1, 15/1 }; "
    "image/jpeg, width=(int)640, height=(int)480, framerate=(fraction){ 30/1, 15/1 }; "
    "video/x-raw, format=(string)YUY2, width=(int)1280, height=(int)720, "
    "framerate=(fraction){ 10/1, 5/1 }; "
    "video/x-raw, format=(string)YUY2, width=(int)640, height=(int)480, "
    "framerate=(fraction){ 30/1, 15/1 }";

const char* kH264OnlyCaps =
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, width=(int)320, "
    "height=(int)240, framerate=(fraction)30/1";

// Stepwise sizes (ranges), as some drivers and v4l2loopback report them.
const char* kRangeCaps =
    "video/x-raw, format=(string)NV12, width=(int)[ 16, 1920 ], height=(int)[ 16, 1080 ], "
    "framerate=(fraction)[ 1/1, 60/1 ]";

// H.264 only at 1920x1080, raw at the requested size: too far to send as is.
const char* kFarH264Caps =
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, width=(int)1920, "
    "height=(int)1080, framerate=(fraction)30/1; "
    "video/x-raw, format=(string)YUY2, width=(int)320, height=(int)240, framerate=(fraction)30/1";

const char* kBayerOnlyCaps =
    "video/x-bayer, format=(string)rggb, width=(int)640, height=(int)480, "
    "framerate=(fraction)30/1";

const char* kOddRateCaps =
    "video/x-raw, format=(string)YUY2, width=(int)320, height=(int)240, "
    "framerate=(fraction)15/2";

// --- Plan rows ----------------------------------------------------------------------------------

struct PlanRow {
  const char* name;
  LaunchOptions options;
  MediaEnvironment environment;
  std::vector<std::string> video_has;      // factories the video branch must contain
  std::vector<std::string> video_lacks;    // ... and must not
  std::vector<std::string> audio_has;
  std::vector<std::string> summary_has;    // substrings of the video summary
  std::string expected_caps;               // the V4L2 source caps chosen ("" = not checked)
  std::string error_has;                   // non-empty: plan_send must fail with this in .error
  bool expect_video = true;
  bool expect_audio = true;
};

LaunchOptions send_options(VideoChoice video, Codec codec, int width = 320, int height = 240,
                           int fps = 30) {
  LaunchOptions options;
  options.mode = Mode::Send;
  options.video = video;
  options.audio = AudioChoice::Test;
  options.codec = codec;
  options.width = width;
  options.height = height;
  options.fps = fps;
  options.bitrate_kbps = 800;
  return options;
}

MediaEnvironment with_devices(std::vector<V4l2Device> devices) {
  MediaEnvironment environment;
  environment.v4l2_devices = std::move(devices);
  return environment;
}

MediaEnvironment with_named(const V4l2Device& device) {
  MediaEnvironment environment;
  environment.named_device = device;
  return environment;
}

std::vector<PlanRow> plan_rows() {
  std::vector<PlanRow> rows;
  auto add = [&](PlanRow row) { rows.push_back(std::move(row)); };

  add({"test pattern, VP8", send_options(VideoChoice::Test, Codec::Vp8), {},
       {"videotestsrc", "clockoverlay", "queue", "videoconvert", "vp8enc", "rtpvp8pay"},
       {"v4l2src", "x264enc"}, {"audiotestsrc", "opusenc", "rtpopuspay"},
       {"test pattern 320x240@30", "VP8 at 800 kbit/s"}});
  add({"test pattern, H.264", send_options(VideoChoice::Test, Codec::H264), {},
       {"videotestsrc", "clockoverlay", "x264enc", "rtph264pay"}, {"vp8enc", "h264parse"},
       {"audiotestsrc"}, {"H.264 at 800 kbit/s"}});
  add({"auto without a camera falls back to the test pattern",
       send_options(VideoChoice::Auto, Codec::Vp8), {}, {"videotestsrc", "clockoverlay", "vp8enc"},
       {"v4l2src"}, {"audiotestsrc"}, {"no V4L2 camera found"}});
  add({"H.264 camera, --codec=h264: sent as is",
       send_options(VideoChoice::Auto, Codec::H264, 640, 480),
       with_devices({camera(kH264AndRawCaps)}), {"v4l2src", "h264parse", "rtph264pay"},
       {"x264enc", "vp8enc", "videoconvert", "avdec_h264"}, {"audiotestsrc"},
       {"/dev/video0 (Fake Camera)", "H.264 640x480@30", "without re-encoding"},
       "video/x-h264,width=640,height=480,framerate=30/1"});
  add({"H.264 camera, --codec=vp8: its raw mode is encoded",
       send_options(VideoChoice::Auto, Codec::Vp8, 640, 480),
       with_devices({camera(kH264AndRawCaps)}), {"v4l2src", "videoconvert", "vp8enc", "rtpvp8pay"},
       {"h264parse", "avdec_h264", "x264enc"}, {"audiotestsrc"},
       {"raw YUY2 640x480@30", "encoded as VP8"},
       "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"});
  add({"H.264 camera at another size than asked: closest mode, said so",
       send_options(VideoChoice::V4l2, Codec::H264, 1280, 720, 15),
       with_devices({camera(kH264AndRawCaps)}), {"v4l2src", "h264parse", "rtph264pay"},
       {"x264enc"}, {"audiotestsrc"},
       {"H.264 1280x720@30", "closest mode to the requested 1280x720@15"},
       "video/x-h264,width=1280,height=720,framerate=30/1"});
  add({"H.264-only camera, --codec=vp8: decoded and re-encoded",
       send_options(VideoChoice::Auto, Codec::Vp8), with_devices({camera(kH264OnlyCaps)}),
       {"v4l2src", "h264parse", "avdec_h264", "vp8enc", "rtpvp8pay"}, {"x264enc"},
       {"audiotestsrc"}, {"H.264 320x240@30", "decoded and encoded as VP8"},
       "video/x-h264,width=320,height=240,framerate=30/1"});
  add({"UVC webcam at 1280x720: MJPEG (raw is only 10 fps there)",
       send_options(VideoChoice::V4l2, Codec::Vp8, 1280, 720),
       with_devices({camera(kUvcCaps)}), {"v4l2src", "jpegdec", "videoconvert", "vp8enc"},
       {"h264parse"}, {"audiotestsrc"}, {"MJPEG 1280x720@30", "decoded and encoded as VP8"},
       "image/jpeg,width=1280,height=720,framerate=30/1"});
  add({"UVC webcam at 640x480: raw preferred over MJPEG when equally close",
       send_options(VideoChoice::V4l2, Codec::H264, 640, 480),
       with_devices({camera(kUvcCaps)}), {"v4l2src", "videoconvert", "x264enc", "rtph264pay"},
       {"jpegdec", "h264parse"}, {"audiotestsrc"}, {"raw YUY2 640x480@30", "encoded as H.264"},
       "video/x-raw,format=YUY2,width=640,height=480,framerate=30/1"});
  add({"H.264 mode too far from the request: the raw mode is encoded instead",
       send_options(VideoChoice::V4l2, Codec::H264), with_devices({camera(kFarH264Caps)}),
       {"v4l2src", "x264enc", "rtph264pay"}, {"h264parse", "avdec_h264"}, {"audiotestsrc"},
       {"raw YUY2 320x240@30"}, "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1"});
  add({"size and rate ranges fixate to the request",
       send_options(VideoChoice::V4l2, Codec::Vp8, 320, 240, 30),
       with_devices({camera(kRangeCaps, "/dev/video3")}), {"v4l2src", "vp8enc"}, {}, {"audiotestsrc"},
       {"/dev/video3", "raw NV12 320x240@30, encoded as VP8"},
       "video/x-raw,format=NV12,width=320,height=240,framerate=30/1"});
  add({"fractional camera rate", send_options(VideoChoice::V4l2, Codec::Vp8),
       with_devices({camera(kOddRateCaps)}), {"v4l2src", "vp8enc"}, {}, {"audiotestsrc"},
       {"raw YUY2 320x240@7.5", "closest mode"},
       "video/x-raw,format=YUY2,width=320,height=240,framerate=15/2"});
  add({"named device that was probed", [] {
         auto o = send_options(VideoChoice::V4l2, Codec::H264);
         o.video_device = "/dev/video7";
         return o;
       }(), with_named(camera(kH264OnlyCaps, "/dev/video7")), {"v4l2src", "h264parse"},
       {"x264enc"}, {"audiotestsrc"}, {"/dev/video7", "sent as is"},
       "video/x-h264,width=320,height=240,framerate=30/1"});
  add({"first device in path order is used", send_options(VideoChoice::Auto, Codec::Vp8),
       with_devices({camera(kUvcCaps, "/dev/video2"), camera(kH264OnlyCaps, "/dev/video10")}),
       {"v4l2src"}, {}, {"audiotestsrc"}, {"/dev/video2"}, ""});
  add({"auto with an unusable camera falls back to the test pattern",
       send_options(VideoChoice::Auto, Codec::Vp8), with_devices({camera(kBayerOnlyCaps)}),
       {"videotestsrc", "vp8enc"}, {"v4l2src"}, {"audiotestsrc"},
       {"test pattern", "offers no video format"}});
  add({"audio auto: PulseAudio source", [] {
         auto o = send_options(VideoChoice::None, Codec::Vp8);
         o.audio = AudioChoice::Auto;
         return o;
       }(), [] {
         MediaEnvironment e;
         e.pulse_source = true;
         e.alsa_capture = true;
         return e;
       }(), {}, {}, {"pulsesrc", "audioconvert", "audioresample", "opusenc", "rtpopuspay"}, {}, "",
       "", false, true});
  add({"audio auto: ALSA capture device", [] {
         auto o = send_options(VideoChoice::None, Codec::Vp8);
         o.audio = AudioChoice::Auto;
         return o;
       }(), [] {
         MediaEnvironment e;
         e.alsa_capture = true;
         return e;
       }(), {}, {}, {"alsasrc", "opusenc"}, {}, "", "", false, true});
  add({"audio auto: neither, test tone", [] {
         auto o = send_options(VideoChoice::Test, Codec::Vp8);
         o.audio = AudioChoice::Auto;
         return o;
       }(), {}, {"videotestsrc"}, {}, {"audiotestsrc", "opusenc"}, {}, "", "", true, true});
  add({"video only", [] {
         auto o = send_options(VideoChoice::Test, Codec::Vp8);
         o.audio = AudioChoice::None;
         return o;
       }(), {}, {"vp8enc"}, {}, {}, {}, "", "", true, false});
  add({"--mode=recv sends nothing", [] {
         auto o = send_options(VideoChoice::Test, Codec::Vp8);
         o.mode = Mode::Recv;
         return o;
       }(), {}, {}, {}, {}, {}, "", "", false, false});
  add({"--mode=both sends", [] {
         auto o = send_options(VideoChoice::Test, Codec::H264);
         o.mode = Mode::Both;
         return o;
       }(), {}, {"x264enc"}, {}, {"opusenc"}, {}, "", "", true, true});

  // Errors (missing pieces): the launcher prints .error and exits 2.
  add({"--video=v4l2 without any camera", send_options(VideoChoice::V4l2, Codec::Vp8), {}, {}, {},
       {}, {}, "", "no V4L2 capture device was found", false, false});
  add({"--video=v4l2:/dev/video9 that does not exist", [] {
         auto o = send_options(VideoChoice::V4l2, Codec::Vp8);
         o.video_device = "/dev/video9";
         return o;
       }(), [] {
         MediaEnvironment e;
         e.named_device_error = "no such device";
         return e;
       }(), {}, {}, {}, {}, "", "--video=v4l2:/dev/video9: no such device", false, false});
  add({"--video=v4l2 with a camera giving nothing usable",
       send_options(VideoChoice::V4l2, Codec::Vp8), with_devices({camera(kBayerOnlyCaps)}), {}, {},
       {}, {}, "", "/dev/video0 offers no video format", false, false});
  return rows;
}

bool contains(const std::vector<NeededElement>& elements, const std::string& factory) {
  return std::any_of(elements.begin(), elements.end(),
                     [&](const NeededElement& e) { return e.factory == factory; });
}

std::string segment(const std::string& description, size_t index) {
  size_t start = 0;
  for (size_t i = 0; i < index; ++i) {
    start = description.find(" ! ", start);
    if (start == std::string::npos) return {};
    start += 3;
  }
  const size_t end = description.find(" ! ", start);
  return description.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// --- Running a branch ---------------------------------------------------------------------------

// Replaces the first element of a description (a device source) by a fake one producing the
// same caps: what the fake camera / microphone would hand to the rest of the branch.
std::string with_fake_source(const std::string& description) {
  const size_t first_link = description.find(" ! ");
  const std::string source = description.substr(0, first_link);
  const std::string rest = description.substr(first_link);  // " ! caps ! ..."
  if (source.rfind("pulsesrc", 0) == 0 || source.rfind("alsasrc", 0) == 0) {
    return "audiotestsrc is-live=true wave=ticks" + rest;
  }
  if (source.rfind("v4l2src", 0) != 0) return description;
  GstCaps* caps = gst_caps_from_string(segment(description, 1).c_str());
  EXPECT_NE(caps, nullptr) << description;
  if (!caps) return description;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  int width = 0, height = 0, fps_n = 30, fps_d = 1;
  gst_structure_get_int(s, "width", &width);
  gst_structure_get_int(s, "height", &height);
  gst_structure_get_fraction(s, "framerate", &fps_n, &fps_d);
  const std::string raw = "videotestsrc is-live=true pattern=ball ! video/x-raw,width=" +
                          std::to_string(width) + ",height=" + std::to_string(height) +
                          ",framerate=" + std::to_string(fps_n) + "/" + std::to_string(fps_d);
  std::string fake;
  if (gst_structure_has_name(s, "image/jpeg")) {
    fake = raw + " ! jpegenc";
  } else if (gst_structure_has_name(s, "video/x-h264")) {
    fake = raw + " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15";
  } else {
    fake = "videotestsrc is-live=true pattern=ball";  // the caps filter picks format/size/rate
  }
  gst_caps_unref(caps);
  return fake + rest;
}

struct RunResult {
  int rtp_packets = 0;
  int bad_packets = 0;  // not RTP v2 with the expected payload type
  std::string error;
  std::string pay_caps;
};

struct Counter {
  std::atomic<int> packets{0};
  std::atomic<int> bad{0};
  int payload_type = 0;
};

void on_handoff(GstElement*, GstBuffer* buffer, GstPad*, gpointer data) {
  auto* counter = static_cast<Counter*>(data);
  guint8 header[2] = {0, 0};
  if (gst_buffer_extract(buffer, 0, header, 2) == 2 && (header[0] >> 6) == 2 &&
      (header[1] & 0x7f) == counter->payload_type) {
    counter->packets++;
  } else {
    counter->bad++;
  }
}

// Runs `description` (ending in a payloader named `pay_name`) into a fakesink until `wanted`
// RTP packets arrived, an error, or `timeout`.
RunResult run_branch(const std::string& description, const char* pay_name, int payload_type,
                     int wanted, std::chrono::seconds timeout) {
  RunResult result;
  GError* error = nullptr;
  const std::string full = description + " ! fakesink name=rtp_out sync=false signal-handoffs=true";
  GstElement* pipeline = gst_parse_launch_full(full.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS,
                                               &error);
  if (!pipeline) {
    result.error = std::string("parse: ") + (error ? error->message : "?");
    if (error) g_error_free(error);
    return result;
  }
  Counter counter;
  counter.payload_type = payload_type;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "rtp_out");
  GstElement* pay = gst_bin_get_by_name(GST_BIN(pipeline), pay_name);
  if (!pay) result.error = std::string("no element named ") + pay_name;
  g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &counter);
  GstBus* bus = gst_element_get_bus(pipeline);
  if (result.error.empty() &&
      gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    result.error = "could not start";
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (result.error.empty() && counter.packets < wanted &&
         std::chrono::steady_clock::now() < deadline) {
    GstMessage* message = gst_bus_timed_pop_filtered(
        bus, 50 * GST_MSECOND, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
    if (!message) continue;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      GError* bus_error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &bus_error, &debug);
      result.error = std::string(bus_error ? bus_error->message : "error") + " (" +
                     (debug ? debug : "") + ")";
      if (bus_error) g_error_free(bus_error);
      g_free(debug);
    } else {
      result.error = "unexpected EOS";
    }
    gst_message_unref(message);
  }
  if (pay) {
    GstPad* src = gst_element_get_static_pad(pay, "src");
    if (GstCaps* caps = gst_pad_get_current_caps(src)) {
      gchar* text = gst_caps_to_string(caps);
      result.pay_caps = text;
      g_free(text);
      gst_caps_unref(caps);
    }
    gst_object_unref(src);
    gst_object_unref(pay);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  // After NULL no streaming thread can call on_handoff on the (stack) counter any more.
  result.rtp_packets = counter.packets;
  result.bad_packets = counter.bad;
  gst_object_unref(sink);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return result;
}

// Every factory in `description` (parsed, recursively) must be listed in `elements`.
void expect_elements_listed(const std::string& description,
                            const std::vector<NeededElement>& elements) {
  GError* error = nullptr;
  GstElement* bin = gst_parse_bin_from_description_full(description.c_str(), FALSE, nullptr,
                                                        GST_PARSE_FLAG_FATAL_ERRORS, &error);
  ASSERT_NE(bin, nullptr) << description << ": " << (error ? error->message : "?");
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  int count = 0;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* factory = gst_element_get_factory(element);
    ASSERT_NE(factory, nullptr);
    const std::string name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory));
    EXPECT_TRUE(contains(elements, name)) << name << " is in the description but not in "
                                          << "the element list: " << description;
    ++count;
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  gst_object_unref(bin);
  EXPECT_EQ(count, static_cast<int>(std::count(description.begin(), description.end(), '!')) + 1)
      << description;
  for (const auto& element : elements) {
    EXPECT_FALSE(element.needed_for.empty()) << element.factory;
  }
}

bool factory_exists(const std::string& name) {
  GstElementFactory* factory = gst_element_factory_find(name.c_str());
  if (factory) gst_object_unref(factory);
  return factory != nullptr;
}

// --- The plan table -----------------------------------------------------------------------------

class PlanTable : public ::testing::TestWithParam<size_t> {};

TEST_P(PlanTable, PlansAsExpected) {
  const PlanRow row = plan_rows()[GetParam()];
  SCOPED_TRACE(row.name);
  const SendPlan plan = plan_send(row.options, row.environment);
  if (!row.error_has.empty()) {
    EXPECT_NE(plan.error.find(row.error_has), std::string::npos) << plan.error;
    EXPECT_FALSE(plan.video.has_value());
    return;
  }
  ASSERT_TRUE(plan.error.empty()) << plan.error;
  ASSERT_EQ(plan.video.has_value(), row.expect_video);
  ASSERT_EQ(plan.audio.has_value(), row.expect_audio);
  if (plan.video) {
    const SendBranch& video = *plan.video;
    for (const auto& f : row.video_has) {
      EXPECT_TRUE(contains(video.elements, f)) << f << ": " << video.description;
    }
    for (const auto& f : row.video_lacks) {
      EXPECT_FALSE(contains(video.elements, f)) << f << ": " << video.description;
    }
    for (const auto& s : row.summary_has) {
      EXPECT_NE(video.summary.find(s), std::string::npos) << "'" << s << "' not in: " << video.summary;
    }
    if (!row.expected_caps.empty()) {
      EXPECT_EQ(segment(video.description, 1), row.expected_caps);
    }
    EXPECT_NE(video.description.find("name=video_pay"), std::string::npos);
    EXPECT_NE(video.description.find("pt=96"), std::string::npos);
    if (contains(video.elements, "vp8enc")) {
      EXPECT_NE(video.description.find("deadline=1"), std::string::npos);
      EXPECT_NE(video.description.find("lag-in-frames=0"), std::string::npos);
      EXPECT_NE(video.description.find("target-bitrate=" +
                                       std::to_string(row.options.bitrate_kbps * 1000)),
                std::string::npos);
      EXPECT_NE(video.description.find("keyframe-max-dist=" + std::to_string(row.options.fps * 2)),
                std::string::npos);
    }
    if (contains(video.elements, "x264enc")) {
      EXPECT_NE(video.description.find("tune=zerolatency"), std::string::npos);
      EXPECT_NE(video.description.find("bitrate=" + std::to_string(row.options.bitrate_kbps)),
                std::string::npos);
      EXPECT_NE(video.description.find("profile=constrained-baseline"), std::string::npos);
      EXPECT_EQ(video.description.find("profile-level-id"), std::string::npos);
    }
    expect_elements_listed(video.description, video.elements);
  }
  if (plan.audio) {
    const SendBranch& audio = *plan.audio;
    for (const auto& f : row.audio_has) {
      EXPECT_TRUE(contains(audio.elements, f)) << f << ": " << audio.description;
    }
    EXPECT_NE(audio.description.find("name=audio_pay"), std::string::npos);
    EXPECT_NE(audio.description.find("pt=97"), std::string::npos);
    EXPECT_FALSE(audio.summary.empty());
    // alsasrc may not be installed (gstreamer1.0-alsa): parse its branch with the source swapped.
    if (factory_exists(audio.elements.front().factory)) {
      expect_elements_listed(audio.description, audio.elements);
    }
  }
}

// Each planned branch RUNS: parsed, negotiated (device sources replaced by fakes with the same
// caps) and producing RTP packets with the right payload type.
TEST_P(PlanTable, BranchesRunAndProduceRtp) {
  const PlanRow row = plan_rows()[GetParam()];
  SCOPED_TRACE(row.name);
  const SendPlan plan = plan_send(row.options, row.environment);
  if (!plan.error.empty()) GTEST_SKIP() << "an error row: nothing to run";
  if (!plan.video && !plan.audio) GTEST_SKIP() << "nothing is sent in this row";
  constexpr int kWantedPackets = 10;
  if (plan.video) {
    const std::string runnable = with_fake_source(plan.video->description);
    const RunResult result = run_branch(runnable, "video_pay", 96, kWantedPackets,
                                        std::chrono::seconds(30));
    EXPECT_EQ(result.error, "") << runnable;
    EXPECT_GE(result.rtp_packets, kWantedPackets) << runnable;
    EXPECT_EQ(result.bad_packets, 0);
    const bool h264 = contains(plan.video->elements, "rtph264pay");
    EXPECT_NE(result.pay_caps.find(h264 ? "encoding-name=(string)H264" : "encoding-name=(string)VP8"),
              std::string::npos)
        << result.pay_caps;
  }
  if (plan.audio) {
    const std::string runnable = with_fake_source(plan.audio->description);
    const RunResult result = run_branch(runnable, "audio_pay", 97, kWantedPackets,
                                        std::chrono::seconds(30));
    EXPECT_EQ(result.error, "") << runnable;
    EXPECT_GE(result.rtp_packets, kWantedPackets) << runnable;
    EXPECT_EQ(result.bad_packets, 0);
    EXPECT_NE(result.pay_caps.find("encoding-name=(string)OPUS"), std::string::npos)
        << result.pay_caps;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, PlanTable, ::testing::Range<size_t>(0, plan_rows().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string name = "row" + std::to_string(info.param) + "_";
                           for (char c : std::string(plan_rows()[info.param].name)) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

// A failing check must be able to fail: a branch that cannot negotiate is reported as such.
TEST(RunBranch, ReportsANegotiationFailure) {
  const RunResult result = run_branch(
      "videotestsrc is-live=true ! video/x-raw,width=320,height=240 ! queue ! "
      "rtpvp8pay pt=96 name=video_pay",
      "video_pay", 96, 5, std::chrono::seconds(10));
  EXPECT_FALSE(result.error.empty());
  EXPECT_EQ(result.rtp_packets, 0);
}

// --- RecordingWatch -----------------------------------------------------------------------------

// A recording whose audio input never gets its EOS (dropped on its way, as by a stalled mixer):
// the watch ends that input at the muxer, the pipeline's EOS comes out and the file has both
// tracks and a duration.
TEST(RecordingWatch, EndsAStalledInputSoTheFileIsFinalised) {
  gchar* dir = g_dir_make_tmp("sio-recording-XXXXXX", nullptr);
  ASSERT_NE(dir, nullptr);
  const std::string file = std::string(dir) + "/stalled.mkv";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(
      ("videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120,framerate=30/1 ! vp8enc deadline=1 ! "
       "queue ! mux. audiotestsrc num-buffers=50 ! opusenc ! queue name=stalled ! mux. "
       "matroskamux name=mux streamable=false ! filesink location=" + file).c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "?");
  GstElement* stalled = gst_bin_get_by_name(GST_BIN(pipeline), "stalled");
  GstPad* stalled_src = gst_element_get_static_pad(stalled, "src");
  gst_pad_add_probe(stalled_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                    [](GstPad*, GstPadProbeInfo* info, gpointer) {
                      return GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS ? GST_PAD_PROBE_DROP
                                                                                             : GST_PAD_PROBE_OK;
                    }, nullptr, nullptr);
  GstElement* mux = gst_bin_get_by_name(GST_BIN(pipeline), "mux");
  auto watch = std::make_unique<RecordingWatch>(mux);
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  struct Outcome { GMainLoop* loop; bool eos = false; std::string error; } outcome{loop};
  GstBus* bus = gst_element_get_bus(pipeline);
  const guint bus_watch = gst_bus_add_watch(bus, [](GstBus*, GstMessage* message, gpointer data) -> gboolean {
    auto* outcome = static_cast<Outcome*>(data);
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
      outcome->eos = true;
      g_main_loop_quit(outcome->loop);
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      GError* e = nullptr;
      gst_message_parse_error(message, &e, nullptr);
      outcome->error = e ? e->message : "?";
      if (e) g_error_free(e);
      g_main_loop_quit(outcome->loop);
    }
    return G_SOURCE_CONTINUE;
  }, &outcome);
  // As the launcher does: the EOS is sent, then the grace period runs (the sources end by themselves here).
  watch->on_stopping(300);
  const guint give_up = g_timeout_add_seconds(30, [](gpointer l) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop*>(l));
    return G_SOURCE_REMOVE;
  }, loop);
  ASSERT_EQ(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_ASYNC);
  g_main_loop_run(loop);
  EXPECT_TRUE(outcome.eos) << "no EOS from the pipeline; error: " << outcome.error;
  g_source_remove(give_up);
  g_source_remove(bus_watch);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  watch.reset();

  // The file: a duration, a video and an audio stream.
  GstElement* reader = gst_parse_launch(("filesrc location=" + file + " ! matroskademux name=d "
                                         "d.video_0 ! queue ! fakesink d.audio_0 ! queue ! fakesink").c_str(), &error);
  ASSERT_NE(reader, nullptr) << (error ? error->message : "?");
  gst_element_set_state(reader, GST_STATE_PAUSED);
  EXPECT_EQ(gst_element_get_state(reader, nullptr, nullptr, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS)
      << "the file does not preroll with a video and an audio stream";
  gint64 duration = -1;
  EXPECT_TRUE(gst_element_query_duration(reader, GST_FORMAT_TIME, &duration));
  EXPECT_GE(duration, static_cast<gint64>(900 * GST_MSECOND)) << "duration " << duration;
  EXPECT_LE(duration, static_cast<gint64>(1200 * GST_MSECOND)) << "duration " << duration;
  gst_element_set_state(reader, GST_STATE_NULL);

  gst_object_unref(reader);
  gst_object_unref(bus);
  g_main_loop_unref(loop);
  gst_object_unref(mux);
  gst_object_unref(stalled_src);
  gst_object_unref(stalled);
  gst_object_unref(pipeline);
  std::remove(file.c_str());
  g_rmdir(dir);
  g_free(dir);
}

// --- Plugins ------------------------------------------------------------------------------------

TEST(Plugins, EveryPlannedFactoryHasADebianPackage) {
  std::set<std::string> factories;
  for (const PlanRow& row : plan_rows()) {
    const SendPlan plan = plan_send(row.options, row.environment);
    for (const auto* branch : {plan.video ? &*plan.video : nullptr, plan.audio ? &*plan.audio : nullptr}) {
      if (!branch) continue;
      for (const auto& element : branch->elements) factories.insert(element.factory);
    }
  }
  EXPECT_GE(factories.size(), 20u);  // the plan rows above use at least these many
  for (const auto& f : factories) {
    EXPECT_NE(debian_package_for(f), "") << f;
  }
  // Elements outside the plans (receiving side, the call): EveryElementInTheSourceHasItsPackage.
}

TEST(Plugins, KnownPackages) {
  EXPECT_EQ(debian_package_for("x264enc"), "gstreamer1.0-plugins-ugly");
  EXPECT_EQ(debian_package_for("vp8enc"), "gstreamer1.0-plugins-good");
  EXPECT_EQ(debian_package_for("webrtcbin"), "gstreamer1.0-plugins-bad");
  EXPECT_EQ(debian_package_for("nicesrc"), "gstreamer1.0-nice");
  EXPECT_EQ(debian_package_for("avdec_h264"), "gstreamer1.0-libav");
  EXPECT_EQ(debian_package_for("alsasrc"), "gstreamer1.0-alsa");
  EXPECT_EQ(debian_package_for("clockoverlay"), "gstreamer1.0-x");
  EXPECT_EQ(debian_package_for("opusenc"), "gstreamer1.0-plugins-base");
  EXPECT_EQ(debian_package_for("opusparse"), "gstreamer1.0-plugins-bad");  // not where opusenc is
  EXPECT_EQ(debian_package_for("no-such-element"), "");
}

TEST(Plugins, FindMissing) {
  // Everything the test-pattern plans use is installed here (the branches above ran).
  const SendPlan plan = plan_send(send_options(VideoChoice::Test, Codec::H264), {});
  ASSERT_TRUE(plan.video && plan.audio);
  EXPECT_FALSE(find_missing(plan.video->elements).has_value());
  EXPECT_FALSE(find_missing(plan.audio->elements).has_value());

  const std::vector<NeededElement> needed = {
      {"videotestsrc", "the test pattern"},
      {"sio-no-such-encoder", "--codec=h264"},
      {"sio-also-missing", "x"},
  };
  const auto missing = find_missing(needed);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->factory, "sio-no-such-encoder");
  EXPECT_EQ(missing->needed_for, "--codec=h264");
}

TEST(Plugins, DescribeMissing) {
  EXPECT_EQ(describe_missing({"x264enc", "--codec=h264"}),
            "missing GStreamer element 'x264enc' (needed for --codec=h264): install the Debian "
            "package gstreamer1.0-plugins-ugly");
  const std::string unknown = describe_missing({"sio-no-such-encoder", "--codec=h264"});
  EXPECT_NE(unknown.find("'sio-no-such-encoder'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("no known Debian package"), std::string::npos) << unknown;
}

// --- The table against the launcher's sources ---------------------------------------------------
// Every element sio-webrtc can create is named in a string literal of launcher/: a factory name
// (gst_element_factory_make, Chain::add, the NeededElement and PackageRow lists) or a gst-launch
// description ("queue name=in ! decodebin ! ..."). Reading the sources, not a list kept here, is
// what catches an element added to the code but not to the table (opusparse was).

struct Literal {
  std::string text;  // escapes decoded
  int line = 0;
};

// The string literals of C++ source, outside comments, character literals and preprocessor lines
// (#include "log.hpp" names no element). Adjacent literals stay apart: each piece of a description
// split over lines starts at an element or in the middle of one's properties.
std::vector<Literal> string_literals(const std::string& source) {
  std::vector<Literal> literals;
  const size_t n = source.size();
  size_t i = 0;
  int line = 1;
  bool line_start = true;  // only blanks so far on this line
  auto skip_to = [&](size_t end) {
    for (; i < end && i < n; ++i) line += source[i] == '\n';
  };
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < n) {
    const char c = source[i];
    const char next = i + 1 < n ? source[i + 1] : '\0';
    if (c == '\n') {
      ++line;
      ++i;
      line_start = true;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#' && line_start) {
      size_t end = i;
      while (end < n && (source[end] != '\n' || source[end - 1] == '\\')) ++end;
      skip_to(end);
    } else if (c == '/' && next == '/') {
      skip_to(std::min(source.find('\n', i), n));
    } else if (c == '/' && next == '*') {
      const size_t end = source.find("*/", i + 2);
      skip_to(end == std::string::npos ? n : end + 2);
    } else if (c == '\'' && i > 0 && is_hex(source[i - 1]) && is_hex(next)) {
      ++i;  // a digit separator (1'000)
      line_start = false;
    } else if (c == '\'') {
      for (++i; i < n && source[i] != '\'' && source[i] != '\n'; ++i) {
        if (source[i] == '\\') ++i;
      }
      ++i;
      line_start = false;
    } else if (c == '"' && i > 0 && source[i - 1] == 'R') {
      const size_t open = source.find('(', i);
      if (open == std::string::npos) break;
      const std::string close = ")" + source.substr(i + 1, open - i - 1) + "\"";
      const size_t end = source.find(close, open);
      literals.push_back({source.substr(open + 1, (end == std::string::npos ? n : end) - open - 1), line});
      skip_to(end == std::string::npos ? n : end + close.size());
      line_start = false;
    } else if (c == '"') {
      Literal literal{"", line};
      for (++i; i < n && source[i] != '"' && source[i] != '\n'; ++i) {
        if (source[i] == '\\' && i + 1 < n) {
          const char escaped = source[++i];
          literal.text += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
        } else {
          literal.text += source[i];
        }
      }
      ++i;
      literals.push_back(std::move(literal));
      line_start = false;
    } else {
      ++i;
      line_start = false;
    }
  }
  return literals;
}

// The words of a literal where a gst-launch description has an element: its start, or right after
// a '!' link. A factory name ends at the literal's end, a blank or a link, so "video/x-raw,...",
// "pipeline: %s" and the property in "volume=0.3" are not taken.
std::vector<std::string> element_words(const std::string& text) {
  std::vector<std::string> words;
  auto is_blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  auto is_name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  size_t start = 0;
  while (true) {
    size_t begin = start;
    while (begin < text.size() && is_blank(text[begin])) ++begin;
    size_t end = begin;
    while (end < text.size() && is_name_char(text[end])) ++end;
    if (end > begin && (end == text.size() || is_blank(text[end]) || text[end] == '!')) {
      words.push_back(text.substr(begin, end - begin));
    }
    const size_t link = text.find('!', start);
    if (link == std::string::npos) break;
    start = link + 1;
  }
  return words;
}

// Word -> the line of `source` it first appears on, for every word in element position.
std::map<std::string, int> element_words_in(const std::string& source) {
  std::map<std::string, int> words;
  for (const Literal& literal : string_literals(source)) {
    for (const std::string& word : element_words(literal.text)) words.emplace(word, literal.line);
  }
  return words;
}

std::vector<std::string> glob_paths(const std::string& pattern) {
  std::vector<std::string> paths;
  glob_t matches{};
  if (glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  return paths;
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// Word -> "file.cpp:line" of its first use, over launcher/*.cpp and *.hpp.
std::map<std::string, std::string> element_words_in_launcher(size_t& files_read) {
  std::map<std::string, std::string> words;
  files_read = 0;
  for (const char* pattern : {"/*.cpp", "/*.hpp"}) {
    for (const std::string& path : glob_paths(SIO_LAUNCHER_SOURCE_DIR + std::string(pattern))) {
      std::ifstream file(path);
      const std::string source((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
      ++files_read;
      for (const auto& [word, line] : element_words_in(source)) {
        words.emplace(word, base_name(path) + ":" + std::to_string(line));
      }
    }
  }
  return words;
}

constexpr const char* kDpkgInfo = "/var/lib/dpkg/info";

// The Debian packages whose file list (/var/lib/dpkg/info/PACKAGE[:ARCH].list) holds each of
// `files`, matched by device and inode rather than text: with merged /usr the registry says
// /lib/x86_64-linux-gnu/... where dpkg lists /usr/lib/x86_64-linux-gnu/...
std::map<std::string, std::set<std::string>> dpkg_owners(const std::set<std::string>& files) {
  struct Target {
    std::string file;
    dev_t device;
    ino_t inode;
  };
  std::map<std::string, std::vector<Target>> by_base_name;  // only lines with these names are stat'ed
  for (const std::string& file : files) {
    struct stat info {};
    if (stat(file.c_str(), &info) == 0) by_base_name[base_name(file)].push_back({file, info.st_dev, info.st_ino});
  }
  std::map<std::string, std::set<std::string>> owners;
  for (const std::string& list : glob_paths(std::string(kDpkgInfo) + "/*.list")) {
    std::string package = base_name(list);
    package = package.substr(0, package.size() - 5);           // ".list"
    package = package.substr(0, package.find(':'));            // ":amd64"
    std::ifstream in(list);
    for (std::string line; std::getline(in, line);) {
      const auto targets = by_base_name.find(base_name(line));
      if (targets == by_base_name.end()) continue;
      struct stat info {};
      if (stat(line.c_str(), &info) != 0) continue;
      for (const Target& target : targets->second) {
        if (target.device == info.st_dev && target.inode == info.st_ino) owners[target.file].insert(package);
      }
    }
  }
  return owners;
}

// The scanner itself: element positions taken, comments, includes, caps and messages not.
TEST(Plugins, SourceScanTakesElementPositionsOnly) {
  const std::string source = R"src(#include "log.hpp"
// gst_element_factory_make("commentsink", nullptr);
/* "blocksink ! x" */ char quote = '"';
#define SINK \
  "definesink"
auto* mux = gst_element_factory_make("matroskamux", "recording_mux");
chain.add("x264enc", "x264enc tune=zerolatency bitrate=" + rate, codec);
const char* d = "queue name=in ! decodebin ! identity name=count !"
                "autovideosink";
for (const char* f : {"webrtcbin", "nicesrc"}) {}
std::printf("pipeline: %s\n", line.c_str());
chain.caps("video/x-raw,width=320", why);
const char* tone = "audiotestsrc wave=sine volume=0.3";
const char* escaped = "\"quoted\" !tee";
int big = 1'000; const char* after = "fakesink";
)src";
  const std::map<std::string, int> words = element_words_in(source);
  const std::map<std::string, int> expected = {
      {"matroskamux", 6}, {"recording_mux", 6}, {"x264enc", 7},       {"queue", 8},
      {"decodebin", 8},   {"identity", 8},      {"autovideosink", 9}, {"webrtcbin", 10},
      {"nicesrc", 10},    {"audiotestsrc", 13}, {"tee", 14},          {"fakesink", 15},
  };
  EXPECT_EQ(words, expected);
}

// Every element named in launcher/ has a row, and where dpkg knows the plugin's file, the row
// names the package that ships it.
TEST(Plugins, EveryElementInTheSourceHasItsPackage) {
  size_t files_read = 0;
  const std::map<std::string, std::string> words = element_words_in_launcher(files_read);
  ASSERT_GE(files_read, 5u) << "no launcher sources in " SIO_LAUNCHER_SOURCE_DIR;
  // A scan that stopped seeing one way of naming an element would lose these.
  for (const char* known : {"matroskamux", "x264enc", "decodebin", "webrtcbin", "videotestsrc"}) {
    EXPECT_EQ(words.count(known), 1u) << known << " not found in " SIO_LAUNCHER_SOURCE_DIR;
  }

  struct Element {
    std::string name, where, package, plugin_file;
  };
  std::vector<Element> elements;
  std::vector<std::string> not_installed;
  for (const auto& [name, where] : words) {
    if (name == "socketiosignaller") continue;  // our own element, linked into sio-webrtc
    const std::string package = debian_package_for(name);
    GstElementFactory* factory = gst_element_factory_find(name.c_str());
    if (!factory) {
      // Most such words are messages or property names. A row whose element is not installed here
      // is reported: its package cannot be checked on this machine.
      if (!package.empty()) not_installed.push_back(name);
      continue;
    }
    std::string plugin_file;
    if (GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory))) {
      if (const gchar* filename = gst_plugin_get_filename(plugin)) plugin_file = filename;
      gst_object_unref(plugin);
    }
    gst_object_unref(factory);
    EXPECT_NE(package, "") << "'" << name << "' (" << where << ") is an element sio-webrtc can create, but "
                           << "launcher/plugins.cpp has no Debian package row for it";
    elements.push_back({name, where, package, plugin_file});
  }
  ASSERT_GE(elements.size(), 40u);

  std::set<std::string> plugin_files;
  for (const Element& e : elements) {
    if (!e.plugin_file.empty()) plugin_files.insert(e.plugin_file);
  }
  struct stat info {};
  if (stat(kDpkgInfo, &info) != 0) {
    std::printf("note: no dpkg database (%s): the table's packages are not compared\n", kDpkgInfo);
    return;
  }
  const auto owners = dpkg_owners(plugin_files);
  size_t compared = 0;
  for (const Element& e : elements) {
    if (e.package.empty()) continue;  // failed above
    const auto owner = owners.find(e.plugin_file);
    if (e.plugin_file.empty() || owner == owners.end()) {
      std::printf("note: %s: %s is in no dpkg file list: its package (%s) is not compared\n", e.name.c_str(),
                  e.plugin_file.empty() ? "(a static plugin)" : e.plugin_file.c_str(), e.package.c_str());
      continue;
    }
    std::string listed;
    for (const std::string& package : owner->second) listed += (listed.empty() ? "" : ", ") + package;
    EXPECT_EQ(owner->second.count(e.package), 1u)
        << "'" << e.name << "' (" << e.where << "): the table says " << e.package << ", but " << e.plugin_file
        << " belongs to " << listed;
    ++compared;
  }
  std::string missing_here;
  for (const std::string& name : not_installed) missing_here += " " + name;
  std::printf("%zu elements named in launcher/ are installed here; %zu packages compared with dpkg%s%s\n",
              elements.size(), compared, not_installed.empty() ? "" : "; not installed here, not compared:",
              missing_here.c_str());
}

// --- V4L2 probing on this machine ---------------------------------------------------------------

std::vector<std::string> video_nodes() {
  std::vector<std::string> nodes;
  glob_t matches{};
  if (glob("/dev/video*", 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) nodes.emplace_back(matches.gl_pathv[i]);
  }
  globfree(&matches);
  return nodes;
}

TEST(V4l2Probe, FindDevicesMatchesTheMachine) {
  const std::vector<V4l2Device> devices = find_v4l2_devices();
  const std::vector<std::string> nodes = video_nodes();
  if (nodes.empty()) {
    EXPECT_TRUE(devices.empty());  // this machine: no /dev/video*, no V4L2 in the kernel
  }
  for (const auto& device : devices) {
    EXPECT_NE(std::find(nodes.begin(), nodes.end(), device.path), nodes.end()) << device.path;
    EXPECT_FALSE(device.caps.empty()) << device.path;
  }
}

TEST(V4l2Probe, NamedDeviceErrors) {
  V4l2Device device;
  std::string error;
  EXPECT_FALSE(probe_v4l2_device("/dev/null", device, error));
  EXPECT_EQ(error, "not a V4L2 device");
  EXPECT_FALSE(probe_v4l2_device("/dev/video-sio-does-not-exist", device, error));
  EXPECT_EQ(error, "no such device");
  EXPECT_FALSE(probe_v4l2_device("/tmp", device, error));
  EXPECT_NE(error.find("not a character device"), std::string::npos) << error;
  EXPECT_TRUE(device.path.empty());
}

TEST(V4l2Probe, EnvironmentForANamedDeviceThatIsNotACamera) {
  LaunchOptions options = send_options(VideoChoice::V4l2, Codec::Vp8);
  options.video_device = "/dev/null";
  const MediaEnvironment environment = probe_environment(options);
  EXPECT_FALSE(environment.named_device.has_value());
  EXPECT_EQ(environment.named_device_error, "not a V4L2 device");
  const SendPlan plan = plan_send(options, environment);
  EXPECT_EQ(plan.error, "--video=v4l2:/dev/null: not a V4L2 device");
}

TEST(V4l2Probe, AutoEnvironmentHereGivesTestPatternAndTone) {
  LaunchOptions options = send_options(VideoChoice::Auto, Codec::Vp8);
  options.audio = AudioChoice::Auto;
  const MediaEnvironment environment = probe_environment(options);
  if (!video_nodes().empty()) GTEST_SKIP() << "this machine has /dev/video* nodes";
  EXPECT_TRUE(environment.v4l2_devices.empty());
  const SendPlan plan = plan_send(options, environment);
  ASSERT_TRUE(plan.error.empty()) << plan.error;
  ASSERT_TRUE(plan.video && plan.audio);
  EXPECT_TRUE(contains(plan.video->elements, "videotestsrc"));
  // Audio follows what the probe found (no sound server or ALSA device on the build machine).
  const bool real_audio = environment.pulse_source || environment.alsa_capture;
  EXPECT_EQ(contains(plan.audio->elements, "audiotestsrc"), !real_audio);
}

TEST(V4l2Probe, RecvModeProbesNothing) {
  LaunchOptions options = send_options(VideoChoice::V4l2, Codec::Vp8);
  options.mode = Mode::Recv;
  options.video_device = "/dev/video-sio-does-not-exist";
  const MediaEnvironment environment = probe_environment(options);
  EXPECT_FALSE(environment.named_device.has_value());
  EXPECT_TRUE(environment.named_device_error.empty());
}

}  // namespace
}  // namespace sio::launcher

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
