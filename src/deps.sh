#!/bin/sh
# Make sure what tinyrd needs is installed: "build" for the program, "test"
# for the test suite too. On Debian/Ubuntu as root, missing packages are
# installed with apt-get; otherwise they are listed and the status is 1.
set -eu

build="gcc make pkg-config libarchive-dev libelf-dev libkmod-dev libdeflate-dev
liblzma-dev libzstd-dev liblz4-dev zlib1g-dev musl-tools"
# The tests: cmocka and shunit2 to run them, mandoc to lint the manuals,
# busybox-static and qemu-system-x86 to build and boot images, cpio and gzip
# for the archive checks, kmod (depmod, modprobe) to index and cross-check
# the kernel's modules, a foreign-architecture libc for the sysroot test,
# strace and bash as dynamic programs to copy, dpkg-dev for apt-get download.
test="libcmocka-dev shunit2 mandoc busybox-static qemu-system-x86 cpio gzip xz-utils
zstd lz4 kmod libc6-arm64-cross strace bash"

want=$build
[ "${1-build}" = test ] && want="$build $test"

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
