#!/bin/bash
# Bad input: one line naming the object, status 1, no image and no
# temporary file left, and an existing image untouched.
. "$(dirname "$0")/lib.sh"

# expect_error WHAT ARGS...: the build fails naming WHAT, writes nothing,
# and does not touch an existing image.
expect_error() {
	what=$1
	shift
	echo "previous image" >keep.img
	run tinyrd build "$@" -o keep.img
	assertEquals "status for $*" 1 "$rc"
	assert_one_error "$what"
	assertEquals "existing image untouched" "previous image" "$(cat keep.img)"
	rm -f keep.img
	assert_nothing_written
}

test_missing_program() {
	expect_error "no-such-program-xyz: program not found in PATH" --bare no-such-program-xyz
}

test_not_elf() {
	expect_error "/etc/passwd: not an ELF executable or #! script" --bare /etc/passwd
}

test_truncated_elf() {
	head -c 600 "$(realpath /bin/sh)" >trunc
	chmod +x trunc
	expect_error "$T/trunc: truncated or corrupt ELF file" --bare ./trunc
	printf '\177ELF\002\001\001' >tiny
	chmod +x tiny
	expect_error "$T/tiny: truncated or corrupt ELF file" --bare ./tiny
}

test_missing_library() {
	command -v cc >/dev/null || { skip "no C compiler"; return; }
	echo 'void tinyrd_f(void) {}' | cc -shared -fPIC -x c - -o libtinyrdgone.so
	echo 'void tinyrd_f(void); int main(void) { tinyrd_f(); return 0; }' |
		cc -x c - -o needsgone -L. -ltinyrdgone
	rm libtinyrdgone.so
	expect_error "libtinyrdgone.so: library not found (needed by $T/needsgone)" --bare ./needsgone
}

# A file by the library's name that is no ELF file is named (glibc's
# loader says "invalid ELF header"), not reported as a missing library.
test_library_not_elf() {
	command -v cc >/dev/null || { skip "no C compiler"; return; }
	echo 'void tinyrd_f(void) {}' | cc -shared -fPIC -x c - -o libtfake.so
	echo 'void tinyrd_f(void); int main(void) { tinyrd_f(); return 0; }' |
		cc -x c - -o needsfake -L. -ltfake -Wl,-rpath,"$T/lib"
	mkdir lib
	echo 'INPUT(-lc)' >lib/libtfake.so
	expect_error "libtfake.so: $T/lib/libtfake.so: not an ELF file (needed by $T/needsfake)" \
		--bare ./needsfake
}

test_unknown_module() {
	tree=$T/tree
	"$FIX/modtree.sh" "$tree" 9.9.9-test >/dev/null 2>&1 || { skip "no fixture modules tree"; return; }
	expect_error "module no_such_mod: not found in $tree/lib/modules/9.9.9-test" \
		--bare --moddir "$tree" --kver 9.9.9-test --kmod no_such_mod
	rm -rf "$tree"
}

test_missing_modules_dir() {
	expect_error "/lib/modules/0.0.0-none: modules directory for 0.0.0-none not found" \
		--bare --kver 0.0.0-none --kmod loop
	expect_error "/nonexistent/mods: modules directory for 1.2.3 not found" \
		--bare --moddir /nonexistent/mods --kver 1.2.3 --kmod loop
}

test_bad_kernel() {
	echo "not a kernel" >vmlinuz
	expect_error "$T/vmlinuz: not a Linux kernel image" --bare --kernel "$T/vmlinuz" --kmod loop
	expect_error "/nonexistent/vmlinuz: No such file or directory" --bare -k /nonexistent/vmlinuz --kmod loop
}

test_recipe_syntax() {
	printf 'dir /a 0755 0 0\n\nslink /b\n' >bad.recipe
	expect_error "bad.recipe:3: missing fields: expected 'slink NAME TARGET MODE UID GID'" -f ./bad.recipe
	expect_error "recipe no-such-recipe: not found" -f no-such-recipe
}

# A host path whose ${VAR} is not set, in each verb that takes one, and
# an include's name (copy and include freed a path they never had: found
# by fuzz-recipe).
test_recipe_unset_variable() {
	for line in 'copy ${TINYRD_NO_SUCH_VAR}/x' 'copy /etc/${TINYRD_NO_SUCH_VAR}:/y' \
	    'file /f ${TINYRD_NO_SUCH_VAR} 0644 0 0' 'busybox ${TINYRD_NO_SUCH_VAR}' \
	    'init ${TINYRD_NO_SUCH_VAR}' 'bin ${TINYRD_NO_SUCH_VAR}/sh' \
	    'include ${TINYRD_NO_SUCH_VAR}'; do
		printf '%s\n' "$line" >var.recipe
		expect_error "var.recipe:1: \${TINYRD_NO_SUCH_VAR} is not set" \
			--bare -f ./var.recipe
	done
}

# As an unprivileged user: an unreadable file, an unwritable directory.
as_user() {
	if is_root; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

test_unreadable_file() {
	chmod 755 "$T"
	echo secret >secret
	chmod 000 secret
	if ! is_root && cat secret >/dev/null 2>&1; then
		skip "permissions are not enforced here"
		return
	fi
	mkdir o && chmod 777 o
	run as_user "$TINYRD" build --bare --copy "$T/secret:/s" -o o/x.img
	assertEquals 1 "$rc"
	assert_one_error "$T/secret: Permission denied"
	assert_nothing_written o
	run as_user "$TINYRD" build --bare --init "$T/secret" -o o/x.img
	assertEquals 1 "$rc"
	assert_one_error "$T/secret: Permission denied"
	assert_nothing_written o
}

test_unwritable_output() {
	chmod 755 "$T"
	mkdir ro && chmod 555 ro
	if ! is_root && touch ro/probe 2>/dev/null; then
		skip "permissions are not enforced here"
		return
	fi
	run as_user "$TINYRD" build --bare --copy /etc/hostname:/h -o ro/x.img
	assertEquals 1 "$rc"
	assert_one_error "ro/x.img: cannot write in ro: Permission denied"
	assert_nothing_written ro
	run tinyrd build --bare --copy /etc/hostname:/h -o nodir/x.img
	assertEquals 1 "$rc"
	assert_one_error "nodir/x.img: cannot write in nodir: No such file or directory"
}

# Outputs that are not regular files stay what they are; a symlink to an
# image keeps pointing at the new one.
test_output_kinds() {
	is_root || { skip "mknod needs root"; return; }
	mknod nul c 1 3
	run tinyrd build --bare --copy /etc/hostname:/h -o nul
	assertEquals 0 "$rc"
	[ -c nul ] || fail "the device node was replaced"
	echo old >real.img
	ln -s real.img link.img
	run tinyrd build --bare --copy /etc/hostname:/h -o link.img
	assertEquals 0 "$rc"
	[ -L link.img ] || fail "the symlink was replaced"
	assertEquals "1f8b" "$(od -An -tx1 -N2 real.img | tr -d ' ')"
	mkdir d.img
	run tinyrd build --bare --copy /etc/hostname:/h -o d.img
	assertEquals 1 "$rc"
	assert_one_error "d.img: is a directory"
}

# A FIFO where a program or library should be is refused, not opened.
test_fifo_program() {
	mkfifo ff
	run timeout 20 "$TINYRD" build --bare --print ./ff
	assertEquals 1 "$rc"
	assert_one_error "$T/ff: not a regular file"
}

test_kmod_newline() {
	run tinyrd build --bare --print --kmod "$(printf 'loop a=1\nb=2')"
	assertEquals 1 "$rc"
	assert_one_error "--kmod loop: parameters cannot hold a newline"
}

# A signal mid-build leaves no temporary file.
test_interrupted() {
	command -v qemu-system-x86_64 >/dev/null || { skip "no large program to copy"; return; }
	for i in 1 2 3 4 5; do
		tinyrd build --bare -z xz --level 9 --copy /usr/share/qemu:/q -o x.img &
		pid=$!
		sleep 0.$((i * 2))
		kill -INT $pid 2>/dev/null
		wait $pid
		rm -f x.img
		assert_nothing_written
	done
}

run_shunit2
