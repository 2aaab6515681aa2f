#!/bin/bash
# test_fs_stress.sh - many writers: 1,000 submissions from 20 processes
# into 100 units, every acknowledged one reaching a final state and none
# lost; many concurrent callers of one unit; writers racing rmdir never
# lose a submission silently (close fails, or the handle exists).
. "$(dirname "$0")/lib.sh"

mount_fs
U=$MNT/units
SRC=$T/svc.nc
write_unit_source "$SRC"
for i in $(seq 0 99); do mkdir "$U/u$i"; done

note "1,000 submissions, 20 writers, 100 units"
timeout 300 "$PY" - "$MNT" "$SRC" "$T/acks" <<'EOF' || fail "writers"
import os, sys
m, src, acks = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
kids = []
for w in range(20):
    pid = os.fork()
    if pid == 0:
        out = []
        for j in range(50):
            unit = "u%d" % ((w * 50 + j) % 100)
            fd = os.open("%s/units/%s/submit" % (m, unit), os.O_RDWR)
            os.write(fd, src)
            hid = os.read(fd, 64).decode().strip()
            os.close(fd)
            out.append("%s %s\n" % (unit, hid))
        with open("%s.%d" % (acks, w), "w") as f:
            f.writelines(out)
        os._exit(0)
    kids.append(pid)
bad = [p for p in kids if os.waitpid(p, 0)[1] != 0]
sys.exit(1 if bad else 0)
EOF
cat "$T"/acks.* >"$T/acks"
[ "$(wc -l <"$T/acks")" = 1000 ] || fail "$(wc -l <"$T/acks") acknowledged"
[ "$(cut -d' ' -f2 "$T/acks" | sort -u | wc -l)" = 1000 ] || fail "duplicate HIDs"
for i in $(seq 0 99); do wait_idle "u$i" >/dev/null; done
timeout 120 "$PY" - "$MNT" "$T/acks" <<'EOF' || fail "acknowledged submissions"
import json, os, sys
m = sys.argv[1]
versions = 0
for line in open(sys.argv[2]):
    unit, hid = line.split()
    h = json.load(open("%s/handles/%s.json" % (m, hid)))
    assert h["unit"] == unit, (hid, h["unit"], unit)
    assert h["state"] not in ("QUEUED", "VALIDATING"), (hid, h["state"])
for i in range(100):
    versions += len(os.listdir("%s/units/u%d/versions" % (m, i)))
assert versions == 1000, "%d versions for 1000 submissions" % versions
EOF

note "100 concurrent callers"
echo activate >"$U/u0/ctl"
timeout 120 "$PY" - "$U/u0/call" <<'EOF' || fail "callers"
import json, os, sys, threading
errs = []
def caller(k):
    for i in range(20):
        fd = os.open(sys.argv[1], os.O_RDWR)
        os.write(fd, b"add(%d, %d)" % (k, i))
        r = json.loads(os.read(fd, 4096))
        os.close(fd)
        if r.get("result") != k + i:
            errs.append(r)
ts = [threading.Thread(target=caller, args=(k,)) for k in range(100)]
for t in ts: t.start()
for t in ts: t.join()
sys.exit(1 if errs else 0)
EOF

note "bytes written, then rmdir, then close: the close fails"
mkdir "$U/gone"
expect_errno ENOENT '
fd = os.open(M + "/units/gone/submit", os.O_WRONLY)
os.write(fd, open(A[0], "rb").read())
os.rmdir(M + "/units/gone")
os.close(fd)' "$SRC"

note "writers racing rmdir: nothing lost silently"
mkdir "$U/race"
timeout 120 "$PY" - "$MNT" "$SRC" "$T/race" <<'EOF' || fail "race"
import errno, os, random, sys, threading, time
m, src, out = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
acked, refused = [], []
removed = threading.Event()
def writer():
    for i in range(50):
        try:
            fd = os.open(m + "/units/race/submit", os.O_RDWR)
        except OSError as e:
            refused.append(errno.errorcode[e.errno])
            continue
        try:
            os.write(fd, src)
            time.sleep(random.random() * 0.02)
            acked.append(os.read(fd, 64).decode().strip())
        except OSError as e:
            refused.append(errno.errorcode[e.errno])
        finally:
            os.close(fd)
        time.sleep(random.random() * 0.02)
ts = [threading.Thread(target=writer) for _ in range(4)]
for t in ts: t.start()
time.sleep(0.1)
for i in range(2000):
    try:
        os.rmdir(m + "/units/race")
        removed.set()
        break
    except OSError as e:
        assert e.errno == errno.EBUSY, e
        time.sleep(0.005)
for t in ts: t.join()
open(out, "w").write("".join(h + "\n" for h in acked))
print("# %d acknowledged, %d refused (%s)" % (len(acked), len(refused),
      " ".join(sorted(set(refused)))))
assert removed.is_set(), "rmdir never got through"
assert set(refused) <= {"ENOENT"}, refused
EOF
while read -r hid; do
	jq -e '.unit == "race"' "$MNT/handles/$hid.json" >/dev/null ||
	    fail "acknowledged handle $hid lost"
done <"$T/race"

unmount_fs
echo "ok"
