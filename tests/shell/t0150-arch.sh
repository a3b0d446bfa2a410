#!/bin/bash
# Images for another arch (--arch arm64 --sysroot): every ELF file is
# aarch64 and finds its interpreter and libraries inside the image, as the
# cross binutils' readelf reads them; the programs run from the image
# under qemu-aarch64 (user emulation, the image as its root); busybox's
# applets, read from its file, are the ones its own --list-full prints
# (native busybox, and arm64 busybox under qemu-aarch64); a program of the
# wrong arch is one error naming it, and nothing is written.
. "$(dirname "$0")/lib.sh"

oneTimeSetUp() {
	SR=$("$FIX/sysroot.sh") || { SR_WHY=$SR; SR=; }
	READELF=$(command -v aarch64-linux-gnu-readelf || true)
	QEMU_A64=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
}

need_sysroot() {
	[ -n "$SR" ] || { skip "no arm64 sysroot: $SR_WHY"; return 1; }
	[ -n "$READELF" ] || { skip "aarch64-linux-gnu-readelf is not installed (binutils-aarch64-linux-gnu)"; return 1; }
	[ -n "$QEMU_A64" ] || { skip "qemu-aarch64 is not installed (qemu-user-static)"; return 1; }
}

# unpack IMAGE DIR
unpack() {
	mkdir -p "$2" && (cd "$2" && zcat "$1" | cpio -id --quiet)
}

# Is PATH (a library name) in one of the image's library directories?
has_lib() {
	local d
	for d in lib lib/aarch64-linux-gnu usr/lib usr/lib/aarch64-linux-gnu; do
		[ -e "$R/$d/$1" ] && return 0
	done
	return 1
}

test_arm64_image_elf_files() {
	need_sysroot || return
	run tinyrd build --arch arm64 --sysroot "$SR" -o "$T/a.img" bash strace
	assertEquals "$(cat "$T/err")" 0 "$rc"
	R=$T/root
	unpack "$T/a.img" "$R"
	local n=0 f interp lib
	while IFS= read -r f; do
		head -c 4 "$f" | grep -q 'ELF' || continue
		n=$((n + 1))
		assertEquals "$f" AArch64 \
			"$("$READELF" -h "$f" | sed -n 's/^ *Machine: *//p')"
		interp=$("$READELF" -l "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
		[ -z "$interp" ] || assertTrue "$f: interpreter $interp" "[ -e '$R$interp' ]"
		for lib in $("$READELF" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			assertTrue "$f: NEEDED $lib" "has_lib $lib"
		done
	done < <(find "$R" -type f)
	# init, busybox, bash, strace, the loader, libc, libtinfo at least.
	assertTrue "ELF files: $n" "[ $n -ge 7 ]"
	assertEquals AArch64 "$("$READELF" -h "$R/init" | sed -n 's/^ *Machine: *//p')"
}

test_arm64_programs_run() {
	need_sysroot || return
	tinyrd build --arch arm64 --sysroot "$SR" -o "$T/a.img" bash strace || fail "build"
	R=$T/root
	unpack "$T/a.img" "$R"
	run "$QEMU_A64" -L "$R" "$R/bin/bash" -c 'echo "bash $BASH_VERSION"; exit 3'
	assertEquals 3 "$rc"
	assertContains "$(cat "$T/out")" "bash 5."
	run "$QEMU_A64" -L "$R" "$R/usr/bin/strace" -V
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "strace -- version"
	# busybox's sh as the links call it (argv[0] "sh"; the links
	# themselves are absolute, so they point into the host here).
	assertContains "$(readlink "$R/bin/sh")" /bin/busybox
	run "$QEMU_A64" -L "$R" -0 sh "$R/bin/busybox" -c 'echo $((6 * 7))'
	assertEquals 42 "$(cat "$T/out")"
	run tinyrd inspect "$T/a.img"
	assertContains "$(cat "$T/out")" "tinyrd-init (this version)"
}

# The applet links of an image, as "dir/name" lines, sorted.
image_applets() {
	(cd "$1" && find . -type l | while IFS= read -r l; do
		case $(readlink "$l") in */busybox) echo "${l#./}" ;; esac
	done; [ -f bin/busybox ] && echo bin/busybox) | sort
}

test_busybox_applets_as_listed() {
	command -v busybox >/dev/null || { skip "busybox is not installed"; return; }
	tinyrd build -o "$T/n.img" || fail "build"
	unpack "$T/n.img" "$T/n"
	# The host's busybox lists its own applets: the oracle. Merged /usr
	# may put an applet's link under usr/ where it says bin/.
	busybox --list-full | sed 's,^usr/,,' | sort >"$T/want"
	image_applets "$T/n" | sed 's,^usr/,,' | sort >"$T/got"
	assertEquals "$(diff "$T/want" "$T/got")" "" "$(diff "$T/want" "$T/got")"
	need_sysroot || return
	tinyrd build --arch arm64 --sysroot "$SR" -o "$T/a.img" || fail "build"
	unpack "$T/a.img" "$T/a"
	"$QEMU_A64" "$SR/bin/busybox" --list-full | sed 's,^usr/,,' | sort >"$T/want"
	image_applets "$T/a" | sed 's,^usr/,,' | sort >"$T/got"
	assertEquals "$(diff "$T/want" "$T/got")" "" "$(diff "$T/want" "$T/got")"
}

test_wrong_arch() {
	need_sysroot || return
	# A host program in an arm64 image.
	run tinyrd build --arch arm64 --bare -o "$T/x.img" /bin/true
	assertEquals 1 "$rc"
	assert_one_error "/bin/true: an x86_64 program, but the image is for arm64"
	assertFalse "no image" "[ -e '$T/x.img' ]"
	# A sysroot's program in a host image.
	run tinyrd build --sysroot "$SR" --bare -o "$T/x.img" bash
	assertEquals 1 "$rc"
	assert_one_error "bash: an arm64 program, but the image is for x86_64"
	assertFalse "no image" "[ -e '$T/x.img' ]"
	run tinyrd build --arch sparc -o "$T/x.img"
	assertEquals 2 "$rc"
	assertEquals "tinyrd: error: --arch sparc: not an arch tinyrd knows (x86_64 (amd64 x86-64), arm64 (aarch64))" \
		"$(head -n 1 "$T/err")"
	# A sysroot without the program asked for.
	run tinyrd build --arch arm64 --sysroot "$SR" -o "$T/x.img" gdb
	assertEquals 1 "$rc"
	assert_one_error "gdb: program not found in PATH"
	assertFalse "no image" "[ -e '$T/x.img' ]"
	# No busybox in it: the base recipe says what to do.
	mkdir -p "$T/empty"
	run tinyrd build --arch arm64 --sysroot "$T/empty" -o "$T/x.img"
	assertEquals 1 "$rc"
	assertContains "$(cat "$T/err")" "busybox in PATH: not found"
	assertFalse "no image" "[ -e '$T/x.img' ]"
}

. shunit2
