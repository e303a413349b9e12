#!/bin/sh
# sio-webrtc under valgrind for one real call: a plain sio-webrtc (embedded server) sends a test
# pattern, the one under valgrind calls it with --mode=recv and records to a file for --duration.
# Fails on any memcheck error (invalid read/write, use of uninitialised memory) or a definite leak
# outside the suppression files, on a non-zero exit, or when no video frame was received.
# Env: SIO_WEBRTC, VALGRIND, SUPPRESSIONS (colon-separated). Run in an lo-only namespace (netns.sh).
set -eu
tmp=$(mktemp -d)
trap 'kill "$sender" 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$SIO_WEBRTC" --port=0 --mode=send --video=test --audio=test --width=160 --height=120 \
  --ice-address=127.0.0.1 --duration=120 --status-interval=0 >"$tmp/sender.log" 2>&1 &
sender=$!
url=
for _ in $(seq 1 100); do  # bounded: 10 s for the sender to listen
  url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$tmp/sender.log" | head -n 1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the sender did not start:"; cat "$tmp/sender.log"; exit 1; }

supp_args=
IFS=:
for file in $SUPPRESSIONS; do supp_args="$supp_args --suppressions=$file"; done
unset IFS

# Under valgrind a call takes 10 s or more to connect on two busy cores (once more than the default
# 15 s --connect-timeout: no timeout here): the run lasts until a status line counts 60 received
# frames (bounded by --duration=90), then SIGTERM stops it cleanly.
# shellcheck disable=SC2086
G_SLICE=always-malloc "$VALGRIND" --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
  --num-callers=30 $supp_args \
  "$SIO_WEBRTC" --server="$url" --call=auto --mode=recv --sink="$tmp/call.mkv" \
  --ice-address=127.0.0.1 --duration=90 --status-interval=1 --connect-timeout=0 >"$tmp/receiver.log" 2>&1 &
receiver=$!
for _ in $(seq 1 900); do  # bounded: 90 s
  kill -0 "$receiver" 2>/dev/null || break
  frames=$(sed -n 's/^status: .*received_video_frames=\([0-9]*\).*/\1/p' "$tmp/receiver.log" | tail -n 1)
  if [ -n "$frames" ] && [ "$frames" -ge 60 ]; then
    kill -TERM "$receiver"
    break
  fi
  sleep 0.1
done
rc=0
wait "$receiver" || rc=$?

grep -E '^(call|summary|receiving|recording)' "$tmp/receiver.log" || true
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$tmp/receiver.log" || true
if [ "$rc" -ne 0 ]; then
  echo "sio-webrtc under valgrind exited $rc (99: memcheck errors or definite leaks):"
  grep -E '^==[0-9]+==' "$tmp/receiver.log" | head -n 200
  exit 1
fi
frames=$(sed -n 's/^summary: .*received_video_frames=\([0-9]*\).*/\1/p' "$tmp/receiver.log")
if [ -z "$frames" ] || [ "$frames" -eq 0 ]; then
  echo "no video received under valgrind (summary: '${frames}')"
  exit 1
fi
echo "received $frames video frames under valgrind; no memcheck error, no definite leak"
