#!/bin/bash
# run.sh - the golden language tests.
#   tests/lang/run.sh NOODLE_BINARY [NAME.nc ...]
# Runs every program NAME.nc here through `noodle run NAME.nc` and compares
# stdout with NAME.out, stderr with NAME.err (empty when there is none) and
# the exit status (1 when NAME.err exists, else 0), exactly.  Compile-error
# programs cerr_NAME.nc must exit 1 with no stdout and stderr equal to
# cerr_NAME.expected.  When python3 (CPython 3.11) is present, each
# program also runs under it (pyrun.py) and must give the same
# expectations, so the committed files can never drift from the oracle.
# Prints a line per failure, then `N passed, N failed`; exits 1 on any
# failure.
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 NOODLE_BINARY [NAME.nc ...]" >&2
	exit 2
fi
noodle=$(readlink -f "$1")
shift
if [ ! -x "$noodle" ]; then
	echo "run.sh: $noodle is not an executable" >&2
	exit 2
fi
cd "$(dirname "$0")" || exit 2
[ $# -gt 0 ] || set -- *.nc
python=
if ! command -v python3 >/dev/null 2>&1; then
	echo "run.sh: python3 not found: expectations are not re-checked" >&2
elif ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
	echo "run.sh: python3 is not CPython 3.11 (the oracle):" \
	    "expectations are not re-checked" >&2
else
	python=python3
fi
export NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# compare WHAT EXPECTED_FILE ACTUAL_FILE: 0 when equal, else prints a diff.
compare() {
	if cmp -s "$2" "$3"; then
		return 0
	fi
	echo "  $1 differs (expected, actual):"
	diff "$2" "$3" | head -n 12 | sed 's/^/    /'
	return 1
}

# check LABEL NAME STATUS: compare $tmp/out, $tmp/err, STATUS with the
# expectations of NAME.
check() {
	local label=$1 name=$2 status=$3 ok=0 want_err want_status=0
	if [[ $name == cerr_* ]]; then
		want_err=$name.expected
		want_status=1
		: >"$tmp/want_out"
	else
		want_err=$tmp/none
		: >"$tmp/none"
		if [ -f "$name.err" ]; then
			want_err=$name.err
			want_status=1
		fi
		cp "$name.out" "$tmp/want_out"
	fi
	{
		compare "$label stdout" "$tmp/want_out" "$tmp/out" || ok=1
		compare "$label stderr" "$want_err" "$tmp/err" || ok=1
		if [ "$status" != "$want_status" ]; then
			echo "  $label exit status $status, expected $want_status"
			ok=1
		fi
	} >>"$tmp/report"
	return $ok
}

for f in "$@"; do
	f=$(basename "$f")
	name=${f%.nc}
	if [[ $name == cerr_* ]]; then
		expect=$name.expected
	else
		expect=$name.out
	fi
	: >"$tmp/report"
	if [ ! -f "$expect" ]; then
		echo "  no $expect (run regen.sh)" >"$tmp/report"
		bad=1
	else
		bad=0
		timeout 60 "$noodle" run "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
		check noodle "$name" $? || bad=1
		if [ -n "$python" ] && [[ $name != cerr_* ]]; then
			timeout 60 "$python" pyrun.py "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
			check "python3 (expectation drift)" "$name" $? || bad=1
		fi
	fi
	if [ $bad -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $f"
		cat "$tmp/report"
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
