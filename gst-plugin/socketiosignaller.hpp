// socketiosignaller: a GstBin around webrtcbin that calls and answers the course chapter's pages
// (and other pipelines) through a Socket.IO signalling server. See socketiosignaller.cpp's
// SECTION comment for the user-level documentation.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  GST_SOCKETIO_DIALECT_CLASSIC = 0,      // peerOffer / peerAnswer / peerIce
  GST_SOCKETIO_DIALECT_SIMPLE_PEER = 1,  // simple-peer's `signal`
} GstSocketIoDialect;

#define GST_TYPE_SOCKETIO_DIALECT (gst_socketio_dialect_get_type())
GType gst_socketio_dialect_get_type(void);

#define GST_TYPE_SOCKETIO_SIGNALLER (gst_socketio_signaller_get_type())
G_DECLARE_FINAL_TYPE(GstSocketIoSignaller, gst_socketio_signaller, GST, SOCKETIO_SIGNALLER, GstBin)

GST_ELEMENT_REGISTER_DECLARE(socketiosignaller);

G_END_DECLS
