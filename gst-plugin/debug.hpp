// The one debug category of the plugin ("socketiosignaller"), shared by its files.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(gst_socketio_signaller_debug);
#define GST_CAT_DEFAULT gst_socketio_signaller_debug
