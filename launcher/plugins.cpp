// Factory -> Debian 12 package. Each row was checked on Debian 12 (GStreamer 1.22) with
// `dpkg -S /usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgst<plugin>.so` (and, for packages not
// installed there, the package's Gstreamer-Elements field in `apt-cache show`).
// tests/check/launcher_media_test.cpp (Plugins.EveryElementInTheSourceHasItsPackage) finds every
// element named in launcher/*.cpp and checks its row against dpkg's file lists.
#include "plugins.hpp"

#include <gst/gst.h>

#include <array>
#include <utility>

namespace sio::launcher {
namespace {

struct PackageRow {
  std::string_view factory;
  std::string_view package;
};

constexpr std::string_view kCore = "libgstreamer1.0-0";  // coreelements (queue, fakesink, ...)
constexpr std::string_view kBase = "gstreamer1.0-plugins-base";
constexpr std::string_view kGood = "gstreamer1.0-plugins-good";
constexpr std::string_view kBad = "gstreamer1.0-plugins-bad";
constexpr std::string_view kUgly = "gstreamer1.0-plugins-ugly";

constexpr std::array kPackages = {
    // Sources.
    PackageRow{"videotestsrc", kBase},      // libgstvideotestsrc
    PackageRow{"audiotestsrc", kBase},      // libgstaudiotestsrc
    PackageRow{"v4l2src", kGood},           // libgstvideo4linux2
    PackageRow{"pulsesrc", kGood},          // libgstpulseaudio
    PackageRow{"alsasrc", "gstreamer1.0-alsa"},
    // Overlays (pango), X11 output.
    PackageRow{"clockoverlay", "gstreamer1.0-x"},
    PackageRow{"timeoverlay", "gstreamer1.0-x"},
    PackageRow{"textoverlay", "gstreamer1.0-x"},
    PackageRow{"ximagesink", "gstreamer1.0-x"},
    // Conversion and plumbing.
    PackageRow{"videoconvert", kBase},      // libgstvideoconvertscale
    PackageRow{"videoscale", kBase},        // libgstvideoconvertscale
    PackageRow{"compositor", kBase},        // libgstcompositor (several calls mixed)
    PackageRow{"audiomixer", kBase},        // libgstaudiomixer
    PackageRow{"videorate", kBase},
    PackageRow{"audioconvert", kBase},
    PackageRow{"audioresample", kBase},
    PackageRow{"queue", kCore},
    PackageRow{"capsfilter", kCore},
    PackageRow{"fakesink", kCore},
    PackageRow{"filesink", kCore},
    PackageRow{"tee", kCore},
    PackageRow{"identity", kCore},
    PackageRow{"appsink", kBase},           // libgstapp
    PackageRow{"appsrc", kBase},
    PackageRow{"decodebin", kBase},         // libgstplayback
    PackageRow{"parsebin", kBase},
    PackageRow{"autovideosink", kGood},     // libgstautodetect
    PackageRow{"autoaudiosink", kGood},
    PackageRow{"matroskamux", kGood},
    // Codecs.
    PackageRow{"vp8enc", kGood},            // libgstvpx
    PackageRow{"vp8dec", kGood},
    PackageRow{"x264enc", kUgly},           // libgstx264
    PackageRow{"h264parse", kBad},          // libgstvideoparsersbad
    PackageRow{"avdec_h264", "gstreamer1.0-libav"},
    PackageRow{"jpegdec", kGood},           // libgstjpeg
    PackageRow{"jpegenc", kGood},
    PackageRow{"opusenc", kBase},           // libgstopus
    PackageRow{"opusdec", kBase},
    PackageRow{"opusparse", kBad},          // libgstopusparse (not libgstopus): recording Opus
    // RTP.
    PackageRow{"rtpvp8pay", kGood},         // libgstrtp
    PackageRow{"rtpvp8depay", kGood},
    PackageRow{"rtph264pay", kGood},
    PackageRow{"rtph264depay", kGood},
    PackageRow{"rtpopuspay", kGood},
    PackageRow{"rtpopusdepay", kGood},
    // The call.
    PackageRow{"webrtcbin", kBad},          // libgstwebrtc
    PackageRow{"dtlssrtpenc", kBad},        // libgstdtls
    PackageRow{"dtlssrtpdec", kBad},
    PackageRow{"srtpenc", kBad},            // libgstsrtp
    PackageRow{"srtpdec", kBad},
    PackageRow{"nicesrc", "gstreamer1.0-nice"},
    PackageRow{"nicesink", "gstreamer1.0-nice"},
    PackageRow{"rtpbin", kGood},            // libgstrtpmanager
};

}  // namespace

std::string debian_package_for(std::string_view factory) {
  for (const auto& row : kPackages) {
    if (row.factory == factory) return std::string(row.package);
  }
  return {};
}

std::optional<NeededElement> find_missing(const std::vector<NeededElement>& needed) {
  for (const auto& element : needed) {
    // By name only: gst_registry_check_feature_version compares the *plugin's* version, and
    // plugins versioned apart from GStreamer (libnice's 0.1.x) would look missing.
    GstElementFactory* factory = gst_element_factory_find(element.factory.c_str());
    if (!factory) return element;
    gst_object_unref(factory);
  }
  return std::nullopt;
}

std::string describe_missing(const NeededElement& missing) {
  std::string text = "missing GStreamer element '" + missing.factory + "'";
  if (!missing.needed_for.empty()) text += " (needed for " + missing.needed_for + ")";
  const std::string package = debian_package_for(missing.factory);
  if (package.empty()) {
    text += ": no known Debian package provides it (gst-inspect-1.0 lists what is installed)";
  } else {
    text += ": install the Debian package " + package;
  }
  return text;
}

}  // namespace sio::launcher
