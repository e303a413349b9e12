// Received video recovers by itself from a missing keyframe. A decoder (or a recording) that
// starts without the stream's first keyframe, or loses packets, would otherwise wait for the
// sender's next one, and browsers send keyframes only when asked: the chain asks (the
// depayloader and the decoder send a force-key-unit upstream, which webrtcbin turns into a
// PLI/FIR to the peer), at most once per 500 ms.
#pragma once

#include <gst/gst.h>

namespace sio::launcher {

// For every element in `bin` now and later (decodebin's and parsebin's children too).
void recover_from_missing_keyframes(GstBin* bin);

}  // namespace sio::launcher
