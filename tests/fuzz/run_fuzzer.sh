#!/bin/sh
# Runs one libFuzzer target for a bounded time, as a meson test in suite 'fuzz'.
# usage: run_fuzzer.sh <fuzzer> <work dir in the build tree> <seed corpus dir> <dict|-> <seconds>
# New inputs go to <work dir>/corpus and crash/leak artifacts to <work dir>/artifacts: never into
# the source tree (the seed corpus is only read). libFuzzer exits non-zero on a crash, a leak or
# a sanitizer report, which fails the test.
set -eu
fuzzer=$1 work=$2 seeds=$3 dict=$4 seconds=$5
mkdir -p "$work/corpus" "$work/artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
set -- -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=1024 -max_len=4096 \
  -artifact_prefix="$work/artifacts/"
if [ "$dict" != "-" ]; then
  set -- "$@" -dict="$dict"
fi
rc=0
"$fuzzer" "$@" "$work/corpus" "$seeds" || rc=$?
# LeakSanitizer exits 77 in some configurations, which meson would read as "skipped": any non-zero
# exit is a failure here.
if [ "$rc" -ne 0 ]; then
  echo "fuzzer exited with $rc: see the report above and $work/artifacts" >&2
  exit 1
fi
