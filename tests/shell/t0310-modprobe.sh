#!/bin/bash
# Modules behave as on the host: an image's modprobe files, read by the
# host's kmod and busybox as oracles, say what the host's tree says for
# the modules the image holds; --kmod-noload keeps a module out of the
# init's list; and in a guest (one boot) busybox's modprobe, kmod's and
# the kernel's own request load ext4 with its softdep and unload it.
. "$(dirname "$0")/lib.sh"

K=${TINYRD_KERNEL_DIR-}

need_kernel() {
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return 1; }
	command -v modprobe >/dev/null || { skip "kmod's modprobe is not installed"; return 1; }
	kver=$(cat "$K/kver")
}

# modprobe with no configuration but the tree's own (modules.softdep).
mp() { modprobe -C /dev/null -S "$kver" "$@"; }

# The module names of --show-depends' insmod lines, in order.
names() {
	awk '$1 == "insmod" { n = $2; sub(".*/", "", n); sub("[.]ko.*", "", n); print n }'
}

# An image of ext4 for modprobe only, unpacked in ./root.
ext4_image() {
	run tinyrd build "$@" -z none -o img --moddir "$K" --kernel "$K/vmlinuz" \
		--no-vm-modules --kmod-noload ext4
	assertEquals "$(cat "$T/err")" 0 "$rc"
	unpack_image img root
	D=root/lib/modules/$kver
}

# The host's kmod reads the image's files as it reads Debian's tree.
test_kmod_reads_the_image() {
	need_kernel || return
	ext4_image --bare
	mp -d "$K" --show-depends ext4 | names >theirs
	mp -d root --show-depends ext4 >show
	names <show >ours
	assertEquals "$(cat theirs)" "$(cat ours)"
	# The softdep (crypto-crc32c: both crc32c drivers), then the
	# dependencies, from the image's own files.
	assertEquals "crc32c-intel crc32c_generic jbd2 mbcache crc16 ext4" "$(echo $(cat ours))"
	assertEquals "" "$(awk -v r="$T/root/lib/modules/$kver/" 'index($2, r) != 1' show)"
	# Aliases, a symbol, the softdep, a builtin, and what it lacks.
	for a in fs-ext4 ext2 crypto-crc32c; do
		assertEquals "alias $a" "$(mp -d "$K" -R $a)" "$(mp -d root -R $a)"
	done
	assertEquals "$(mp -d "$K" --show-depends symbol:jbd2_journal_start | names)" \
		"$(mp -d root --show-depends symbol:jbd2_journal_start | names)"
	mp -d root -c | grep -qx 'softdep ext4 pre: crypto-crc32c' || fail "softdep not in -c"
	b=$(sed -n '1{s|.*/||; s|\.ko.*||; s|-|_|g; p}' "$K/lib/modules/$kver/modules.builtin")
	assertEquals "builtin $b" "$(mp -d root --show-depends "$b")"
	mp -d root --show-depends loop >/dev/null 2>&1 && fail "loop is not in the image"
	# modinfo finds the module in the image.
	assertEquals "$(modinfo -b "$K" -k "$kver" -F depends ext4)" \
		"$(modinfo -b root -k "$kver" -F depends ext4)"
	assertEquals "$T/root/lib/modules/$kver/kernel/fs/ext4/ext4.ko" \
		"$(modinfo -b root -k "$kver" -n ext4)"
	# The kernel's builtin indexes, made here, are depmod's to the byte.
	for f in modules.builtin.bin modules.builtin.alias.bin; do
		cmp -s "$K/lib/modules/$kver/$f" "$D/$f" || fail "$f differs from depmod's"
	done
	# Exactly the image's modules, each file of them.
	for f in modules.dep modules.alias modules.symbols modules.softdep \
	    modules.devname modules.order modules.builtin modules.builtin.modinfo \
	    modules.dep.bin modules.alias.bin modules.symbols.bin; do
		[ -f "$D/$f" ] || fail "no $f"
	done
	assertEquals 6 "$(wc -l <"$D/modules.dep")"
	assertEquals 6 "$(wc -l <"$D/modules.order")"
	assertEquals "" "$(awk '!/^#/ && $3 !~ /^(ext4|jbd2|mbcache|crc16|crc32c_generic|crc32c_intel)$/' "$D/modules.alias")"
}

# BusyBox's modprobe reads the text modules.dep: its line for ext4 lists
# the crc32c drivers after ext4's dependencies, so busybox loads what
# kmod loads, in kmod's order (busybox -D in a chroot of the image).
test_busybox_reads_the_image() {
	need_kernel || return
	is_root || { skip "chroot needs root"; return; }
	command -v busybox >/dev/null || { skip "busybox is not installed"; return; }
	ext4_image
	mp -d "$K" --show-depends ext4 | names >theirs
	# busybox looks in /lib/modules/$(uname -r).
	[ "$(uname -r)" = "$kver" ] || ln -s "$kver" "root/lib/modules/$(uname -r)"
	for m in ext4 fs-ext4; do
		chroot root /bin/busybox modprobe -D $m >show
		assertEquals "busybox $m" "$(cat theirs)" "$(names <show)"
	done
	# The binary index keeps ext4's true dependencies.
	grep -qx "kernel/fs/jbd2/jbd2.ko: kernel/crypto/crc32c_generic.ko kernel/arch/x86/crypto/crc32c-intel.ko" \
		"$D/modules.dep" || fail "jbd2's line for busybox: $(grep jbd2.ko: "$D/modules.dep")"
	mp -d root --show-depends jbd2 | names >ours
	assertEquals "crc32c-intel crc32c_generic jbd2" "$(echo $(cat ours))"
}

# The init's list: --kmod-noload's modules are not in it, unless --kmod
# asks for them or for a module that needs them; the recipe verb is the
# option.
test_init_list() {
	need_kernel || return
	conf() {
		tinyrd build --bare --print --moddir "$K" --kernel "$K/vmlinuz" \
			--no-vm-modules "$@" >m || fail "build $*"
		grep '^text /etc/tinyrd/modules' m | sed 's/.* 0 0 //; s/\\n/\n/g' |
			awk 'NF { printf "%s ", $1 }'
	}
	assertEquals "" "$(conf --kmod-noload ext4)"
	grep -q "^file /lib/modules/$kver/kernel/fs/ext4/ext4.ko " m || fail "ext4 not in the image"
	assertEquals "crc32c_intel crc32c_generic jbd2 mbcache crc16 ext4 " "$(conf --kmod ext4)"
	assertEquals "crc32c_intel crc32c_generic jbd2 " "$(conf --kmod-noload ext4 --kmod jbd2)"
	assertEquals "crc32c_intel crc32c_generic jbd2 mbcache crc16 ext4 " \
		"$(conf --kmod-noload ext4 --kmod ext4)"
	conf --kmod-noload ext4 >/dev/null
	cp m option
	printf 'kmod-noload ext4\n' >r.recipe
	conf -f ./r.recipe >/dev/null
	assertEquals "$(cat option)" "$(cat m)"
	run tinyrd build --bare --print --moddir "$K" --kernel "$K/vmlinuz" --kmod-noload 'ext4 x=1'
	assertNotEquals 0 "$rc"
	assert_one_error "--kmod-noload ext4 x=1: a module name only"
	run tinyrd build --bare --print --moddir "$K" --kernel "$K/vmlinuz" --kmod-noload no_such_mod
	assertNotEquals 0 "$rc"
	assert_one_error "module no_such_mod: not found"
}

# In a guest: the init loads none of them; busybox's modprobe, then
# kmod's (a program of the image), load ext4 with its dependencies and
# its softdep and unload them; the kernel's own request for fs-ext4 when
# an ext4 disk is mounted goes through /sbin/modprobe (kmod's: /sbin is
# usr/sbin), then through busybox's.
test_guest_modprobe() {
	need_kernel || return
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return; }
	command -v busybox >/dev/null || { skip "busybox is not installed"; return; }
	command -v mkfs.ext4 >/dev/null || { skip "mkfs.ext4 (e2fsprogs) is not installed"; return; }
	export XDG_CACHE_HOME=$T/cache
	mkdir d && echo hello >d/hello
	mkfs.ext4 -q -F -d d fs.img 4M >/dev/null || { fail "mkfs.ext4"; return; }
	# kmod's modprobe as /opt/kmod/modprobe, outside the command's PATH:
	# a modprobe along PATH would hide BusyBox's applet of that name.
	printf 'bin /usr/bin/kmod\nslink /opt/kmod/modprobe /usr/bin/kmod 0777 0 0\n' >kmod.recipe
	cat >guest.sh <<'EOF'
mods() {
	for m in ext4 jbd2 mbcache crc16 crc32c_generic crc32c_intel; do
		grep -q "^$m " /proc/modules && printf '%s ' $m
	done
	echo
}
echo "init: $(mods)"
busybox modprobe ext4 && echo "busybox: $(mods)"
busybox modprobe -r ext4 && echo "busybox -r: $(mods)"
/opt/kmod/modprobe ext4 && echo "kmod: $(mods)"
/opt/kmod/modprobe -r ext4 && echo "kmod -r: $(mods)"
mkdir /tmp/x
echo /opt/kmod/modprobe >/proc/sys/kernel/modprobe
echo "helper: $(cat /proc/sys/kernel/modprobe) -> $(readlink -f /opt/kmod/modprobe)"
mount -t ext4 -o ro /dev/vda /tmp/x && echo "mount: $(cat /tmp/x/hello) $(mods)"
umount /tmp/x && /opt/kmod/modprobe -r ext4 && echo "unmounted: $(mods)"
echo /sbin/modprobe >/proc/sys/kernel/modprobe
mount -t ext4 -o ro /dev/vda /tmp/x && echo "busybox mount: $(cat /tmp/x/hello) $(mods)"
EOF
	run timeout 300 "$TINYRD" run -k "$K/vmlinuz" --accel tcg --moddir "$K" \
		--kmod-noload ext4 --disk fs.img,ro --copy guest.sh:/guest.sh \
		-f base -f ./kmod.recipe -- sh /guest.sh
	assertEquals "$(cat "$T/err")" 0 "$rc"
	all="ext4 jbd2 mbcache crc16 crc32c_generic crc32c_intel "
	assertEquals "init: 
busybox: $all
busybox -r: 
kmod: $all
kmod -r: 
helper: /opt/kmod/modprobe -> /usr/bin/kmod
mount: hello $all
unmounted: 
busybox mount: hello $all" "$(cat "$T/out")"
}

run_shunit2
