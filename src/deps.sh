#!/bin/sh
# Make sure what tinyrd needs is installed: "build" for the program,
# "demo" to boot a guest too, "test" for the test suite, "long" for
# make bisect-test. On Debian/Ubuntu as root, missing packages are
# installed with apt-get; otherwise they are listed and the status is 1.
set -eu

# libseccomp: the launcher's seccomp filters (src/vmm/confine.c).
build="gcc make pkg-config libarchive-dev libelf-dev libkmod-dev libdeflate-dev
liblzma-dev libzstd-dev liblz4-dev zlib1g-dev libseccomp-dev musl-tools"
# arm64's launcher writes device trees.
[ "$(uname -m)" = aarch64 ] && build="$build libfdt-dev"
# Booting: busybox-static for the default image, QEMU, kmod's depmod to
# index the Debian kernel the demo and the tests fetch.
demo="busybox-static qemu-system-x86 kmod"
# The tests: cmocka and shunit2 to run them, mandoc to lint the manuals,
# cpio and the compressors for the archive checks, a foreign-architecture
# libc for the sysroot test, strace and bash as dynamic programs to copy,
# git for the bisect example, python3 to read JSON, the headers of
# Debian's kernel for a test module (virtio-mmio's binding).
# arm64 (issue 17): the cross compiler and binutils (tinyrd-init and tinyrd
# for arm64, the harness's helpers, readelf on the images), QEMU's arm64
# machine (the nested harness's L1, run --arch arm64) and user emulation,
# libfdt's headers (also the arm64 device tree's unit test), and the arm64 libraries tinyrd links, from Debian
# multiarch, to cross-build it; the .so.1 of libfdt only, since
# libfdt-dev:arm64 and libfdt-dev cannot both be installed.
test="libcmocka-dev shunit2 mandoc cpio gzip xz-utils zstd lz4 libc6-arm64-cross
strace bash git python3 linux-headers-amd64 gdb procps less iproute2 perl kmod gcc
gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm
qemu-user-static libfdt-dev
libarchive-dev:arm64 libelf-dev:arm64 libkmod-dev:arm64 libdeflate-dev:arm64
liblzma-dev:arm64 libzstd-dev:arm64 liblz4-dev:arm64 zlib1g-dev:arm64
libfdt1:arm64 libc6-dev:arm64 libseccomp-dev:arm64 clang libclang-rt-dev"

# The long test (make bisect-test): a kernel's source and what its build
# needs.
long="linux-source-6.1 bc bison flex libelf-dev libssl-dev git xz-utils"

case ${1-build} in
build) want=$build ;;
long) want="$build $demo $long" ;;
demo) want="$build $demo" ;;
test) want="$build $demo $test" ;;
*) echo "usage: $0 build|demo|test|long" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "tinyrd: missing packages (Debian names):$missing" >&2
	exit 1
fi
# A package named PACKAGE:ARCH needs ARCH as a foreign architecture of
# dpkg, and apt's lists for it.
foreign=
for p in $missing; do
	case $p in
	*:*)
		a=${p#*:}
		dpkg --print-foreign-architectures | grep -qx "$a" && continue
		case " $foreign " in *" $a "*) ;; *) foreign="$foreign $a" ;; esac
		;;
	esac
done
if [ "$(id -u)" != 0 ]; then
	echo "tinyrd: missing packages:$missing" >&2
	if [ -n "$foreign" ]; then
		echo "tinyrd: install them with:" >&2
		for a in $foreign; do
			echo "  sudo dpkg --add-architecture $a" >&2
		done
		echo "  sudo apt-get update && sudo apt-get install$missing" >&2
	else
		echo "tinyrd: install them with: sudo apt-get install$missing" >&2
	fi
	exit 1
fi
echo "tinyrd: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if [ -n "$foreign" ]; then
	for a in $foreign; do
		echo "tinyrd: adding $a as a foreign architecture of dpkg" >&2
		dpkg --add-architecture "$a"
	done
	apt-get update -qq
fi
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
