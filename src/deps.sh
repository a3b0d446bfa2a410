#!/bin/sh
# Make sure what tinyrd needs is installed: "build" for the program,
# "demo" to boot a guest too, "test" for the test suite. On Debian/Ubuntu as root, missing packages are
# installed with apt-get; otherwise they are listed and the status is 1.
set -eu

build="gcc make pkg-config libarchive-dev libelf-dev libkmod-dev libdeflate-dev
liblzma-dev libzstd-dev liblz4-dev zlib1g-dev musl-tools"
# arm64's launcher writes device trees.
[ "$(uname -m)" = aarch64 ] && build="$build libfdt-dev"
# Booting: busybox-static for the default image, QEMU, kmod's depmod to
# index the Debian kernel the demo and the tests fetch.
demo="busybox-static qemu-system-x86 kmod"
# The tests: cmocka and shunit2 to run them, mandoc to lint the manuals,
# cpio and the compressors for the archive checks, a foreign-architecture
# libc for the sysroot test, strace and bash as dynamic programs to copy,
# git for the bisect example, python3 to read JSON, the headers of
# Debian's kernel for a test module (virtio-mmio's binding), libfdt for
# the arm64 device tree's test.
test="libcmocka-dev shunit2 mandoc cpio gzip xz-utils zstd lz4 libc6-arm64-cross
strace bash git python3 linux-headers-amd64 libfdt-dev"

case ${1-build} in
build) want=$build ;;
demo) want="$build $demo" ;;
test) want="$build $demo $test" ;;
*) echo "usage: $0 build|demo|test" >&2; exit 2 ;;
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
if [ "$(id -u)" != 0 ]; then
	echo "tinyrd: missing packages:$missing" >&2
	echo "tinyrd: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "tinyrd: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
