// The `socketio` plugin: registers socketiosignaller.
#include <gst/gst.h>

#include "socketiosignaller.hpp"

#ifndef PACKAGE
#define PACKAGE "gst-socketio-webrtc"
#endif

static gboolean plugin_init(GstPlugin* plugin) {
  gboolean ok = FALSE;
  ok |= GST_ELEMENT_REGISTER(socketiosignaller, plugin);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, socketio,
                  "Calls and answers WebRTC peers through a Socket.IO signalling server",
                  plugin_init, SIO_VERSION, "MIT", "gst-socketio-webrtc", SIO_PACKAGE_ORIGIN)
