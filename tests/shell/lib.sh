# Sourced by every tests/shell/tNNNN-*.sh before shunit2.
# Each test runs in a fresh temporary directory ($T) and reports one TAP
# line, which tests/run counts. skip "reason" marks it skipped; the test
# must then return (shunit2's startSkipping only skips asserts).

: "${TINYRD:?run through tests/run or set TINYRD}"
SRC=${TINYRD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX=$SRC/tests/fixtures
INIT=$FIX/init.sh
_tap_n=0

tinyrd() { "$TINYRD" "$@"; }

setUp() {
	_skip=
	_in_test=1
	T=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-sh.XXXXXX")
	cd "$T" || return 1
}

tearDown() {
	# shunit2 calls tearDown once more from its exit trap.
	[ -n "${_in_test-}" ] || return 0
	_in_test=
	_tap_n=$((_tap_n + 1))
	cd / && rm -rf "$T"
	# A failure counts before a skip: an assert that failed and then a
	# skip (or a skip and then a failure outside the asserts' reach) is
	# a failed test, never "ok ... # SKIP".
	if [ "${__shunit_testSuccess}" != "${SHUNIT_TRUE}" ]; then
		echo "not ok $_tap_n - ${_shunit_test_}${_skip:+ (failed, then skipped: $_skip)}"
	elif [ -n "$_skip" ]; then
		echo "ok $_tap_n - ${_shunit_test_} # SKIP $_skip"
	else
		echo "ok $_tap_n - ${_shunit_test_}"
	fi
}

skip() {
	[ -n "${1-}" ] || { fail "skip without a reason"; _skip="(no reason)"; }
	_skip=${1:-$_skip}
	echo "SKIP: $1"
	startSkipping
}

is_root() { [ "$(id -u)" = 0 ]; }

# run CMD...: status in $rc, stdout in $T/out, stderr in $T/err
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# The stderr of the last run is exactly one line, an error naming $1.
assert_one_error() {
	assertEquals "stderr lines: $(cat "$T/err")" 1 "$(wc -l <"$T/err")"
	assertContains "$(cat "$T/err")" "tinyrd: error: "
	assertContains "$(cat "$T/err")" "$1"
}

# The directory holds no image and no temporary file.
assert_nothing_written() {
	left=$(ls -A "${1:-.}" | grep -E '\.img' || true)
	assertEquals "files left behind" "" "$left"
}

# List an image's paths (decompressed with the standard tools).
list_image() {
	"$TINYRD" inspect "$1" | awk '
		length($1) != 10 || $1 !~ /^[-dlcbps]/ { next }
		$1 ~ /^[cb]/ { print $5; next }
		{ print $4 }'
}

# FILE must not exist.
assert_absent() {
	if [ -e "$1" ]; then
		fail "$1 exists"
	fi
}

# Unpack an image into a directory (needs root for device nodes).
unpack_image() {
	mkdir -p "$2"
	case $(od -An -tx1 -N2 "$1" | tr -d ' ') in
	1f8b) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac | (cd "$2" && cpio -idm --quiet --no-absolute-filenames 2>/dev/null)
}

# shunit2 itself, wherever Debian put it.
run_shunit2() {
	# shellcheck disable=SC1090
	. "$(command -v shunit2)"
}

# This host's KVM, decided from what it offers, never from one sign
# standing for another (tests/README.md, "host shapes"):
#   none    no /dev/kvm node
#   closed  a node this user cannot open read-write
#   pvm     one that opens and has PVM's signs: kvm_pvm the only KVM
#           module loaded, "PVM" in KVM's CPUID vendor leaf, or a CPU
#           without VMX and SVM (a KVM there can only be paravirtual)
#   kvm     one that opens without them
kvm_shape() {
	[ -e /dev/kvm ] || { echo none; return; }
	{ : <>/dev/kvm; } 2>/dev/null || { echo closed; return; }
	if [ -e /sys/module/kvm_pvm ] && [ ! -e /sys/module/kvm_intel ] &&
		[ ! -e /sys/module/kvm_amd ]; then
		echo pvm
	elif [ "$(test_tool kvmcpuid 0x40000002 | cut -d' ' -f2)" = 004d5650 ]; then
		echo pvm
	elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo pvm
	else
		echo kvm
	fi
}

# tool NAME: the path of tests/harness/NAME.c built, in the test's
# directory (in L1, where there is no compiler, the nested harness's
# build in $TINYRD_TEST_BIN); test_tool NAME [ARG...] runs it.
tool() {
	local bin=${TINYRD_TEST_BIN:-$T/.tools}/$1

	if [ ! -x "$bin" ]; then
		mkdir -p "${bin%/*}" &&
			cc -O2 -o "$bin.tmp" "$SRC/tests/harness/$1.c" &&
			mv "$bin.tmp" "$bin" || { echo "/nonexistent/$1"; return 1; }
	fi
	echo "$bin"
}

test_tool() {
	local bin

	bin=$(tool "$1") || return 125
	shift
	"$bin" "$@"
}
