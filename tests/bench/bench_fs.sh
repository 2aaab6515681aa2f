#!/bin/bash
# bench_fs.sh - noodlefs through the mount, beside libfuse's `hello`
# example mounted in the same run (the cheapest FUSE file there is) and a
# /proc file.  Not pass/fail: prints figures and the bars of SPEC.md
# section 9 they are held against.
#
#   NOODLEFS=build/fs/noodlefs tests/bench/bench_fs.sh [SECONDS] [ROUNDS]
#
# The state folder is made under $STATE_PARENT (default /tmp); on tmpfs
# (/dev/shm) the engine's fsyncs cost nothing and the figures show the
# filesystem layer alone.
#
# 1. submit then read `wait` for a small unit: median of ROUNDS (default
#    200) rounds (bar: under 5 ms), beside hello's open/read/close time;
# 2. open/read/close per second, SECONDS (default 3) per run, median of 3
#    interleaved runs: units/ID/status (a unit with one active version)
#    vs hello's /hello vs /proc/loadavg; then, once, the status of the
#    unit the submit rounds filled with versions
#    (bar: status at least 80% of hello's rate);
# 3. FUSE requests per open/read/close of that unchanged status, counted
#    from the log of a `noodlefs -d` mounted again on the same state for
#    one more 1 s run (hello costs one OPEN and one RELEASE).
set -eu

: "${NOODLEFS:?set NOODLEFS to the noodlefs binary}"
SECS=${1:-3}
ROUNDS=${2:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
HELLO_SRC=/usr/share/doc/libfuse3-dev/examples/hello.c
T=$(mktemp -d /tmp/noodlefs-bench.XXXXXX)
STATE=$(mktemp -d "${STATE_PARENT:-/tmp}/noodlefs-bench-state.XXXXXX")
HELLO_PID=
FS_PID=

cleanup() {
	set +e
	for m in "$T/hello" "$T/mnt"; do
		mountpoint -q "$m" && { timeout 10 fusermount3 -u "$m" ||
		    timeout 10 fusermount3 -uz "$m"; }
	done
	[ -n "$HELLO_PID" ] && kill "$HELLO_PID" 2>/dev/null
	[ -n "$FS_PID" ] && kill "$FS_PID" 2>/dev/null
	rm -rf "$T" "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_mount() {
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "mount of $1 did not come up" >&2
	exit 1
}

median3() {
	printf '%s\n' "$@" | sort -n | sed -n 2p
}

gcc -O2 -o "$T/reader" "$HERE/bench_fs_reader.c"
[ -r "$HELLO_SRC" ] || { echo "no $HELLO_SRC (libfuse3-dev)" >&2; exit 1; }
gcc -O2 -o "$T/hello_fs" "$HELLO_SRC" $(pkg-config fuse3 --cflags --libs)

mkdir -p "$T/hello" "$T/mnt"
"$T/hello_fs" -f "$T/hello" &
HELLO_PID=$!
"$NOODLEFS" -f -o "state=$STATE" "$T/mnt" &
FS_PID=$!
wait_mount "$T/hello/hello"
wait_mount "$T/mnt/version"

mkdir "$T/mnt/units/bench"
cat >"$T/small.nc" <<'EOF'
def hello():
    return "world"

def add(a, b):
    return a + b
EOF
cp "$T/small.nc" "$T/mnt/units/bench/submit"
timeout 20 cat "$T/mnt/units/bench/wait" >/dev/null
echo activate >"$T/mnt/units/bench/ctl"

# The submit rounds go to a unit of their own: each adds a version, and
# `status` lists every version, so `bench` keeps the one a typical unit has.
mkdir "$T/mnt/units/bench_submit"

echo "noodlefs bench: $(nproc) CPUs, $(uname -r), $SECS s per run," \
    "state in ${STATE_PARENT:-/tmp}, load $(cut -d' ' -f1 /proc/loadavg)"
"$T/reader" submit "$T/mnt/units/bench_submit" "$T/small.nc" 20 >/dev/null
sub=$("$T/reader" submit "$T/mnt/units/bench_submit" "$T/small.nc" "$ROUNDS")
hello_ms=$("$T/reader" read "$T/hello/hello" 1 | awk '{ printf "%.3f", 1000 / $2 }')
echo "submit + wait, small unit, $ROUNDS rounds: $sub (bar: median < 5 ms);" \
    "hello open/read/close: $hello_ms ms"

h=() s=() p=()
for i in 1 2 3; do
	h+=("$("$T/reader" read "$T/hello/hello" "$SECS" | cut -d' ' -f2)")
	s+=("$("$T/reader" read "$T/mnt/units/bench/status" "$SECS" | cut -d' ' -f2)")
	p+=("$("$T/reader" read /proc/loadavg "$SECS" | cut -d' ' -f2)")
done
H=$(median3 "${h[@]}")
S=$(median3 "${s[@]}")
P=$(median3 "${p[@]}")
echo "open/read/close per second (median of 3):"
echo "  hello /hello        $H   (runs: ${h[*]})"
echo "  noodlefs status     $S   (runs: ${s[*]})"
echo "  /proc/loadavg       $P   (runs: ${p[*]})"
B=$("$T/reader" read "$T/mnt/units/bench_submit/status" "$SECS" | cut -d' ' -f2)
echo "  status of a unit with $(ls "$T/mnt/units/bench_submit/versions" | wc -l) versions: $B (one run)"
awk -v s="$S" -v h="$H" 'BEGIN { printf "  status / hello = %.0f%% (bar: >= 80%%)\n", 100 * s / h }'

for i in $(seq 50); do            # EBUSY while the notifier touches
	timeout 10 fusermount3 -u "$T/mnt" 2>/dev/null && break
	sleep 0.1
done
wait "$FS_PID" || true
"$NOODLEFS" -d -o "state=$STATE" "$T/mnt" 2>"$T/debug.log" &
FS_PID=$!
wait_mount "$T/mnt/version"
cat "$T/mnt/units/bench/status" >/dev/null
sleep 0.2
n0=$(wc -l <"$T/debug.log")
loops=$("$T/reader" read "$T/mnt/units/bench/status" 1 | awk '{ print int($2) }')
sleep 0.5
echo "FUSE requests per open/read/close of status (noodlefs -d, $loops loops):" \
    "$(tail -n +$((n0 + 1)) "$T/debug.log" | grep -o 'opcode: [A-Z_]*' |
    sort | uniq -c | awk -v n="$loops" '{ printf "%s %.3f  ", $3, $1 / n }')"
