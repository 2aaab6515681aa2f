#!/bin/bash
# bench_rollout.sh - rollout figures (not pass/fail; SPEC.md section 9,
# "hot swap under load"): swap latency from the ctl write to the first
# call served by the new version (median, bar under 1 ms) and calls per
# second, through the engine (nd_ctl, nd_call, nd_call_text) and through a
# mounted noodlefs (ctl and call files).
#
#   BUILD=build tests/bench/bench_rollout.sh [SWAPS] [SECONDS]
#
# Builds the bench_rollout target in $BUILD (default build), mounts
# noodlefs from it on a temporary folder (FUSE caches off, as the tests),
# and always unmounts.  State folders go under $TMPDIR (default /tmp):
# TMPDIR=/dev/shm shows the swap without the disk's syncs.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
SWAPS=${1:-1000}
SECS=${2:-2}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
out=$(ninja -C "$BUILD" tests/bench/bench_rollout fs/noodlefs 2>&1) ||
    { echo "$out" >&2; exit 1; }
BENCH=$BUILD/tests/bench/bench_rollout
T=$(mktemp -d "${TMPDIR:-/tmp}/noodlefs-bench-rollout.XXXXXX")
FS_PID=

cleanup() {
	set +e
	mountpoint -q "$T/mnt" && { timeout 10 fusermount3 -u "$T/mnt" ||
	    timeout 10 fusermount3 -uz "$T/mnt"; }
	[ -n "$FS_PID" ] && kill "$FS_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== $BENCH engine $SWAPS $SECS"
"$BENCH" engine "$SWAPS" "$SECS"

mkdir -p "$T/mnt"
"$BUILD/fs/noodlefs" -f -o "state=$T/state,entry_timeout=0,attr_timeout=0,negative_timeout=0" \
    "$T/mnt" &
FS_PID=$!
for i in $(seq 100); do
	[ -r "$T/mnt/version" ] && break
	sleep 0.1
done
[ -r "$T/mnt/version" ] || { echo "mount did not come up" >&2; exit 1; }
U=$T/mnt/units/svc
mkdir "$U"
for k in 0 1; do
	printf 'def f():\n    return %d\n' "$k" >"$U/submit"
	timeout 20 cat "$U/wait" >/dev/null
done
echo "activate 1.0.0" >"$U/ctl"
echo "== $BENCH mount $U $SWAPS $SECS"
"$BENCH" mount "$U" "$SWAPS" "$SECS"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs)"
