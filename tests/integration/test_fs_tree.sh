#!/bin/bash
# test_fs_tree.sh - every path of SPEC.md section 5 with its mode, owner
# and errno: the tree, mkdir/rmdir, read-only and write-only files, ctl,
# policy, call, versions, handles, events, and the freshness of snapshots.
. "$(dirname "$0")/lib.sh"

mount_fs
U=$MNT/units

note "top level"
[ "$(ls "$MNT" | tr '\n' ' ')" = "events handles units version " ] ||
    fail "top level: $(ls "$MNT")"
[ "$(cat "$MNT/version")" = "$("$NOODLEFS" --version | head -1 | cut -d' ' -f2)" ] ||
    fail "version file"
[ "$(stat -c %a "$MNT/version")" = 444 ] || fail "version mode"
[ "$(stat -c %s "$MNT/version")" = "$(cat "$MNT/version" | wc -c)" ] ||
    fail "version size is not its real size"
[ -d "$U" ] && [ -d "$MNT/handles" ] || fail "folders"

note "mkdir: invalid ids are EINVAL and create nothing"
for bad in '-x' '.x' 'a b' 'a%b' "$(printf 'a%.0s' $(seq 65))"; do
	expect_errno EINVAL 'os.mkdir(M + "/units/" + A[0])' "$bad"
done
[ -z "$(ls "$U")" ] || fail "an invalid mkdir created something"
expect_errno OK 'os.mkdir(M + "/units/svc")'
expect_errno EEXIST 'os.mkdir(M + "/units/svc")'
expect_errno OK 'os.mkdir(M + "/units/" + "a" * 64)'
expect_errno OK 'os.rmdir(M + "/units/" + "a" * 64)'
expect_errno EPERM 'os.mkdir(M + "/units/svc/sub")'
expect_errno EPERM 'os.mkdir(M + "/handles/x")'
expect_errno ENOENT 'os.stat(M + "/units/nosuch")'
expect_errno ENOENT 'os.stat(M + "/units/svc/nosuch")'
expect_errno ENOENT 'os.stat(M + "/handles/999999.json")'

note "unit folder: names, modes and owner"
want="active call ctl log metrics policy state status submit versions wait "
[ "$(ls "$U/svc" | tr '\n' ' ')" = "$want" ] || fail "unit folder: $(ls "$U/svc")"
for f in submit:644 state:444 status:444 active:444 wait:444 ctl:200 \
    policy:644 call:666 metrics:444 log:444 versions:555; do
	[ "$(stat -c %a "$U/svc/${f%%:*}")" = "${f##*:}" ] ||
	    fail "mode of ${f%%:*}: $(stat -c %a "$U/svc/${f%%:*}")"
	[ "$(stat -c %u "$U/svc/${f%%:*}")" = 0 ] || fail "owner of ${f%%:*}"
done
[ "$(cat "$U/svc/state")" = EMPTY ] || fail "state of a new unit: $(cat "$U/svc/state")"
[ -z "$(cat "$U/svc/active")" ] || fail "active of a new unit"
jq -e '.unit == "svc" and .state == "EMPTY" and .active == null' \
    "$U/svc/status" >/dev/null || fail "status: $(cat "$U/svc/status")"

note "read-only and write-only files refuse the other direction"
for f in state status active wait metrics log; do
	expect_errno EACCES 'os.open(M + "/units/svc/" + A[0], os.O_WRONLY)' "$f"
done
expect_errno EACCES 'os.open(M + "/units/svc/ctl", os.O_RDONLY)'
expect_errno EACCES 'os.open(M + "/version", os.O_WRONLY)'
expect_errno EPERM 'os.unlink(M + "/units/svc/state")'
expect_errno EPERM 'os.rename(M + "/units/svc/state", M + "/units/svc/x")'
expect_errno EISDIR 'os.unlink(M + "/units/svc/versions")'
expect_errno ENOTDIR 'os.rmdir(M + "/units/svc/state")'
expect_errno EPERM 'os.rmdir(M + "/units/svc/versions")'

note "submit, then the tree shows the version and the handle"
SRC=$T/svc.nc
write_unit_source "$SRC"
cp "$SRC" "$U/svc/submit"
H=$(ls "$MNT/handles" | sed 's/\.json$//' | sort -n | tail -1)
wait_idle svc | jq -e ".id == $H and .state == \"VALIDATED\"" >/dev/null ||
    fail "wait: $(cat "$MNT/handles/$H.json")"
jq -e '.unit == "svc" and .version == "1.0.0" and .submitted_by == "root"
    and .uid == 0 and .validation.passed == true' "$MNT/handles/$H.json" \
    >/dev/null || fail "handle: $(cat "$MNT/handles/$H.json")"
[ "$(ls "$U/svc/versions")" = 1.0.0 ] || fail "versions: $(ls "$U/svc/versions")"
V=$U/svc/versions/1.0.0
[ "$(ls "$V" | tr '\n' ' ')" = "bytecode contract.json source state " ] ||
    fail "version folder: $(ls "$V")"
cmp "$SRC" "$V/source" || fail "source is not byte for byte"
[ "$(stat -c %s "$V/source")" = "$(stat -c %s "$SRC")" ] || fail "source size"
jq -e . "$V/contract.json" >/dev/null || fail "contract.json is not JSON"
[ -s "$V/bytecode" ] || fail "bytecode listing empty"
expect_errno ENOENT 'os.stat(M + "/units/svc/versions/9.9.9/source")'
[ "$(cat "$U/svc/state")" = EMPTY ] || fail "manual activation activated"

note "ctl: errno per command"
expect_errno EINVAL 'fd = os.open(M + "/units/svc/ctl", os.O_WRONLY); os.write(fd, b"bogus\n")'
expect_errno EINVAL 'fd = os.open(M + "/units/svc/ctl", os.O_WRONLY); os.write(fd, b"canary 1.0.0\n")'
expect_errno ENOENT 'fd = os.open(M + "/units/svc/ctl", os.O_WRONLY); os.write(fd, b"activate 9.9.9\n")'
expect_errno EBUSY 'fd = os.open(M + "/units/svc/ctl", os.O_WRONLY); os.write(fd, b"promote\n")'
jq -e '.last_error != null' "$U/svc/status" >/dev/null || fail "last_error not set"
exec 4<"$U/svc/state"
echo activate >"$U/svc/ctl" || fail "activate"
[ "$(cat "$U/svc/state")" = ACTIVE ] || fail "state after activate"
[ "$(cat <&4)" = EMPTY ] || fail "an open descriptor did not keep its snapshot"
exec 4<&-
[ "$(cat "$U/svc/active")" = 1.0.0 ] || fail "active after activate"
expect_errno EBUSY 'os.rmdir(M + "/units/svc")'

note "call: replies, errors, EINVAL"
[ "$(echo 'hello()' | timeout 10 "$PY" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, sys.stdin.buffer.read())
sys.stdout.write(os.read(fd, 4096).decode())' "$U/svc/call" | jq -r .result)" = world ] ||
    fail "call hello()"
out=$(timeout 10 bash -c 'exec 3<>"$1"; echo "add(2, 40)" >&3; cat <&3' _ "$U/svc/call")
echo "$out" | jq -e '.ok == true and .result == 42 and .version == "1.0.0"' \
    >/dev/null || fail "call through exec 3<>: $out"
out=$(timeout 10 bash -c 'exec 3<>"$1"; echo "add(1, 0)" >&3; cat <&3; echo "add(1, 1)" >&3; cat <&3' _ "$U/svc/call")
[ "$(echo "$out" | jq -s 'map(.result)' -c)" = "[1,2]" ] || fail "second request on one descriptor: $out"
out=$(timeout 10 bash -c 'exec 3<>"$1"; echo "add(1, \"x\")" >&3; cat <&3' _ "$U/svc/call")
echo "$out" | jq -e '.ok == false and .error.type == "TypeError"' >/dev/null ||
    fail "call error: $out"
expect_errno EINVAL 'fd = os.open(M + "/units/svc/call", os.O_RDWR); os.write(fd, b"add(1,\n")'

note "policy: read, replace whole, EINVAL on close changes nothing"
grep -q '^capabilities *= *log' "$U/svc/policy" || fail "default policy: $(cat "$U/svc/policy")"
printf 'capabilities = log time\nkeep_loaded = 3\n' >"$U/svc/policy" || fail "policy write"
grep -q '^capabilities *= *log time' "$U/svc/policy" || fail "policy not replaced"
before=$(cat "$U/svc/policy")
expect_errno EINVAL 'f = open(M + "/units/svc/policy", "w"); f.write("no such key = 1\n"); f.close()'
[ "$(cat "$U/svc/policy")" = "$before" ] || fail "a bad policy changed something"
expect_errno OK 'fd = os.open(M + "/units/svc/policy", os.O_WRONLY | os.O_TRUNC); os.close(fd)'
[ "$(cat "$U/svc/policy")" = "$before" ] || fail "an empty open/close changed the policy"

note "metrics and log"
grep -q '^# TYPE' "$U/svc/metrics" || fail "metrics: $(head -3 "$U/svc/metrics")"
cat "$U/svc/log" >/dev/null || fail "log"

note "events: JSON Lines, growing, types"
jq -e -s 'length > 0 and all(has("seq") and has("time") and has("type"))' \
    "$MNT/events" >/dev/null || fail "events are not JSON Lines"
for ty in unit_created submitted validated activated policy_changed; do
	jq -e -s "any(.type == \"$ty\")" "$MNT/events" >/dev/null || fail "no $ty event"
done
[ "$(stat -c %s "$MNT/events")" = "$(cat "$MNT/events" | wc -c)" ] ||
    fail "events size is not the log's size"

note "rmdir retires a unit; its handles stay"
mkdir "$U/other"
cp "$SRC" "$U/other/submit"
H2=$(wait_idle other | jq -r .id)
expect_errno OK 'os.rmdir(M + "/units/other")'
expect_errno ENOENT 'os.stat(M + "/units/other")'
[ -r "$MNT/handles/$H2.json" ] || fail "handle gone with its unit"
jq -e -s 'any(.type == "unit_retired")' "$MNT/events" >/dev/null || fail "no unit_retired"
expect_errno ENOENT 'os.rmdir(M + "/units/other")'

# touched FILE ACTION: run ACTION and wait (10 s at most) for the
# notifier's touch of FILE (IN_ATTRIB), which refreshes the attributes
# the kernel keeps of it.
touched() {
	timeout 20 "$PY" -c '
import subprocess, sys
w = subprocess.Popen(["inotifywait", "-t", "10", "-e", "attrib", sys.argv[1]],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
line = w.stderr.readline()
while line and "established" not in line:
    line = w.stderr.readline()
subprocess.run(["sh", "-c", sys.argv[2]], check=True)
sys.exit(0 if w.wait() == 0 else 1)
' "$1" "$2" || fail "no touch of $1 after: $2"
}

note "freshness: names at once, attributes with the notifier's touch"
# Names and attributes are cached by the kernel for a second
# (entry_timeout, attr_timeout), missing names are not: each check follows
# a stat that primed the caches, within the second.  Content is fresh at
# every open; the attributes of a changed file are refreshed by the
# notifier's touch (its SETATTR's reply), which watchers wait for anyway.
size0=$(stat -c %s "$MNT/events")
touched "$MNT/events" "mkdir '$U/fresh'"
size1=$(stat -c %s "$MNT/events")
[ "$size1" -gt "$size0" ] || fail "events size did not grow with the touch: $size0 -> $size1"
[ "$size1" = "$(cat "$MNT/events" | wc -c)" ] || fail "events size stale"
last=$(ls "$MNT/handles" | sed 's/\.json$//' | sort -n | tail -1)
next=$((last + 1))
expect_errno ENOENT 'os.stat(M + "/handles/" + A[0] + ".json")' "$next"
expect_errno ENOENT 'os.stat(M + "/units/fresh/versions/1.0.0")'
cp "$SRC" "$U/fresh/submit"
expect_errno OK 'os.stat(M + "/handles/" + A[0] + ".json")' "$next"
wait_idle fresh >/dev/null
expect_errno OK 'os.stat(M + "/units/fresh/versions/1.0.0/source")'
st0=$(jq -r .state "$U/fresh/status")
mt0=$(stat -c %Y.%y "$U/fresh/state")
[ "$st0" != ACTIVE ] || fail "state before activate"
# content at once (the opens right after the ctl write), then the touch
touched "$U/fresh/state" "echo activate >'$U/fresh/ctl' &&
    [ \"\$(cat '$U/fresh/state')\" = ACTIVE ] &&
    [ \"\$(jq -r .state '$U/fresh/status')\" = ACTIVE ]"
[ "$(stat -c %Y.%y "$U/fresh/state")" != "$mt0" ] || fail "state mtime stale"
[ "$(stat -c %s "$U/fresh/state")" = "$(cat "$U/fresh/state" | wc -c)" ] ||
    fail "state: stat size $(stat -c %s "$U/fresh/state"), read $(cat "$U/fresh/state" | wc -c)"
mkdir "$U/gone"
cp "$SRC" "$U/gone/submit"
wait_idle gone >/dev/null
for f in "" /status /state /versions/1.0.0/source; do
	stat "$U/gone$f" >/dev/null || fail "gone$f before rmdir"
done
rmdir "$U/gone"
for f in "" /status /state /versions/1.0.0/source; do
	expect_errno ENOENT 'os.stat(M + "/units/gone" + A[0])' "$f"
done
ls "$U" | grep -qx gone && fail "ls units/ still lists gone"
mkdir "$U/gone"
expect_errno ENOENT 'os.stat(M + "/units/gone/versions/1.0.0")'
[ -z "$(ls "$U/gone/versions")" ] || fail "re-created unit lists old versions"
[ "$(cat "$U/gone/state")" = EMPTY ] || fail "re-created unit shows old state"

unmount_fs
echo "ok"
