#!/usr/bin/env bash
# Glass-to-glass benchmark (tests/bench/glass-to-glass.mjs): prints a table, asserts nothing.
#   tests/bench/glass-to-glass.sh [--seconds=10] [--latencies=default,20,100,200]   about 2 minutes
# Defaults: $SIO_WEBRTC / $SIO_SIGNALLING or build/. In an lo-only network namespace of its own
# (tests/interop/netns.sh: root, or unprivileged user namespaces).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export SIO_WEBRTC=${SIO_WEBRTC:-$root/build/launcher/sio-webrtc}
export SIO_SIGNALLING=${SIO_SIGNALLING:-$root/build/signalling/sio-signalling}
export NODE_PATH=$root/node_modules${NODE_PATH:+:$NODE_PATH}
for b in "$SIO_WEBRTC" "$SIO_SIGNALLING"; do
  [[ -x $b ]] || { echo "glass-to-glass.sh: no $b (build first)" >&2; exit 2; }
done
exec "$root/tests/interop/netns.sh" node "$here/glass-to-glass.mjs" "$@"
