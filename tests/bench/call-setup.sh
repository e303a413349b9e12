#!/usr/bin/env bash
# Call setup benchmark (tests/bench/call-setup.mjs): prints tables, asserts nothing.
#   tests/bench/call-setup.sh [--runs=N]          about 3 minutes with the default 5 runs
# Defaults: $SIO_WEBRTC / $SIO_SIGNALLING or build/. In an lo-only network namespace of its own
# (tests/interop/netns.sh: root, or unprivileged user namespaces).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export SIO_WEBRTC=${SIO_WEBRTC:-$root/build/launcher/sio-webrtc}
export SIO_SIGNALLING=${SIO_SIGNALLING:-$root/build/signalling/sio-signalling}
export NODE_PATH=$root/node_modules${NODE_PATH:+:$NODE_PATH}
for b in "$SIO_WEBRTC" "$SIO_SIGNALLING"; do
  [[ -x $b ]] || { echo "call-setup.sh: no $b (build first)" >&2; exit 2; }
done
exec "$root/tests/interop/netns.sh" node "$here/call-setup.mjs" "$@"
