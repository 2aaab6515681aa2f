#!/bin/bash
# test_fs_cache.sh - snapshot files served from the kernel's page cache
# (fs/nfs_nodes.c, "the kernel's page cache of snapshot files") stay
# fresh: an open after a change shows the new text at once, whatever the
# sizes (equal, shorter, longer), also once the cache holds the new text;
# a descriptor opened before a change reads its own text to the end; stat
# gives the size a read returns; concurrent readers during a stream of
# changes never see a torn or mixed text.
. "$(dirname "$0")/lib.sh"

mount_fs
U=$MNT/units
mkdir "$U/c"

# Three versions whose `active` texts are "1.0.0\n", "1.0.1\n" (the same
# size) and "1.0.10\n" (one byte longer).
for v in 1.0.0 1.0.1 1.0.10; do
	write_unit_source "$T/c.nc"
	printf '__version__ = "%s"\n' "$v" >>"$T/c.nc"
	cp "$T/c.nc" "$U/c/submit"
	wait_idle c | jq -e ".version == \"$v\" and .state == \"VALIDATED\"" \
	    >/dev/null || fail "submission of $v: $(wait_idle c)"
done
echo "activate 1.0.0" >"$U/c/ctl"

# settle: let the notifier's touches (10 ms after a change) land, so the
# next opens read through the page cache.
settle() {
	sleep 0.3
}

note "unchanged: two reads are identical, stat gives their size"
settle
for f in status state active metrics; do
	a=$(cat "$U/c/$f"; echo x)
	b=$(cat "$U/c/$f"; echo x)
	[ "$a" = "$b" ] || fail "$f read twice differs"
	[ "$(stat -c %s "$U/c/$f")" = "$(cat "$U/c/$f" | wc -c)" ] ||
	    fail "$f: stat size $(stat -c %s "$U/c/$f"), read $(cat "$U/c/$f" | wc -c)"
done
for f in "$MNT/version" "$U/c/versions/1.0.1/source" \
    "$U/c/versions/1.0.1/contract.json" "$MNT/handles/1.json"; do
	[ "$(stat -c %s "$f")" = "$(cat "$f" | wc -c)" ] || fail "$f: stat size"
	[ "$(cat "$f"; echo x)" = "$(cat "$f"; echo x)" ] || fail "$f read twice differs"
done

# switch FROM TO: with FROM active and cached, activate TO; an open right
# after the ctl write (before the notifier's touch) and one after the
# touch (the cache then holds TO's text) both show TO.
switch() {
	local from=$1 to=$2 out
	[ "$(cat "$U/c/active")" = "$from" ] || fail "active is not $from"
	settle
	[ "$(cat "$U/c/active")" = "$from" ] || fail "cached active is not $from"
	jq -e ".active == \"$from\"" "$U/c/status" >/dev/null || fail "status before"
	out=$(timeout 10 "$PY" -c '
import os, sys
d = sys.argv[1]
fd = os.open(d + "/ctl", os.O_WRONLY)
os.write(fd, ("activate " + sys.argv[2] + "\n").encode())
os.close(fd)
for f in ("active", "status"):
    fd = os.open(d + "/" + f, os.O_RDONLY)
    sys.stdout.write(os.read(fd, 1 << 20).decode() + "\n")
    os.close(fd)
' "$U/c" "$to") || fail "activate $to: $(jq -c '{state, active, last_error}' "$U/c/status")"
	[ "$(echo "$out" | head -1)" = "$to" ] ||
	    fail "$from -> $to: the open right after the change read $(echo "$out" | head -1)"
	echo "$out" | sed 1d | jq -e ".active == \"$to\"" >/dev/null ||
	    fail "$from -> $to: status right after the change: $out"
	settle
	[ "$(cat "$U/c/active")" = "$to" ] || fail "$from -> $to: after the touch"
	jq -e ".active == \"$to\"" "$U/c/status" >/dev/null ||
	    fail "$from -> $to: status after the touch"
	[ "$(stat -c %s "$U/c/active")" = "$((${#to} + 1))" ] ||
	    fail "$from -> $to: stat size of active $(stat -c %s "$U/c/active")"
	[ "$(cat "$U/c/active")" = "$to" ] || fail "$from -> $to: third read"
}

note "a change shows at once: same size, longer, shorter"
switch 1.0.0 1.0.1     # same size
switch 1.0.1 1.0.0     # same size
switch 1.0.0 1.0.10    # longer
switch 1.0.10 1.0.1    # shorter
switch 1.0.1 1.0.10    # longer
switch 1.0.10 1.0.0    # shorter

note "a descriptor opened before a change reads its own text to the end"
# status grows with every version: make it span pages
for i in $(seq 11 40); do
	write_unit_source "$T/c.nc"
	printf '__version__ = "1.0.%s"\n' "$i" >>"$T/c.nc"
	cp "$T/c.nc" "$U/c/submit"
	wait_idle c >/dev/null
done
[ "$(cat "$U/c/active")" = 1.0.0 ] || fail "active after the submissions"
settle
cat "$U/c/status" >/dev/null
size=$(stat -c %s "$U/c/status")
[ "$size" -gt 4096 ] || fail "status is only $size bytes"
for to in 1.0.1 1.0.10 1.0.0 1.0.40; do
	settle
	timeout 20 "$PY" -c '
import json, os, sys, time
d, to = sys.argv[1], sys.argv[2]
def whole(f):
    fd = os.open(d + "/" + f, os.O_RDONLY)
    b = b""
    while True:
        c = os.read(fd, 65536)
        if not c:
            break
        b += c
    os.close(fd)
    return b
before = whole("status")
old = json.loads(before)["active"]
fds = {f: os.open(d + "/" + f, os.O_RDONLY) for f in ("status", "active")}
parts = {f: os.read(fds[f], 3) for f in fds}
fd = os.open(d + "/ctl", os.O_WRONLY)
os.write(fd, ("activate " + to + "\n").encode())
os.close(fd)
now = json.loads(whole("status"))
assert now["active"] == to, ("new open", now["active"], to)
assert whole("active") == (to + "\n").encode(), "new open of active"
time.sleep(0.05)    # the notifier touches the files meanwhile
for f in fds:
    # drop the pages read so far: the rest is read again from the daemon
    os.posix_fadvise(fds[f], 0, 0, os.POSIX_FADV_DONTNEED)
    while True:
        c = os.read(fds[f], 1000)
        if not c:
            break
        parts[f] += c
    os.close(fds[f])
assert parts["status"] == before, "the old descriptor of status changed"
assert json.loads(parts["status"])["active"] == old
assert parts["active"] == (old + "\n").encode(), ("old active", parts["active"])
' "$U/c" "$to" || fail "old descriptor across activate $to"
done

note "8 readers x 2 s during a stream of changes: whole texts only"
cat >"$T/reader.py" <<'EOF'
import json, os, sys, time
d, seconds = sys.argv[1], float(sys.argv[2])
vers = {"1.0.0", "1.0.1", "1.0.10", "1.0.40"}
states = {"ACTIVE\n"}
def whole(f):
    fd = os.open(d + "/" + f, os.O_RDONLY)
    b = b""
    while True:
        c = os.read(fd, 4096)
        if not c:
            break
        b += c
    os.close(fd)
    return b
n = bad = 0
end = time.time() + seconds
while time.time() < end:
    n += 1
    s = whole("status")
    try:
        st = json.loads(s)
        act = [v["version"] for v in st["versions"] if v["state"] == "ACTIVE"]
        if st["active"] not in vers or act != [st["active"]]:
            raise ValueError("inconsistent")
    except ValueError as e:
        bad += 1
        sys.stderr.write("status %s: %r\n" % (e, s[:80] + b"..." + s[-80:]))
    a = whole("active")
    if a.decode().strip() not in vers or not a.endswith(b"\n") or a.count(b"\n") != 1:
        bad += 1
        sys.stderr.write("active: %r\n" % a)
    if whole("state").decode() not in states:
        bad += 1
        sys.stderr.write("state\n")
    os.stat(d + "/status")
print(n, bad)
EOF
pids=()
for i in $(seq 8); do
	timeout 60 "$PY" "$T/reader.py" "$U/c" 2 >"$T/r$i.out" 2>"$T/r$i.err" &
	pids+=($!)
done
timeout 60 "$PY" -c '
import errno, os, sys, time
d = sys.argv[1]
end = time.time() + 2.2
i = done = 0
while time.time() < end:
    fd = os.open(d + "/ctl", os.O_WRONLY)
    try:
        os.write(fd, ("activate " + ["1.0.1", "1.0.10", "1.0.0", "1.0.40"][i % 4] + "\n").encode())
        done += 1
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
        sys.stderr.write("activate: EBUSY\n")
    os.close(fd)
    i += 1
    time.sleep([0, 0.002, 0.015][i % 3])
print(done)
' "$U/c" >"$T/changes" 2>"$T/changes.err" || fail "change stream: $(cat "$T/changes.err")"
for p in "${pids[@]}"; do
	wait "$p" || fail "a reader failed: $(cat "$T"/r*.err | head -5)"
done
total=0
for i in $(seq 8); do
	read -r n bad <"$T/r$i.out" || fail "reader $i printed nothing"
	[ "$bad" = 0 ] || fail "reader $i: $bad torn or mixed texts: $(head -3 "$T/r$i.err")"
	total=$((total + n))
done
note "$total reads by 8 readers during $(cat "$T/changes") changes"
[ "$total" -gt 0 ] && [ "$(cat "$T/changes")" -gt 10 ] || fail "too little traffic"
settle
[ "$(stat -c %s "$U/c/status")" = "$(cat "$U/c/status" | wc -c)" ] ||
    fail "status: stat size after the stream"

note "a new mount: the first reads of unchanged files, then changes"
unmount_fs
mount_fs
cur=$(cat "$U/c/active")
[ "$(cat "$U/c/active")" = "$cur" ] || fail "active read twice differs"
[ "$(stat -c %s "$U/c/status")" = "$(cat "$U/c/status" | wc -c)" ] ||
    fail "status: stat size after the new mount"
# only the active version is loaded again: two new ones to switch to
for v in 1.0.50 1.0.500; do
	write_unit_source "$T/c.nc"
	printf '__version__ = "%s"\n' "$v" >>"$T/c.nc"
	cp "$T/c.nc" "$U/c/submit"
	wait_idle c >/dev/null
done
switch "$cur" 1.0.50
switch 1.0.50 1.0.500
switch 1.0.500 1.0.50

unmount_fs
echo "PASS"
