#!/bin/bash
# PROGRAM arguments: libraries as the loader finds them, symlink chains,
# merged /usr, scripts, --copy, the command, --sysroot.
. "$(dirname "$0")/lib.sh"

# The files the dynamic loader maps for a program, as real paths.
loader_set() {
	{ echo "$1"; LD_TRACE_LOADED_OBJECTS=1 "$1" | grep -o '/[^ ]*'; } |
		xargs realpath | sort -u
}

# The files tinyrd copies (file lines of --print), as real paths.
our_set() {
	tinyrd build --bare --no-runtime --print "$1" | awk '$1 == "file" { print $3 }' |
		xargs realpath | sort -u
}

test_libraries_match_loader() {
	n=0
	for p in bash strace qemu-system-x86_64 git perl gdb; do
		path=$(command -v $p) || continue
		path=$(realpath "$path")
		assertEquals "$p" "$(loader_set "$path")" "$(our_set "$path")"
		n=$((n + 1))
	done
	[ $n -gt 0 ] || { skip "no dynamic programs to compare"; return; }
}

# Built for real: the programs run from the unpacked image (chroot, same
# kernel), which proves the loader, libraries and links are all there.
test_programs_run_in_image() {
	is_root || { skip "chroot needs root"; return; }
	command -v strace >/dev/null || { skip "strace is not installed"; return; }
	run tinyrd build --bare -o img bash strace /bin/sh
	assertEquals "$(cat "$T/err")" 0 "$rc"
	unpack_image img root
	assertEquals "ok" "$(chroot root /bin/bash -c 'echo ok')"
	assertEquals "ok" "$(chroot root /usr/bin/bash -c 'echo ok')"
	chroot root strace -o /trace /bin/sh -c true || fail "strace in the image"
	# libfoo.so.N -> libfoo.so.N.M chains stay symlinks.
	lib=$(LD_TRACE_LOADED_OBJECTS=1 /usr/bin/bash | awk '/libtinfo/ { print $3 }')
	if [ -n "$lib" ] && [ -L "$lib" ]; then
		[ -L "root$lib" ] || fail "$lib is not a symlink in the image"
	fi
}

# -v says what is copied and why, naming libraries by the path the loader
# opens them at.
test_verbose_reasons() {
	prog=$(command -v strace) || { skip "strace is not installed"; return; }
	libc=$(LD_TRACE_LOADED_OBJECTS=1 "$prog" | awk '$1 == "libc.so.6" { print $3 }')
	[ -n "$libc" ] || { skip "strace does not load libc.so.6"; return; }
	run tinyrd build --bare -v --print strace
	assertEquals "$(cat "$T/err")" 0 "$rc"
	for line in "bin $prog" "lib $libc (needed by strace)"; do
		grep -qxF "$line" "$T/err" || fail "no line '$line' in: $(cat "$T/err")"
	done
}

test_merged_usr() {
	[ -L /bin ] || { skip "this host has no merged /usr"; return; }
	tinyrd build --bare --print /bin/bash >m
	grep -qx "slink /bin $(readlink /bin) 0777 0 0" m || fail "/bin link"
	grep -q "^file $(realpath /bin/bash) " m || fail "bash at its real path"
}

test_scripts_pull_interpreters() {
	printf '#!/usr/bin/env bash\necho hi\n' >envscript
	printf '#!/bin/sh -e\necho hi\n' >shscript
	chmod +x envscript shscript
	tinyrd build --bare --print ./envscript ./shscript >m
	grep -q "^file $T/envscript " m || fail "script itself"
	grep -q "^file $(realpath /usr/bin/env) " m || fail "env"
	grep -q "^file $(realpath "$(command -v bash)") " m || fail "bash through env"
	grep -q "^file $(realpath /bin/sh) " m || fail "/bin/sh"
	printf '#!relative/interp\n' >bad
	chmod +x bad
	run tinyrd build --bare --print ./bad
	assertEquals 1 "$rc"
	assert_one_error "is not an absolute path"
}

test_copy() {
	mkdir -p tree/sub
	echo one >tree/one
	echo two >tree/sub/two
	chmod 600 tree/one
	ln -s sub/two tree/link
	ln tree/one tree/hard
	echo f >file
	tinyrd build --bare --print --copy "$T/tree" --copy tree:/opt/t --copy file \
		--copy "$T/file:/etc/f" >m
	grep -qx "file $T/tree/hard $T/tree/hard 0600 0 0 $T/tree/one" m ||
		fail "hardlinked pair"
	grep -qx "slink $T/tree/link sub/two 0777 0 0" m || fail "symlink kept"
	grep -qx "file /opt/t/sub/two $T/tree/sub/two 0644 0 0" m || fail "DEST"
	grep -qx "file /file $T/file 0644 0 0" m || fail "relative SRC"
	grep -qx "file /etc/f $T/file 0644 0 0" m || fail "file to DEST"
	run tinyrd build --bare --print --copy /nonexistent/thing
	assertEquals 1 "$rc"
	assert_one_error "/nonexistent/thing: No such file or directory"
}

# Whatever owns the source, the image's entries belong to root (0/0).
test_copy_owner_root() {
	is_root || { skip "chown needs root"; return; }
	mkdir -p tree/sub
	echo one >tree/sub/one
	echo f >file
	chown -R 1234:5678 tree file
	run tinyrd build --bare --no-init -z none --copy tree:/t --copy file:/f -o img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	tinyrd inspect img >listing
	for p in /t /t/sub /t/sub/one /f; do
		grep -qE "^[-d][-rwx]{9} 0/0 .* $p\$" listing || fail "$p is not 0/0: $(cat listing)"
	done
	cpio -itv --numeric-uid-gid --quiet <img | awk '$3 != 0 || $4 != 0' >owned
	assertEquals "entries not owned by 0/0" "" "$(cat owned)"
}

nul_list() {
	tr '\0' '|' <"$1"
}

test_command_and_env() {
	run tinyrd build --bare -z none -o a.img --run 'echo "hi"; exit 3' -e A=1 -e 'B=x y'
	assertEquals 0 "$rc"
	unpack_image a.img a
	assertEquals "/bin/sh|-c|echo \"hi\"; exit 3|" "$(nul_list a/etc/tinyrd/argv)"
	assertEquals "A=1|B=x y|" "$(nul_list a/etc/tinyrd/env)"
	# After --: argv exactly, never re-quoted.
	tinyrd build --bare -z none -o b.img -- printf '%s\n' 'a b' "c'd" '$x' ''
	unpack_image b.img b
	assertEquals "printf|%s\n|a b|c'd|\$x||" "$(nul_list b/etc/tinyrd/argv)"
	tinyrd inspect --config b.img >conf
	assertContains "$(cat conf)" "command: printf '%s\n' 'a b' 'c'\\''d' '\$x' ''"
	run tinyrd build --bare -o c.img --run true -- false
	assertEquals 1 "$rc"
	assert_one_error "--run and a command after -- cannot be combined"
	assert_absent c.img
}

test_sysroot_foreign_arch() {
	sr=/usr/aarch64-linux-gnu
	[ -e $sr/lib/libc.so.6 ] || { skip "libc6-arm64-cross is not installed"; return; }
	run tinyrd build --arch arm64 --bare --print --sysroot $sr /lib/libresolv.so.2
	assertEquals "$(cat "$T/err")" 0 "$rc"
	for f in /lib/libresolv.so.2 /lib/libc.so.6 /lib/ld-linux-aarch64.so.1; do
		grep -q "^file $f $sr$f " "$T/out" || fail "$f"
	done
	run tinyrd build --bare --print --sysroot /nonexistent /bin/true
	assertEquals 1 "$rc"
	assert_one_error "--sysroot /nonexistent"
}

test_busybox_option() {
	bb=$(command -v busybox) || { skip "busybox is not installed"; return; }
	run tinyrd build --print --busybox "$bb"
	assertEquals 0 "$rc"
	grep -q "^file $(realpath "$bb") " "$T/out" || fail "busybox"
	run tinyrd build --print --busybox /nonexistent/busybox
	assertEquals 1 "$rc"
	assert_one_error "/nonexistent/busybox"
}

run_shunit2
