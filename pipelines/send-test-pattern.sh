#!/bin/sh
# Send a test pattern and a 440 Hz tone to a browser.
#
#   1. start the signalling server:   build/signalling/sio-signalling        (http://127.0.0.1:3000)
#   2. open http://127.0.0.1:3000/receiver.html in a browser
#   3. run this script: the pipeline calls the first other client (peer-id=auto), i.e. the page
#      (with more pages open, pass the page's id, shown after "me:", as PEER_ID=...).
#
# The pipeline as it runs (one line, what gst-launch-1.0 gets):
#   gst-launch-1.0 -e socketiosignaller name=sig server-url=http://127.0.0.1:3000 dialect=classic peer-id=auto \
#     videotestsrc is-live=true pattern=smpte ! video/x-raw,width=640,height=480,framerate=30/1 ! \
#       vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! sig.sink_0 \
#     audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc ! \
#       rtpopuspay pt=97 ! queue ! sig.sink_1
# Video and audio share one bundled transport, so their RTP payload types must differ (96, 97; the
# element would switch a clashing one itself when calling, but explicit is clearer).
#
# Environment:
#   SERVER           signalling server URL (default http://127.0.0.1:3000)
#   PEER_ID          auto (default): call the first other client; or a socket id
#   CODEC            vp8 (default) or h264 (x264enc; Chromium plays both)
#   LOCAL_ADDRESSES  IPs ICE gathers on, comma-separated (default: every interface; loopback is
#                    never used unless listed, e.g. LOCAL_ADDRESSES=127.0.0.1 for a same-host call)
#   GST_LAUNCH       the launcher (default gst-launch-1.0)
# Plugin from a build tree: GST_PLUGIN_PATH=build/gst-plugin pipelines/send-test-pattern.sh
set -eu
SERVER=${SERVER:-http://127.0.0.1:3000}
PEER_ID=${PEER_ID:-auto}
LOCAL_ADDRESSES=${LOCAL_ADDRESSES:-}

case "${CODEC:-vp8}" in
  vp8) video_encoder="vp8enc deadline=1 ! rtpvp8pay pt=96" ;;
  # config-interval=-1: SPS/PPS with every key frame, so a page that joins late can decode.
  h264) video_encoder="x264enc tune=zerolatency speed-preset=ultrafast key-int-max=60 ! rtph264pay pt=96 config-interval=-1" ;;
  *) echo "CODEC must be vp8 or h264" >&2; exit 2 ;;
esac

# shellcheck disable=SC2086  # GST_LAUNCH and video_encoder are word lists on purpose
exec ${GST_LAUNCH:-gst-launch-1.0} -e \
  socketiosignaller name=sig server-url="$SERVER" dialect=classic peer-id="$PEER_ID" \
    ${LOCAL_ADDRESSES:+local-addresses="$LOCAL_ADDRESSES"} \
  videotestsrc is-live=true pattern=smpte ! video/x-raw,width=640,height=480,framerate=30/1 ! \
    $video_encoder ! queue ! sig.sink_0 \
  audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc ! \
    rtpopuspay pt=97 ! queue ! sig.sink_1
