#!/bin/sh
# regen.sh - regenerate the expected outputs of the golden programs from
# CPython (python3 pyrun.py, the oracle): NAME.out is stdout, NAME.err the
# error line of a program that raises (absent when it does not).
# cerr_*.expected (compile errors) are written by hand: Python has no
# equivalent of Noodle's compile-time checks.
#   tests/lang/regen.sh [NAME.nc ...]
set -eu
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null; then
	echo "regen.sh: python3 is needed" >&2
	exit 2
fi
[ $# -gt 0 ] || set -- *.nc
for f in "$@"; do
	f=$(basename "$f")
	name=${f%.nc}
	case $name in cerr_*) continue ;; esac
	if timeout 60 python3 pyrun.py "$f" >"$name.out" 2>"$name.err"; then
		rm -f "$name.err"
	elif [ ! -s "$name.err" ]; then
		echo "regen.sh: $f failed without an error line" >&2
		exit 1
	fi
done
