#!/usr/bin/env bash
# Runs a node benchmark script of tests/bench with the built binaries, in an lo-only network
# namespace of its own (tests/interop/netns.sh: root, or unprivileged user namespaces):
#   tests/bench/netns-node.sh SCRIPT.mjs [options...]
# Defaults: $SIO_WEBRTC / $SIO_SIGNALLING or build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
script=$1
shift
export SIO_WEBRTC=${SIO_WEBRTC:-$root/build/launcher/sio-webrtc}
export SIO_SIGNALLING=${SIO_SIGNALLING:-$root/build/signalling/sio-signalling}
export NODE_PATH=$root/node_modules${NODE_PATH:+:$NODE_PATH}
for b in "$SIO_WEBRTC" "$SIO_SIGNALLING"; do
  [[ -x $b ]] || { echo "$(basename "$script" .mjs).sh: no $b (build first)" >&2; exit 2; }
done
exec "$root/tests/interop/netns.sh" node "$here/$script" "$@"
