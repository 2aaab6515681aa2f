#!/bin/bash
# bench_watch.sh - how soon file watchers see a change (SPEC.md section 5:
# within 100 ms).  Not pass/fail: prints medians and p90 beside the bar.
#
#   NOODLEFS=build/fs/noodlefs tests/bench/bench_watch.sh [ROUNDS=100]
#
# Mounts noodlefs on a temporary folder (tests/integration/lib.sh: always
# unmounted), activates a unit, then alternates `rollback` and `activate`
# through ctl ROUNDS times while one `inotifywait -m` watches state,
# status, active, events and the handle file; for each file it reports the
# time from the return of the ctl write to the event on that file.
. "$(dirname "$0")/../integration/lib.sh"
ROUNDS=${1:-100}

mount_fs
U=$MNT/units
mkdir "$U/w"
write_unit_source "$T/v1.nc"
cp "$T/v1.nc" "$U/w/submit"
wait_idle w >/dev/null
echo activate > "$U/w/ctl"
{ cat "$T/v1.nc"; printf '\ndef extra():\n    return 1\n'; } > "$T/v2.nc"
H=$(submit_rdwr w "$T/v2.nc")
V2=$(wait_idle w | jq -r .version)
echo "activate $V2" > "$U/w/ctl"

timeout $((ROUNDS + 60)) "$PY" - "$U/w" "$MNT/events" \
    "$MNT/handles/$H.json" "$ROUNDS" "$V2" <<'PYEOF'
import os, select, statistics, subprocess, sys, time
unit, events, handle, rounds, v2 = sys.argv[1:6]
files = {"state": unit + "/state", "status": unit + "/status",
         "active": unit + "/active", "events": events, "handle": handle}
w = subprocess.Popen(["inotifywait", "-m", "-q", "-e", "attrib,modify",
                      "--format", "%w"] + list(files.values()),
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
time.sleep(0.5)
names = {v: k for k, v in files.items()}
lat = {k: [] for k in files}
fd = w.stdout.fileno()
buf = b""
def drain(deadline, want):
    global buf
    seen = {}
    while time.monotonic() < deadline and len(seen) < len(want):
        r, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
        if not r:
            break
        buf += os.read(fd, 65536)
        now = time.monotonic()
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            k = names.get(line.decode())
            if k in want and k not in seen:
                seen[k] = now
    return seen
cmds = ["rollback", "activate " + v2]
for i in range(int(rounds)):
    drain(time.monotonic() + 0.05, set())          # quiet period
    with open(unit + "/ctl", "w") as f:
        f.write(cmds[i % 2] + "\n")
    t0 = time.monotonic()
    want = {"state", "status", "active", "events", "handle"}
    seen = drain(t0 + 2.0, want)
    for k in want:
        if k in seen:
            lat[k].append((seen[k] - t0) * 1000)
w.kill()
print("file       events  median ms  p90 ms  max ms   (bar: within 100 ms)")
for k, v in lat.items():
    if not v:
        print(f"{k:<10} {0:>6}  (no events)")
        continue
    v.sort()
    p90 = v[min(len(v) - 1, int(len(v) * 0.9))]
    print(f"{k:<10} {len(v):>6}  {statistics.median(v):>9.1f}  {p90:>6.1f}  {v[-1]:>6.1f}")
PYEOF
