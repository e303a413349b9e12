#!/usr/bin/env bash
# Call setup benchmark (tests/bench/call-setup.mjs): prints tables, asserts nothing.
#   tests/bench/call-setup.sh [--runs=N]          about 3 minutes with the default 5 runs
# Defaults: $SIO_WEBRTC / $SIO_SIGNALLING or build/; an lo-only network namespace (netns-node.sh).
exec "$(dirname "$0")/netns-node.sh" call-setup.mjs "$@"
