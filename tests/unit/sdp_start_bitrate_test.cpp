// gst-plugin/sdp_start_bitrate.cpp: x-google-start-bitrate added to the video codecs of an SDP.
#include "sdp_start_bitrate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using sio::gst::with_start_bitrate;

// A webrtcbin answer to Chromium: VP8 with rtx, audio, CRLF endings.
const std::string kAnswer =
    "v=0\r\n"
    "o=- 123 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "a=mid:1\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n";

TEST(SdpStartBitrate, RowsOfCodecsAndLines) {
  struct Row {
    const char* what;
    std::string sdp;
    unsigned kbps;
    std::string expected;
  };
  const Row rows[] = {
      {"VP8 without fmtp gets one after its rtpmap; rtx and audio untouched", kAnswer, 1000,
       "v=0\r\no=- 123 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
       "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 OPUS/48000/2\r\n"
       "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
       "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n"
       "a=fmtp:96 x-google-start-bitrate=1000\r\n"
       "a=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"},
      {"0: unchanged", kAnswer, 0, kAnswer},
      {"H264 with fmtp: appended; LF endings kept",
       "m=video 9 RTP/SAVPF 102\na=rtpmap:102 H264/90000\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\n",
       1500,
       "m=video 9 RTP/SAVPF 102\na=rtpmap:102 H264/90000\n"
       "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1500\n"},
      {"already there: left as it is",
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=300\r\n", 1000,
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=300\r\n"},
      {"several video codecs, lower-case names, red/ulpfec untouched",
       "m=video 9 RTP/SAVPF 96 98 100 101\r\na=rtpmap:96 vp8/90000\r\na=rtpmap:98 VP9/90000\r\n"
       "a=fmtp:98 profile-id=0\r\na=rtpmap:100 red/90000\r\na=rtpmap:101 ulpfec/90000\r\n",
       800,
       "m=video 9 RTP/SAVPF 96 98 100 101\r\na=rtpmap:96 vp8/90000\r\na=fmtp:96 x-google-start-bitrate=800\r\n"
       "a=rtpmap:98 VP9/90000\r\na=fmtp:98 profile-id=0;x-google-start-bitrate=800\r\n"
       "a=rtpmap:100 red/90000\r\na=rtpmap:101 ulpfec/90000\r\n"},
      {"an audio section's VP8-looking payload is not video", "m=audio 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n",
       1000, "m=audio 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"},
      {"the same payload type in a second video section is that section's",
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 a=b\r\n"
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n",
       1000,
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 a=b;x-google-start-bitrate=1000\r\n"
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=1000\r\n"},
      {"a last line without an ending", "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000", 1000,
       "m=video 9 RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=1000"},
      {"no media, garbage lines: unchanged", "v=0\r\na=rtpmap:96 VP8/90000\r\nnot sdp\r\na=fmtp:\r\n", 1000,
       "v=0\r\na=rtpmap:96 VP8/90000\r\nnot sdp\r\na=fmtp:\r\n"},
      {"empty", "", 1000, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(with_start_bitrate(row.sdp, row.kbps), row.expected);
  }
}

TEST(SdpStartBitrate, AddedOnce) {
  const std::string once = with_start_bitrate(kAnswer, 1000);
  EXPECT_EQ(with_start_bitrate(once, 1000), once);
}

}  // namespace
