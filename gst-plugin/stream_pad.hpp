// The src pads of socketiosignaller (video_%u, audio_%u): ghost pads onto a call's webrtcbin that
// say which peer the stream comes from (read-only property "peer-id") and which stream it is
// (caps queries answer with the stream's RTP caps as negotiated: media, encoding-name, clock-rate,
// payload), so `s. ! application/x-rtp,media=video ! ...` in a launch line links the right pad.
#pragma once

#include <gst/gst.h>

#include <string>

G_BEGIN_DECLS

#define GST_TYPE_SOCKETIO_STREAM_PAD (gst_socketio_stream_pad_get_type())
G_DECLARE_FINAL_TYPE(GstSocketIoStreamPad, gst_socketio_stream_pad, GST, SOCKETIO_STREAM_PAD, GstGhostPad)

G_END_DECLS

namespace sio::gst {

// A new src pad `name` from `templ`, targeting `target`.
GstPad* stream_pad_new(const char* name, GstPad* target, GstPadTemplate* templ);
// Which peer and what stream the pad carries now (a pad reused for the next call changes both).
void stream_pad_set_stream(GstPad* pad, const std::string& peer_id, GstCaps* caps);
std::string stream_pad_peer(GstPad* pad);

}  // namespace sio::gst
