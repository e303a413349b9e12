// V4L2 discovery through GStreamer's device monitor, and a direct probe of a named device (a
// capability ioctl for a clear "not a capture device", then v4l2src's own caps query).
#include "v4l2_probe.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gst/gst.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "gobject_ptr.hpp"

namespace sio::launcher {
namespace {

using glib::GCharPtr;

// Orders /dev/video2 before /dev/video10.
bool natural_path_less(const std::string& a, const std::string& b) {
  auto split = [](const std::string& path) {
    size_t digits = path.size();
    while (digits > 0 && path[digits - 1] >= '0' && path[digits - 1] <= '9') --digits;
    const std::string number = path.substr(digits);
    return std::make_pair(path.substr(0, digits),
                          number.empty() ? -1L : std::strtol(number.c_str(), nullptr, 10));
  };
  return split(a) < split(b);
}

std::string caps_to_string(GstCaps* caps) {
  if (!caps) return {};
  GCharPtr text(gst_caps_to_string(caps));
  return text ? text.get() : "";
}

// The device node of a monitored device: the v4l2 provider sets "device.path" (and, since 1.20,
// "api.v4l2.path"); anything without either is not a V4L2 node (e.g. a decklink card).
std::string v4l2_path_of(GstDevice* device) {
  GstStructure* properties = gst_device_get_properties(device);
  if (!properties) return {};
  std::string path;
  const char* api = gst_structure_get_string(properties, "device.api");
  const char* v4l2_path = gst_structure_get_string(properties, "api.v4l2.path");
  const char* device_path = gst_structure_get_string(properties, "device.path");
  if (v4l2_path) {
    path = v4l2_path;
  } else if (device_path && (!api || std::strcmp(api, "v4l2") == 0) &&
             g_str_has_prefix(device_path, "/dev/video")) {
    path = device_path;
  }
  gst_structure_free(properties);
  return path;
}

// Opens `path` and asks the driver what it is. Returns "" when it is a V4L2 video capture
// device (filling `card`), else the reason.
std::string check_capture_device(const std::string& path, std::string& card) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return "no such device";
    return std::string("cannot access it: ") + std::strerror(errno);
  }
  if (!S_ISCHR(info.st_mode)) return "not a V4L2 device (not a character device)";
  const int fd = open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int open_errno = errno;
    if (open_errno == EACCES || open_errno == EPERM) {
      return "permission denied (is the user in the 'video' group?)";
    }
    if (open_errno == EBUSY) return "busy (another program is using it)";
    return std::string("cannot open it: ") + std::strerror(open_errno);
  }
  v4l2_capability capability {};
  const int result = ioctl(fd, VIDIOC_QUERYCAP, &capability);
  const int ioctl_errno = errno;
  close(fd);
  if (result != 0) {
    if (ioctl_errno == ENOTTY || ioctl_errno == EINVAL) return "not a V4L2 device";
    return std::string("V4L2 capability query failed: ") + std::strerror(ioctl_errno);
  }
  // device_caps describes this node; capabilities the whole physical device.
  const uint32_t caps = (capability.capabilities & V4L2_CAP_DEVICE_CAPS)
                            ? capability.device_caps
                            : capability.capabilities;
  card.assign(reinterpret_cast<const char*>(capability.card),
              strnlen(reinterpret_cast<const char*>(capability.card), sizeof capability.card));
  if (!(caps & (V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE))) {
    return "not a capture device (a V4L2 output, codec or metadata node)";
  }
  return {};
}

// The first error message posted on `bus`, if any.
std::string pending_bus_error(GstBus* bus) {
  std::string text;
  while (GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    if (text.empty()) {
      GError* error = nullptr;
      gst_message_parse_error(message, &error, nullptr);
      if (error) {
        text = error->message;
        g_error_free(error);
      }
    }
    gst_message_unref(message);
  }
  return text;
}

}  // namespace

std::vector<V4l2Device> find_v4l2_devices() {
  std::vector<V4l2Device> devices;
  GstDeviceMonitor* monitor = gst_device_monitor_new();
  gst_device_monitor_add_filter(monitor, "Video/Source", nullptr);
  // start() probes every matching provider synchronously; get_devices() is then complete.
  if (!gst_device_monitor_start(monitor)) {
    gst_object_unref(monitor);
    return devices;
  }
  GList* list = gst_device_monitor_get_devices(monitor);
  std::map<std::string, bool> seen;
  for (GList* item = list; item; item = item->next) {
    GstDevice* device = GST_DEVICE(item->data);
    const std::string path = v4l2_path_of(device);
    if (path.empty() || seen.count(path)) continue;
    seen[path] = true;
    V4l2Device entry;
    entry.path = path;
    GCharPtr name(gst_device_get_display_name(device));
    entry.name = name ? name.get() : "";
    GstCaps* caps = gst_device_get_caps(device);
    entry.caps = caps_to_string(caps);
    if (caps) gst_caps_unref(caps);
    devices.push_back(std::move(entry));
  }
  g_list_free_full(list, gst_object_unref);
  gst_device_monitor_stop(monitor);
  gst_object_unref(monitor);
  std::sort(devices.begin(), devices.end(), [](const V4l2Device& a, const V4l2Device& b) {
    return natural_path_less(a.path, b.path);
  });
  return devices;
}

bool probe_v4l2_device(const std::string& path, V4l2Device& out, std::string& error) {
  std::string card;
  error = check_capture_device(path, card);
  if (!error.empty()) return false;

  GstElement* source = gst_element_factory_make("v4l2src", nullptr);
  if (!source) {
    error = "the v4l2src element is missing (Debian package gstreamer1.0-plugins-good)";
    return false;
  }
  gst_object_ref_sink(source);
  g_object_set(source, "device", path.c_str(), nullptr);
  // A bus of our own, so a failing open posts its error where we can read it.
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(source, bus);
  // NULL -> READY opens the device and enumerates its formats; the src pad's caps query then
  // answers with everything the device can deliver.
  if (gst_element_set_state(source, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    const std::string reason = pending_bus_error(bus);
    error = reason.empty() ? "v4l2src could not open it" : reason;
  } else {
    GstPad* pad = gst_element_get_static_pad(source, "src");
    GstCaps* caps = gst_pad_query_caps(pad, nullptr);
    if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) {
      error = "it offers no video format v4l2src understands";
    } else {
      out.path = path;
      GCharPtr device_name;
      {
        char* raw = nullptr;
        g_object_get(source, "device-name", &raw, nullptr);
        device_name.reset(raw);
      }
      out.name = device_name && *device_name ? device_name.get() : card;
      out.caps = caps_to_string(caps);
    }
    if (caps) gst_caps_unref(caps);
    gst_object_unref(pad);
  }
  gst_element_set_state(source, GST_STATE_NULL);
  gst_element_set_bus(source, nullptr);
  gst_object_unref(bus);
  gst_object_unref(source);
  return error.empty();
}

}  // namespace sio::launcher
