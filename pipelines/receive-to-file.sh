#!/bin/sh
# Record a browser's camera and microphone from /sender.html into a Matroska file, as sent (no
# re-encoding: parsebin depayloads and parses whatever codec the browser chose, VP8/VP9/H.264/Opus).
#
#   1. start the signalling server:   build/signalling/sio-signalling        (http://127.0.0.1:3000)
#   2. run this script: the pipeline waits to be called (no peer-id)
#   3. open http://127.0.0.1:3000/sender.html and pick the pipeline in the peer list (its id is
#      the only other one when nothing else is connected; gst-launch-1.0 -m prints it in the
#      socketio-connected message)
#   4. Ctrl-C: -e turns it into EOS, so matroskamux finalises the file.
#
# The pipeline as it runs:
#   gst-launch-1.0 -e socketiosignaller name=sig server-url=http://127.0.0.1:3000 dialect=classic \
#     matroskamux name=mux ! filesink location=call.mkv \
#     sig.video_0 ! queue ! parsebin ! queue ! mux.video_0 \
#     sig.audio_0 ! queue ! parsebin ! queue ! mux.audio_0
# The muxer's pads are requested by name when the line is parsed, so it waits for both streams
# before writing its header (`parsebin ! mux.` would request them one by one as parsebin exposes
# its pads, and the late one is refused). sender.html always sends audio and video.
#
# Environment:
#   SERVER           signalling server URL (default http://127.0.0.1:3000)
#   FILE             output file (default call-YYYYmmdd-HHMMSS.mkv)
#   LOCAL_ADDRESSES  IPs ICE gathers on, comma-separated (default: every interface)
#   GST_LAUNCH       the launcher (default gst-launch-1.0)
# Plugin from a build tree: GST_PLUGIN_PATH=build/gst-plugin pipelines/receive-to-file.sh
set -eu
SERVER=${SERVER:-http://127.0.0.1:3000}
FILE=${FILE:-call-$(date +%Y%m%d-%H%M%S).mkv}
LOCAL_ADDRESSES=${LOCAL_ADDRESSES:-}

# shellcheck disable=SC2086
exec ${GST_LAUNCH:-gst-launch-1.0} -e \
  socketiosignaller name=sig server-url="$SERVER" dialect=classic \
    ${LOCAL_ADDRESSES:+local-addresses="$LOCAL_ADDRESSES"} \
  matroskamux name=mux ! filesink location="$FILE" \
  sig.video_0 ! queue ! parsebin ! queue ! mux.video_0 \
  sig.audio_0 ! queue ! parsebin ! queue ! mux.audio_0
