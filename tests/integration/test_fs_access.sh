#!/bin/bash
# test_fs_access.sh - SPEC.md section 5 "Access" on an allow_other mount:
# an unprivileged user (nobody) reads everything, cannot write another
# user's submit/ctl/policy nor rmdir it (EACCES, nothing changes), and owns
# the units it creates.  Needs root (setpriv); skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: no setpriv"; exit 77; }

mount_fs -o allow_other
U=$MNT/units
mkdir "$U/rootunit"
SRC=$T/svc.nc
write_unit_source "$SRC"
chmod 644 "$SRC"
cp "$SRC" "$U/rootunit/submit"
wait_idle rootunit >/dev/null
echo activate >"$U/rootunit/ctl"

# as_nobody WANT CODE [ARGS...]: expect_errno as user nobody.
as_nobody() {
	local want=$1 code=$2 got
	shift 2
	got=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$PY" -c '
import errno, os, sys
M = sys.argv[1]
A = sys.argv[3:]
try:
    exec(sys.argv[2])
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
' "$MNT" "$code" "$@")
	[ "$got" = "$want" ] || fail "as nobody: $code: expected $want, got $got"
}

note "nobody reads"
for f in version events units/rootunit/status units/rootunit/state \
    units/rootunit/active units/rootunit/policy units/rootunit/metrics \
    units/rootunit/log units/rootunit/versions/1.0.0/source; do
	as_nobody OK 'open(M + "/" + A[0], "rb").read()' "$f"
done
as_nobody OK 'os.listdir(M + "/units/rootunit")'
as_nobody OK 'fd = os.open(M + "/units/rootunit/call", os.O_RDWR); os.write(fd, b"hello()"); assert b"world" in os.read(fd, 999)'

note "nobody cannot write root's unit"
before_status=$(jq -c 'del(.updated)' "$U/rootunit/status")
before_policy=$(cat "$U/rootunit/policy")
before_handles=$(nhandles)
as_nobody EACCES 'f = os.open(M + "/units/rootunit/submit", os.O_WRONLY); os.write(f, open(A[0], "rb").read()); os.close(f)' "$SRC"
as_nobody EACCES 'f = os.open(M + "/units/rootunit/ctl", os.O_WRONLY); os.write(f, b"rollback\n")'
as_nobody EACCES 'f = os.open(M + "/units/rootunit/policy", os.O_WRONLY); os.write(f, b"gas = 5\n"); os.close(f)'
as_nobody EACCES 'os.rmdir(M + "/units/rootunit")'
as_nobody EACCES 'open(M + "/units/rootunit/.stage", "w")'
as_nobody EACCES 'os.unlink(M + "/units/rootunit/submit")'
after_status=$(jq -c 'del(.updated)' "$U/rootunit/status")
[ "$after_status" = "$before_status" ] ||
    fail "nobody changed root's unit: $before_status -> $after_status"
[ "$(cat "$U/rootunit/policy")" = "$before_policy" ] || fail "nobody changed the policy"
[ "$(nhandles)" = "$before_handles" ] || fail "nobody submitted"
[ "$(cat "$U/rootunit/active")" = 1.0.0 ] || fail "active changed"

note "nobody creates and drives a unit of its own"
as_nobody OK 'os.mkdir(M + "/units/mine")'
[ "$(stat -c %U "$U/mine")" = nobody ] || fail "owner of mine: $(stat -c %U "$U/mine")"
[ "$(stat -c %U "$U/mine/submit")" = nobody ] || fail "owner of mine/submit"
jq -e '.owner == "nobody" or .owner == 65534' "$U/mine/status" >/dev/null ||
    fail "status owner: $(jq .owner "$U/mine/status")"
as_nobody OK 'f = os.open(M + "/units/mine/submit", os.O_WRONLY); os.write(f, open(A[0], "rb").read()); os.close(f)' "$SRC"
H=$(wait_idle mine | jq -r .id)
jq -e '.submitted_by == "nobody" and .uid == 65534' "$MNT/handles/$H.json" \
    >/dev/null || fail "handle of nobody: $(cat "$MNT/handles/$H.json")"
as_nobody OK 'f = os.open(M + "/units/mine/ctl", os.O_WRONLY); os.write(f, b"activate\n")'
[ "$(cat "$U/mine/state")" = ACTIVE ] || fail "nobody could not activate its unit"

note "root may write anyone's unit"
cp "$SRC" "$U/mine/submit" || fail "root submit to nobody's unit"
wait_idle mine >/dev/null

note "freshness: a unit re-created by another owner shows it at once"
mkdir "$U/reborn"
for f in "" /status /submit /versions; do
	[ "$(stat -c %u "$U/reborn$f")" = 0 ] || fail "reborn$f: owner before"
done
rmdir "$U/reborn"
as_nobody OK 'os.mkdir(M + "/units/reborn")'
for f in "" /status /submit /versions; do
	[ "$(stat -c %u "$U/reborn$f")" = 65534 ] ||
	    fail "reborn$f: stale owner $(stat -c %u "$U/reborn$f") after re-create"
done
jq -e '.owner == "nobody" or .owner == 65534' "$U/reborn/status" >/dev/null ||
    fail "reborn status owner: $(jq .owner "$U/reborn/status")"
as_nobody OK 'os.rmdir(M + "/units/reborn")'
expect_errno ENOENT 'os.stat(M + "/units/reborn/status")'

unmount_fs
echo "ok"
