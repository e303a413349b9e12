#!/bin/sh
# Copies the official Engine.IO / Socket.IO protocol test suites (read-only, in ../shared/conformance)
# to a cache folder and installs their npm dependencies there, so tests/conformance/run.mjs can run
# them offline. Needs the npm registry; idempotent (npm ci runs again only when a lock file changed).
# Usage: tests/conformance/prepare.sh [CACHE_DIR]   (default: <repo>/build/conformance-cache)
#   env SIO_CONFORMANCE_SRC: where the suites are (default: <repo>/../shared/conformance)
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
src=${SIO_CONFORMANCE_SRC:-$repo/../shared/conformance}
cache=${1:-$repo/build/conformance-cache}

if [ ! -d "$src" ]; then
  echo "conformance suites not found at $src: nothing to prepare" >&2
  exit 0
fi

for suite in engine.io-protocol socket.io-protocol; do
  from=$src/$suite/test-suite
  dest=$cache/$suite
  mkdir -p "$dest"
  # The sources are read-only; make earlier copies writable so they can be refreshed.
  chmod -R u+w "$dest"
  cp -R "$from/." "$dest/"
  chmod -R u+w "$dest"
  stamp=$dest/.prepared-lock
  if [ -d "$dest/node_modules" ] && [ -f "$stamp" ] && cmp -s "$dest/package-lock.json" "$stamp"; then
    echo "$suite: up to date in $dest"
    continue
  fi
  echo "$suite: npm ci in $dest"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dest/package-lock.json" "$stamp"
done
