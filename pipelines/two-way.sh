#!/bin/sh
# A two-way call with the chapter's simple-peer page (index.html): the pipeline sends a test
# pattern and a tone and shows/plays what the page sends.
#
#   1. start the signalling server:   build/signalling/sio-signalling        (http://127.0.0.1:3000)
#   2. open http://127.0.0.1:3000/ (index.html) in a browser
#   3. run this script, then either pick the pipeline in the page's peer list (the page calls), or
#      run it with PEER_ID=auto (the pipeline calls the first other client: the page).
#
# The pipeline as it runs (PEER_ID=auto):
#   gst-launch-1.0 -e socketiosignaller name=sig server-url=http://127.0.0.1:3000 dialect=simple-peer peer-id=auto \
#     videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! \
#       vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! sig.sink_0 \
#     audiotestsrc is-live=true wave=sine freq=330 ! audioconvert ! audioresample ! opusenc ! \
#       rtpopuspay pt=97 ! queue ! sig.sink_1 \
#     sig.video_0 ! queue ! decodebin ! videoconvert ! autovideosink \
#     sig.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! autoaudiosink
# When the pipeline calls, it also opens a data channel: simple-peer reports `connect` only then.
#
# Environment:
#   SERVER           signalling server URL (default http://127.0.0.1:3000)
#   PEER_ID          unset (default): wait for the page to call; auto or a socket id: call it
#   LOCAL_ADDRESSES  IPs ICE gathers on, comma-separated (default: every interface)
#   VIDEO_SINK, AUDIO_SINK   default autovideosink, autoaudiosink
#   GST_LAUNCH       the launcher (default gst-launch-1.0)
# Plugin from a build tree: GST_PLUGIN_PATH=build/gst-plugin pipelines/two-way.sh
set -eu
SERVER=${SERVER:-http://127.0.0.1:3000}
PEER_ID=${PEER_ID:-}
LOCAL_ADDRESSES=${LOCAL_ADDRESSES:-}
VIDEO_SINK=${VIDEO_SINK:-autovideosink}
AUDIO_SINK=${AUDIO_SINK:-autoaudiosink}

# shellcheck disable=SC2086
exec ${GST_LAUNCH:-gst-launch-1.0} -e \
  socketiosignaller name=sig server-url="$SERVER" dialect=simple-peer \
    ${PEER_ID:+peer-id="$PEER_ID"} ${LOCAL_ADDRESSES:+local-addresses="$LOCAL_ADDRESSES"} \
  videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 ! \
    vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! sig.sink_0 \
  audiotestsrc is-live=true wave=sine freq=330 ! audioconvert ! audioresample ! opusenc ! \
    rtpopuspay pt=97 ! queue ! sig.sink_1 \
  sig.video_0 ! queue ! decodebin ! videoconvert ! $VIDEO_SINK \
  sig.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! $AUDIO_SINK
