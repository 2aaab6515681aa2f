#!/bin/bash
# test_demo.sh - examples/demo.sh runs to its end non-interactively, every
# step doing what it says, and leaves no mount and no daemon behind; also
# when it is interrupted in the middle (SIGINT, then SIGTERM).
#
#   tests/integration/test_demo.sh SOURCE_ROOT BUILD_ROOT
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${2:-$ROOT/build}
[ -e /dev/fuse ] && command -v fusermount3 >/dev/null || { echo "SKIP: no FUSE"; exit 77; }
LOG=$(mktemp /tmp/noodle-demo-test.XXXXXX)
trap 'rm -f "$LOG"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

demo_mounts() { grep -c " /tmp/noodle-demo-mnt\.[^ ]* fuse" /proc/mounts; }
before=$(demo_mounts)

# 1. the whole demo
timeout 300 env BUILD="$BUILD" NO_COLOR=1 "$ROOT/examples/demo.sh" </dev/null >"$LOG" 2>&1
rc=$?
[ $rc -eq 0 ] || { bad "demo.sh exited $rc"; tail -n 40 "$LOG"; }
grep -q "Demo complete: every step did what it should" "$LOG" || bad "demo.sh did not reach its end"
grep -q '^\$ noodle update examples/hello.nc --wait' "$LOG" || bad "demo.sh does not narrate its commands"
[ "$(demo_mounts)" = "$before" ] || bad "demo.sh left a mount behind"

# 2. interrupted once mounted: it must unmount and stop its daemon
for sig in INT TERM; do
	setsid env BUILD="$BUILD" NO_COLOR=1 DEMO_DELAY=1 "$ROOT/examples/demo.sh" </dev/null >"$LOG" 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		grep -q "== Submit the plan's hello unit" "$LOG" && break
		sleep 0.1
	done
	mnt=$(sed -n 's/^== Mount noodlefs on \([^ ]*\) .*/\1/p' "$LOG")
	[ -n "$mnt" ] || bad "demo.sh did not mount (SIG$sig run)"
	kill -"$sig" "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		bad "demo.sh still runs 10 s after SIG$sig"
		kill -9 -- -"$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	if [ -n "$mnt" ] && grep -qs " $mnt " /proc/mounts; then
		bad "SIG$sig left $mnt mounted"
		fusermount3 -uz "$mnt"
	fi
	if [ -n "$mnt" ] && pgrep -f -- "noodlefs -f -o state=[^ ]* $mnt\$" >/dev/null; then
		bad "SIG$sig left the daemon of $mnt running"
	fi
	[ -n "$mnt" ] && [ -e "$mnt" ] && bad "SIG$sig left the folder $mnt"
done

if [ $fails -eq 0 ]; then
	echo "PASS: demo.sh runs to its end and cleans up, also when interrupted"
	exit 0
fi
exit 1
