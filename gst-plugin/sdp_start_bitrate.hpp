// Chromium starts sending video at 300 kbit/s and ramps up from there: its first keyframe is then
// paced out over several hundred milliseconds, and the first picture of a call from a browser
// waits for it. Chromium reads a start rate from the fmtp parameters of the description it
// receives (x-google-start-bitrate, kbit/s); other peers ignore parameters they do not know
// (RFC 4566: a=fmtp is format-specific). Pure: SDP text in, SDP text out.
#pragma once

#include <string>
#include <string_view>

namespace sio::gst {

// `sdp` with x-google-start-bitrate=`kbps` in the fmtp of every video codec (VP8, VP9, H264, AV1;
// not rtx, red or ulpfec) that does not have one yet; a codec without an fmtp line gets one after
// its rtpmap. Line endings are kept. kbps == 0: `sdp` unchanged.
std::string with_start_bitrate(std::string_view sdp, unsigned kbps);

}  // namespace sio::gst
