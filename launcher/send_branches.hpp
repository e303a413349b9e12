// The sending half of the pipeline: source -> (decoder) -> encoder -> payloader, as gst-launch
// descriptions the launcher parses into bins. Planning is separate from probing so that tests can
// plan against a fake device's caps and still run the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "plugins.hpp"
#include "v4l2_probe.hpp"

namespace sio::launcher {

// What the machine offers, for --video=auto / --audio=auto and V4L2.
struct MediaEnvironment {
  std::vector<V4l2Device> v4l2_devices;  // for --video=auto and --video=v4l2 (no device named)
  std::optional<V4l2Device> named_device;  // for --video=v4l2:DEVICE, when the probe succeeded
  std::string named_device_error;          // ... or why it failed
  bool pulse_source = false;               // a PulseAudio server with a source is reachable
  bool alsa_capture = false;               // an ALSA capture device exists
};

// Real probing (devices, sound servers). Only probes what `options` can use.
MediaEnvironment probe_environment(const LaunchOptions& options);

struct SendBranch {
  // gst-launch description of a chain ending in the payloader, which is named "video_pay" or
  // "audio_pay" (the launcher links its src pad to socketiosignaller and counts sent frames on
  // its sink pad). Video uses pt=96, audio pt=97 (one bundle: they must differ). E.g.
  //   videotestsrc is-live=true ! video/x-raw,width=640,height=480,framerate=30/1 ! clockoverlay
  //   ! videoconvert ! queue ! vp8enc deadline=1 ... ! rtpvp8pay pt=96 name=video_pay
  std::string description;
  std::vector<NeededElement> elements;  // every factory in `description`, with what it serves
  std::string summary;  // one line for humans: "/dev/video0 (H.264 640x480@30, sent as is)"
};

struct SendPlan {
  std::optional<SendBranch> video;  // none: --video=none or --mode=recv
  std::optional<SendBranch> audio;
  std::string error;  // non-empty: a missing piece (e.g. "--video=v4l2:/dev/video9: no such
                      // device"); the launcher prints it and exits 2
};

// Pure: decides from options + environment. V4L2 choices: a device giving video/x-h264 with
// --codec=h264 is sent without re-encoding (h264parse); image/jpeg is decoded (jpegdec) then
// encoded; raw formats are converted and encoded. Encoders tuned for real time (x264enc
// tune=zerolatency, vp8enc deadline=1 lag-in-frames=0, keyframes on request, target bitrate).
SendPlan plan_send(const LaunchOptions& options, const MediaEnvironment& environment);

}  // namespace sio::launcher
