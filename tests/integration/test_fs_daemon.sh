#!/bin/bash
# test_fs_daemon.sh - the noodlefs program (SPEC.md sections 6 and 8):
# --help and --version, daemon mode, one daemon per state folder, SIGTERM
# unmounts cleanly, a mount point left by a killed daemon is refused with
# a clear message, and after kill -9 during a stream of submissions a new
# mount loses nothing acknowledged and makes the active version active.
. "$(dirname "$0")/lib.sh"

note "--help, --version, usage"
"$NOODLEFS" --help | grep -q 'state=DIR' || fail "--help lacks state=DIR"
"$NOODLEFS" --help | grep -q 'max_pending' || fail "--help lacks max_pending"
"$NOODLEFS" --version | head -1 | grep -Eq '^noodlefs [0-9]+\.[0-9]+\.[0-9]+$' ||
    fail "--version: $("$NOODLEFS" --version | head -1)"
set +e
"$NOODLEFS" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "no mount point: status $rc"

note "daemon mode: returns 0 once mounted; SIGTERM unmounts"
"$NOODLEFS" -o "state=$STATE" "$MNT" || fail "daemon mode failed"
mountpoint -q "$MNT" || fail "not mounted after the daemon returned"
DAEMON_PID=$(pgrep -o -f -- "-o state=$STATE") || fail "no daemon"
mkdir "$MNT/units/svc"
SRC=$T/svc.nc
write_unit_source "$SRC"
cp "$SRC" "$MNT/units/svc/submit"
wait_idle svc >/dev/null
echo activate >"$MNT/units/svc/ctl"

note "a second daemon on the same state folder is refused"
mkdir "$T/mnt2"
set +e
timeout 20 "$NOODLEFS" -f -o "state=$STATE" "$T/mnt2" 2>"$T/second.err"
rc=$?
set -e
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "second daemon: status $rc"
[ -s "$T/second.err" ] || fail "second daemon said nothing"
note "second daemon said: $(head -1 "$T/second.err")"
mountpoint -q "$T/mnt2" && fail "second daemon mounted"

kill -TERM "$DAEMON_PID"
for i in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "SIGTERM did not stop the daemon"
DAEMON_PID=
mountpoint -q "$MNT" && fail "SIGTERM left the mount"

note "a new mount: state persisted"
mount_fs
[ "$(cat "$MNT/units/svc/active")" = 1.0.0 ] || fail "active lost across a clean restart"

# dead PID: true once PID has no live thread left (a zombie whose threads
# are all gone waits only for its parent); false after 10 s.
dead() {
	local i
	for i in $(seq 100); do
		[ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -le 1 ] &&
		    ! grep -q '^State:[[:space:]]*[RSD]' "/proc/$1/status" 2>/dev/null &&
		    return 0
		sleep 0.1
	done
	return 1
}

note "kill -9 during a stream of submissions, three times"
: >"$T/acks"
for round in 1 2 3; do
	timeout 60 "$PY" - "$MNT" "$SRC" "$T/acks" <<'EOF' &
import os, sys
m, src, acks = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
with open(acks, "a", buffering=1) as out:
    while True:
        try:
            fd = os.open(m + "/units/svc/submit", os.O_RDWR)
            os.write(fd, src)
            hid = os.read(fd, 64).decode().strip()
            os.close(fd)
        except OSError:
            break
        out.write(hid + "\n")
EOF
	WRITER=$!
	sleep "0.$((3 + RANDOM % 7))"
	kill -9 "$DAEMON_PID"
	dead "$DAEMON_PID" || fail "the daemon did not die after kill -9"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	for i in $(seq 100); do kill -0 "$WRITER" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$WRITER" 2>/dev/null && fail "a writer hangs on the dead mount"
	wait "$WRITER" || true
	if [ "$round" = 1 ]; then
		note "the dead mount point is refused with a clear message"
		set +e
		timeout 20 "$NOODLEFS" -f -o "state=$STATE" "$MNT" 2>"$T/dead.err"
		rc=$?
		set -e
		[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "mount on a dead mount point: status $rc"
		grep -q 'not connected' "$T/dead.err" || fail "message: $(cat "$T/dead.err")"
	fi
	timeout 10 fusermount3 -uz "$MNT"
	[ "$round" = 3 ] || mount_fs
done
n=$(grep -c . "$T/acks" || true)
[ "$n" -gt 0 ] || fail "no submission acknowledged before the kills"
note "$n submissions acknowledged around three kill -9"

note "a new mount on the same state: nothing acknowledged is lost"
mount_fs
wait_idle svc >/dev/null
while read -r hid; do
	st=$(jq -r .state "$MNT/handles/$hid.json") || fail "acknowledged handle $hid lost"
	case $st in QUEUED|VALIDATING) fail "handle $hid still $st" ;; esac
done <"$T/acks"
[ "$(cat "$MNT/units/svc/active")" = 1.0.0 ] || fail "active after recovery: $(cat "$MNT/units/svc/active")"
[ "$(cat "$MNT/units/svc/state")" = ACTIVE ] || fail "state after recovery"
out=$(timeout 10 bash -c 'exec 3<>"$1"; echo "hello()" >&3; cat <&3' _ "$MNT/units/svc/call")
echo "$out" | jq -e '.result == "world"' >/dev/null || fail "call after recovery: $out"

unmount_fs
echo "ok"
