// Which GStreamer elements a launch needs, and which Debian package provides each one, so a
// missing plugin is reported as "install gstreamer1.0-plugins-ugly" rather than a parse error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sio::launcher {

struct NeededElement {
  std::string factory;     // e.g. "x264enc"
  std::string needed_for;  // e.g. "--codec=h264", "--sink=FILE.mkv", "the call (WebRTC)"
};

// The Debian 12 package that ships `factory` ("" when unknown).
std::string debian_package_for(std::string_view factory);

// The first element whose factory is not in the registry, or nothing. Needs gst_init().
std::optional<NeededElement> find_missing(const std::vector<NeededElement>& needed);

// "missing GStreamer element 'x264enc' (needed for --codec=h264): install the Debian package
// gstreamer1.0-plugins-ugly"
std::string describe_missing(const NeededElement& missing);

}  // namespace sio::launcher
