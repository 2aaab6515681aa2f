#!/bin/bash
# bench_lang.sh - interpreter benchmarks: the same programs (lang/*.nc,
# *.py, *.lua) under `noodle run`, python3 (CPython 3.11) and lua5.4, and
# the compile+verify time of a 1,000-line unit.  Reports, never fails on a
# timing (README.md, section "interpreter").
#   tests/bench/bench_lang.sh BUILD_DIR [RUNS]
# Times are CPU times measured inside each process around the call of main
# (noodle: `run --time`; python3: time.process_time; lua: os.clock), so
# start-up and compilation are not counted, and a loaded machine (other
# processes on the same cores) does not inflate them as it does wall time.
# Each figure is the median of RUNS runs (default 5).  Bars (SPEC.md 9):
# noodle at least 3x faster than CPython, within 1.5x of Lua; compile+verify
# of a 1,000-line unit under 1 ms.
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD_DIR [RUNS]" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
noodle=$build/fs/noodle
ninja -C "$build" fs/noodle tests/bench/bench_compile >/dev/null || exit 2
lua=$(command -v lua5.4 || true)
[ -n "$lua" ] || echo "bench: lua5.4 not found (apt-get install -y lua5.4)" >&2
py=$(command -v python3 || true)
[ -n "$py" ] || echo "bench: python3 not found" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# time_of CMD...: run once, print the in-process microseconds it reports;
# the result line goes to $tmp/result.
time_of() {
	"$@" >"$tmp/result" 2>"$tmp/err" </dev/null || {
		echo "bench: failed: $*" >&2
		cat "$tmp/err" >&2
		echo NaN
		return
	}
	sed -n 's/^time: \([0-9.]*\) us.*/\1/p' "$tmp/err"
}

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "NaN"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-10s %12s %12s %12s %14s %12s\n' program "noodle ms" "python3 ms" \
    "lua5.4 ms" "CPython/noodle" "noodle/Lua"
echo "(CPU time of the call of main, median of $runs runs)"
for prog in fib loop strbuild dictcount; do
	: >"$tmp/n"; : >"$tmp/p"; : >"$tmp/l"
	for _ in $(seq "$runs"); do
		time_of "$noodle" run --time "$here/lang/$prog.nc" >>"$tmp/n"
		want=$(cat "$tmp/result")
		if [ -n "$py" ]; then
			time_of "$py" "$here/lang/$prog.py" >>"$tmp/p"
			[ "$(cat "$tmp/result")" = "$want" ] ||
				echo "bench: $prog: python3 printed another result" >&2
		fi
		if [ -n "$lua" ]; then
			time_of "$lua" "$here/lang/$prog.lua" >>"$tmp/l"
			[ "$(cat "$tmp/result")" = "$want" ] ||
				echo "bench: $prog: lua5.4 printed another result" >&2
		fi
	done
	n=$(median <"$tmp/n")
	p=$(median <"$tmp/p")
	l=$(median <"$tmp/l")
	awk -v prog="$prog" -v n="$n" -v p="$p" -v l="$l" 'BEGIN {
		ratio_p = (n > 0 && p > 0) ? sprintf("%.2fx", p / n) : "-"
		ratio_l = (n > 0 && l > 0) ? sprintf("%.2fx", n / l) : "-"
		printf "%-10s %12.1f %12.1f %12.1f %14s %12s\n", prog, n / 1000,
		    p / 1000, l / 1000, ratio_p, ratio_l }'
done
echo "(bars: CPython/noodle >= 3.00x, noodle/Lua <= 1.50x; medians of $runs runs)"
"$build/tests/bench/bench_compile" "$here/lang/unit_1000.nc" ||
	echo "bench: compile+verify benchmark failed" >&2
echo "(bar: compile+verify of a 1,000-line unit, median under 1000 us)"
