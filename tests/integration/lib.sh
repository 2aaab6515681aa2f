# tests/integration/lib.sh - helpers shared by the noodlefs integration
# tests (sourced by test_fs_*.sh; they run as root in CI).
#
# mount_fs [OPTS] mounts $NOODLEFS (from the environment: the binary under
# test) on a fresh folder with a fresh state folder under one mktemp -d,
# with the daemon's own cache settings (what users get), and waits for the
# mount (with a timeout).
# An EXIT/INT/TERM trap unmounts (fusermount3 -u, then -uz) and kills the
# daemon, also when a test fails half way.  Every blocking step of a test
# goes through `timeout`.  Nothing here touches /noodle.

set -eu

: "${NOODLEFS:?set NOODLEFS to the noodlefs binary under test}"
case $NOODLEFS in /*) ;; *) NOODLEFS=$PWD/$NOODLEFS ;; esac

# A python3 that any user can run (the access test drops to nobody).
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

T=$(mktemp -d /tmp/noodlefs-test.XXXXXX)
chmod 755 "$T"
MNT=$T/mnt
STATE=$T/state
mkdir -p "$MNT"
DAEMON_PID=

cleanup() {
	set +e
	if mountpoint -q "$MNT" 2>/dev/null || [ -n "$DAEMON_PID" ]; then
		timeout 10 fusermount3 -u "$MNT" 2>/dev/null ||
		    timeout 10 fusermount3 -uz "$MNT" 2>/dev/null
	fi
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		sleep 0.2
		kill -9 "$DAEMON_PID" 2>/dev/null
	fi
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "# $*"
}

# mount_fs [-o extra,opts]: start the daemon in the foreground (in the
# background of this shell) and wait up to 10 s for the mount.
mount_fs() {
	local opts=state=$STATE
	if [ $# -ge 2 ] && [ "$1" = -o ]; then opts=$opts,$2; fi
	"$NOODLEFS" -f -o "$opts" "$MNT" 2>"$T/daemon.err" &
	DAEMON_PID=$!
	wait_mounted
}

wait_mounted() {
	local i
	for i in $(seq 100); do
		if mountpoint -q "$MNT" && [ -r "$MNT/version" ]; then
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null ||
		    fail "daemon exited: $(cat "$T/daemon.err")"
		sleep 0.1
	done
	fail "mount did not come up in 10 s"
}

# unmount_fs: unmount and wait (10 s at most) for the daemon to exit 0.
# The daemon's notifier touches changed files through the mount for a few
# milliseconds after each change (EBUSY meanwhile), hence the retries.
unmount_fs() {
	local i
	for i in $(seq 50); do
		timeout 10 fusermount3 -u "$MNT" 2>"$T/umount.err" && break
		sleep 0.1
	done
	mountpoint -q "$MNT" && fail "fusermount3 -u: $(cat "$T/umount.err")"
	for i in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DAEMON_PID" 2>/dev/null && fail "daemon still running"
	wait "$DAEMON_PID" || fail "daemon exited with status $?"
	DAEMON_PID=
}

# py_errno CODE [ARGS...]: run Python statements (os, errno, sys, time
# imported; the mount is M, args in A) as the caller; prints OK or the
# errno name of the OSError raised.
py_errno() {
	local code=$1
	shift
	timeout 20 "$PY" -c '
import errno, os, sys, time
M = sys.argv[1]
A = sys.argv[3:]
try:
    exec(sys.argv[2])
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
' "$MNT" "$code" "$@"
}

# expect_errno WANT CODE [ARGS...]: py_errno must print WANT.
expect_errno() {
	local want=$1 got
	shift
	got=$(py_errno "$@")
	[ "$got" = "$want" ] || fail "$1: expected $want, got $got"
}

# submit_rdwr UNIT FILE: submit through an O_RDWR descriptor; prints HID.
submit_rdwr() {
	timeout 20 "$PY" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, open(sys.argv[2], "rb").read())
sys.stdout.write(os.read(fd, 64).decode())
os.close(fd)
' "$MNT/units/$1/submit" "$2"
}

# wait_idle UNIT: cat the unit's wait file (20 s at most); prints its JSON.
wait_idle() {
	timeout 20 cat "$MNT/units/$1/wait" || fail "wait on $1 timed out"
}

# handle_state HID: the state field of handles/HID.json.
handle_state() {
	jq -r .state "$MNT/handles/$1.json"
}

nhandles() {
	ls "$MNT/handles" | wc -l
}

# A small unit that compiles and passes every gate.
write_unit_source() {
	cat >"$1" <<'EOF'
def hello():
    return "world"

def add(a, b):
    return a + b

def test_add():
    assert add(2, 3) == 5
EOF
}
