#!/bin/bash
# demo.sh - noodlefs in five minutes: mounts a fresh noodlefs on a temporary
# folder and walks through a unit's life with the noodle client, printing
# every command before it runs: submit, status, failing updates and their
# errors, activate, call, a canary that rolls itself back on real calls,
# rollback, a major release, events and metrics.  It unmounts on the way
# out, also when interrupted.
#
#   examples/demo.sh               # builds into build/ first if needed
#   BUILD=build-x examples/demo.sh # use another build folder
#   DEMO_DELAY=2 examples/demo.sh  # pause 2 s between steps
#
# Exit status: 0 when every step did what it should, 1 otherwise, 2 when
# the filesystem could not be built or mounted.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
DELAY=${DEMO_DELAY:-0}
EX=examples
cd "$ROOT" || exit 2

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\033[1m' G=$'\033[32m' R=$'\033[31m' C=$'\033[36m' O=$'\033[0m'
else
	B= G= R= C= O=
fi

# ---- build ------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
	echo "${B}Building noodlefs into $BUILD${O}"
	meson setup "$BUILD" "$ROOT" >/dev/null || exit 2
fi
ninja -C "$BUILD" fs/noodlefs fs/noodle >/dev/null || {
	echo "demo: the build failed (ninja -C $BUILD)" >&2
	exit 2
}
export PATH="$BUILD/fs:$PATH"

# ---- mount, and unmount whatever happens -----------------------------------
MNT=$(mktemp -d /tmp/noodle-demo-mnt.XXXXXX)
STATE=$(mktemp -d /tmp/noodle-demo-state.XXXXXX)
DAEMON=
export NOODLE_MOUNT=$MNT

mounted() { grep -qs " $MNT fuse" /proc/mounts; }

cleanup() {
	trap - INT TERM EXIT
	if mounted; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null
	fi
	if [ -n "$DAEMON" ]; then
		kill "$DAEMON" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$DAEMON" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$DAEMON" 2>/dev/null
		wait "$DAEMON" 2>/dev/null
	fi
	rmdir "$MNT" 2>/dev/null
	rm -rf "$STATE"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'rc=$?; cleanup; exit $rc' EXIT

BAD=0
pause() { [ "$DELAY" = 0 ] || sleep "$DELAY"; }
step() { pause; printf '\n%s== %s ==%s\n' "$B" "$*" "$O"; }
say() { printf '%s\n' "$*"; }
# show CMD...: print a command as one would type it (quoting what needs it).
show() {
	local a line=
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./:=@%+-]* | '') line+=" '$a'" ;;
		*) line+=" $a" ;;
		esac
	done
	printf '%s$%s%s\n' "$C" "$line" "$O"
}
# run CMD...: show and run a command that should succeed.
run() {
	show "$@"
	"$@"
	local rc=$?
	if [ $rc -ne 0 ]; then
		printf '%s(exit %d: not what should happen)%s\n' "$R" $rc "$O"
		BAD=$((BAD + 1))
	fi
	return $rc
}
# refused CMD...: show and run a command that should fail with exit 1.
refused() {
	show "$@"
	"$@"
	local rc=$?
	if [ $rc -eq 1 ]; then
		printf '%s(exit 1, as expected)%s\n' "$G" "$O"
	else
		printf '%s(exit %d, expected 1)%s\n' "$R" $rc "$O"
		BAD=$((BAD + 1))
	fi
}
newest() { ls "$MNT/units/$1/versions" | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1; }

step "Mount noodlefs on $MNT (state in $STATE)"
printf '%s$ %s%s\n' "$C" "noodlefs -f -o state=$STATE $MNT &" "$O"
noodlefs -f -o "state=$STATE" "$MNT" &
DAEMON=$!
for _ in $(seq 100); do
	[ -f "$MNT/version" ] && break
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
if [ ! -f "$MNT/version" ]; then
	echo "demo: noodlefs did not come up on $MNT" >&2
	exit 2
fi
run ls "$MNT"
run cat "$MNT/version"

step "Submit the plan's hello unit and wait for its validation gates"
run noodle update $EX/hello.nc --wait
run noodle status hello
say "Validated is not active yet (policy activation = manual):"
run noodle activate hello
run noodle call hello 'hello()'
run noodle call hello 'main()'

step "A service, submitted and activated in one go"
run noodle update $EX/svc/v1.nc --unit svc --activate
run noodle call svc 'price(3, 9.99)'
run noodle call svc 'greet("ada")'
say "Everything is a file; the client only reads and writes them:"
run cat "$MNT/units/svc/state"
run cat "$MNT/units/svc/active"
run ls "$MNT/units/svc" "$MNT/units/svc/versions"
run cat "$MNT/units/svc/versions/1.0.0/contract.json"
echo

step "Updates that fail a gate are refused, with file:line:col errors"
refused noodle update $EX/fail_compile.nc --wait
refused noodle update $EX/fail_compat.nc --unit svc --wait
refused noodle update $EX/fail_caps.nc --wait
refused noodle update $EX/fail_selftest.nc --wait
say "The active version never moved:"
run cat "$MNT/units/svc/active"
refused noodle call svc 'price(-1, 2.0)'

step "A patch (same contract) and a minor release (additions only)"
run noodle update $EX/svc/v2.nc --unit svc --activate
run noodle call svc 'greet("  ada ")'
run noodle update $EX/svc/v3.nc --unit svc --wait
run noodle activate svc
run noodle call svc 'price(2, 10.0, "vip")'

step "A faulty release as a canary: real calls roll it back by themselves"
printf '%s$ %s%s\n' "$C" "printf 'canary.min_calls = 20\\ncanary.max_error_rate = 0.1\\n' > $MNT/units/svc/policy" "$O"
if ! printf 'canary.min_calls = 20\ncanary.max_error_rate = 0.1\n' \
    >"$MNT/units/svc/policy"; then
	BAD=$((BAD + 1))
fi
run noodle update $EX/flaky.nc --unit svc --wait
FLAKY=$(newest svc)
run noodle canary svc "$FLAKY" 50
run noodle status svc
say "flaky.nc fails on orders over 20 items, which its self-test never tries."
say "Calling svc 'price(Q, 1.0)' with random quantities until the canary is judged..."
ok=0 failed=0
for i in $(seq 400); do
	if noodle call svc "price($((RANDOM % 100)), 1.0)" >/dev/null 2>&1; then
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
	fi
	if [ $((i % 10)) = 0 ] && [ "$(cat "$MNT/units/svc/state")" != CANARY ]; then
		break
	fi
done
say "$ok calls succeeded, $failed failed (all failures are the canary's)."
run noodle status svc
# pipe CMDLINE: show and run a shell pipeline (not counted).
show_pipe() { printf '%s$ %s%s\n' "$C" "$1" "$O"; bash -c "$1"; }
show_pipe "noodle events --unit svc --json | grep -E '\"(canary_started|rolled_back)\"'"
if ! noodle events --unit svc --json | grep -q '"type":"rolled_back"'; then
	say "${R}no rolled_back event${O}"
	BAD=$((BAD + 1))
fi
if [ "$(cat "$MNT/units/svc/active")" = "$FLAKY" ]; then
	say "${R}the faulty canary was promoted${O}"
	BAD=$((BAD + 1))
fi

step "Rollback: the previous version is still loaded, the swap is immediate"
run noodle rollback svc
run noodle call svc 'greet("ada")'
run noodle activate svc 1.1.0

step "A declared major release may break the contract"
run noodle update $EX/svc/v4.nc --unit svc --activate
run noodle call svc 'price([(2, 10.0), (1, 5.0)], "vip")'
refused noodle call svc 'greet("ada")'

step "What happened, as events, metrics and a handle"
run noodle events --unit svc
show_pipe "noodle metrics svc | grep -E '^noodle_call(s|_errors)_total'"
run cat "$MNT/handles/1.json"
echo

step "Unmount"
show fusermount3 -u "$MNT"
cleanup
if mounted; then
	echo "demo: $MNT is still mounted" >&2
	BAD=$((BAD + 1))
fi
if [ $BAD -eq 0 ]; then
	printf '\n%sDemo complete: every step did what it should.%s\n' "$G" "$O"
	exit 0
fi
printf '\n%sDemo complete, with %d unexpected results.%s\n' "$R" $BAD "$O"
exit 1
