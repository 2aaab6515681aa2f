#!/bin/bash
# test_fs_submit.sh - every way of writing `submit` (SPEC.md section 5):
# cp, tee, dd, shell redirection, >>, install, rsync, sed -i, O_RDWR
# replies, staging files, O_TRUNC, empty opens, EFBIG, EAGAIN, and two
# writers on one submit file at once.
. "$(dirname "$0")/lib.sh"

mount_fs -o max_source=4096
mkdir "$MNT/units/svc"
S=$MNT/units/svc/submit
SRC=$T/svc.nc
write_unit_source "$SRC"

# expect_submission WHAT: exactly one new handle since the last call,
# holding SRC byte for byte once validated.
LAST=0
expect_submission() {
	local n h
	wait_idle svc >/dev/null
	n=$(nhandles)
	[ "$n" = $((LAST + 1)) ] || fail "$1: $((n - LAST)) submissions instead of 1"
	LAST=$n
	h=$(ls "$MNT/handles" | sed 's/\.json$//' | sort -n | tail -1)
	jq -e ".source_bytes == $(stat -c %s "$SRC") and .state == \"VALIDATED\"" \
	    "$MNT/handles/$h.json" >/dev/null ||
	    fail "$1: handle $(cat "$MNT/handles/$h.json")"
	[ "$(jq -r .source_sha256 "$MNT/handles/$h.json")" = \
	    "$(sha256sum "$SRC" | cut -d' ' -f1)" ] || fail "$1: source differs"
}

note "cp, tee, dd, redirection, append, install, rsync, sed -i"
cp "$SRC" "$S" || fail cp
expect_submission cp
tee "$S" <"$SRC" >/dev/null || fail tee
expect_submission tee
dd if="$SRC" of="$S" bs=7 status=none || fail dd
expect_submission "dd bs=7"
cat "$SRC" >"$S" || fail redirection
expect_submission redirection
: >"$T/empty"
{ head -3 "$SRC"; } >"$T/part1"
{ tail -n +4 "$SRC"; } >"$T/part2"
cat "$T/part1" "$T/part2" >>"$S" || fail "append"
expect_submission ">> in two writes"
install -m 644 "$SRC" "$S" || fail install
expect_submission install
rsync "$SRC" "$S" || fail rsync
expect_submission rsync
cp -p "$SRC" "$S" || fail "cp -p"
expect_submission "cp -p"
touch "$S" "$MNT/units/svc/state" "$MNT/units/svc/status" || fail touch
chmod 644 "$S" || fail chmod
[ "$(nhandles)" = "$LAST" ] || fail "touch or chmod submitted"
[ -z "$(ls -a "$MNT/units/svc" | grep -v -x -e . -e .. -e active -e call -e ctl \
    -e log -e metrics -e policy -e state -e status -e submit -e versions -e wait)" ] ||
    fail "a staging file was left: $(ls -a "$MNT/units/svc")"
cmp "$SRC" "$S" || fail "submit does not read as the newest source"
sed -i 's/"world"/"sed"/' "$S" || fail "sed -i"
sed 's/"world"/"sed"/' "$SRC" >"$T/sed.nc"
cp "$T/sed.nc" "$SRC"
expect_submission "sed -i"
write_unit_source "$SRC"

note "O_RDWR: read gives HID of this submission, from the first byte"
h=$(submit_rdwr svc "$SRC")
[ "$h" = "$((LAST + 1))" ] || fail "O_RDWR reply: '$h'"
expect_submission "O_RDWR"
out=$(timeout 10 bash -c 'exec 3<>"$1"; cat "$2" >&3; cat <&3' _ "$S" "$SRC")
[ "$out" = "$((LAST + 1))" ] || fail "exec 3<> reply: '$out'"
expect_submission "exec 3<>"

note "an open and close with no bytes submits nothing"
expect_errno OK 'os.close(os.open(M + "/units/svc/submit", os.O_WRONLY | os.O_TRUNC))'
: >"$S"
expect_errno OK 'fd = os.open(M + "/units/svc/submit", os.O_WRONLY); fd2 = os.dup(fd); os.close(fd2); os.close(fd)'
[ "$(nhandles)" = "$LAST" ] || fail "an empty open submitted"

note "dup: the flush that follows the bytes submits them, once"
expect_errno OK 'fd = os.open(M + "/units/svc/submit", os.O_WRONLY); fd2 = os.dup(fd); os.write(fd, open(A[0], "rb").read()); os.close(fd2); os.close(fd)' "$SRC"
expect_submission "dup then close twice"

note "staging files: unlink discards, rename submits, counts are bounded"
printf 'junk' >"$MNT/units/svc/.swp"
[ "$(cat "$MNT/units/svc/.swp")" = junk ] || fail "staging file content"
rm "$MNT/units/svc/.swp" || fail "unlink staging"
expect_errno ENOENT 'os.stat(M + "/units/svc/.swp")'
[ "$(nhandles)" = "$LAST" ] || fail "a discarded staging file submitted"
cp "$SRC" "$MNT/units/svc/.submit.tmp"
mv "$MNT/units/svc/.submit.tmp" "$S" || fail "rename onto submit"
expect_submission "rename"
expect_errno EXDEV 'open(M + "/units/svc/t", "w").close(); os.mkdir(M + "/units/b"); os.rename(M + "/units/svc/t", M + "/units/b/submit")'
rm -f "$MNT/units/svc/t"
expect_errno ENOSPC '
for i in range(1000):
    open(M + "/units/svc/s%d" % i, "w").close()'
rm -f "$MNT"/units/svc/s[0-9]*

note "EFBIG past max_source: nothing submitted"
head -c 5000 /dev/zero | tr '\0' '#' >"$T/big.nc"
expect_errno EFBIG 'f = open(M + "/units/svc/submit", "wb", buffering=0); f.write(open(A[0], "rb").read())' "$T/big.nc"
cp "$T/big.nc" "$S" 2>/dev/null && fail "cp of a big file succeeded"
expect_errno EFBIG 'open(M + "/units/svc/.big", "wb").write(open(A[0], "rb").read())' "$T/big.nc"
rm -f "$MNT/units/svc/.big"
[ "$(nhandles)" = "$LAST" ] || fail "an oversized source was submitted"

note "two writers on one submit file at once: two submissions"
timeout 20 "$PY" - "$S" "$SRC" <<'EOF' || fail "two writers"
import os, sys
a = os.open(sys.argv[1], os.O_WRONLY)
b = os.open(sys.argv[1], os.O_WRONLY)
src = open(sys.argv[2], "rb").read()
half = len(src) // 2
os.write(a, src[:half]); os.write(b, src[:half])
os.write(a, src[half:]); os.write(b, src[half:])
os.close(a)
os.close(b)
EOF
wait_idle svc >/dev/null
[ "$(nhandles)" = $((LAST + 2)) ] || fail "two writers gave $(( $(nhandles) - LAST )) submissions"
LAST=$((LAST + 2))

note "EAGAIN at close when max_pending are pending (max_pending=1, workers=1)"
unmount_fs
mount_fs -o max_pending=1,workers=1
# The first submission must still be validating when the next ones close,
# whatever the load: its self-test spins for about two seconds
# (under a raised gas budget), far longer than two more submissions take.
# A unit of its own, so that no earlier version's contract fails it at
# once (a breaking change ends in a millisecond or two).
mkdir "$MNT/units/slow"
S=$MNT/units/slow/submit
printf 'gas = 100000000000\n' >"$MNT/units/slow/policy"
cat >"$T/slow.nc" <<'EOF'
def spin(n):
    i = 0
    while i < n:
        i += 1
    return i

def test_slow():
    assert spin(200000000) == 200000000
EOF
got=$(timeout 60 "$PY" - "$S" "$T/slow.nc" <<'EOF'
import errno, os, sys
src = open(sys.argv[2], "rb").read()
res = []
for i in range(3):
    fd = os.open(sys.argv[1], os.O_WRONLY)
    os.write(fd, src)
    try:
        os.close(fd)
        res.append("OK")
    except OSError as e:
        res.append(errno.errorcode[e.errno])
print(" ".join(res))
EOF
)
case $got in *EAGAIN*) ;; *) fail "no EAGAIN with max_pending=1: $got" ;; esac
st=$(wait_idle slow | jq -r .state)
[ "$st" = VALIDATED ] || fail "the slow submission ended $st, not VALIDATED"

unmount_fs
echo "ok"
