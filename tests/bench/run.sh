#!/usr/bin/env bash
# Relay benchmark: sio-signalling against the chapter's Node server. Prints a table; asserts nothing.
#
#   tests/bench/run.sh [SIO_SIGNALLING [REFERENCE_SERVER_JS]] [relay-bench options...]
#
# Defaults: $SIO_SIGNALLING or build/signalling/sio-signalling, $REFERENCE_SERVER or
# tests/reference/server.js. Options go to relay-bench.mjs (--clients=N --pairs=N --window=N
# --seconds=S --rate=N --connect-seconds=S --probe-interval=MS --json, or another --server=NAME=COMMAND, e.g.
# --server="quiet=build/signalling/sio-signalling --port=0 --log-level=warn").
# Takes about a minute per server on 2 cores (1,000 clients, then 11 s of relay).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

ours=${SIO_SIGNALLING:-$root/build/signalling/sio-signalling}
reference=${REFERENCE_SERVER:-$root/tests/reference/server.js}
if [[ $# -gt 0 && $1 != --* ]]; then ours=$1; shift; fi
if [[ $# -gt 0 && $1 != --* ]]; then reference=$1; shift; fi

command -v node >/dev/null || { echo "run.sh: node not found" >&2; exit 2; }
[[ -x $ours ]] || { echo "run.sh: no sio-signalling at $ours (build it, or pass its path)" >&2; exit 2; }
[[ -f $reference ]] || { echo "run.sh: no reference server at $reference" >&2; exit 2; }
[[ -d $root/node_modules/socket.io-client ]] || { echo "run.sh: run npm install in $root first" >&2; exit 2; }

# The servers log every relay (as the chapter's server does); the bench sends that to a file.
# The reference server needs the repository's node_modules even when it lives elsewhere.
export NODE_PATH=$root/node_modules${NODE_PATH:+:$NODE_PATH}
exec node "$here/relay-bench.mjs" \
  --server="sio-signalling=$(realpath "$ours") --host=127.0.0.1 --port=0" \
  --server="node=node $(realpath "$reference") --port=0" \
  "$@"
