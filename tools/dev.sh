#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   bash tools/dev.sh run [sio-webrtc options]       install what is missing, build, run the main job
#   bash tools/dev.sh test                           install what is missing, build, run every test
#   bash tools/dev.sh deps | build                   the individual steps
# The test command ends with one plain line: "N passed, M failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SIO_BUILD_DIR:-$repo/build}
shared=${SIO_SHARED_DIR:-$repo/../shared}
cd "$repo"

# Debian packages: build (meson, compilers, libsoup 3, GnuTLS, GoogleTest, clang's libFuzzer, GStreamer
# 1.22 with webrtcbin and libnice) and tests
# (Chromium, unshare/ip for lo-only network namespaces, openssl for certificates, gst-discoverer-1.0,
# Xvfb + xwininfo for the window sink, coturn for the TURN calls); help2man makes the man pages
# from --help; python3-prometheus-client parses /metrics and systemd-analyze checks the units in the
# tests; python3-gi and gir1.2-gstreamer-1.0 run the Python example. glib-networking is the TLS
# backend libsoup needs at run time.
debian_packages=(
  meson ninja-build pkg-config g++ clang libclang-rt-14-dev
  libglib2.0-dev libsoup-3.0-dev libgnutls28-dev glib-networking
  googletest libgtest-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-x gstreamer1.0-alsa
  libnice-dev libgstreamer1.0-dev
  libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev valgrind
  gstreamer1.0-plugins-base-apps xvfb x11-utils chromium iproute2 util-linux openssl ca-certificates procps
  coturn help2man python3-prometheus-client systemd python3-gi gir1.2-gstreamer-1.0
  debhelper dpkg-dev lintian fakeroot curl
)

deps() {
  local missing=()
  for p in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "need root to install Debian packages (run with sudo)" >&2; exit 1; fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    # The tests start their own coturn in a namespace; the package's service (a TURN server on every
    # interface) is not wanted on a machine that only got it for them.
    if [[ " ${missing[*]} " == *" coturn "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      systemctl disable --now coturn >/dev/null 2>&1 || true
    fi
  fi
  # package-lock.json pins everything; never commit registry addresses (see .npmrc).
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  if [ -d "$shared/conformance" ]; then
    SIO_CONFORMANCE_SRC="$shared/conformance" bash tests/conformance/prepare.sh "$build/conformance-cache"
  fi
}

build() {
  if [ ! -f "$build/build.ninja" ]; then
    # CI builds with warnings as errors; elsewhere a newer compiler's new warning must not stop a user.
    # CI also keeps only line tables in the debug info (-g1: ASan's and valgrind's traces still name
    # file:line): a third less compile time, which the 25-minute run needs.
    meson setup "$build" "$repo" ${CI:+--werror -Dcpp_args=-g1}
  fi
  meson compile -C "$build"
}

run_tests() {
  local rc=0 package=() deb_dir="$build/deb" deb_pid=""
  # The full run also builds the Debian package (tools/build-deb.sh): its compile runs beside the
  # tests at the lowest CPU and I/O priority (it uses only what the tests leave idle), its install
  # and checks after them (an installed plugin would be visible to the tests).
  if [ $# -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
    rm -rf "$deb_dir" && mkdir -p "$deb_dir"
    nice -n 19 ionice -c 3 bash tools/build-deb.sh build "$deb_dir" > "$deb_dir/build.log" 2>&1 &
    deb_pid=$!
  fi
  # Heavy suites (Chromium calls, the official suites with their 300 ms pings) are registered as
  # non-parallel in meson, so one busy test cannot starve another's timers.
  meson test -C "$build" --print-errorlogs "$@" || rc=$?
  if [ -n "$deb_pid" ]; then
    local deb_rc=0
    wait "$deb_pid" || deb_rc=$?
    if ((deb_rc == 0)); then
      bash tools/build-deb.sh check "$deb_dir"/gst-socketio-webrtc_*.deb >> "$deb_dir/build.log" 2>&1 || deb_rc=$?
    fi
    if ((deb_rc == 0)); then
      package=(package=OK)
      grep -E "^(built|package)" "$deb_dir/build.log"
    else
      package=(package=FAIL) rc=1
      echo "Debian package failed:" && tail -30 "$deb_dir/build.log"
    fi
  fi
  summarize "$build/meson-logs/testlog.json" "${package[@]}"
  return $rc
}

# One plain line from meson's JSON log (and the package's result, package=OK|FAIL, when it was
# built): CI reads it, not meson's own summary.
summarize() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
    let passed = 0, failed = 0, skipped = [];
    for (const l of lines) {
      const t = JSON.parse(l);
      if (t.result === "OK" || t.result === "EXPECTEDFAIL") passed++;
      else {
        failed++;
        if (t.result === "SKIP") skipped.push(t.name);
      }
    }
    for (const extra of process.argv.slice(2)) {
      if (extra === "package=OK") passed++;
      else { failed++; console.log("failed: the Debian package (tools/build-deb.sh)"); }
    }
    // A skipped suite checked nothing: it counts as failed.
    if (skipped.length) console.log(`skipped (counted as failed): ${skipped.join(", ")}`);
    console.log(`${passed} passed, ${failed} failed`);
  ' "$@"
}

cmd=${1:-}
shift || true
case "$cmd" in
  deps) deps ;;
  build) deps; build ;;
  run)
    deps; build
    # The main job: a two-way call with the embedded signalling server; the camera if there is
    # one, else a test pattern. Open the printed index.html: this end calls the page.
    exec "$build/launcher/sio-webrtc" --call=auto "$@"
    ;;
  test) deps; build; run_tests "$@" ;;
  *) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
