#!/usr/bin/env bash
# The Debian package, end to end (as root, on Debian 12): builds it from a clean copy of HEAD with
# dpkg-buildpackage (Debian's own tools; node_modules/ from this tree supplies the browser bundles),
# runs lintian (any error or warning fails), installs it with `apt-get install ./….deb`, checks what
# got installed (the pages served byte-identical from /usr/share, gst-inspect-1.0 finding the plugin
# in GStreamer's own path, systemd-analyze verify on the units, the man pages), then purges it so
# the machine is as before. Uncommitted changes are not in the package (it builds HEAD).
#   bash tools/build-deb.sh             both phases; ends with "package: OK" or names the failing step
#   bash tools/build-deb.sh build DIR   dpkg-buildpackage + lintian only; the .deb lands in DIR
#   bash tools/build-deb.sh check DEB   install DEB, check it, purge it
# `tools/dev.sh test` runs `build` in the background at the lowest priority while the tests run (it
# touches nothing they use) and `check` after them (an installed plugin would be seen by the tests).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
phase=${1:-all}

missing=()
for p in debhelper dpkg-dev lintian fakeroot; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

work=$(mktemp -d /tmp/sio-deb-XXXXXX)
installed=0
cleanup() {
  if ((installed)); then DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gst-socketio-webrtc >/dev/null || true; fi
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "== $*"; }

build_phase() {  # $1: where the .deb goes
  test -f "$repo/node_modules/socket.io-client/dist/socket.io.js" || { echo "run npm ci first" >&2; exit 1; }
  step "dpkg-buildpackage -us -uc -b (a copy of HEAD in $work/src)"
  mkdir "$work/src"
  git -C "$repo" archive HEAD | tar -x -C "$work/src"
  ln -s "$repo/node_modules" "$work/src/node_modules"
  (cd "$work/src" && dpkg-buildpackage -us -uc -b -jauto > "$work/build.log" 2>&1) ||
    { tail -40 "$work/build.log"; echo "package: dpkg-buildpackage failed"; exit 1; }
  local built
  built=$(ls "$work"/gst-socketio-webrtc_*_*.deb)
  echo "built $(basename "$built") ($(du -k "$built" | cut -f1) KiB)"
  step "lintian (errors and warnings fail; the info tags are explained in the README)"
  lintian --allow-root --fail-on error,warning --info "$built" || { echo "package: lintian"; exit 1; }
  mkdir -p "$1"
  cp "$built" "$1/"
  deb="$1/$(basename "$built")"
}

check_phase() {  # $1: the .deb
  step "apt-get install ./$(basename "$1")"
  cp "$1" "$work/pkg.deb"  # apt wants a path it can read as _apt; $work is ours
  installed=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work/pkg.deb" > "$work/install.log" 2>&1 ||
    { cat "$work/install.log"; echo "package: apt-get install"; exit 1; }

  step "the installed programs"
  local gst port
  gst=$(GST_REGISTRY="$work/registry.bin" gst-inspect-1.0 socketiosignaller)
  grep -q "Filename .*/gstreamer-1.0/libgstsocketio.so" <<<"$gst" || { echo "package: gst-inspect-1.0 does not find the plugin"; exit 1; }
  grep -q "Origin URL *file:///usr/share/gst-socketio-webrtc/README.md$" <<<"$gst" &&
    cmp -s /usr/share/gst-socketio-webrtc/README.md "$repo/README.md" || { echo "package: the plugin's origin URL is not the installed README"; exit 1; }
  sio-webrtc --version
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  (cd / && exec sio-signalling --port="$port" > "$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  for page in index.html receiver.html sender.html css/pages.css js/call-ui.js; do
    curl -sf "http://127.0.0.1:$port/$page" | cmp -s - "$repo/web/$page" || { echo "package: /$page differs or is missing"; exit 1; }
  done
  curl -sf "http://127.0.0.1:$port/socket.io/socket.io.js" | cmp -s - "$repo/node_modules/socket.io-client/dist/socket.io.js" || { echo "package: socket.io.js"; exit 1; }
  curl -sf "http://127.0.0.1:$port/vendor/simplepeer.min.js" | cmp -s - "$repo/node_modules/simple-peer/simplepeer.min.js" || { echo "package: simplepeer.min.js"; exit 1; }
  echo "pages and bundles served byte-identical from /usr/share/gst-socketio-webrtc"
  mkdir "$work/units" && ln -s /usr/lib/systemd/system/sio-webrtc@.service "$work/units/sio-webrtc@video0.service"
  local verify
  verify=$(systemd-analyze verify /usr/lib/systemd/system/sio-signalling.service "$work/units/sio-webrtc@video0.service" 2>&1)
  [ -z "$verify" ] || { echo "$verify"; echo "package: systemd-analyze verify"; exit 1; }
  man -w sio-signalling sio-webrtc > /dev/null || { echo "package: man pages"; exit 1; }
  echo "package: OK"
}

case "$phase" in
  all) build_phase "$work/out"; check_phase "$deb" ;;
  build) [ -n "${2:-}" ] || { echo "usage: $0 build DIR" >&2; exit 2; }; build_phase "$2"; echo "package built: $deb" ;;
  check) [ -f "${2:-}" ] || { echo "usage: $0 check DEB" >&2; exit 2; }; check_phase "$2" ;;
  *) sed -n '8,10p' "$0" >&2; exit 2 ;;
esac
