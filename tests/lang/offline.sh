#!/bin/bash
# offline.sh - tests of the offline noodle commands (check, run, disasm,
# diff) and of main's option handling: exit codes, where messages go, the
# message formats noodle itself owns.
#   tests/lang/offline.sh NOODLE_BINARY
# Prints a line per failed check, then `N passed, N failed`.
set -u
if [ $# -ne 1 ]; then
	echo "usage: $0 NOODLE_BINARY" >&2
	exit 2
fi
noodle=$(readlink -f "$1")
export NO_COLOR=1
unset NOODLE_MOUNT
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
passed=0
failed=0

# t NAME WANT_STATUS CMD...: run CMD with a timeout; stdout in out, stderr
# in err; check the exit status.
t() {
	local name=$1 want=$2 got
	shift 2
	timeout 30 "$@" >out 2>err </dev/null
	got=$?
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: exit $got, expected $want"
		sed 's/^/    stderr: /' err | head -5
	fi
}

# has NAME FILE PATTERN: FILE has a line matching the extended regex.
has() {
	if grep -Eq -- "$3" "$2"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1: no line matching '$3' in $2:"
		sed 's/^/    /' "$2" | head -5
	fi
}

# empty NAME FILE
empty() {
	if [ ! -s "$2" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1: $2 is not empty:"
		sed 's/^/    /' "$2" | head -5
	fi
}

cat >good.nc <<'NC'
import time

def add(a: int, b: int = 1) -> int:
    return a + b

def main():
    print("hello")
    return add(2)

def test_add():
    assert add(1, 2) == 3
NC
cat >needs_time.nc <<'NC'
import time

def now():
    return time.time()
NC
cat >failing_test.nc <<'NC'
def double(x):
    return x * 3

def test_double():
    assert double(2) == 4, "double is wrong"
NC
cat >bad.nc <<'NC'
def main():
    return undefined_name
NC
cat >args.nc <<'NC'
def show(a, b, c):
    print([a, b, c])

def spin():
    while True:
        pass

def hog():
    x = []
    while True:
        x.append("abcdefgh" * 100)
NC
cat >v1.nc <<'NC'
def f(a: int) -> int:
    return a

def g(x):
    return x
NC
cat >v1_doc.nc <<'NC'
def f(a: int) -> int:
    """Only a docstring changed."""
    return a + 0

def g(x):
    return x
NC
cat >v2_compatible.nc <<'NC'
def f(a: int, extra: int = 0) -> int:
    return a

def g(x):
    return x

def h():
    return 1
NC
cat >v3_breaking.nc <<'NC'
def f(a: str) -> int:
    return 0
NC

# main: options, help, usage errors
t "--help" 0 "$noodle" --help
has "--help text" out "usage: noodle"
t "--version" 0 "$noodle" --version
has "--version text" out "^noodle [0-9]+\.[0-9]+\.[0-9]+$"
t "no command" 2 "$noodle"
t "unknown command" 2 "$noodle" frobnicate
has "unknown command message" err "unknown command 'frobnicate'"
t "unknown option" 2 "$noodle" --frob check good.nc
t "--mount without a folder" 2 "$noodle" --mount
for cmd in check run disasm diff; do
	t "help $cmd" 0 "$noodle" help "$cmd"
	has "help $cmd text" out "usage: noodle $cmd"
	t "$cmd --help" 0 "$noodle" "$cmd" --help
done
t "help of nothing" 2 "$noodle" help frobnicate

# check
t "check good" 0 "$noodle" check good.nc
has "check good summary" out "^good\.nc: ok: .*1 test"
empty "check good stderr" err
t "check stdin really read" 0 sh -c "'$noodle' check - <good.nc"
has "check stdin name" out "^<stdin>: ok"
t "check compile error" 1 "$noodle" check bad.nc
has "check compile message" err "^bad\.nc:2:[0-9]+: error: \[compile\] "
has "check compile summary" out "^bad\.nc: failed at gate compile \(1 error\)"
t "check capability" 1 "$noodle" check needs_time.nc
has "check capability message" err "^needs_time\.nc:4:[0-9]+: error: \[capabilities\] capability 'time' is not granted"
has "check capability summary" out "failed at gate capabilities"
t "check --caps" 0 "$noodle" check --caps "log time" needs_time.nc
t "check --caps comma" 0 "$noodle" check --caps log,time needs_time.nc
t "check --caps unknown" 2 "$noodle" check --caps "log net" needs_time.nc
t "check self-test" 1 "$noodle" check failing_test.nc
has "check self-test message" err "^failing_test\.nc:5: error: \[self-test\] test_double: AssertionError: double is wrong$"
has "check self-test summary" out "failed at gate self-test \(1 error\)"
t "check missing file" 2 "$noodle" check no_such_file.nc
has "check missing file message" err "no_such_file\.nc: No such file or directory"
t "check two files" 2 "$noodle" check good.nc bad.nc

# run
t "run main" 0 "$noodle" run good.nc
has "run output" out "^hello$"
has "run result" out "^3$"
t "run stdin" 0 sh -c "'$noodle' run - <good.nc"
has "run stdin output" out "^hello$"
t "run stdin error name" 1 sh -c "printf 'def main():\\n    return 1 // 0\\n' | '$noodle' run -"
has "run stdin error line" err "^<stdin>:2: ZeroDivisionError: integer division or modulo by zero$"
t "run function with args" 0 "$noodle" run args.nc show 1 -2.5 word
has "run literal args" out "^\[1, -2\.5, 'word'\]$"
t "run structured args" 0 "$noodle" run args.nc show "[1, 'a']" "{'k': (1,)}" None
has "run structured literals" out "^\[\[1, 'a'\], \{'k': \(1,\)\}, None\]$"
t "run wrong arity" 1 "$noodle" run args.nc show 1
has "run wrong arity message" err "TypeError"
t "run no such function" 1 "$noodle" run args.nc nope
t "run gas" 1 "$noodle" run --gas 10000 args.nc spin
has "run gas message" err "^args\.nc:[0-9]+: ResourceError: "
t "run memory" 1 "$noodle" run --memory 1M args.nc hog
has "run memory message" err "^args\.nc:[0-9]+: ResourceError: "
t "run bad --gas" 2 "$noodle" run --gas lots args.nc spin
t "run compile error" 1 "$noodle" run bad.nc
has "run compile message" err "^bad\.nc:2:[0-9]+: error: "
empty "run compile stdout" out
t "run missing file" 2 "$noodle" run no_such_file.nc
t "run no file" 2 "$noodle" run
t "run --time" 0 "$noodle" run --time good.nc
has "run --time line" err "^time: [0-9.]+ us cpu, [0-9.]+ us wall, [0-9]+ instructions$"

# disasm
t "disasm" 0 "$noodle" disasm good.nc
has "disasm lists main" out "main"
has "disasm lists an opcode" out "RETURN"
t "disasm compile error" 1 "$noodle" disasm bad.nc
t "disasm no file" 2 "$noodle" disasm

# diff
t "diff same" 0 "$noodle" diff v1.nc v1.nc
has "diff same bump" out "^bump: patch$"
t "diff docstring only" 0 "$noodle" diff v1.nc v1_doc.nc
t "diff compatible" 4 "$noodle" diff v1.nc v2_compatible.nc
has "diff compatible lines" out "^compatible: "
has "diff compatible bump" out "^bump: minor$"
t "diff breaking" 12 "$noodle" diff v1.nc v3_breaking.nc
has "diff breaking lines" out "^breaking: "
has "diff breaking bump" out "^bump: major$"
t "diff does not compile" 1 "$noodle" diff v1.nc bad.nc
t "diff one file" 2 "$noodle" diff v1.nc
t "diff missing file" 2 "$noodle" diff v1.nc missing.nc

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
