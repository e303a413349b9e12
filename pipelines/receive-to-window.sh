#!/bin/sh
# Show a browser's camera in a window and play its microphone.
#
#   1. start the signalling server:   build/signalling/sio-signalling        (http://127.0.0.1:3000)
#   2. run this script: the pipeline waits to be called (no peer-id)
#   3. open http://127.0.0.1:3000/sender.html and pick the pipeline in the peer list
#      (DIALECT=simple-peer: open /simple-peer/sender.html instead)
#
# The pipeline as it runs:
#   gst-launch-1.0 -e socketiosignaller name=sig server-url=http://127.0.0.1:3000 dialect=classic \
#     sig.video_0 ! queue ! decodebin ! videoconvert ! autovideosink \
#     sig.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! autoaudiosink
# Incoming streams appear on the element's src pads video_0 and audio_0 (named by media kind):
# each gets its own branch.
#
# Environment:
#   SERVER           signalling server URL (default http://127.0.0.1:3000)
#   DIALECT          classic (default: sender.html) or simple-peer (simple-peer/sender.html)
#   LOCAL_ADDRESSES  IPs ICE gathers on, comma-separated (default: every interface)
#   VIDEO_SINK, AUDIO_SINK   default autovideosink, autoaudiosink
#   GST_LAUNCH       the launcher (default gst-launch-1.0)
# Plugin from a build tree: GST_PLUGIN_PATH=build/gst-plugin pipelines/receive-to-window.sh
set -eu
SERVER=${SERVER:-http://127.0.0.1:3000}
DIALECT=${DIALECT:-classic}
LOCAL_ADDRESSES=${LOCAL_ADDRESSES:-}
VIDEO_SINK=${VIDEO_SINK:-autovideosink}
AUDIO_SINK=${AUDIO_SINK:-autoaudiosink}

# shellcheck disable=SC2086
exec ${GST_LAUNCH:-gst-launch-1.0} -e \
  socketiosignaller name=sig server-url="$SERVER" dialect="$DIALECT" \
    ${LOCAL_ADDRESSES:+local-addresses="$LOCAL_ADDRESSES"} \
  sig.video_0 ! queue ! decodebin ! videoconvert ! $VIDEO_SINK \
  sig.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! $AUDIO_SINK
