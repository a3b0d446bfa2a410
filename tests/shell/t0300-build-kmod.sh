#!/bin/bash
# --kmod: dependencies, softdeps, aliases, builtins, firmware, compressed
# modules, --kver/--kernel/--moddir; on a fixture tree and Debian's.
. "$(dirname "$0")/lib.sh"

KV=9.9.9-test

oneTimeSetUp() {
	TREE=$(mktemp -d)
	"$FIX/modtree.sh" "$TREE" $KV >/dev/null 2>&1 || TREE=
}

oneTimeTearDown() {
	[ -n "$TREE" ] && rm -rf "$TREE"
}

M=/lib/modules/$KV/kernel/fixture

test_order_softdeps_params() {
	[ -n "$TREE" ] || { skip "cannot build the fixture modules tree"; return; }
	run tinyrd build --bare -v -z none -o img --moddir "$TREE/lib/modules/$KV" \
		--kver $KV --kmod 'fixture-alias-a opt=1 s="a b"'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	unpack_image img root
	printf '%s\n' "fixe $M/fixe.ko" "fixb $M/fixb.ko" "fixc $M/fixc.ko" \
		"fixa $M/fixa.ko opt=1 s=\"a b\"" "fixd $M/fixd.ko" >expect
	assertEquals "$(cat expect)" "$(cat root/etc/tinyrd/modules)"
	for line in "kmod fixb (dependency of fixa)" "kmod fixc (softdep of fixa)" \
	    "kmod fixd (softdep of fixa)" "kmod fixa" \
	    "firmware /lib/firmware/tinyrd/fixa.bin (of fixa)"; do
		assertContains "$(cat "$T/err")" "$line"
	done
	# Compressed modules are stored decompressed under the plain name.
	assertEquals "7f454c46" "$(od -An -tx1 -N4 root$M/fixc.ko | tr -d ' ')"
	assertEquals "7f454c46" "$(od -An -tx1 -N4 root$M/fixd.ko | tr -d ' ')"
	assert_absent root$M/fixc.ko.xz
	tinyrd inspect --config img >conf
	assertContains "$(cat conf)" "modules (load order):"
	assertContains "$(cat conf)" "  fixa $M/fixa.ko opt=1"
}

# A .ko.gz module is stored decompressed, under the name without .gz.
test_gzip_module() {
	[ -n "$TREE" ] || { skip "cannot build the fixture modules tree"; return; }
	run tinyrd build --bare -z none -o img --moddir "$TREE" --kver $KV --kmod fixg
	assertEquals "$(cat "$T/err")" 0 "$rc"
	unpack_image img root
	[ -f root$M/fixg.ko ] || { fail "no $M/fixg.ko"; return; }
	assert_absent root$M/fixg.ko.gz
	gzip -dc "$TREE$M/fixg.ko.gz" >orig
	cmp orig root$M/fixg.ko || fail "fixg.ko differs from the decompressed original"
	assertEquals "fixg $M/fixg.ko" "$(cat root/etc/tinyrd/modules)"
	# Its firmware, read from its .modinfo here when libkmod cannot
	# read a .ko.gz (Debian's is built without zlib).
	assertEquals "firmware for fixg" "$(cat root/lib/firmware/tinyrd/fixg.bin)"
	assertNotContains "$(cat "$T/err")" "cannot read modinfo"
}

# A relative --moddir, or one with a trailing slash, is the same tree.
test_moddir_spellings() {
	[ -n "$TREE" ] || { skip "cannot build the fixture modules tree"; return; }
	ln -s "$TREE" tree
	tinyrd build --bare --print --moddir tree --kver $KV --kmod fixa >a
	tinyrd build --bare --print --moddir "$TREE/lib/modules/$KV/" --kver $KV --kmod fixa >b
	tinyrd build --bare --print --moddir "$TREE" --kver $KV --kmod fixa >c
	assertEquals "$(cat c)" "$(cat a)"
	assertEquals "$(cat c)" "$(cat b)"
	grep -q "^file $M/fixa.ko " c || fail "module path"
	grep -q "^file /lib/firmware/tinyrd/fixa.bin " c || fail "firmware beside the tree"
}

test_firmware_from_sysroot() {
	[ -n "$TREE" ] || { skip "cannot build the fixture modules tree"; return; }
	tinyrd build --bare --print --sysroot "$TREE" --kver $KV --kmod fixa >m
	grep -qx "file /lib/firmware/tinyrd/fixa.bin $TREE/lib/firmware/tinyrd/fixa.bin 0644 0 0" m ||
		fail "firmware"
	grep -q absent.bin m && fail "absent firmware"
	return 0
}

test_builtin_note() {
	[ -n "$TREE" ] || { skip "cannot build the fixture modules tree"; return; }
	run tinyrd build --bare --print --moddir "$TREE" --kver $KV --kmod fixbuiltin
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/err")" "note: module fixbuiltin is built into $KV, skipped"
	grep -q modules "$T/out" && fail "a config for a builtin"
	return 0
}

# Without --kver or --kernel the release is the running kernel's.
test_kver_default_uname() {
	kver=$(uname -r)
	if [ ! -d "/lib/modules/$kver" ]; then
		run tinyrd build --bare --print --kmod loop
		assertEquals 1 "$rc"
		assert_one_error "/lib/modules/$kver: modules directory for $kver not found"
		return
	fi
	# The host has a tree: its first module comes from it.
	m=$(sed -n '1s/:.*//p' "/lib/modules/$kver/modules.dep")
	[ -n "$m" ] || { skip "/lib/modules/$kver has no modules.dep"; return; }
	name=$(basename "$m" | sed 's/\.ko.*//')
	run tinyrd build --bare --print --kmod "$name"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	grep -q "^file /lib/modules/$kver/" "$T/out" || fail "no module from /lib/modules/$kver"
}

# Debian's tree: --kernel reads the release from the bzImage.
test_debian_kernel() {
	K=$TINYRD_KERNEL_DIR
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return; }
	kver=$(cat "$K/kver")
	run tinyrd build --bare --print --moddir "$K" --kernel "$K/vmlinuz" --kmod 9p --kmod virtio_blk
	assertEquals "$(cat "$T/err")" 0 "$rc"
	grep '^text /etc/tinyrd/modules' "$T/out" | sed 's/.* 0 0 //; s/\\n/\n/g' |
		awk 'NF { print $2 }' >ours
	# modprobe takes one module; do them one after the other: ours, then
	# the drivers of tinyrd's VM devices that a named kernel brings along.
	for m in 9p virtio_blk 8250 virtio_pci virtio_console virtio_rng virtio_blk; do
		modprobe -C /dev/null -d "$K" -S "$kver" --show-depends $m
	done |
		awk -v k="$K" '$1 == "insmod" { sub("^" k, "", $2); if (!seen[$2]++) print $2 }' >theirs
	assertEquals "$(cat theirs)" "$(cat ours)"
	# --no-vm-modules: exactly what modprobe loads, and the VM drivers'
	# -v lines say why they came.
	run tinyrd build -v --bare --print --moddir "$K" --kernel "$K/vmlinuz" --no-vm-modules --kmod 9p
	assertEquals 0 "$rc"
	grep '^text /etc/tinyrd/modules' "$T/out" | sed 's/.* 0 0 //; s/\\n/\n/g' |
		awk 'NF { print $2 }' >ours
	modprobe -C /dev/null -d "$K" -S "$kver" --show-depends 9p |
		awk -v k="$K" '$1 == "insmod" { sub("^" k, "", $2); print $2 }' >theirs
	assertEquals "$(cat theirs)" "$(cat ours)"
	run tinyrd build -v --bare --print --moddir "$K" --kernel "$K/vmlinuz" --kmod 9p
	assertContains "$(cat "$T/err")" "kmod virtio_pci (a driver of tinyrd's VM devices)"
}

run_shunit2
