#!/usr/bin/env bash
# tests/run.sh - the one test command.
#
# Installs the Debian packages the build and the tests need (when missing),
# builds with warnings as errors, runs every test suite (unit, lang,
# integration), runs the unit tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer, the concurrency tests under ThreadSanitizer,
# and the fuzzer for a bounded time.  Exits non-zero on any failure; the
# last line is "N passed, N failed" (meson tests and extra steps).
#
# Environment: BUILD (default build), FUZZ_SECONDS (default 60; 0 skips),
# NOODLE_SKIP_INSTALL=1 to skip the package step, SUITES to restrict the
# main run (e.g. SUITES="unit lang").
set -u
cd "$(dirname "$0")/.."
top=$PWD
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
SUITES=${SUITES:-}

packages=(meson ninja-build pkg-config gcc libc6-dev libfuse3-dev fuse3
	libbsd-dev libcjson-dev check jq rsync inotify-tools python3 man-db
	util-linux procps)

say() { printf '\n=== %s\n' "$*"; }

install_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	command -v python3 >/dev/null && missing=("${missing[@]/python3}")
	# Optional: clang for the fuzzer, lua5.4 for the interpreter benchmark.
	command -v clang >/dev/null || missing+=(clang)
	dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
		grep -q 'install ok installed' || missing+=(libclang-rt-14-dev)
	local want=()
	for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
	[ ${#want[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages (run as root to install): ${want[*]}" >&2
		return 1
	fi
	say "installing ${want[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || return 1
	apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null ||
		apt-get install -y -q "${want[@]}"
}

passed=0
failed=0
failures=()

# meson_tests DIR ARGS...: run meson test and add its counts to the tally.
meson_tests() {
	local dir=$1; shift
	local log
	log=$(mktemp)
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" 2>&1 | tee "$log"
	local ok fail
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(awk '/^(Fail|Unexpected Pass|Timeout):/ {s += $2} END {print s+0}' "$log")
	ok=${ok:-0}
	passed=$((passed + ok))
	if [ "$fail" -gt 0 ] || ! grep -q '^Ok:' "$log"; then
		[ "$fail" -gt 0 ] || fail=1
		failed=$((failed + fail))
		failures+=("meson test $dir $*")
	fi
	rm -f "$log"
}

# step NAME CMD...: an extra step that passes or fails as a whole.
step() {
	local name=$1; shift
	say "$name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

setup() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@"
	fi
}

if [ "${NOODLE_SKIP_INSTALL:-0}" != 1 ]; then
	install_packages || { echo "package installation failed" >&2; exit 2; }
fi

say "build ($BUILD, warnings as errors)"
if ! setup "$BUILD" -Dwerror=true || ! ninja -C "$BUILD"; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

if [ -n "$SUITES" ]; then
	for s in $SUITES; do say "suite $s"; meson_tests "$BUILD" --suite "$s"; done
else
	say "all suites"
	meson_tests "$BUILD" --no-suite tsan
fi

if [ -z "$SUITES" ] || [[ " $SUITES " == *" unit "* ]]; then
	say "unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
	if setup "$BUILD-asan" -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug && ninja -C "$BUILD-asan"; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			meson_tests "$BUILD-asan" --suite unit
	else
		failed=$((failed + 1)); failures+=("sanitizer build")
	fi
	if grep -qs "suite : 'tsan'" tests/unit/meson.build; then
		say "concurrency tests under ThreadSanitizer"
		if setup "$BUILD-tsan" -Db_sanitize=thread -Db_lundef=false \
			-Dbuildtype=debug && ninja -C "$BUILD-tsan"; then
			# setarch -R: TSan wants a layout without high ASLR entropy.
			TSAN_OPTIONS=halt_on_error=1 meson_tests "$BUILD-tsan" \
				--suite tsan --wrapper "setarch $(uname -m) -R"
		else
			failed=$((failed + 1)); failures+=("tsan build")
		fi
	fi
fi

if [ "$FUZZ_SECONDS" != 0 ] && [ -x tests/fuzz/run.sh ] && [ -z "$SUITES" ]; then
	step "fuzz for ${FUZZ_SECONDS}s" tests/fuzz/run.sh "$top/$BUILD" "$FUZZ_SECONDS"
fi

say "summary"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
