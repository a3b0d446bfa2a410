#!/bin/bash
# The arm64 built-in launcher for real, in the arm64 nested harness
# (tests/harness/nested-arm64.sh: an arm64 L1 under QEMU TCG with EL2,
# whose KVM runs tinyrd's launcher as L2's VMM). It cross-builds tinyrd
# for arm64, and tinyrd with TINYRD_TESTING (the stale-data injection),
# into $TINYRD_BUILD/arm64, then boots L1 once per scenario:
#   scenarios/arm64-launcher.sh  status 3 with the streams apart, panic
#                                123, -c 2, tinyrd boot, --transport mmio,
#                                doctor's --coherence auto
#   scenarios/arm64-data.sh      verify over 9p and virtio-fs, virtio-blk,
#                                512K-16M, in --coherence none, dsb, civac;
#                                the stale-data injection caught in none
#                                and dsb, cleared by civac
# Each scenario's TAP lines become this file's, numbered in one run; a
# SKIP names what is missing (cross compiler, arm64 libraries, QEMU, the
# arm64 kernel or sysroot).
set -u
. "$(dirname "$0")/nested.sh"
O64=${TINYRD_BUILD:-$SRC/build}/arm64
n=0
fails=0

need() {
	local why

	command -v aarch64-linux-gnu-gcc >/dev/null ||
		nested_skip "aarch64-linux-gnu-gcc is not installed (gcc-aarch64-linux-gnu)"
	command -v qemu-system-aarch64 >/dev/null ||
		nested_skip "qemu-system-aarch64 is not installed (qemu-system-arm)"
	PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
		pkg-config --exists libarchive libelf libkmod libdeflate liblzma \
		libzstd liblz4 zlib 2>/dev/null && [ -e /usr/lib/aarch64-linux-gnu/libfdt.so.1 ] ||
		nested_skip "the arm64 libraries tinyrd links are not installed (libarchive-dev:arm64 ... libfdt1:arm64: src/deps.sh test)"
	why=$("$SRC/tests/fixtures/kernel.sh" arm64) || nested_skip "no Debian arm64 kernel: $why"
	why=$("$SRC/tests/fixtures/sysroot.sh") || nested_skip "no arm64 sysroot: $why"
}

# A line of TAP for a check of this file's own.
tap() {
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || fails=$((fails + 1))
}

# scenario NAME TIMEOUT [ENV...]: run it in L1; its checks renumbered
# after the ones before, its plan dropped; a run that ends without
# saying why fails.
scenario() {
	local name=$1 limit=$2 rc line t0=$SECONDS
	shift 2
	env "$@" NESTED_TINYRD_ARM64="$O64/tinyrd" NESTED_TIMEOUT="$limit" \
		"$SRC/tests/harness/nested-arm64.sh" "$name" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*|"not ok "[0-9]*)
			n=$((n + 1))
			case $line in not*) fails=$((fails + 1)) ;; esac
			echo "$line" | sed -E "s/^((not )?ok) [0-9]+/\\1 $n/"
			;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done <"$tmp/out"
	echo "# $name: status $rc, $((SECONDS - t0)) s (images built, L1 booted, the checks)"
	case $rc in
	0) ;;
	77) tap "ok" "$name # SKIP the arm64 nested harness cannot run here:$(tail -n 1 "$tmp/out" | sed 's/^# SKIP//')" ;;
	124) tap "not ok" "$name: L1 stopped answering or ran out of time ($limit s)" ;;
	*) grep -q "^not ok" "$tmp/out" ||
		tap "not ok" "$name: the harness ended with status $rc"
		sed 's/^/# stderr: /' "$tmp/err" | tail -n 20 ;;
	esac
}

need
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-t1400.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# tinyrd for arm64 (the launcher under test) and the same with what tests
# may turn on (TINYRD_TESTING: the injection), in a build directory of
# their own; ./tinyrd stays the host's. Not as a sub-make of make check
# (whose O, T and jobs are its own), and with the cross compiler whatever
# CC the environment names.
t0=$SECONDS
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$SRC" -j2 \
	CROSS_COMPILE=aarch64-linux-gnu- CC=aarch64-linux-gnu-gcc O="$O64" WERROR=1 \
	"$O64/tinyrd" "$O64/tinyrd-testing" >"$tmp/make" 2>&1; then
	tap ok "cross-built tinyrd and tinyrd-testing for arm64"
	echo "# make: $((SECONDS - t0)) s"
else
	tap "not ok" "make CROSS_COMPILE=aarch64-linux-gnu- O=$O64 tinyrd tinyrd-testing"
	sed 's/^/# /' "$tmp/make" | tail -n 30
	echo "1..$n"
	exit 1
fi

scenario arm64-launcher.sh 600
scenario arm64-data.sh 900 NESTED_EXTRA="$O64/tinyrd-testing"
echo "1..$n"
[ "$fails" -eq 0 ]
