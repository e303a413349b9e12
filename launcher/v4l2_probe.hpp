// Finding V4L2 capture devices and what they can deliver (real device access through GStreamer's
// v4l2 plugin; nothing here fakes a camera). Needs gst_init().
#pragma once

#include <string>
#include <vector>

namespace sio::launcher {

struct V4l2Device {
  std::string path;  // /dev/videoN
  std::string name;  // the driver's card name
  std::string caps;  // everything the device can deliver, as a GstCaps string (video/x-raw,
                     // image/jpeg, video/x-h264 structures with width/height/framerate)
};

// Video capture devices (GstDeviceMonitor "Video/Source" from the v4l2 provider), in path order.
std::vector<V4l2Device> find_v4l2_devices();

// The device at `path` if it is a V4L2 capture device; else false with a reason in `error`
// ("no such device", "not a capture device", "busy", ...).
bool probe_v4l2_device(const std::string& path, V4l2Device& out, std::string& error);

}  // namespace sio::launcher
