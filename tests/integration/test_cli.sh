#!/bin/bash
# test_cli.sh - every mount-side noodle command against a real noodlefs
# mount: exit statuses, output, error messages; and noodle against a folder
# where nothing is mounted.
#
#   tests/integration/test_cli.sh SOURCE_ROOT BUILD_ROOT
#
# Mounts in a mktemp folder with a mktemp state folder and always unmounts
# (trap on EXIT, INT, TERM: fusermount3 -u, then -uz, then kill).  Every
# command runs under timeout.  Exit 0 when every check passed, 77 (skip)
# when FUSE is unavailable.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${2:-$ROOT/build}
NOODLE=$BUILD/fs/noodle
NOODLEFS=$BUILD/fs/noodlefs
T=30    # seconds any one command may take

[ -x "$NOODLE" ] && [ -x "$NOODLEFS" ] || { echo "FAIL: build $NOODLE and $NOODLEFS first"; exit 1; }
[ -e /dev/fuse ] && command -v fusermount3 >/dev/null || { echo "SKIP: no FUSE"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

WORK=$(mktemp -d /tmp/noodle-cli-test.XXXXXX)
MNT=$WORK/mnt STATE=$WORK/state EMPTY=$WORK/empty
mkdir -p "$MNT" "$STATE" "$EMPTY"
DAEMON=
mounted() { grep -qs " $MNT fuse" /proc/mounts; }
cleanup() {
	trap - EXIT INT TERM
	[ -n "${FOLLOW:-}" ] && kill "$FOLLOW" 2>/dev/null
	if mounted; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null
	fi
	if [ -n "$DAEMON" ]; then
		kill "$DAEMON" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$DAEMON" 2>/dev/null
		wait "$DAEMON" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap 'rc=$?; cleanup; exit $rc' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

pass=0 fails=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# n [ARGS...]: run noodle on the mount; sets rc, out, err.
n() {
	timeout $T env NO_COLOR= NOODLE_MOUNT="$MNT" "$NOODLE" "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	out=$(cat "$WORK/out") err=$(cat "$WORK/err")
}
# expect RC WHAT: check the last command's status.
expect() {
	if [ "$rc" -eq "$1" ]; then ok; else
		bad "$2: exit $rc, expected $1; stdout: $out; stderr: $err"
	fi
}
# has STREAM REGEX WHAT: the last command's stdout/stderr matches REGEX.
has() {
	local text
	[ "$1" = out ] && text=$out || text=$err
	if grep -Eq -- "$2" <<<"$text"; then ok; else
		bad "$3: no /$2/ in $1: $text"
	fi
}
cat_m() { timeout $T cat "$MNT/$1"; }

# ---- nothing mounted ---------------------------------------------------------
for cmd in "status x" "metrics x" "activate x" "rollback x" "canary x 1.0.0 5" \
    "promote x" "abort x" "call x f()" "events"; do
	timeout $T "$NOODLE" --mount "$EMPTY" $cmd >"$WORK/out" 2>"$WORK/err"
	rc=$? out=$(cat "$WORK/out") err=$(cat "$WORK/err")
	expect 2 "noodle $cmd on an empty folder"
	has err "no noodlefs mounted at $EMPTY" "noodle $cmd on an empty folder"
done
printf 'def f():\n    return 1\n' >"$WORK/f.nc"
timeout $T env NOODLE_MOUNT="$EMPTY" "$NOODLE" update "$WORK/f.nc" >"$WORK/out" 2>"$WORK/err"
rc=$? out=$(cat "$WORK/out") err=$(cat "$WORK/err")
expect 2 "update with nothing mounted (NOODLE_MOUNT)"
has err "no noodlefs mounted" "update with nothing mounted"

# ---- usage errors and --help, which need no mount -------------------------
for cmd in update status metrics activate rollback canary promote abort call events; do
	timeout $T "$NOODLE" --mount "$EMPTY" $cmd --help >"$WORK/out" 2>&1
	rc=$? out=$(cat "$WORK/out") err=
	expect 0 "$cmd --help"
	has out "^usage: noodle .*$cmd" "$cmd --help"
done
n update;                       expect 2 "update without FILE"; has err "missing arguments" "update without FILE"
n canary u 1.0.0;               expect 2 "canary without PERCENT"
n status a b;                   expect 2 "status with two units"; has err "unexpected argument" "status a b"
n status u --bogus;             expect 2 "unknown option"; has err "unknown option '--bogus'" "unknown option"
n update "$WORK/f.nc" --unit;   expect 2 "--unit without a value"
n update "$WORK/f.nc" --version 1.2;  expect 2 "--version not MAJOR.MINOR.PATCH"
n update "$WORK/missing.nc";    expect 2 "update of a missing file"; has err "missing.nc" "update of a missing file"

# ---- mount ----------------------------------------------------------------
"$NOODLEFS" -f -o "state=$STATE" "$MNT" 2>"$WORK/daemon.err" &
DAEMON=$!
for _ in $(seq 100); do
	[ -f "$MNT/version" ] && break
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
[ -f "$MNT/version" ] || { echo "FAIL: noodlefs did not mount: $(cat "$WORK/daemon.err")"; exit 1; }

# ---- update, --wait, status ----------------------------------------------
cat >"$WORK/hello.nc" <<'EOF'
def hello():
    return "world"


def div(a: int, b: int) -> int:
    return a // b


def test_hello():
    assert hello() == "world"
EOF
n status hello;                 expect 2 "status of a missing unit"; has err "no unit 'hello'" "status of a missing unit"
n update "$WORK/hello.nc"
expect 0 "update hello.nc"
has out "^hello: submitted .*hello.nc as handle [0-9]+$" "update prints the handle"
HID1=$(sed -n 's/.* as handle \([0-9]*\)$/\1/p' <<<"$out")
[ -n "$HID1" ] && [ "$(timeout $T jq -r .unit "$MNT/handles/$HID1.json")" = hello ] && ok ||
	bad "update: handles/$HID1.json is not unit hello's"
timeout $T cat "$MNT/units/hello/wait" >/dev/null
[ "$(timeout $T jq -r .state "$MNT/handles/$HID1.json")" = VALIDATED ] && ok || bad "hello 1.0.0 not VALIDATED"

n update "$WORK/hello.nc" --unit hello2 --wait
expect 0 "update --wait of a good source"
for g in compile contract compatibility capabilities 'verify\+load' self-test; do
	has out "ok +$g +[0-9.]+ ms" "update --wait prints gate $g"
done
has out "^hello2 1\.0\.0: VALIDATED$" "update --wait prints the outcome"

n status hello
expect 0 "status hello"
has out "^state +EMPTY" "status shows the state"
has out "^  1\.0\.0 +(VALIDATED|LOADED) +handle $HID1 " "status lists the version"
has out "^last error +none" "status shows no last error"
n status hello --json
expect 0 "status --json"
[ "$(jq -r .unit <<<"$out")" = hello ] && ok || bad "status --json is not the status file: $out"
grep -q $'\033' "$WORK/out" && bad "color with NO_COLOR and no terminal" || ok

if command -v script >/dev/null; then
	tty_out=$(timeout $T script -qec "env -u NO_COLOR NOODLE_MOUNT='$MNT' '$NOODLE' status hello" /dev/null)
	grep -q $'\033\[' <<<"$tty_out" && ok || bad "no color on a terminal: $tty_out"
	tty_out=$(timeout $T script -qec "env NO_COLOR=1 NOODLE_MOUNT='$MNT' '$NOODLE' status hello" /dev/null)
	grep -q $'\033\[' <<<"$tty_out" && bad "color on a terminal with NO_COLOR=1" || ok
fi

# ---- activate, call ----------------------------------------------------
n call hello 'hello()';         expect 1 "call with nothing active"
n activate hello
expect 0 "activate hello"
has out "^hello: ACTIVE, active 1\.0\.0" "activate prints the new state"
[ "$(cat_m units/hello/active)" = 1.0.0 ] && ok || bad "active is not 1.0.0 after activate"
n call hello 'hello()';         expect 0 "call hello()"; [ "$out" = world ] && ok || bad "call hello() printed '$out'"
n call hello 'div(7, 2)';       expect 0 "call div(7, 2)"; [ "$out" = 3 ] && ok || bad "call div(7, 2) printed '$out'"
n call hello 'div(1, 0)'
expect 1 "a call that raises"
has err "ZeroDivisionError" "a failed call names the error type"
has err "hello 1\.0\.0" "a failed call names the version"
n call hello 'div(1, 0)' --json
expect 1 "call --json of a failed call"
[ "$(jq -r .error.type <<<"$out")" = ZeroDivisionError ] && ok || bad "call --json: $out"
n call hello 'hello(';          expect 2 "a call that does not parse"; has err "not a call" "a call that does not parse"
n call hello 'hello()' --json;  expect 0 "call --json"
[ "$(jq -r '.ok, .result, .version' <<<"$out" | tr '\n' ' ')" = "true world 1.0.0 " ] && ok || bad "call --json: $out"

# ---- failing validation: compiler-style errors -------------------------
cat >"$WORK/broken.nc" <<'EOF'
def f(xs: list) -> int:
    return total(xs)


def g():
    return undefined_name
EOF
n update "$WORK/broken.nc" --unit hello --wait
expect 1 "update --wait of a source that does not compile"
has err "broken\.nc:2:[0-9]+: error: \[compile\] " "compile error as FILE:line:col: error: [gate]"
has err "broken\.nc:6:[0-9]+: error: \[compile\] " "every compile error is printed"
has out "FAIL +compile" "the failed gate is marked"
has out "VALIDATION_FAILED" "the outcome is printed"
n status hello
has out "^last error +.+" "status shows the last error"
[ "$(cat_m units/hello/active)" = 1.0.0 ] && ok || bad "a failed update moved the active version"

# ---- --version, --activate, stdin ----------------------------------------
nh=$(ls "$MNT/handles" | wc -l)
printf 'def hello():\n    return "world"\n\n__version__ = "3.0.0"\n' >"$WORK/declared.nc"
n update "$WORK/declared.nc" --unit hello --version 4.0.0
expect 2 "--version against another declared __version__"
has err "declares __version__ = \"3.0.0\"" "--version conflict says why"
[ "$(ls "$MNT/handles" | wc -l)" = "$nh" ] && ok || bad "a --version conflict submitted something"

sed 's/"world"/"World"/' "$WORK/hello.nc" >"$WORK/hello2.nc"
n update "$WORK/hello2.nc" --unit hello --version 1.5.0 --activate
expect 0 "update --version --activate"
has out "^hello 1\.5\.0: VALIDATED" "--version gives the version"
[ "$(cat_m units/hello/active)" = 1.5.0 ] && ok || bad "--activate did not activate 1.5.0"
src=$(cat_m units/hello/versions/1.5.0/source)
[ "$(tail -n 1 <<<"$src")" = '__version__ = "1.5.0"' ] && ok || bad "--version did not append __version__ as the last line"
n call hello 'hello()';         [ "$out" = World ] && ok || bad "the activated version does not serve calls: $out"

timeout $T env NO_COLOR= "$NOODLE" --mount "$MNT" update - --unit hello --version 1.5.1 --wait \
    <"$WORK/hello2.nc" >"$WORK/out" 2>"$WORK/err"
rc=$? out=$(cat "$WORK/out") err=$(cat "$WORK/err")
expect 0 "update - (stdin) --unit"
has out "hello 1\.5\.1: VALIDATED" "update from stdin"
n update - ;                   expect 2 "update - without --unit"
n update "$WORK/hello.nc" --unit 'bad/id'; expect 2 "update --unit with a bad id"; has err "not a unit id" "bad unit id"

python3 -c 'print("def f():\n    return 1\n" + "# padding\n" * 120000)' >"$WORK/big.nc"
n update "$WORK/big.nc" --unit hello
expect 1 "update of a source over max_source"
has err "larger than the mount's max_source \(EFBIG\)" "EFBIG is explained"

printf 'activation = auto\n' >"$MNT/units/hello2/policy" && ok || bad "write hello2's policy"
sed 's/"world"/"auto"/' "$WORK/hello.nc" >"$WORK/auto.nc"
n update "$WORK/auto.nc" --unit hello2 --activate
expect 0 "update --activate under activation = auto"
has out "already ACTIVE" "--activate sees that the policy activated it"
[ "$(cat_m units/hello2/active)" = 1.0.1 ] && ok || bad "activation = auto did not activate 1.0.1"

# ---- ctl commands and refusals -----------------------------------------
n rollback hello
expect 0 "rollback"
[ "$(cat_m units/hello/active)" = 1.0.0 ] && ok || bad "rollback did not return to 1.0.0"
n activate hello 9.9.9
expect 1 "activate of a missing version"
has err "refused: no such version \(ENOENT\)" "activate 9.9.9 gives ENOENT"
n promote hello
expect 1 "promote with no canary"
has err "'promote' refused: .*\(EBUSY\)" "promote with no canary gives EBUSY"
n abort hello;                 expect 1 "abort with no canary"
n activate hello 'a b';        expect 2 "activate with a blank in VER"

n canary hello 1.5.1 50
expect 0 "canary hello 1.5.1 50"
has out "canary 1\.5\.1 at 50%" "canary prints the split"
[ "$(cat_m units/hello/state)" = CANARY ] && ok || bad "state is not CANARY"
n status hello
has out "^canary +1\.5\.1 at 50% of calls" "status shows the canary"
for i in $(seq 10); do n call hello 'hello()'; done
n status hello --json
[ "$(jq -r '.canary.version' <<<"$out")" = 1.5.1 ] && ok || bad "status.canary: $out"
n promote hello
expect 0 "promote"
[ "$(cat_m units/hello/active)" = 1.5.1 ] && ok || bad "promote did not make 1.5.1 active"
n canary hello 1.0.0 30;       expect 0 "canary of an older version"
n abort hello
expect 0 "abort"
[ "$(cat_m units/hello/active)" = 1.5.1 ] && ok || bad "abort changed the active version"
[ "$(cat_m units/hello/state)" = ACTIVE ] && ok || bad "state after abort is not ACTIVE"
n canary hello 1.0.0 abc;      expect 1 "canary with a bad percent"; has err "\(EINVAL\)" "bad percent is EINVAL"

# ---- metrics, events ----------------------------------------------------
n metrics hello
expect 0 "metrics"
has out "^# TYPE " "metrics is Prometheus text"
n events
expect 0 "events"
has out " submitted +hello " "events lists submissions"
has out " activated +hello " "events lists activations"
n events --unit hello2 --json
expect 0 "events --unit --json"
[ -n "$out" ] && [ "$(jq -r .unit <<<"$out" | sort -u)" = hello2 ] && ok || bad "events --unit hello2 shows other units: $out"
n events --unit 'bad/unit';   expect 2 "events --unit with a bad id"

timeout 20 env NO_COLOR= "$NOODLE" --mount "$MNT" events --follow --unit hello3 >"$WORK/follow" 2>&1 &
FOLLOW=$!
sleep 0.5
n update "$WORK/hello.nc" --unit hello3 --wait
found=
for _ in $(seq 50); do
	grep -Eq " validated +hello3 " "$WORK/follow" && { found=1; break; }
	sleep 0.1
done
[ -n "$found" ] && ok || bad "events --follow did not show hello3's new events: $(cat "$WORK/follow")"
kill "$FOLLOW" 2>/dev/null; wait "$FOLLOW" 2>/dev/null; FOLLOW=
grep -Eq " hello( |$)" "$WORK/follow" && bad "events --follow --unit hello3 showed unit hello" || ok

# ---- bash completion: commands, unit ids from the mount, versions -------
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_noodle; printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT/fs/noodle.bash-completion" "$@" | sort | tr '\n' ' '
}
[ "$(NOODLE_MOUNT=$MNT comp noodle r)" = "rollback run " ] && ok || bad "completion of commands: $(comp noodle r)"
[ "$(comp noodle --mount "$MNT" status hello)" = "hello hello2 hello3 " ] && ok ||
	bad "completion of unit ids: $(comp noodle --mount "$MNT" status hello)"
[ "$(NOODLE_MOUNT=$MNT comp noodle activate hello 1.)" = "1.0.0 1.5.0 1.5.1 " ] && ok ||
	bad "completion of versions: $(NOODLE_MOUNT=$MNT comp noodle activate hello 1.)"
[ "$(NOODLE_MOUNT=$MNT comp noodle update --u)" = "--unit " ] && ok || bad "completion of options"

# ---- the daemon goes away ------------------------------------------------
kill -9 "$DAEMON"; wait "$DAEMON" 2>/dev/null; DAEMON=
n status hello
expect 2 "status on a dead mount"
has err "hello|$MNT" "a dead mount is reported"

echo "$pass checks passed, $fails failed"
[ $fails -eq 0 ]
