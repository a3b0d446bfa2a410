#!/bin/bash
# Images built by tinyrd boot Debian's stock kernel under QEMU TCG: a
# copied dynamic program runs, modules (stored compressed in the tree) load
# in the recorded order, and every compression unpacks in the kernel.
. "$(dirname "$0")/lib.sh"

K=${TINYRD_KERNEL_DIR-}

need() {
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return 1; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return 1; }
	command -v busybox >/dev/null || { skip "busybox is not installed"; return 1; }
}

# boot IMAGE: the serial console in $T/console, $rc from QEMU.
boot() {
	timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 \
		-display none -no-reboot -serial "file:$T/console" \
		-kernel "$K/vmlinuz" -initrd "$1" \
		-append 'console=ttyS0 panic=-1 quiet'
	rc=$?
}

console() { tr -d '\r' <"$T/console"; }

# A modules tree like a `make modules_install`, with the 9p chain stored
# as .ko.xz, .ko.zst and plain .ko, indexed by depmod.
make_tree() {
	kver=$(cat "$K/kver")
	src=$K/lib/modules/$kver
	dst=$T/mods/lib/modules/$kver
	for m in fs/netfs/netfs.ko fs/fscache/fscache.ko net/9p/9pnet.ko fs/9p/9p.ko; do
		mkdir -p "$dst/kernel/$(dirname $m)"
		cp "$src/kernel/$m" "$dst/kernel/$m"
	done
	cp "$src"/modules.builtin "$src"/modules.builtin.modinfo "$src"/modules.order "$dst/"
	xz --check=crc32 "$dst/kernel/fs/netfs/netfs.ko"
	zstd -q --rm "$dst/kernel/net/9p/9pnet.ko"
	depmod -b "$T/mods" "$kver" 2>/dev/null
}

test_program_and_modules() {
	need || return
	command -v strace >/dev/null || { skip "strace is not installed"; return; }
	make_tree
	run tinyrd build --init "$INIT" --moddir "$T/mods" --kernel "$K/vmlinuz" \
		--kmod 9p bash strace -o img -- bash -c \
		'echo "BASH-OK $BASH_VERSION"; strace -o /tmp/trace true && echo STRACE-OK'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	boot img
	assertEquals "qemu status" 0 "$rc"
	out=$(console)
	assertContains "$out" "BASH-OK 5"
	assertContains "$out" "STRACE-OK"
	assertContains "$out" "TINYRD-STATUS 0"
	assertNotContains "$out" "TINYRD-INSMOD-FAILED"
	mods=$(echo "$out" | sed -n '/TINYRD-MODULES-BEGIN/,/TINYRD-MODULES-END/p')
	for m in netfs fscache 9pnet 9p; do
		echo "$mods" | grep -qx "$m" || fail "module $m is not in /proc/modules"
	done
	assertNotContains "$out" "Kernel panic"
}

test_every_compression_unpacks() {
	need || return
	for alg in none gzip xz zstd lz4; do
		run tinyrd build --init "$INIT" -z $alg -o $alg.img -- echo "UNPACKED-$alg"
		assertEquals "$alg" 0 "$rc"
		boot $alg.img
		assertEquals "$alg: qemu status" 0 "$rc"
		assertContains "$alg" "$(console)" "UNPACKED-$alg"
		assertNotContains "$alg" "$(console)" "Initramfs unpacking failed"
	done
}

# tinyrd boot takes --vmm qemu, as its own error advises where KVM cannot
# boot a stock kernel: the image's command runs and its status comes home.
test_tinyrd_boot_under_qemu() {
	need || return
	tinyrd build -o cmd.img -- sh -c 'echo from-boot; exit 5' 2>/dev/null
	timeout 300 "$TINYRD" boot --vmm qemu --accel tcg -k "$K/vmlinuz" -i cmd.img \
		</dev/null >out 2>err
	rc=$?
	assertEquals "$(tail -n 3 err)" 5 "$rc"
	grep -q "^from-boot" out || fail "the command's output: $(tail -n 5 out)"
}

run_shunit2
