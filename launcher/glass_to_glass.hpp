// Glass-to-glass latency on the pipeline side: --stamp draws the send time into the test pattern
// (frame_stamp.hpp has the layout) and every receiving video chain reads it back after decoding.
// Two figures per frame: "decoded" (the decoder's output reached the sink) and "shown" (when a
// synchronised display shows it: running time + the latency upstream of the sink, which is mostly
// the jitter buffer's --latency). The probes run on streaming threads; the figures are kept by
// GlassToGlass (glass_to_glass_meter.hpp) and read by the status and summary lines.
#pragma once

#include <gst/gst.h>

#include "glass_to_glass_meter.hpp"

namespace sio::launcher {

// Draws the wall-clock time into every raw video frame passing `pad` (YUV, RGB or grey).
void stamp_frames_on(GstPad* pad);
// Reads stamps from the decoded frames passing `pad` (a sink pad) into `meter` (outlives the pad).
void measure_stamps_on(GstPad* pad, GlassToGlass& meter);

}  // namespace sio::launcher
