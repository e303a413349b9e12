#!/bin/sh
# Tests of the pipelines/ scripts (meson suite 'pipelines'). MODE:
#   parse      every script's pipeline, as the script builds it, is parsed by `sio-peer --parse-only`
#              (GST_LAUNCH override): an unknown element or property, a bad link or a typo fails.
#   p2p        pipeline-to-pipeline.sh for real with gst-launch-1.0 against an sio-signalling
#              started here: both pipelines decode the other's video (fakesink last-message lines
#              from gst-launch -v) and post socketio-call-started (gst-launch -m).
#   file       send-test-pattern.sh (peer-id=auto) calls receive-to-file.sh: the .mkv it writes
#              holds decodable video and audio (read back with sio-peer).
# Run the real modes in an lo-only namespace (tests/interop/netns.sh), as meson does.
# Env: SIO_PEER (tests/interop/sio-peer), SIO_SIGNALLING, GST_PLUGIN_PATH. Bounded: every process
# runs under `timeout`.
set -eu
mode=${1:?usage: run.sh parse|p2p|file}
scripts=$(cd "$(dirname "$0")/.." && pwd)
: "${SIO_PEER:?SIO_PEER=/path/to/sio-peer is needed}"
RUN_SECONDS=${RUN_SECONDS:-10}
MIN_FRAMES=${MIN_FRAMES:-60}

work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Prints a log file's last lines, indented, for a failure report.
show() {
  echo "--- $1 (last ${2:-60} lines):" >&2
  tail -n "${2:-60}" "$1" | sed 's/^/  /' >&2
}

# running PID: the child has not exited (an exited child not yet waited for is a zombie, which
# kill -0 still finds).
running() {
  [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# interrupt PID: SIGINT (gst-launch -e: EOS, then exit); if it still runs 8 s later, a second
# SIGINT (gst-launch: "Interrupt while waiting for EOS - stopping pipeline"), then SIGKILL after
# 5 s more. Prints how it stopped: clean, forced or killed.
interrupt() {
  how=clean
  for next in forced killed killed; do
    case "$how" in
      clean | forced) kill -INT "$1" 2>/dev/null || true ;;
      killed) kill -KILL "$1" 2>/dev/null || true ;;
    esac
    i=0
    while [ $i -lt 80 ] && running "$1"; do
      sleep 0.1
      i=$((i + 1))
    done
    running "$1" || break
    how=$next
  done
  echo "$how"
}

start_server() {
  : "${SIO_SIGNALLING:?SIO_SIGNALLING=/path/to/sio-signalling is needed}"
  "$SIO_SIGNALLING" --port 0 >"$work/server.log" 2>&1 &
  server=$!
  i=0
  while [ $i -lt 100 ]; do
    SERVER=$(sed -n 's|.*listening on \(http://127\.0\.0\.1:[0-9]*/\).*|\1|p' "$work/server.log" | head -n 1)
    [ -z "$SERVER" ] || { export SERVER; echo "server: $SERVER"; return 0; }
    sleep 0.1
    i=$((i + 1))
  done
  show "$work/server.log"
  fail "sio-signalling did not start within 10 s"
}

parse_one() {  # NAME SCRIPT [VAR=VALUE...]: the script's pipeline(s) must parse
  name=$1 script=$2
  shift 2
  out="$work/parse-$name.log"
  if ! env "$@" GST_LAUNCH="$SIO_PEER --parse-only" timeout 30 "$scripts/$script" >"$out" 2>&1; then
    show "$out"
    fail "$name: $script does not parse"
  fi
  expected=1
  [ "$script" != pipeline-to-pipeline.sh ] || expected=2
  parsed=$(grep -c '"event":"parsed"' "$out" || true)
  [ "$parsed" -eq "$expected" ] || { show "$out"; fail "$name: $parsed of $expected pipelines parsed"; }
  echo "ok: $name parses"
}

case "$mode" in
  parse)
    parse_one send-test-pattern send-test-pattern.sh
    parse_one send-test-pattern-h264 send-test-pattern.sh CODEC=h264 PEER_ID=abc LOCAL_ADDRESSES=127.0.0.1
    parse_one receive-to-file receive-to-file.sh FILE="$work/x.mkv"
    parse_one receive-to-window receive-to-window.sh
    parse_one receive-to-window-simple-peer receive-to-window.sh DIALECT=simple-peer
    parse_one two-way two-way.sh
    parse_one two-way-caller two-way.sh PEER_ID=auto
    parse_one pipeline-to-pipeline pipeline-to-pipeline.sh
    parse_one pipeline-to-pipeline-simple-peer pipeline-to-pipeline.sh DIALECT=simple-peer
    # The check itself must be able to fail: a misspelt property is refused.
    if VIDEO_SINK="fakesink silentt=true" GST_LAUNCH="$SIO_PEER --parse-only" \
         "$scripts/receive-to-window.sh" >"$work/typo.log" 2>&1; then
      fail "a misspelt property parsed"
    fi
    echo "ok: a misspelt property is refused"
    ;;

  p2p)
    start_server
    started=$(date +%s)
    rc=0
    # -v: fakesink's last-message for every buffer (the frame count); -m: the element's bus
    # messages; -X stats: not rtpsession's statistics every second.
    LOCAL_ADDRESSES=127.0.0.1 DURATION=$RUN_SECONDS STOP_GRACE=8 \
      VIDEO_SINK="fakesink silent=false" AUDIO_SINK="fakesink" \
      GST_LAUNCH="gst-launch-1.0" GST_LAUNCH_FLAGS="-v -m -X stats --gst-debug-level=1" \
      timeout $((RUN_SECONDS + 30)) "$scripts/pipeline-to-pipeline.sh" >"$work/p2p.log" 2>&1 || rc=$?
    echo "pipeline-to-pipeline.sh exited $rc after $(($(date +%s) - started)) s"
    # What to show on failure: no per-buffer lines.
    grep -v 'last-message = chain\|property-name=(string)stats' "$work/p2p.log" | cut -c1-300 >"$work/p2p-short.log" || true
    for role in answerer caller; do
      frames=$(grep -c "${role}_video: last-message = chain" "$work/p2p.log" || true)
      echo "$role decoded $frames video frames"
      [ "$frames" -ge "$MIN_FRAMES" ] || { show "$work/p2p-short.log" 80; show "$work/server.log" 20; fail "$role decoded $frames frames (< $MIN_FRAMES)"; }
    done
    calls=$(grep -c 'socketio-call-started' "$work/p2p.log" || true)
    [ "$calls" -ge 2 ] || { show "$work/p2p-short.log" 80; fail "$calls socketio-call-started messages (want one per pipeline)"; }
    if grep -q '^ERROR' "$work/p2p.log"; then
      grep -A3 '^ERROR' "$work/p2p.log" >&2
      fail "gst-launch reported an error"
    fi
    echo "ok: two pipelines called each other"
    # gst-launch -e: SIGINT sends EOS; the pipeline must let it out (Ctrl-C stops cleanly).
    eos=$(grep -c '^Got EOS from element "pipeline0"' "$work/p2p.log" || true)
    [ "$eos" -eq 2 ] || fail "EOS came out of $eos of 2 pipelines after SIGINT (gst-launch -e waited until the second SIGINT)"
    [ "$rc" -eq 0 ] || { show "$work/p2p-short.log" 40; fail "pipeline-to-pipeline.sh exited $rc"; }
    echo "ok: both pipelines stopped on EOS"
    ;;

  file)
    start_server
    mkv="$work/call.mkv"
    # No `timeout` around these two: interrupt() bounds them, and its signals go straight to
    # gst-launch (the scripts exec it).
    LOCAL_ADDRESSES=127.0.0.1 FILE="$mkv" GST_LAUNCH="gst-launch-1.0 --gst-debug-level=1" \
      "$scripts/receive-to-file.sh" >"$work/receive.log" 2>&1 &
    receiver=$!
    sleep 1  # the receiver is connected before the sender looks for a peer (peer-id=auto)
    LOCAL_ADDRESSES=127.0.0.1 PEER_ID=auto GST_LAUNCH="gst-launch-1.0 --gst-debug-level=1" \
      "$scripts/send-test-pattern.sh" >"$work/send.log" 2>&1 &
    sender=$!
    sleep "$RUN_SECONDS"
    # The receiver first: -e makes its SIGINT an EOS that finalises the file.
    receive_stop=$(interrupt "$receiver")
    receive_rc=0
    wait "$receiver" || receive_rc=$?
    send_stop=$(interrupt "$sender")
    send_rc=0
    wait "$sender" || send_rc=$?
    echo "receive-to-file.sh exited $receive_rc ($receive_stop stop), send-test-pattern.sh exited $send_rc ($send_stop stop)"
    if grep -q '^ERROR' "$work/receive.log" "$work/send.log"; then
      show "$work/receive.log" 30
      show "$work/send.log" 30
      fail "gst-launch reported an error"
    fi
    [ -s "$mkv" ] || { show "$work/receive.log"; fail "no file written"; }
    echo "recorded $(wc -c <"$mkv") bytes"
    timeout 60 "$SIO_PEER" "filesrc location=$mkv ! matroskademux name=demux \
        demux.video_0 ! queue ! decodebin ! fakesink name=vcount \
        demux.audio_0 ! queue ! decodebin ! fakesink name=acount" >"$work/readback.log" 2>&1 ||
      { show "$work/readback.log"; fail "the recorded file does not play back"; }
    last=$(grep '"event":"stats"' "$work/readback.log" | tail -n 1)
    echo "read back: $last"
    grep '"event":"caps"' "$work/readback.log" | cut -c1-160
    frames=$(echo "$last" | sed -n 's/.*"video_frames":\([0-9]*\).*/\1/p')
    audio=$(echo "$last" | sed -n 's/.*"audio_buffers":\([0-9]*\).*/\1/p')
    [ "${frames:-0}" -ge "$MIN_FRAMES" ] || fail "the file holds ${frames:-0} video frames (< $MIN_FRAMES)"
    [ "${audio:-0}" -gt 0 ] || fail "the file holds no audio"
    echo "ok: a browser-less call was recorded to a file"
    [ "$receive_stop/$send_stop" = clean/clean ] ||
      fail "EOS did not come out of a pipeline after SIGINT (receiver: $receive_stop, sender: $send_stop stop)"
    [ "$receive_rc/$send_rc" = 0/0 ] || fail "exit status: receiver $receive_rc, sender $send_rc"
    echo "ok: both pipelines stopped on EOS"
    ;;

  *)
    fail "unknown mode $mode"
    ;;
esac
