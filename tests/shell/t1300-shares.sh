#!/bin/bash
# --share: the option's errors (before anything boots), and shares under
# QEMU TCG, whose own 9p server tinyrd drives the same way as its own
# (the built-in servers are checked in the nested harness, t1310).
. "$(dirname "$0")/lib.sh"

K=${TINYRD_KERNEL_DIR-}

need() {
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return 1; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return 1; }
	command -v busybox >/dev/null || { skip "busybox is not installed"; return 1; }
	export XDG_CACHE_HOME=$T/cache
}

trun() {
	run timeout 300 "$TINYRD" run -k "$K/vmlinuz" --moddir "$K" --vmm qemu \
		--accel tcg "$@"
}

# A usage error: status 125, the first line names it.
assert_usage() {
	assertEquals 125 "$rc"
	assertContains "$(head -n 1 "$T/err")" "tinyrd: error: $1"
}

test_share_errors() {
	local k=$T/vmlinuz

	echo not-a-kernel >vmlinuz
	mkdir d
	run tinyrd run -k "$k" --share "$T/missing" -- true
	assertEquals 125 "$rc"
	assert_one_error "share $T/missing: No such file or directory"
	touch file
	run tinyrd run -k "$k" --share "$T/file" -- true
	assertEquals 125 "$rc"
	assert_one_error "share $T/file: Not a directory"
	run tinyrd run -k "$k" --share "d,bogus" -- true
	assert_usage "--share d,bogus: unknown option bogus"
	run tinyrd run -k "$k" --share "d:bad/tag" -- true
	assert_usage "--share d:bad/tag: a tag is letters, digits"
	run tinyrd run -k "$k" --share "d,mount=relative" -- true
	assert_usage "--share d,mount=relative: mount= takes an absolute guest path"
	run tinyrd run -k "$k" --share d --share "$T/d" -- true
	assert_usage "--share $T/d: tag d is taken"
	for v in 3M 1M 128G 0x10M 2Mb -1 ''; do
		run tinyrd run -k "$k" --share "d,dax=$v" -- true
		assert_usage "--share d,dax=$v: dax= takes off or a power of two from 2M to 64G"
	done
	run tinyrd boot -k "$k" -i x.img --share "$T/missing"
	assertEquals 125 "$rc"
	assert_one_error "share $T/missing: No such file or directory"
	run tinyrd boot -k "$k" -i x.img --share "d,mount=/srv"
	assert_usage "--share d,mount=/srv: mount= is for tinyrd run; under boot the image's init mounts the tag itself"
	need || return
	run tinyrd run -k "$K/vmlinuz" --moddir "$K" --vmm qemu --accel tcg \
		--share "d,fs=virtiofs" -- true
	assertEquals 125 "$rc"
	assert_one_error "share d: fs=virtiofs is the built-in launcher's"
	run tinyrd run -k "$K/vmlinuz" --moddir "$K" --vmm qemu --accel tcg \
		--share "d,dax=64M" -- true
	assertEquals 125 "$rc"
	assert_one_error "share d: dax= is virtio-fs's"
	run tinyrd run -k "$K/vmlinuz" --moddir "$K" --vmm builtin --force --transport mmio \
		--share "d,fs=virtiofs,dax=4M" -- true
	assertEquals 125 "$rc"
	assert_one_error "share d: dax= needs PCI (not --transport mmio)"
}

test_share_help() {
	run tinyrd run --help
	assertContains "$(cat "$T/out")" "--share DIR[:TAG]"
	run tinyrd boot --help
	assertContains "$(cat "$T/out")" "--share DIR[:TAG]"
}

# Under QEMU: read what the host wrote, write what the host reads, a ro
# share refuses writes, mount= and the default /mnt/TAG.
test_qemu_9p() {
	need || return
	mkdir -p s r
	head -c 1500000 /dev/urandom >s/data
	echo ro-file >r/keep
	trun --share "$T/s" --share "$T/r:ro,ro,mount=/srv/ro" -- sh -c '
		echo "sum $(md5sum </mnt/s/data)"
		echo guest >/mnt/s/from-guest
		echo x >/srv/ro/new 2>/dev/null && echo "ro written"
		cat /srv/ro/keep
		grep " /mnt/s \| /srv/ro " /proc/mounts | cut -d" " -f3,4 | cut -d, -f1'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "sum $(md5sum <s/data)"
	assertEquals guest "$(cat s/from-guest)"
	assertNotContains "$(cat "$T/out")" "ro written"
	assertFalse "ro share written" "[ -e r/new ]"
	assertContains "$(cat "$T/out")" "ro-file"
	assertContains "$(cat "$T/out")" "9p rw"
	assertContains "$(cat "$T/out")" "9p ro"
}

# Host-root mode under QEMU's 9p: the host's userland runs, / is
# read-only, --rw gives an overlay whose changes stay in the guest.
test_qemu_rootfs() {
	need || return
	mkdir -p w
	echo before >w/f
	trun --rootfs /,fs=9p --rw "$T/w" --console-log "$T/con" -- sh -c '
		echo $((6*7))
		cat /etc/hostname >/dev/null && echo "host /etc"
		touch /usr/tinyrd-test 2>/dev/null || echo "/usr read-only"
		echo after >'"$T"'/w/f && cat '"$T"'/w/f
		echo tmp >/tmp/x && cat /tmp/x'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "42
host /etc
/usr read-only
after
tmp" "$(cat "$T/out")"
	assertEquals "the host's file is untouched" before "$(cat w/f)"
	# The loader and /bin/sh were verified before the switch.
	assertContains "$(cat "$T/con")" "ok /newroot/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 mmap"
	assertContains "$(cat "$T/con")" "verify end 0"
	assertFalse "[ -e /usr/tinyrd-test ]"
	run tinyrd run -k "$K/vmlinuz" --rw /tmp -- true
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/err")" "--rw makes an overlay in the host's root: it needs --rootfs"
}

# tinyrd verify against QEMU's 9p: the fixture and the sweep pass, in a
# table and in JSON; a --share DIR is sampled and left as it was.
test_qemu_verify() {
	need || return
	run timeout 600 "$TINYRD" verify -k "$K/vmlinuz" --moddir "$K" --vmm qemu \
		--accel tcg --quick
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(tail -n 1 "$T/out")" " passed, 0 failed"
	mkdir d
	head -c 3000000 /dev/urandom >d/a
	echo small >d/b
	(cd d && ls -lAR) >before
	run timeout 600 "$TINYRD" verify -k "$K/vmlinuz" --moddir "$K" --vmm qemu \
		--accel tcg --quick --json --share "$T/d"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["failed"] == 0 and r["passed"] > 0
assert any(x["path"].endswith("/a") and x["method"] == "mmap" for x in r["results"])' "$T/out"
	assertEquals "the JSON parses and names d/a" 0 $?
	(cd d && ls -lAR) >after
	assertEquals "the share is as it was" "$(cat before)" "$(cat after)"
}

. shunit2
