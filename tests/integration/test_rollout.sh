#!/bin/bash
# test_rollout.sh - rollouts on real traffic through a mount (SPEC.md 5b):
# a faulty canary under concurrent calls through the call file rolls back
# by itself (event rolled_back whose reason gives the figures; status and
# metrics agree with what the callers saw); a sound one is promoted by
# itself; abort, promote and rollback in the middle of a canary act at
# once; activation = auto and = canary; a daemon restart (clean, and
# kill -9) mid-canary aborts it to the stable version with canary_aborted;
# the metrics file passes the strict checker (promcheck.py, and promtool
# when installed), and the checker rejects broken exposition texts.
#
# Version 1.0.K of the unit answers f(x) with x + (K+1)*1000000, so the
# traffic driver knows from the result which code served each call, and
# checks that it is the version the reply names.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
PROMCHECK=$HERE/promcheck.py
U=$MNT/units/svc

# src K [faulty]: the source of version 1.0.K (faulty: fails on even x).
src() {
	local f=$T/v$1.nc
	{
		echo "def f(x):"
		if [ "${2:-}" = faulty ]; then
			echo "    if x % 2 == 0:"
			echo "        return x // (x - x)"
		fi
		echo "    return x + $(($1 + 1)) * 1000000"
	} >"$f"
	echo "$f"
}

# submit K [faulty]: submit version 1.0.K and wait for its validation.
submit() {
	local hid
	hid=$(submit_rdwr svc "$(src "$@")")
	wait_idle svc >/dev/null
	[ "$(handle_state "$hid")" != VALIDATION_FAILED ] ||
	    fail "1.0.$1 failed validation: $(cat "$MNT/handles/$hid.json")"
	echo "$hid"
}

ctl() {
	printf '%s\n' "$1" >"$U/ctl" || fail "ctl '$1' refused: $(jq -r .last_error "$U/status")"
}

policy() {
	printf '%s\n' "$@" >"$U/policy" || fail "policy refused"
}

status() { jq -r "$1" "$U/status"; }

# events TYPE: the unit's events of TYPE, one JSON object a line.
events() { jq -c --arg t "$1" 'select(.unit == "svc" and .type == $t)' "$MNT/events"; }
nevents() { events "$1" | wc -l; }

# The traffic driver: traffic N THREADS [FAULTY_VER]: N calls f(x) with
# random x through the call file from THREADS threads (each call: open,
# write, read the reply, close).  Prints {version: [ok, errors]} as JSON;
# exits 1 on a failed call (not an error result of FAULTY_VER), a reply
# that does not parse, or a mixed call (result not from the version named).
cat >"$T/traffic.py" <<'EOF'
import json, os, random, sys, threading
path, n, nth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
faulty = sys.argv[4] if len(sys.argv) > 4 else None
lock = threading.Lock()
left = [n]
seen, bad = {}, []
def one(rng):
    x = rng.randrange(1, 999999)
    fd = os.open(path, os.O_RDWR)
    try:
        os.write(fd, b"f(%d)\n" % x)
        raw = b""
        while True:
            b = os.read(fd, 4096)
            if not b:
                break
            raw += b
    finally:
        os.close(fd)
    r = json.loads(raw)
    v = r.get("version")
    k = int(v.split(".")[2]) + 1
    if r["ok"]:
        if r["result"] != x + k * 1000000:
            return v, None, "mixed: %s answered %r to f(%d)" % (v, r["result"], x)
        return v, True, None
    if v != faulty or r["error"]["type"] != "ZeroDivisionError" or x % 2:
        return v, None, "failed call: %r" % r
    return v, False, None
def worker(t):
    rng = random.Random(1000 + t)
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        try:
            v, ok, err = one(rng)
        except Exception as e:
            v, ok, err = None, None, "call raised %r" % e
        with lock:
            if err:
                bad.append(err)
            else:
                c = seen.setdefault(v, [0, 0])
                c[0 if ok else 1] += 1
ts = [threading.Thread(target=worker, args=(t,)) for t in range(nth)]
for t in ts: t.start()
for t in ts: t.join()
for b in bad[:5]:
    print(b, file=sys.stderr)
print(json.dumps(seen, sort_keys=True))
sys.exit(1 if bad else 0)
EOF

# traffic N THREADS [FAULTY]: run the driver (120 s at most).
traffic() {
	timeout 120 "$PY" "$T/traffic.py" "$U/call" "$@" ||
	    fail "traffic: bad calls (see above)"
}

# metric NAME VERSION: a per-version sample of the metrics file.
metric() {
	awk -v want="$1{unit=\"svc\",version=\"$2\"}" '$1 == want { print $2 }' "$U/metrics"
}

# check_metrics: the metrics file passes promcheck.py and, when it is
# installed, promtool's parser and linter.
check_metrics() {
	cat "$U/metrics" >"$T/metrics.txt"
	"$PY" "$PROMCHECK" "$T/metrics.txt" || fail "promcheck: metrics rejected"
	if command -v promtool >/dev/null; then
		promtool check metrics <"$T/metrics.txt" ||
		    fail "promtool: metrics rejected"
	fi
}

# reason_figures JSON: "calls errors rate threshold" parsed from an
# event's reason ("... N calls, N errors, error rate R ... threshold T").
reason_figures() {
	jq -r .reason <<<"$1" | sed -n \
	    's/.* \([0-9][0-9]*\) calls, \([0-9][0-9]*\) errors, error rate \([0-9.]*\).*threshold \([0-9.]*\).*/\1 \2 \3 \4/p'
}

note "the checker rejects broken exposition texts"
GOOD='# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 1\n# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n'
printf "$GOOD" | "$PY" "$PROMCHECK" || fail "promcheck rejects a good text"
# "name|text": the first group is also a parse error for promtool.
broken=(
	'nonewline|# TYPE a_total counter\na_total 1'
	'unterminated|# TYPE a_total counter\na_total{x="1} 1\n'
	'value|# TYPE a_total counter\na_total one\n'
	'twotypes|# TYPE a_total counter\n# TYPE a_total gauge\na_total 1\n'
	'name|1a 1\n'
	'escape|a{x="a\\q"} 1\n'
	'type|# TYPE a bogus\na 1\n'
	'typeafter|a 1\n# TYPE a gauge\n'
	'duplabel|a{x="1",x="2"} 1\n'
	'timestamp|a 1 12.5\n'
	'negcounter|# TYPE a_total counter\na_total -1\n'
	'apart|# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n'
	'dupsample|a 1\na 2\n'
	'noncumulative|# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'
	'noinf|# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'
	'infcount|# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'
	'nobucketle|# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n'
)
i=0
for b in "${broken[@]}"; do
	name=${b%%|*}
	if printf "${b#*|}" | "$PY" "$PROMCHECK" 2>/dev/null; then
		fail "promcheck accepts the broken text '$name'"
	fi
	if [ $i -lt 10 ] && command -v promtool >/dev/null &&
	    printf "${b#*|}" | promtool check metrics >/dev/null 2>&1; then
		fail "promtool accepts the broken text '$name'"
	fi
	i=$((i + 1))
done

mount_fs
mkdir "$U"
submit 0 >/dev/null
ctl activate
policy 'canary.percent = 50' 'canary.min_calls = 20' 'canary.max_error_rate = 0.1'
out=$(traffic 20 2)
[ "$(jq -r '."1.0.0"[0]' <<<"$out")" = 20 ] || fail "stable traffic: $out"

note "a faulty canary under traffic rolls back by itself"
h1=$(submit 1 faulty)
ctl 'canary 1.0.1 50'
[ "$(cat "$U/state")" = CANARY ] || fail "state during the canary: $(cat "$U/state")"
[ "$(status .canary.percent)" = 50 ] || fail "status.canary: $(status .canary)"
check_metrics
out=$(traffic 200 4 1.0.1)
note "traffic: $out"
[ "$(nevents rolled_back)" = 1 ] || fail "rolled_back events: $(nevents rolled_back)"
ev=$(events rolled_back)
[ "$(jq -r .version <<<"$ev")" = 1.0.1 ] || fail "rolled_back event: $ev"
read -r calls errs rate thr <<<"$(reason_figures "$ev")"
[ -n "${thr:-}" ] || fail "the rolled_back reason lacks the figures: $ev"
note "decision: $calls calls, $errs errors, rate $rate, threshold $thr"
"$PY" -c 'import sys; c, e, r, t = map(float, sys.argv[1:])
assert c >= 20 and e <= c and abs(e / c - r) < 1e-3 and r > t and t == 0.1' \
    "$calls" "$errs" "$rate" "$thr" || fail "figures: $ev"
[ "$(jq -r '"\(.calls) \(.errors) \(.threshold)"' <<<"$ev")" = "$calls $errs 0.1" ] ||
    fail "the rolled_back event's fields calls, errors, threshold: $ev"
[ "$(cat "$U/state")" = ACTIVE ] || fail "state after the rollback"
[ "$(cat "$U/active")" = 1.0.0 ] || fail "active after the rollback"
[ "$(status .canary)" = null ] || fail "status.canary after the rollback"
status .last_error | grep -q "$calls calls, $errs errors" ||
    fail "status.last_error: $(status .last_error)"
[ "$(handle_state "$h1")" = ROLLED_BACK ] || fail "handle: $(handle_state "$h1")"
[ "$(status '.versions[] | select(.version == "1.0.1") | .state')" = LOADED ] ||
    fail "1.0.1 after the rollback: $(status .versions)"
# Every call the drivers made is counted once, on the version that served it.
for v in 1.0.0 1.0.1; do
	seen_ok=$(jq -r --arg v "$v" '.[$v][0] // 0' <<<"$out")
	seen_err=$(jq -r --arg v "$v" '.[$v][1] // 0' <<<"$out")
	[ "$v" = 1.0.0 ] && seen_ok=$((seen_ok + 20))
	[ "$(metric noodle_calls_total "$v")" = $((seen_ok + seen_err)) ] ||
	    fail "metrics calls of $v: $(metric noodle_calls_total "$v"), callers saw $((seen_ok + seen_err))"
	[ "$(metric noodle_call_errors_total "$v")" = "$seen_err" ] ||
	    fail "metrics errors of $v"
	[ "$(status ".versions[] | select(.version == \"$v\") | .calls")" = $((seen_ok + seen_err)) ] ||
	    fail "status calls of $v"
	[ "$(status ".versions[] | select(.version == \"$v\") | .errors")" = "$seen_err" ] ||
	    fail "status errors of $v"
	[ "$(awk -v w="noodle_call_duration_seconds_count{unit=\"svc\",version=\"$v\"}" '$1 == w {print $2}' "$U/metrics")" = $((seen_ok + seen_err)) ] ||
	    fail "histogram count of $v"
done
[ "$(jq -r '."1.0.1"[0] + ."1.0.1"[1]' <<<"$out")" -ge 20 ] || fail "the canary served too few calls"
grep -q '^noodle_version_state{unit="svc",version="1.0.1",state="LOADED"} 1$' "$U/metrics" ||
    fail "rollout-state gauge of 1.0.1"
grep -q '^noodle_version_state{unit="svc",version="1.0.0",state="ACTIVE"} 1$' "$U/metrics" ||
    fail "rollout-state gauge of 1.0.0"
check_metrics
out=$(traffic 30 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.0 ] || fail "after the rollback: $out"

note "a sound canary under traffic is promoted by itself"
h2=$(submit 2)
ctl 'canary 1.0.2 50'
out=$(traffic 200 4)
note "traffic: $out"
[ "$(nevents canary_promoted)" = 1 ] || fail "canary_promoted events"
ev=$(events canary_promoted)
read -r calls errs rate thr <<<"$(reason_figures "$ev")"
[ "${errs:-x}" = 0 ] && [ "$calls" -ge 20 ] || fail "promotion figures: $ev"
[ "$(jq -r '"\(.calls) \(.errors) \(.rate)"' <<<"$ev")" = "$calls 0 0" ] ||
    fail "the canary_promoted event's fields calls, errors, rate: $ev"
[ "$(cat "$U/active")" = 1.0.2 ] || fail "active after the promotion"
[ "$(handle_state "$h2")" = ACTIVE ] || fail "handle after the promotion"
[ "$(status .previous)" = 1.0.0 ] || fail "previous: $(status .previous)"
out=$(traffic 30 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.2 ] || fail "after the promotion: $out"
check_metrics

note "abort, promote and rollback act at once in the middle of a canary"
policy 'canary.percent = 50' 'canary.min_calls = 100000' 'canary.max_error_rate = 0.1'
h3=$(submit 3)
ctl 'canary 1.0.3 50'
traffic 20 2 >/dev/null
expect_errno EBUSY 'fd = os.open(M + "/units/svc/ctl", os.O_WRONLY); os.write(fd, b"activate 1.0.3\n"); os.close(fd)'
ctl abort
[ "$(events canary_aborted | tail -1 | jq -r .version)" = 1.0.3 ] || fail "canary_aborted event"
[ "$(cat "$U/active")" = 1.0.2 ] && [ "$(status .canary)" = null ] || fail "after abort"
[ "$(handle_state "$h3")" = ROLLED_BACK ] || fail "handle after abort"
out=$(traffic 20 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.2 ] || fail "after abort: $out"

submit 4 >/dev/null
ctl 'canary 1.0.4 50'
traffic 20 2 >/dev/null
ctl promote
[ "$(cat "$U/active")" = 1.0.4 ] && [ "$(status .canary)" = null ] || fail "after promote"
out=$(traffic 20 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.4 ] || fail "after promote: $out"

h5=$(submit 5)
ctl 'canary 1.0.5 50'
traffic 20 2 >/dev/null
n=$(nevents rolled_back)
ctl rollback
[ "$(nevents rolled_back)" = $((n + 1)) ] || fail "no rolled_back event"
[ "$(cat "$U/active")" = 1.0.4 ] && [ "$(status .canary)" = null ] || fail "after rollback"
[ "$(handle_state "$h5")" = ROLLED_BACK ] || fail "handle after rollback"
out=$(traffic 20 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.4 ] || fail "after rollback: $out"
ctl_errno() {
	expect_errno "$1" 'fd = os.open(M + "/units/svc/ctl", os.O_WRONLY)
try:
    os.write(fd, A[0].encode() + b"\n")
finally:
    os.close(fd)' "$2"
}
ctl_errno EBUSY promote
ctl_errno EBUSY abort
ctl_errno ENOENT 'canary 9.9.9 10'
ctl_errno EINVAL 'canary 1.0.5 150'
ctl_errno EINVAL 'canary 1.0.5'
[ "$(cat "$U/active")" = 1.0.4 ] && [ "$(status .canary)" = null ] ||
    fail "a refused ctl changed something"

note "keep_loaded: older versions beyond it are unloaded"
grep -q '^keep_loaded = 2$' "$U/policy" || fail "keep_loaded default"
loaded=$(status '[.versions[] | select(.state == "LOADED") | .version |
    select(. < "1.0.4")] | length')
[ "$loaded" -le 2 ] || fail "$loaded older versions loaded: $(status .versions)"
[ "$(status '.versions[] | select(.version == "1.0.0") | .state')" = RETIRED ] ||
    fail "1.0.0 not retired: $(status .versions)"

note "activation = auto"
policy 'activation = auto'
h6=$(submit 6)
[ "$(cat "$U/active")" = 1.0.6 ] || fail "auto: active $(cat "$U/active")"
[ "$(handle_state "$h6")" = ACTIVE ] || fail "auto: handle"
out=$(traffic 20 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.6 ] || fail "auto: $out"

note "activation = canary"
policy 'activation = canary' 'canary.percent = 30' 'canary.min_calls = 100000'
h7=$(submit 7)
[ "$(cat "$U/state")" = CANARY ] || fail "canary policy: state $(cat "$U/state")"
[ "$(status .canary.version)" = 1.0.7 ] && [ "$(status .canary.percent)" = 30 ] ||
    fail "canary policy: $(status .canary)"
[ "$(handle_state "$h7")" = CANARY ] || fail "canary policy: handle"
out=$(traffic 400 3)
note "split at 30%: $out"
jq -e '(."1.0.7"[0] >= 80 and ."1.0.7"[0] <= 160) and
    (."1.0.7"[0] + ."1.0.6"[0] == 400)' <<<"$out" >/dev/null ||
    fail "canary share out of bounds: $out"
[ "$(status .canary.calls)" = "$(jq -r '."1.0.7"[0]' <<<"$out")" ] ||
    fail "status.canary.calls: $(status .canary)"
grep -q '^noodle_canary_percent{unit="svc"} 30$' "$U/metrics" || fail "canary percent gauge"
printf 'def f(x:\n    return x\n' >"$T/bad.nc"
hbad=$(submit_rdwr svc "$T/bad.nc")
wait_idle svc >/dev/null
[ "$(handle_state "$hbad")" = VALIDATION_FAILED ] || fail "bad source: $(handle_state "$hbad")"
# per unit: updates by result (1.0.0 to 1.0.7 and the bad one), and the
# validation-duration histogram over all nine
for want in 'noodle_updates_total{unit="svc",result="validated"} 8' \
    'noodle_updates_total{unit="svc",result="failed"} 1' \
    'noodle_validation_duration_seconds_count{unit="svc"} 9' \
    'noodle_validation_duration_seconds_bucket{unit="svc",le="+Inf"} 9'; do
	grep -qxF "$want" "$U/metrics" || fail "metrics lack '$want'"
done
check_metrics

note "a clean restart mid-canary aborts the canary to the stable version"
n=$(nevents canary_aborted)
unmount_fs
mount_fs
[ "$(nevents canary_aborted)" = $((n + 1)) ] || fail "no canary_aborted after restart"
[ "$(events canary_aborted | tail -1 | jq -r .version)" = 1.0.7 ] || fail "canary_aborted version"
[ "$(cat "$U/state")" = ACTIVE ] && [ "$(cat "$U/active")" = 1.0.6 ] ||
    fail "after restart: $(cat "$U/state") $(cat "$U/active")"
[ "$(status .canary)" = null ] || fail "status.canary after restart"
[ "$(handle_state "$h7")" = ROLLED_BACK ] || fail "handle after restart: $(handle_state "$h7")"
grep -q '^activation = canary$' "$U/policy" || fail "policy not kept"
out=$(traffic 20 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.6 ] || fail "after restart: $out"

note "kill -9 mid-canary: the new daemon aborts it"
submit 8 >/dev/null
[ "$(status .canary.version)" = 1.0.8 ] || fail "second canary: $(status .canary)"
traffic 20 2 >/dev/null
n=$(nevents canary_aborted)
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
timeout 10 fusermount3 -uz "$MNT"
mount_fs
[ "$(nevents canary_aborted)" = $((n + 1)) ] || fail "no canary_aborted after kill -9"
[ "$(cat "$U/active")" = 1.0.6 ] && [ "$(status .canary)" = null ] ||
    fail "after kill -9: $(cat "$U/active") $(status .canary)"
out=$(traffic 20 2)
[ "$(jq -r 'keys | join(",")' <<<"$out")" = 1.0.6 ] || fail "after kill -9: $out"
check_metrics

unmount_fs
echo "ok"
