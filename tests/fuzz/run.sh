#!/bin/bash
# run.sh - build and run the Noodle fuzzer.
#   tests/fuzz/run.sh BUILD_DIR SECONDS
# With clang: builds fuzz_noodle.c with -fsanitize=fuzzer,address,undefined
# (compiling the compiler and runtime sources directly, not through meson)
# into BUILD_DIR/fuzz/, fuzzes for SECONDS over the seed corpus corpus/
# (the golden programs and hand-made edge cases) plus blobs compiled from
# them, with the token dictionary noodle.dict, keeping what it learns in
# corpus-work/; an input that crashes is
# written to crashes/.  Every input in crashes/ (each one that ever crashed,
# kept after its fix) is replayed first and last.
# Without clang: a plain driver (gcc, with ASan/UBSan when available)
# replays corpus/ and crashes/.  Exits non-zero on any crash.
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$1/fuzz" || exit 2
out=$(cd "$1/fuzz" && pwd)
seconds=$2
srcs=$(ls "$root"/mock_runtime/nbc_*.c "$root"/core/ncc*.c)
flags="-std=gnu11 -g -O1 -D_GNU_SOURCE -I$root/mock_runtime -I$root/core
	$(pkg-config --cflags libbsd-overlay)"
libs="$(pkg-config --libs libbsd-overlay) -lm -lpthread"
mkdir -p "$here/crashes" "$here/corpus-work"

# The plain driver: replays inputs and writes blob seeds.
cc=gcc
command -v clang >/dev/null && cc=clang
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
echo "fuzz: building the plain driver with $cc" >&2
# shellcheck disable=SC2086
if ! $cc $flags $san -DFUZZ_PLAIN_MAIN -o "$out/fuzz_noodle_plain" \
    "$here/fuzz_noodle.c" $srcs $libs; then
	# shellcheck disable=SC2086
	$cc $flags -DFUZZ_PLAIN_MAIN -o "$out/fuzz_noodle_plain" \
	    "$here/fuzz_noodle.c" $srcs $libs || exit 2
fi
crashes=$(find "$here/crashes" -type f ! -name '.*' | sort)

if ! command -v clang >/dev/null; then
	echo "fuzz: no clang, replaying the corpus and crashes only" >&2
	# shellcheck disable=SC2086
	timeout 600 "$out/fuzz_noodle_plain" "$here/corpus" $crashes
	exit $?
fi

echo "fuzz: building the libFuzzer target" >&2
# shellcheck disable=SC2086
clang $flags -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -o "$out/fuzz_noodle" \
    "$here/fuzz_noodle.c" $srcs $libs || exit 2
"$out/fuzz_noodle_plain" --emit-blobs "$here/corpus-work" "$here"/corpus/*.nc

status=0
for input in $crashes; do
	if ! timeout 120 "$out/fuzz_noodle" -runs=1 -timeout=10 "$input" \
	    >"$out/replay.log" 2>&1; then
		echo "fuzz: still fails: $input" >&2
		grep -E '^SUMMARY|ERROR' "$out/replay.log" | head -n 2 >&2
		status=1
	fi
done
echo "fuzz: fuzzing for $seconds s" >&2
timeout $((seconds + 120)) "$out/fuzz_noodle" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -dict="$here/noodle.dict" \
    -artifact_prefix="$here/crashes/" "$here/corpus-work" "$here/corpus" ||
    status=1
if [ $status -ne 0 ]; then
	echo "fuzz: FAILED: a saved input still fails, or a new crash was" \
	    "written to $here/crashes/" >&2
fi
exit $status
