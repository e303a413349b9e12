#!/bin/sh
# Two pipelines call each other through the signalling server, no browser: each sends a test
# pattern and a tone and shows/plays the other's. Two gst-launch-1.0 processes: the answerer waits
# to be called (no peer-id), the caller calls the first other client (peer-id=auto), so run it
# against a server with no other client connected.
#
#   1. start the signalling server:   build/signalling/sio-signalling        (http://127.0.0.1:3000)
#   2. run this script (Ctrl-C or SIGTERM stops both).
#
# Each process runs (ROLE answerer: no peer-id, pattern ball; ROLE caller: peer-id=auto, smpte):
#   gst-launch-1.0 -e socketiosignaller name=sig server-url=http://127.0.0.1:3000 dialect=classic [peer-id=auto] \
#     videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! \
#       vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! sig.sink_0 \
#     audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! \
#       rtpopuspay pt=97 ! queue ! sig.sink_1 \
#     sig.video_0 ! queue ! decodebin ! videoconvert ! autovideosink name=ROLE_video \
#     sig.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! autoaudiosink name=ROLE_audio
#
# Environment:
#   SERVER           signalling server URL (default http://127.0.0.1:3000)
#   DIALECT          classic (default) or simple-peer
#   LOCAL_ADDRESSES  IPs ICE gathers on, comma-separated (default: every interface; both pipelines
#                    run on this host, so LOCAL_ADDRESSES=127.0.0.1 keeps the call on loopback)
#   VIDEO_SINK, AUDIO_SINK   default autovideosink, autoaudiosink (headless: "fakesink")
#   DURATION         stop both after this many seconds (default: run until Ctrl-C)
#   GST_LAUNCH       the launcher (default gst-launch-1.0); GST_LAUNCH_FLAGS extra options (-v, -m)
# Exit status: 0 when both pipelines ended cleanly.
# Plugin from a build tree: GST_PLUGIN_PATH=build/gst-plugin pipelines/pipeline-to-pipeline.sh
set -eu
SERVER=${SERVER:-http://127.0.0.1:3000}
DIALECT=${DIALECT:-classic}
LOCAL_ADDRESSES=${LOCAL_ADDRESSES:-}
VIDEO_SINK=${VIDEO_SINK:-autovideosink}
AUDIO_SINK=${AUDIO_SINK:-autoaudiosink}
GST_LAUNCH=${GST_LAUNCH:-gst-launch-1.0}
GST_LAUNCH_FLAGS=${GST_LAUNCH_FLAGS:-}

# launch ROLE PATTERN [SIGNALLER PROPERTY...]: one pipeline, in the background.
launch() {
  role=$1 pattern=$2
  shift 2
  # shellcheck disable=SC2086
  $GST_LAUNCH -e $GST_LAUNCH_FLAGS \
    socketiosignaller name=sig server-url="$SERVER" dialect="$DIALECT" \
      ${LOCAL_ADDRESSES:+local-addresses="$LOCAL_ADDRESSES"} "$@" \
    videotestsrc is-live=true pattern="$pattern" ! video/x-raw,width=320,height=240,framerate=30/1 ! \
      vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! sig.sink_0 \
    audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! \
      rtpopuspay pt=97 ! queue ! sig.sink_1 \
    sig.video_0 ! queue ! decodebin ! videoconvert ! $VIDEO_SINK name="${role}_video" \
    sig.audio_0 ! queue ! decodebin ! audioconvert ! audioresample ! $AUDIO_SINK name="${role}_audio" &
}

# reap PID: its exit status, waiting again when a trapped signal interrupts `wait`.
reap() {
  while :; do
    status=0
    wait "$1" || status=$?
    if ! kill -0 "$1" 2>/dev/null; then
      return "$status"
    fi
  done
}

launch answerer ball
answerer=$!
launch caller smpte peer-id=auto
caller=$!

# gst-launch -e turns SIGINT into EOS and exits once EOS has come out of the pipeline; a second
# SIGINT, STOP_GRACE seconds later, stops a pipeline whose EOS does not come out.
# Ctrl-C reaches both gst-launch processes directly (same process group), so the INT trap only
# schedules that second interrupt; SIGTERM to this script (and DURATION) sends the first as well.
STOP_GRACE=${STOP_GRACE:-5}
# shellcheck disable=SC2317  # called from the traps
interrupt_later() {
  (
    sleep "$STOP_GRACE"
    kill -INT "$answerer" "$caller" 2>/dev/null || true
  ) </dev/null >/dev/null 2>&1 &
}
# shellcheck disable=SC2317
stop_both() {
  kill -INT "$answerer" "$caller" 2>/dev/null || true
  interrupt_later
}
trap interrupt_later INT
trap stop_both TERM
timer=
if [ -n "${DURATION:-}" ]; then
  # Its own stdio: a sleeping timer must not keep the caller's pipes open.
  (sleep "$DURATION" && kill -TERM $$) </dev/null >/dev/null 2>&1 &
  timer=$!
fi

rc=0
reap "$answerer" || rc=$?
reap "$caller" || rc=$?
[ -z "$timer" ] || kill "$timer" 2>/dev/null || true
exit "$rc"
