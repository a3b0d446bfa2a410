#!/bin/bash
# A copied program wins over the BusyBox applet of the same name, in the
# shell too: run in the unpacked image (chroot), said by inspect
# --commands, decided from the manifest alone, and nothing changed when
# no program shadows an applet.
. "$(dirname "$0")/lib.sh"

BUSYBOX=$(command -v busybox)
IP=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v ip)

# Skip unless busybox and iproute2's ip are on the host.
need_programs() {
	[ -n "$BUSYBOX" ] || { skip "busybox is not installed"; return 1; }
	[ -n "$IP" ] || { skip "iproute2 is not installed (no ip)"; return 1; }
}

# A shell command run by the image's /bin/sh in the unpacked image $1,
# with a /proc of its own: busybox's standalone shell re-executes
# /proc/self/exe to run an applet.
in_image() {
	unshare -m sh -c 'mount -t proc proc "$1/proc" &&
		exec chroot "$1" /bin/sh -c "$2"' - "$1" "$2" 2>&1
}

test_copied_programs_run() {
	need_programs || return
	is_root || { skip "chroot needs root"; return; }
	unshare -m true 2>/dev/null || { skip "unshare -m is not permitted here"; return; }
	run tinyrd build -v -o img ls "$IP"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	grep -qx "busybox applet ls hidden: ls runs $(realpath "$(command -v ls)")" "$T/err" ||
		fail "no -v line for ls: $(grep hidden "$T/err" | head -3)"
	unpack_image img root
	in_image root true || { skip "chroot into the image failed"; return; }
	assertContains "$(in_image root 'sh -c "ls --version"')" "GNU coreutils"
	assertContains "$(in_image root 'sh -c "ip -V"')" "iproute2"
	assertContains "$(in_image root 'echo x | xargs ls --version')" "GNU coreutils"
	assertContains "$(in_image root 'sh -c "cat /etc/passwd"')" "root:x:0:0:"
	out=$(in_image root 'sh -c "mknod --help"')
	assertContains "$out" "Usage: mknod"
	assertNotContains "$out" "applet not found"
	assertContains "$(in_image root 'busybox ls')" "ls: applet not found"

	run tinyrd inspect --commands img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	bb=$(realpath "$BUSYBOX")
	for want in "ls $(realpath "$(command -v ls)")" "ip $(realpath "$IP")" \
		"cat $bb (applet)" "mknod $bb (applet)"; do
		grep -qx "${want%% *}  *${want#* }" "$T/out" ||
			fail "inspect: want '$want', got '$(grep "^${want%% *} " "$T/out")'"
	done
	grep -qx 'sh  *applet of .*/sh' "$T/out" || fail "sh: $(grep '^sh ' "$T/out")"
}

# Hardlinks of the busybox are that busybox: no applet of theirs is
# hidden (a name leading to one of them leads to the shell's own bytes).
test_hardlinked_busybox() {
	[ -n "$BUSYBOX" ] || { skip "busybox is not installed"; return; }
	mkdir d
	cp "$BUSYBOX" d/busybox
	ln d/busybox d/sh
	ln d/busybox d/cat
	run tinyrd build --bare --no-init --copy d:/bin -o img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	run tinyrd inspect --commands img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	for a in cat sh ls; do
		grep -qx "$a  *applet of /bin/sh" "$T/out" || fail "$a: $(grep "^$a " "$T/out")"
	done
	unpack_image img root
	cmp root/bin/sh "$BUSYBOX" || fail "busybox changed"
}

# The file /bin/sh leads to in image $1, as inspect --commands says.
shell_of() {
	tinyrd inspect --commands "$1" | awk '$1 == "sh" { print $NF }'
}

# The decision is the manifest's: the image built again from --print's
# output has the same busybox and /bin/sh, byte for byte.
test_print_round_trip() {
	need_programs || return
	run tinyrd build -o img ls "$IP"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	tinyrd build --print ls "$IP" >m.recipe
	run tinyrd build --bare -f ./m.recipe -o again.img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertNotContains "$(cat "$T/err")" "warning"
	unpack_image img one
	unpack_image again.img two
	bb=$(realpath "$BUSYBOX")
	sh=$(shell_of img)
	assertEquals "$sh" "$(shell_of again.img)"
	[ -n "$sh" ] && [ "$sh" != "$bb" ] || { fail "/bin/sh is no copy of its own: '$sh'"; return; }
	for f in "$bb" "$sh"; do
		[ -f "one$f" ] && [ -f "two$f" ] || { fail "no $f in the images"; continue; }
		cmp "one$f" "two$f" || fail "$f differs"
	done
	if cmp -s "one$bb" "$BUSYBOX"; then
		fail "the image's busybox is the host's: nothing hidden"
	fi
}

# No program shadows an applet: /bin/sh is a link to busybox, which is
# the host's, unchanged.
test_no_programs_no_change() {
	[ -n "$BUSYBOX" ] || { skip "busybox is not installed"; return; }
	run tinyrd build -o img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	unpack_image img root
	bb=$(realpath "$BUSYBOX")
	[ -L root/bin/sh ] || fail "/bin/sh is not a symlink: $(ls -l root/bin/sh)"
	assertEquals "$bb" "$(shell_of img)"
	cmp "root$bb" "$BUSYBOX" || fail "busybox changed"
}

run_shunit2
