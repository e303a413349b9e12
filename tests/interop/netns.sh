#!/bin/sh
# Runs CMD... in a fresh network namespace that has only `lo` (brought up), so a WebRTC call test can
# reach nothing but 127.0.0.1: Chromium cannot pick a LAN address for the media path and no test
# touches the outside (see NOTES-webrtc.md). Needs root; otherwise it maps the caller to root in a
# new user namespace first (unshare -r), which works where unprivileged user namespaces are allowed.
#
#   tests/interop/netns.sh node tests/interop/call.test.js
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARG...]" >&2
  exit 2
fi
if [ "$(id -u)" -eq 0 ]; then
  exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
fi
exec unshare -r -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
