// Planning the sending half: which source, whether a camera's stream can be sent as it is, and
// the real-time encoder settings. plan_send only reads its arguments (caps are parsed with
// GStreamer's caps parser, so gst_init() must have run); probe_environment touches the machine.
#include "send_branches.hpp"

#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>

namespace sio::launcher {
namespace {

// ---------------------------------------------------------------------------------------------
// Building a description element by element, so the element list cannot drift from the text.

class Chain {
 public:
  // `text` starts with the factory name (or is a caps string, for which factory is capsfilter).
  void add(const std::string& factory, const std::string& text, const std::string& needed_for) {
    if (!description_.empty()) description_ += " ! ";
    description_ += text;
    for (const auto& element : elements_) {
      if (element.factory == factory) return;
    }
    elements_.push_back({factory, needed_for});
  }
  void caps(const std::string& caps_text, const std::string& needed_for) {
    add("capsfilter", caps_text, needed_for);
  }
  SendBranch finish(std::string summary) {
    return SendBranch{std::move(description_), std::move(elements_), std::move(summary)};
  }

 private:
  std::string description_;
  std::vector<NeededElement> elements_;
};

std::string fps_text(int numerator, int denominator) {
  if (denominator == 1) return std::to_string(numerator);
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(numerator) / denominator);
  return text;
}

std::string codec_name(Codec codec) { return codec == Codec::H264 ? "H.264" : "VP8"; }
std::string codec_option(Codec codec) { return codec == Codec::H264 ? "--codec=h264" : "--codec=vp8"; }

// A leaky queue splits the capture thread from the processing thread and drops a frame rather
// than letting latency grow when the encoder falls behind (a live call prefers a fresh frame to a
// late one). Only for frames that stand alone: raw video or JPEG.
void add_leaky_queue(Chain& chain) {
  chain.add("queue", "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream",
            "the encoder thread");
}

// Raw frames -> encoder -> payloader (the caller has split the thread before this).
void add_encoder(Chain& chain, const LaunchOptions& options) {
  chain.add("videoconvert", "videoconvert", "converting frames for the encoder");
  const int keyframe_distance = std::max(1, options.fps * 2);  // a keyframe every 2 s at most
  const std::string codec = codec_option(options.codec);
  if (options.codec == Codec::H264) {
    // Keyframes on request come from the force-key-unit events webrtcbin sends upstream on PLI.
    chain.add("x264enc",
              "x264enc tune=zerolatency speed-preset=ultrafast bitrate=" +
                  std::to_string(options.bitrate_kbps) +
                  " key-int-max=" + std::to_string(keyframe_distance),
              codec);
    // Browsers decode constrained baseline everywhere. No profile-level-id here: x264enc's
    // stream makes rtph264pay say 42c01e and forcing 42e01f fails to negotiate.
    chain.caps("video/x-h264,profile=constrained-baseline", codec);
    chain.add("rtph264pay",
              "rtph264pay pt=96 config-interval=-1 aggregate-mode=zero-latency name=video_pay",
              codec);
  } else {
    chain.add("vp8enc",
              "vp8enc deadline=1 cpu-used=4 lag-in-frames=0 error-resilient=default "
              "end-usage=cbr target-bitrate=" +
                  std::to_string(options.bitrate_kbps * 1000) +
                  " keyframe-max-dist=" + std::to_string(keyframe_distance),
              codec);
    chain.add("rtpvp8pay", "rtpvp8pay pt=96 picture-id-mode=15-bit name=video_pay", codec);
  }
}

SendBranch test_pattern_branch(const LaunchOptions& options, const std::string& why) {
  Chain chain;
  const std::string needed_for = "the test pattern (--video=test)";
  chain.add("videotestsrc", "videotestsrc is-live=true pattern=ball", needed_for);
  chain.caps("video/x-raw,width=" + std::to_string(options.width) +
                 ",height=" + std::to_string(options.height) +
                 ",framerate=" + std::to_string(options.fps) + "/1",
             needed_for);
  // A running wall clock shows at a glance that the picture is live and how late it is.
  chain.add("clockoverlay",
            "clockoverlay halignment=right valignment=bottom shaded-background=true", needed_for);
  // --stamp: the launcher draws the send time into the frames leaving "stamp" (glass_to_glass.hpp).
  if (options.stamp) chain.add("identity", "identity name=stamp", "--stamp");
  add_leaky_queue(chain);
  add_encoder(chain, options);
  std::string summary = "test pattern " + std::to_string(options.width) + "x" +
                        std::to_string(options.height) + "@" + std::to_string(options.fps) +
                        " with a running clock, " + codec_name(options.codec) + " at " +
                        std::to_string(options.bitrate_kbps) + " kbit/s";
  if (!why.empty()) summary += " (" + why + ")";
  return chain.finish(std::move(summary));
}

// ---------------------------------------------------------------------------------------------
// V4L2: the camera's modes and the choice among them.

enum class ModeKind { Raw, Jpeg, H264 };

struct CameraMode {
  ModeKind kind;
  std::string format;  // raw pixel format ("YUY2"), empty when not fixed
  int width = 0;
  int height = 0;
  int fps_n = 0;
  int fps_d = 1;
  double cost = 0;  // distance from the requested size and rate (0 = exact)
};

// Every structure of the device caps we can use, fixated to the point nearest the request
// (GStreamer's own fixation handles ranges and lists), with its distance from the request:
// |ln(w/W)| + |ln(h/H)| + |ln(fps/F)|, so half or double the size costs the same.
std::vector<CameraMode> camera_modes(const std::string& caps_text, const LaunchOptions& options) {
  std::vector<CameraMode> modes;
  GstCaps* caps = gst_caps_from_string(caps_text.c_str());
  if (!caps) return modes;
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    const GstStructure* original = gst_caps_get_structure(caps, i);
    CameraMode mode{};
    if (gst_structure_has_name(original, "video/x-raw")) {
      mode.kind = ModeKind::Raw;
    } else if (gst_structure_has_name(original, "image/jpeg")) {
      mode.kind = ModeKind::Jpeg;
    } else if (gst_structure_has_name(original, "video/x-h264")) {
      mode.kind = ModeKind::H264;
    } else {
      continue;  // bayer, HEVC, ... : not handled
    }
    GstCapsFeatures* features = gst_caps_get_features(caps, i);
    if (features && !gst_caps_features_is_any(features) &&
        !gst_caps_features_is_equal(features, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY)) {
      continue;  // e.g. DMABuf-only modes: videoconvert cannot map them
    }
    GstStructure* fixed = gst_structure_copy(original);
    gst_structure_fixate_field_nearest_int(fixed, "width", options.width);
    gst_structure_fixate_field_nearest_int(fixed, "height", options.height);
    gst_structure_fixate_field_nearest_fraction(fixed, "framerate", options.fps, 1);
    if (mode.kind == ModeKind::Raw) gst_structure_fixate_field(fixed, "format");
    const bool sized = gst_structure_get_int(fixed, "width", &mode.width) &&
                       gst_structure_get_int(fixed, "height", &mode.height) &&
                       mode.width > 0 && mode.height > 0;
    if (!gst_structure_get_fraction(fixed, "framerate", &mode.fps_n, &mode.fps_d) ||
        mode.fps_d <= 0) {
      mode.fps_n = 0;  // unknown rate: leave it to the device
      mode.fps_d = 1;
    }
    if (const char* format = gst_structure_get_string(fixed, "format")) mode.format = format;
    gst_structure_free(fixed);
    if (!sized) continue;
    // A colour mode of any size beats a greyscale one (an IR camera's GRAY8).
    mode.cost = (g_str_has_prefix(mode.format.c_str(), "GRAY") ? 100.0 : 0.0) +
                std::fabs(std::log(static_cast<double>(mode.width) / options.width)) +
                std::fabs(std::log(static_cast<double>(mode.height) / options.height)) +
                (mode.fps_n > 0 ? std::fabs(std::log(static_cast<double>(mode.fps_n) /
                                                     mode.fps_d / options.fps))
                                : 1.0);
    modes.push_back(std::move(mode));
  }
  gst_caps_unref(caps);
  return modes;
}

// The closest mode of the given kinds (ties: the earlier kind in `kinds`, then device order).
const CameraMode* closest_mode(const std::vector<CameraMode>& modes,
                               std::initializer_list<ModeKind> kinds) {
  const CameraMode* best = nullptr;
  auto rank = [&](ModeKind kind) {
    int r = 0;
    for (ModeKind k : kinds) {
      if (k == kind) return r;
      ++r;
    }
    return -1;
  };
  for (const auto& mode : modes) {
    const int r = rank(mode.kind);
    if (r < 0) continue;
    if (!best || mode.cost < best->cost - 1e-9 ||
        (std::fabs(mode.cost - best->cost) <= 1e-9 && r < rank(best->kind))) {
      best = &mode;
    }
  }
  return best;
}

std::string mode_caps(const CameraMode& mode) {
  std::string text = mode.kind == ModeKind::Raw    ? "video/x-raw"
                     : mode.kind == ModeKind::Jpeg ? "image/jpeg"
                                                   : "video/x-h264";
  if (mode.kind == ModeKind::Raw && !mode.format.empty()) text += ",format=" + mode.format;
  text += ",width=" + std::to_string(mode.width) + ",height=" + std::to_string(mode.height);
  if (mode.fps_n > 0) {
    text += ",framerate=" + std::to_string(mode.fps_n) + "/" + std::to_string(mode.fps_d);
  }
  return text;
}

std::string mode_text(const CameraMode& mode) {
  std::string kind = mode.kind == ModeKind::Raw    ? "raw " + (mode.format.empty() ? std::string("video") : mode.format)
                     : mode.kind == ModeKind::Jpeg ? "MJPEG"
                                                   : "H.264";
  std::string text = kind + " " + std::to_string(mode.width) + "x" + std::to_string(mode.height);
  if (mode.fps_n > 0) text += "@" + fps_text(mode.fps_n, mode.fps_d);
  return text;
}

// A camera's H.264 is sent as is when it is about as close to the request as the best mode we
// would have to encode ourselves: within a factor of 2 in one dimension (ln 2 of cost).
constexpr double kPassthroughSlack = 0.6931471805599453;

std::string quote_device(const std::string& path) {
  std::string quoted = "\"";
  for (char c : path) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// Builds the V4L2 branch, or returns an error text.
std::optional<SendBranch> v4l2_branch(const V4l2Device& device, const LaunchOptions& options,
                                      std::string& error) {
  const std::vector<CameraMode> modes = camera_modes(device.caps, options);
  const CameraMode* h264 = closest_mode(modes, {ModeKind::H264});
  const CameraMode* decodable = closest_mode(modes, {ModeKind::Raw, ModeKind::Jpeg});
  const CameraMode* chosen = nullptr;
  bool passthrough = false;
  if (options.codec == Codec::H264 && h264 &&
      (!decodable || h264->cost <= decodable->cost + kPassthroughSlack)) {
    chosen = h264;
    passthrough = true;
  } else if (decodable) {
    chosen = decodable;
  } else if (h264) {
    chosen = h264;  // an H.264-only camera with --codec=vp8: decode, then encode
  } else {
    error = device.path + " offers no video format the launcher can send (raw video, MJPEG or "
            "H.264); its formats: " + (device.caps.empty() ? "(none)" : device.caps);
    return std::nullopt;
  }

  const std::string needed_for = "the V4L2 camera (--video=v4l2)";
  Chain chain;
  std::string source = "v4l2src device=" + quote_device(device.path);
  if (passthrough) {
    // The camera's encoder, set as x264enc would be: --bitrate, a keyframe every 2 s at most and
    // SPS/PPS with each one (a browser joining mid-stream can start). Controls the driver lacks
    // are skipped with a warning; the Raspberry Pi's bcm2835 codec has all three.
    source += " extra-controls=\"controls,video_bitrate=" + std::to_string(options.bitrate_kbps * 1000) +
              ",h264_i_frame_period=" + std::to_string(std::max(1, options.fps * 2)) +
              ",repeat_sequence_header=1\"";
  }
  chain.add("v4l2src", source, needed_for);
  chain.caps(mode_caps(*chosen), needed_for);
  std::string route;
  if (passthrough) {
    chain.add("h264parse", "h264parse", "sending the camera's H.264 as is");
    chain.add("rtph264pay",
              "rtph264pay pt=96 config-interval=-1 aggregate-mode=zero-latency name=video_pay",
              "--codec=h264");
    route = "sent as is, without re-encoding (the camera encodes at " + std::to_string(options.bitrate_kbps) +
            " kbit/s)";
  } else {
    // The capture thread only hands buffers on: v4l2src has few of them, so decoding or
    // encoding there would stall the capture.
    if (chosen->kind == ModeKind::Jpeg) {
      add_leaky_queue(chain);  // a JPEG frame stands alone: dropping one is harmless
      chain.add("jpegdec", "jpegdec", "decoding the camera's MJPEG");
      route = "decoded and ";
    } else if (chosen->kind == ModeKind::H264) {
      // Never leaky before an H.264 decoder: a lost frame breaks every frame that refers to it.
      chain.add("queue", "queue", "the decoder thread");
      chain.add("h264parse", "h264parse", "decoding the camera's H.264");
      chain.add("avdec_h264", "avdec_h264", "decoding the camera's H.264 for --codec=vp8");
      add_leaky_queue(chain);
      route = "decoded and ";
    } else {
      add_leaky_queue(chain);
    }
    add_encoder(chain, options);
    route += "encoded as " + codec_name(options.codec) + " at " +
             std::to_string(options.bitrate_kbps) + " kbit/s";
  }
  std::string summary = device.path;
  if (!device.name.empty()) summary += " (" + device.name + ")";
  summary += ": " + mode_text(*chosen) + ", " + route;
  const bool exact = chosen->width == options.width && chosen->height == options.height &&
                     chosen->fps_n == options.fps * chosen->fps_d;
  if (!exact) {
    summary += "; the closest mode to the requested " + std::to_string(options.width) + "x" +
               std::to_string(options.height) + "@" + std::to_string(options.fps);
  }
  return chain.finish(std::move(summary));
}

std::optional<SendBranch> plan_video(const LaunchOptions& options,
                                     const MediaEnvironment& environment, std::string& error) {
  switch (options.video) {
    case VideoChoice::None:
      return std::nullopt;
    case VideoChoice::Test:
      return test_pattern_branch(options, "");
    case VideoChoice::Auto: {
      if (environment.v4l2_devices.empty()) {
        return test_pattern_branch(options, "no V4L2 camera found");
      }
      // The first device that gives a usable picture: /dev/video0 is not always the camera (a
      // Raspberry Pi's unicam node gives Bayer only; a laptop's first node may be its IR camera).
      std::string device_errors;
      std::optional<SendBranch> greyscale;  // only if no device gives colour
      for (const auto& device : environment.v4l2_devices) {
        std::string device_error;
        auto branch = v4l2_branch(device, options, device_error);
        if (branch && branch->summary.find(" raw GRAY") == std::string::npos) return branch;
        if (branch && !greyscale) greyscale = std::move(branch);
        if (!device_error.empty()) device_errors += (device_errors.empty() ? "" : "; ") + device_error;
      }
      if (greyscale) return greyscale;
      // auto must just work: unusable cameras are reported in the summary, not fatal.
      return test_pattern_branch(options, device_errors);
    }
    case VideoChoice::V4l2: {
      if (!options.video_device.empty()) {
        if (!environment.named_device) {
          error = "--video=v4l2:" + options.video_device + ": " +
                  (environment.named_device_error.empty() ? std::string("no such device")
                                                          : environment.named_device_error);
          return std::nullopt;
        }
        auto branch = v4l2_branch(*environment.named_device, options, error);
        if (!branch) error = "--video=v4l2:" + options.video_device + ": " + error;
        return branch;
      }
      if (environment.v4l2_devices.empty()) {
        error = "--video=v4l2: no V4L2 capture device was found (no camera under /dev/video*); "
                "--video=test sends a test pattern instead";
        return std::nullopt;
      }
      auto branch = v4l2_branch(environment.v4l2_devices.front(), options, error);
      if (!branch) error = "--video=v4l2: " + error;
      return branch;
    }
  }
  return std::nullopt;
}

std::optional<SendBranch> plan_audio(const LaunchOptions& options,
                                     const MediaEnvironment& environment) {
  Chain chain;
  std::string summary;
  switch (options.audio) {
    case AudioChoice::None:
      return std::nullopt;
    case AudioChoice::Auto:
      if (environment.pulse_source) {
        chain.add("pulsesrc", "pulsesrc", "the PulseAudio source (--audio=auto)");
        summary = "the default PulseAudio source";
        break;
      }
      if (environment.alsa_capture) {
        chain.add("alsasrc", "alsasrc", "the ALSA capture device (--audio=auto)");
        summary = "the default ALSA capture device";
        break;
      }
      chain.add("audiotestsrc", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3",
                "the test tone (--audio=auto)");
      summary = "test tone (440 Hz sine; no PulseAudio or ALSA capture source found)";
      break;
    case AudioChoice::Test:
      chain.add("audiotestsrc", "audiotestsrc is-live=true wave=sine freq=440 volume=0.3",
                "the test tone (--audio=test)");
      summary = "test tone (440 Hz sine)";
      break;
  }
  const std::string needed_for = "Opus audio";
  chain.add("queue", "queue", "the audio encoder thread");
  chain.add("audioconvert", "audioconvert", needed_for);
  chain.add("audioresample", "audioresample", needed_for);
  chain.add("opusenc", "opusenc", needed_for);
  chain.add("rtpopuspay", "rtpopuspay pt=97 name=audio_pay", needed_for);
  return chain.finish(summary + ", Opus");
}

// ---------------------------------------------------------------------------------------------
// Probing.

// A PulseAudio (or PipeWire-pulse) server with at least one real source. Monitors of outputs
// are sources too, but recording what the speakers play is not a microphone.
bool has_pulse_source() {
  if (!gst_registry_check_feature_version(gst_registry_get(), "pulsesrc", 1, 0, 0)) return false;
  GstDeviceMonitor* monitor = gst_device_monitor_new();
  gst_device_monitor_add_filter(monitor, "Audio/Source", nullptr);
  bool found = false;
  if (gst_device_monitor_start(monitor)) {
    GList* devices = gst_device_monitor_get_devices(monitor);
    for (GList* item = devices; item && !found; item = item->next) {
      GstDevice* device = GST_DEVICE(item->data);
      if (std::strcmp(G_OBJECT_TYPE_NAME(device), "GstPulseDevice") != 0) continue;
      GstStructure* properties = gst_device_get_properties(device);
      const char* device_class =
          properties ? gst_structure_get_string(properties, "device.class") : nullptr;
      found = !device_class || std::strcmp(device_class, "monitor") != 0;
      if (properties) gst_structure_free(properties);
    }
    g_list_free_full(devices, gst_object_unref);
    gst_device_monitor_stop(monitor);
  }
  gst_object_unref(monitor);
  return found;
}

// An ALSA PCM with a capture stream (the kernel lists them in /proc/asound/pcm as
// "00-00: name : name : playback 1 : capture 1"), and alsasrc installed to read it: --audio=auto
// must work without gstreamer1.0-alsa, falling back to the test tone.
bool has_alsa_capture() {
  if (!gst_registry_check_feature_version(gst_registry_get(), "alsasrc", 1, 0, 0)) return false;
  std::ifstream pcm("/proc/asound/pcm");
  std::string line;
  while (std::getline(pcm, line)) {
    if (line.find("capture") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

MediaEnvironment probe_environment(const LaunchOptions& options) {
  MediaEnvironment environment;
  if (!sends(options)) return environment;
  if (options.video == VideoChoice::V4l2 && !options.video_device.empty()) {
    // "video0" is accepted as short for /dev/video0.
    std::string path = options.video_device;
    if (path.find('/') == std::string::npos) path = "/dev/" + path;
    V4l2Device device;
    if (probe_v4l2_device(path, device, environment.named_device_error)) {
      environment.named_device = std::move(device);
    }
  } else if (options.video == VideoChoice::Auto || options.video == VideoChoice::V4l2) {
    environment.v4l2_devices = find_v4l2_devices();
  }
  if (options.audio == AudioChoice::Auto) {
    environment.pulse_source = has_pulse_source();
    if (!environment.pulse_source) environment.alsa_capture = has_alsa_capture();
  }
  return environment;
}

SendPlan plan_send(const LaunchOptions& options, const MediaEnvironment& environment) {
  SendPlan plan;
  if (!sends(options)) return plan;
  plan.video = plan_video(options, environment, plan.error);
  if (!plan.error.empty()) {
    plan.video.reset();
    return plan;
  }
  plan.audio = plan_audio(options, environment);
  return plan;
}

}  // namespace sio::launcher
