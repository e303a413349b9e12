#!/usr/bin/env bash
# Glass-to-glass benchmark (tests/bench/glass-to-glass.mjs): prints a table, asserts nothing.
#   tests/bench/glass-to-glass.sh [--seconds=10] [--latencies=default,20,100,200]   about 2 minutes
# Defaults: $SIO_WEBRTC / $SIO_SIGNALLING or build/; an lo-only network namespace (netns-node.sh).
exec "$(dirname "$0")/netns-node.sh" glass-to-glass.mjs "$@"
