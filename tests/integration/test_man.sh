#!/bin/bash
# test_man.sh - the manual pages render without a single groff warning, and
# each documents what it must: noodle(1) every command, option and exit
# status, noodlefs(1) every file of the tree and every errno, noodle-lang(7)
# every builtin, method, exception and capability.
#
#   tests/integration/test_man.sh SOURCE_ROOT
set -u
ROOT=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN=$ROOT/man
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

command -v man >/dev/null || { echo "SKIP: man is not installed"; exit 77; }

# What each page must cover (whole words of its rendered text).
want_noodle_1=(update status metrics activate rollback canary promote abort
	call events check run disasm diff --mount --unit --version --wait
	--activate --json --follow NOODLE_MOUNT NO_COLOR "EXIT STATUS")
want_noodlefs_1=(version events units submit state status active wait ctl
	policy call metrics log versions source contract.json bytecode handles
	EINVAL ENOENT EEXIST EBUSY EACCES EFBIG EAGAIN EIO state= workers=
	max_source= max_pending= allow_other fusermount3 fstab systemd
	inotifywait PERSISTENCE WATCHERS ACCESS LIMITS EXAMPLES)
want_noodle_lang_7=(print len range str int float bool abs min max sum sorted
	reversed enumerate zip list tuple dict isinstance round upper lower strip
	lstrip rstrip split join replace startswith endswith find count isdigit
	isalpha append extend pop insert index reverse sort copy get keys values
	items update Exception ValueError TypeError KeyError IndexError
	ZeroDivisionError RuntimeError AssertionError OverflowError ResourceError
	log time random fs math breaking compatible __version__ DEVIATIONS)

for page in noodlefs.1 noodle.1 noodle-lang.7; do
	f=$MAN/$page
	[ -f "$f" ] || { fail "$page is missing"; continue; }
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 timeout 30 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "$page renders with warnings: $warn"
	text=$(LC_ALL=C.UTF-8 MANWIDTH=80 timeout 30 man -l "$f" 2>/dev/null | col -bx)
	[ -n "$text" ] || fail "$page renders to nothing"
	for sec in NAME DESCRIPTION "SEE ALSO"; do
		grep -q "^$sec" <<<"$text" || fail "$page has no $sec section"
	done
	declare -n want="want_${page//[.-]/_}"
	for w in "${want[@]}"; do
		grep -qF -- "$w" <<<"$text" || fail "$page does not mention '$w'"
	done
	unset -n want
done

if [ $fails -eq 0 ]; then
	echo "PASS: the manual pages render without warnings and cover their subjects"
	exit 0
fi
echo "$fails failures"
exit 1
