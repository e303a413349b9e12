#!/usr/bin/env bash
# Viewers benchmark: what each extra viewer costs the sender. Prints figures; asserts nothing.
#
#   tests/bench/viewers.sh [SIO_WEBRTC [SIO_SIGNALLING [PLUGIN_DIR]]] [--counts=1,2,4,8,16]
#                          [--separate=1,2,4,8,16] [--window=S] [--settle=S] [--keep]
#
# Defaults: $SIO_WEBRTC or build/launcher/sio-webrtc, $SIO_SIGNALLING or
# build/signalling/sio-signalling, $GST_SOCKETIO_PLUGIN_DIR or build/gst-plugin (libgstsocketio.so,
# for the viewers). 1280x720@30 VP8 test pattern, no audio, sent two ways to N viewers:
#   one encode   one `sio-webrtc --call=all --max-calls=N` (its embedded server): one encoder, a tee,
#                a queue and a webrtcbin per call;
#   separate     N `sio-webrtc --call=<viewer id>` through one `sio-signalling`: N encoders, one per
#                viewer, as gst-plugins-rs webrtcsink does.
# The viewers are one gst-launch-1.0 holding N socketiosignaller elements, each answering one call
# and counting RTP packets (fpsdisplaysink around a fakesink, no decoding); their CPU is not counted.
# Once every call is connected and --settle seconds have passed, the sender's utime+stime
# (/proc/PID/stat, summed over the N launchers in the separate case) is read over --window seconds
# -> % of one core; sent_video_frames growth from the launchers' `status:` lines -> frames per
# second (vs 30: the rest was dropped before the encoder, the launcher's queue is leaky); per-call
# send_kbps from `status-call:` lines. Output lines are timestamped as they arrive (perl, else a
# slower bash loop). Everything runs in a network namespace that has only `lo` (ICE on 127.0.0.1).
# Root, or unprivileged user namespaces (as tests/interop/netns.sh). Each wait is bounded (server
# start 10 s, viewers' ids 20 s, calls 30 s + 2 s per call); whatever connected by then is measured
# and the table says so. About 3-4 minutes with the defaults (8 s windows) on 2 cores, at most ~14.
#   --keep   keep every process's (stamped) output in the work folder and print its path
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# --- inside a fresh network namespace (re-executed through unshare) --------------------------------
if [[ -z ${VIEWERS_BENCH_NETNS:-} ]]; then
  command -v unshare >/dev/null || { echo "viewers.sh: unshare not found (util-linux)" >&2; exit 2; }
  userns=()
  [[ $(id -u) -eq 0 ]] || userns=(-r)
  exec unshare "${userns[@]}" -n sh -c 'ip link set lo up && exec "$@"' sh \
    env VIEWERS_BENCH_NETNS=1 bash "$0" "$@"
fi

webrtc=${SIO_WEBRTC:-$root/build/launcher/sio-webrtc}
signalling=${SIO_SIGNALLING:-$root/build/signalling/sio-signalling}
plugin_dir=${GST_SOCKETIO_PLUGIN_DIR:-$root/build/gst-plugin}
if [[ $# -gt 0 && $1 != --* ]]; then webrtc=$1; shift; fi
if [[ $# -gt 0 && $1 != --* ]]; then signalling=$1; shift; fi
if [[ $# -gt 0 && $1 != --* ]]; then plugin_dir=$1; shift; fi

counts=1,2,4,8,16
separate_counts=1,2,4,8,16
window=8
settle=2
keep=
for arg in "$@"; do
  case $arg in
    --counts=*) counts=${arg#*=} ;;
    --separate=*) separate_counts=${arg#*=} ;;
    --window=*) window=${arg#*=} ;;
    --settle=*) settle=${arg#*=} ;;
    --keep) keep=1 ;;
    *) echo "viewers.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
for list in "$counts" "$separate_counts"; do
  [[ -z $list || $list =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "viewers.sh: expected N,N,... got $list" >&2; exit 2; }
done
[[ $window =~ ^[0-9]+$ && $window -gt 0 && $settle =~ ^[0-9]+$ ]] \
  || { echo "viewers.sh: --window and --settle take whole seconds" >&2; exit 2; }

[[ -x $webrtc ]] || { echo "viewers.sh: no sio-webrtc at $webrtc (build it, or pass its path)" >&2; exit 2; }
[[ -x $signalling ]] || { echo "viewers.sh: no sio-signalling at $signalling" >&2; exit 2; }
[[ -f $plugin_dir/libgstsocketio.so ]] || { echo "viewers.sh: no libgstsocketio.so in $plugin_dir" >&2; exit 2; }
command -v gst-launch-1.0 >/dev/null || { echo "viewers.sh: gst-launch-1.0 not found (gstreamer1.0-tools)" >&2; exit 2; }
GST_PLUGIN_PATH=$plugin_dir gst-inspect-1.0 fpsdisplaysink >/dev/null 2>&1 \
  || { echo "viewers.sh: fpsdisplaysink not found (gstreamer1.0-plugins-bad)" >&2; exit 2; }

fps=30
media=(--video=test --audio=none --width=1280 --height=720 "--fps=$fps" --codec=vp8)
clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d "${TMPDIR:-/tmp}/viewers-bench.XXXXXX")

# --- processes: every one started here is tracked and ended on exit -------------------------------
pids=()
stop_pids() {  # SIGTERM, up to 5 s, then SIGKILL; only the given pids
  local p deadline
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2>/dev/null || true
  deadline=$((SECONDS + 5))
  for p in "$@"; do
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
cleanup() {
  stop_pids "${pids[@]}"
  pids=()
  if [[ -n $keep ]]; then echo "outputs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each output line prefixed with the time it was read (s.µs), so status lines can be placed in the
# measuring window. The stamper ends when the process it reads from does. perl keeps up with the
# viewers' thousands of lines at call setup; a bash read loop (reading byte by byte) falls seconds
# behind on 2 busy cores, so it is only the fallback.
if perl -MTime::HiRes=time -e 1 2>/dev/null; then
  stamp() { exec perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.6f %s", time, $_'; }
else
  stamp() { local line; while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }
fi
now() { echo "$EPOCHREALTIME"; }

cpu_ticks() {  # utime + stime of the pids, summed (fields 14 and 15 of /proc/PID/stat), in one read
  local p files=()
  for p in "$@"; do [[ -r /proc/$p/stat ]] && files+=("/proc/$p/stat"); done
  ((${#files[@]})) || { echo 0; return; }
  awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t + 0 }' "${files[@]}" 2>/dev/null || true
}
rss_kb() {  # VmRSS of the pids, summed
  local p total=0 kb
  for p in "$@"; do
    kb=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null) || kb=0
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds; 1 when the time is up
wait_until() {
  local limit=$1 deadline; shift
  deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
has_line() { grep -qa -- "$2" "$1" 2>/dev/null; }
count_lines() { grep -ca -- "$2" "$1" 2>/dev/null || true; }
url_of() { grep -ao 'listening on http://127\.0\.0\.1:[0-9]*/' "$1" | head -1 | sed 's/^listening on //'; }

# The viewers: one gst-launch-1.0, N socketiosignaller elements answering, each video pad counted.
# -m prints the elements' bus messages: socketio-connected (the socket id; -v's local-id notification
# was missed for some elements in trials, the message never was) and socketio-call-connected. -v
# prints fpsdisplaysink's last-message ("rendered: <packets so far>") about once a second per viewer:
# rates come from whichever of those lines arrived (the first comes 1 s after the first packet), and
# a viewer with fewer than two lines in the window is reported as not counted, not as receiving 0.
start_viewers() {  # URL N OUT -> sets viewer_pid
  local url=$1 n=$2 out=$3 k desc=()
  for ((k = 1; k <= n; k++)); do
    desc+=(socketiosignaller "name=v$k" "server-url=$url" local-addresses=127.0.0.1
           "v$k.video_0" ! fpsdisplaysink "name=f$k" video-sink=fakesink
           text-overlay=false sync=false fps-update-interval=1000 signal-fps-measurements=false)
  done
  GST_PLUGIN_PATH=$plugin_dir gst-launch-1.0 -m -v "${desc[@]}" > >(stamp >"$out") 2>&1 &
  viewer_pid=$!
  pids+=("$viewer_pid")
}
viewer_ids() {  # socket ids of the viewers, v1..vN order (socketio-connected messages)
  local out=$1 n=$2 k
  for ((k = 1; k <= n; k++)); do
    grep -ao "from element \"v$k\" (element): socketio-connected, local-id=(string)[A-Za-z0-9_-]*" "$out" 2>/dev/null |
      tail -1 | sed 's/.*=(string)//'
  done
}
viewer_calls() {  # viewers that reported a connected call (socketio-call-connected messages)
  grep -ao 'from element "v[0-9]*" (element): socketio-call-connected' "$1" 2>/dev/null | sort -u | wc -l
}

# --- figures from the stamped outputs ---------------------------------------------------------------
# sent video frames per second over [t0, t1], from the last `status:` line at or before each end
frames_rate() {  # FILE T0 T1
  awk -v t0="$2" -v t1="$3" '
    / status: / && match($0, /sent_video_frames=[0-9]+/) {
      f = substr($0, RSTART + 18, RLENGTH - 18) + 0
      if ($1 <= t0) { s0 = $1; f0 = f; a = 1 }
      if ($1 <= t1) { s1 = $1; f1 = f; b = 1 }
    }
    END { if (a && b && s1 > s0) printf "%.1f\n", (f1 - f0) / (s1 - s0); else print "-" }' "$1"
}
# per-call send_kbps over (t0, t1]: each call averaged, then "min avg max" over the calls; from
# `status-call:` lines, or the `status:` line when only one call is up
call_kbps() {  # T0 T1 FILE...
  local t0=$1 t1=$2; shift 2
  awk -v t0="$t0" -v t1="$t1" '
    $1 > t0 && $1 <= t1 && match($0, /send_kbps=[0-9]+/) {
      k = substr($0, RSTART + 10, RLENGTH - 10) + 0
      if ($2 == "status-call:") { match($0, /peer=[^ ]+/); p = FILENAME " " substr($0, RSTART, RLENGTH); percall[p] += k; npercall[p]++ }
      else if ($2 == "status:") { whole[FILENAME] += k; nwhole[FILENAME]++ }
    }
    END {
      for (p in percall) { split(p, fp, " "); seen[fp[1]] = 1; add(percall[p] / npercall[p]) }
      for (f in whole) if (!(f in seen)) add(whole[f] / nwhole[f])
      if (n == 0) print "- - -"; else printf "%.0f %.0f %.0f\n", lo, sum / n, hi
    }
    function add(v) { if (n == 0 || v < lo) lo = v; if (n == 0 || v > hi) hi = v; sum += v; n++ }
  ' "$@"
}
# RTP packets per second received by each viewer over [t0, t1] (fpsdisplaysink's rendered count,
# from its last last-message line before each end, or its first line in the window when it has
# none before t0): "counted receiving min max" (counted = viewers with two such lines, receiving =
# those of them that got packets in the window)
viewer_rates() {  # FILE N T0 T1
  awk -v n="$2" -v t0="$3" -v t1="$4" '
    /GstFPSDisplaySink:f[0-9]+: last-message = rendered: [0-9]+/ {
      s = $0; sub(/.*GstFPSDisplaySink:f/, "", s); k = s + 0
      r = $0; sub(/.*rendered: /, "", r); r = r + 0
      if ($1 <= t0) { s0[k] = $1; r0[k] = r }
      else if (!(k in s0) && $1 <= t1) { s0[k] = $1; r0[k] = r }  # no line before t0: the first in it
      if ($1 <= t1) { s1[k] = $1; r1[k] = r }
    }
    END {
      for (k = 1; k <= n; k++) {
        if (!(k in s0) || !(k in s1) || s1[k] <= s0[k]) continue
        rate = (r1[k] - r0[k]) / (s1[k] - s0[k])
        if (counted == 0 || rate < lo) lo = rate
        if (counted == 0 || rate > hi) hi = rate
        counted++
        if (rate > 0) got++
      }
      printf "%d %d %.0f %.0f\n", counted, got, lo, hi
    }' "$1"
}
pct() { awk -v t="$1" -v w="$2" -v hz="$clk_tck" 'BEGIN { printf "%.1f", t / hz / w * 100 }'; }

machine_busy() {  # jiffies the whole machine was not idle (all CPUs), from /proc/stat
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# measure MODE N VIEWER_PID SENDER_PIDS... -- LAUNCHER_FILES...: waits until the calls are connected
# (bounded), settles, reads CPU over the window, prints one line and keeps the figures in R[MODE:N:*]
declare -A R
measure() {
  local mode=$1 n=$2 vpid=$3; shift 3
  local senders=() files=() f connected t_start t0 t1 c0 c1 v0 v1 m0 m1 wall fps kbps view late rss_kb_sum
  while [[ $1 != -- ]]; do senders+=("$1"); shift; done
  shift
  files=("$@")
  ncalls() {  # calls connected: every `call: connected with` line, over the launchers
    local f total=0 c
    for f in "${files[@]}"; do c=$(count_lines "$f" 'call: connected with '); total=$((total + ${c:-0})); done
    echo "$total"
  }
  all_up() { (($(ncalls) >= n)); }
  t_start=$SECONDS
  wait_until $((30 + 2 * n)) all_up || true
  t_start=$((SECONDS - t_start))
  sleep "$settle"
  connected=$(ncalls)
  t0=$(now); c0=$(cpu_ticks "${senders[@]}"); v0=$(cpu_ticks "$vpid"); m0=$(machine_busy)
  sleep "$window"
  t1=$(now); c1=$(cpu_ticks "${senders[@]}"); v1=$(cpu_ticks "$vpid"); m1=$(machine_busy)
  rss_kb_sum=$(rss_kb "${senders[@]}")
  R[$mode:$n:rss]=$rss_kb_sum
  sleep 1.2  # the status lines of the window's last second
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  R[$mode:$n:cpu]=$(pct $((c1 - c0)) "$wall")
  R[$mode:$n:conn]=$connected
  # frames: mean over the launchers, and the slowest one
  fps=$(for f in "${files[@]}"; do frames_rate "$f" "$t0" "$t1"; done |
        awk '$1 != "-" { s += $1; c++; if (c == 1 || $1 < lo) lo = $1 } END { if (c) printf "%.1f %.1f\n", s / c, lo; else print "- -" }')
  R[$mode:$n:fps]=${fps%% *}
  R[$mode:$n:fps_min]=${fps##* }
  kbps=$(call_kbps "$t0" "$t1" "${files[@]}")
  view=$(viewer_rates "$viewers_out" "$n" "$t0" "$t1")
  late=$(cat "${files[@]}" | grep -ac 'call: not connected with .* after' || true)
  local counted got vlo vhi vcalls viewers_line
  read -r counted got vlo vhi <<<"$view"
  vcalls=$(viewer_calls "$viewers_out")
  viewers_line="viewers: $vcalls/$n report a connected call"
  if ((counted > 0)); then
    viewers_line+=", $got/$counted counted receiving $vlo-$vhi pkt/s"
    ((counted == n)) || viewers_line+=" ($((n - counted)) not counted)"
  else
    viewers_line+=", packets not counted (no fpsdisplaysink lines)"
  fi
  printf '%-10s N=%-2d  %d/%d calls connected (%d s)  sender CPU %s %%%s  RSS %d MB  sent %s fps%s  per-call send_kbps min/avg/max %s\n' \
    "$mode" "$n" "$connected" "$n" "$t_start" "${R[$mode:$n:cpu]}" "$([[ ${#senders[@]} -gt 1 ]] && echo " (sum of ${#senders[@]})")" \
    "$((rss_kb_sum / 1024))" "${fps%% *}" "$([[ ${#files[@]} -gt 1 ]] && echo " per launcher (slowest ${fps##* })")" "${kbps// //}"
  R[$mode:$n:others]=$(pct $(((m1 - m0) - (c1 - c0) - (v1 - v0))) "$wall")
  printf '                 %s; CPU: viewers process %s %%, everything else on the machine %s %%\n' \
    "$viewers_line" "$(pct $((v1 - v0)) "$wall")" "${R[$mode:$n:others]}"
  ((late == 0)) || echo "  $late 'call: not connected ... after 10 s' warning(s) from the launcher(s) before the calls came up"
  cat "${files[@]}" | grep -a 'connection with .* failed\|error\|ERROR\|CRITICAL' | sed 's/^[0-9.]* /  launcher: /' | sort | uniq | head -5 || true
}

# --- one encode: sio-webrtc --call=all --max-calls=N ------------------------------------------------
run_one() {
  local n=$1
  local dir=$work/one-$n lpid
  mkdir -p "$dir"
  "$webrtc" --mode=send --call=all --max-calls="$n" "${media[@]}" --port=0 --ice-address=127.0.0.1 \
    --status-interval=1 > >(stamp >"$dir/launcher.out") 2>&1 &
  lpid=$!
  pids+=("$lpid")
  if ! wait_until 10 has_line "$dir/launcher.out" 'listening on http://'; then
    echo "one encode N=$n: the launcher did not start:"; sed 's/^[0-9.]* /  /' "$dir/launcher.out" | tail -5
    stop_pids "$lpid"; return
  fi
  viewers_out=$dir/viewers.out
  start_viewers "$(url_of "$dir/launcher.out")" "$n" "$viewers_out"
  measure "one encode" "$n" "$viewer_pid" "$lpid" -- "$dir/launcher.out"
  stop_pids "$lpid" "$viewer_pid"
}

# --- separate: N sio-webrtc --call=<viewer id>, one encoder each, through sio-signalling --------------
run_separate() {
  local n=$1
  local dir=$work/sep-$n spid url k id lpids=() files=()
  mkdir -p "$dir"
  "$signalling" --port=0 --log-level=warn >"$dir/server.out" 2>&1 &
  spid=$!
  pids+=("$spid")
  if ! wait_until 10 has_line "$dir/server.out" 'listening on http://'; then
    echo "separate N=$n: sio-signalling did not start:"; tail -5 "$dir/server.out"; stop_pids "$spid"; return
  fi
  url=$(url_of "$dir/server.out")
  viewers_out=$dir/viewers.out
  start_viewers "$url" "$n" "$viewers_out"
  all_ids() { [[ $(viewer_ids "$viewers_out" "$n" | grep -c .) -ge $n ]]; }
  wait_until 20 all_ids \
    || echo "separate N=$n: only $(viewer_ids "$viewers_out" "$n" | grep -c .)/$n viewers connected to the server after 20 s"
  k=0
  for id in $(viewer_ids "$viewers_out" "$n"); do
    k=$((k + 1))
    "$webrtc" --mode=send --server="$url" --call="$id" "${media[@]}" --ice-address=127.0.0.1 \
      --status-interval=1 > >(stamp >"$dir/launcher-$k.out") 2>&1 &
    lpids+=("$!")
    pids+=("$!")
    files+=("$dir/launcher-$k.out")
  done
  if ((k > 0)); then measure separate "$n" "$viewer_pid" "${lpids[@]}" -- "${files[@]}"; fi
  stop_pids "${lpids[@]}" "$viewer_pid" "$spid"
}

# --- run -------------------------------------------------------------------------------------------
model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "viewers benchmark: sender CPU for N viewers, 1280x720@30 VP8 (test pattern, no audio), ICE on loopback"
echo "machine: $(nproc) cores, ${model:-unknown CPU}; $(uname -r); $(gst-launch-1.0 --version | sed -n 2p)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "window ${window} s after ${settle} s settling; CPU = utime+stime / wall time, 100 % = one core"
echo

IFS=, read -ra one_list <<<"$counts"
IFS=, read -ra sep_list <<<"$separate_counts"
for n in "${one_list[@]}"; do ((n > 0)) && run_one "$n"; done
for n in "${sep_list[@]}"; do ((n > 0)) && run_separate "$n"; done

# --- table -----------------------------------------------------------------------------------------
cell() { local v=${R[$1]:-}; echo "${v:--}"; }
mb() { local v=${R[$1]:-}; [[ -n $v ]] && echo $((v / 1024)) || echo -; }
echo
echo "| N | one encode: sender CPU % | sent fps | RSS MB | N separate launchers: CPU % (sum) | sent fps per launcher (slowest) | RSS MB (sum) | separate / one | each extra viewer costs (one encode) | rest of the machine % (one / separate) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
all_n=$(printf '%s\n' "${one_list[@]}" "${sep_list[@]}" | awk '$1 > 0' | sort -n | uniq)
base=${R[one encode:1:cpu]:-}
for n in $all_n; do
  oc=$(cell "one encode:$n:cpu"); sc=$(cell "separate:$n:cpu")
  [[ $oc != - && ${R[one encode:$n:conn]} -lt $n ]] && oc="$oc (${R[one encode:$n:conn]}/$n connected)"
  [[ $sc != - && ${R[separate:$n:conn]} -lt $n ]] && sc="$sc (${R[separate:$n:conn]}/$n connected)"
  ratio=-; extra=-
  if [[ -n ${R[one encode:$n:cpu]:-} && -n ${R[separate:$n:cpu]:-} ]]; then
    ratio=$(awk -v s="${R[separate:$n:cpu]}" -v o="${R[one encode:$n:cpu]}" 'BEGIN { if (o > 0) printf "%.2f", s / o; else print "-" }')
  fi
  if [[ -n $base && -n ${R[one encode:$n:cpu]:-} && $n -gt 1 ]]; then
    extra=$(awk -v c="${R[one encode:$n:cpu]}" -v b="$base" -v n="$n" 'BEGIN { if (b > 0) printf "%.1f %%", (c - b) / (n - 1) / b * 100; else print "-" }')
  fi
  sf=$(cell "separate:$n:fps")
  [[ $sf != - ]] && sf="$sf ($(cell "separate:$n:fps_min"))"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n' "$n" "$oc" "$(cell "one encode:$n:fps")" \
    "$(mb "one encode:$n:rss")" "$sc" "$sf" "$(mb "separate:$n:rss")" "$ratio" "$extra" \
    "$(cell "one encode:$n:others")" "$(cell "separate:$n:others")"
done
echo
echo "each extra viewer costs = (CPU(N) - CPU(1)) / (N - 1) / CPU(1), one encode; the project's target is <= 10 %."
echo "sent fps below $fps: frames dropped at the sender (its queue before the encoder is leaky) when the CPU cannot keep up."
echo "everything else on the machine = busy time of all cores (/proc/stat) - sender - viewers over the window: more"
echo "than a few % means other work shared the $(nproc) cores and the run was disturbed (fewer frames, more noise)."
