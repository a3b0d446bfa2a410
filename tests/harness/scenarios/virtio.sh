#!/bin/sh
# The virtio data path in L2 (see ../nested.sh): stdout and stderr apart
# and byte-exact over virtio-console, a reader that goes away. One TAP
# line per check; what went wrong under it as "# " lines.
K=/l1/vmlinuz
IMG=/l1/img/default.img
n=0
export XDG_CACHE_HOME=/tmp
R="$TINYRD run --vmm builtin -k $K -i $IMG --timeout 300"

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	for f in /tmp/o /tmp/e; do
		[ -f $f ] && tail -c 2000 $f | tail -n 20 | sed "s|^|# ${f#/tmp/}: |"
	done
}

echo "# $(date +%T) out and err apart"
timeout 400 $R -- sh -c 'echo out; echo err >&2; echo "fds $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)" >&2; exit 5' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 5 ] && [ "$(cat /tmp/o)" = out ] && grep -qx err /tmp/e &&
	! grep -q out /tmp/e && grep -qx "fds /dev/hvc0 /dev/hvc1" /tmp/e; then
	ok "stdout on stdout, stderr on stderr, status 5, over hvc0 and hvc1"
else
	not_ok "stdout/stderr split (status $rc)"
fi

# Without MSI the devices interrupt through INTx: the MP table's routing
# of each slot's INTA# to the IOAPIC.
echo "# $(date +%T) pci=nomsi"
timeout 400 $R --append pci=nomsi -- sh -c 'echo out; echo err >&2
	echo "intx $(grep virtio /proc/interrupts | grep -c IO-APIC) msi $(grep -c PCI-MSI /proc/interrupts)"' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && [ "$(head -n 1 /tmp/o)" = out ] && grep -qx err /tmp/e &&
	grep -q '^intx [1-9][0-9]* msi 0$' /tmp/o; then
	ok "pci=nomsi: the same over INTx ($(sed -n 2p /tmp/o))"
else
	not_ok "pci=nomsi (status $rc)"
fi

# --transport mmio: the devices go on the command line, which Debian's
# kernel ignores (no VIRTIO_MMIO_CMDLINE_DEVICES): it must still boot,
# and the output then takes the second UART. A test module registers the
# devices as the command-line parser would (tests/fixtures/mmiodev.c);
# virtio_mmio binds them, and a line written to hvc1 comes home on the
# command's stderr over the virtio-mmio console.
echo "# $(date +%T) --transport mmio"
timeout 400 $R --transport mmio -- sh -c 'echo out
	tr "\0" " " </proc/cmdline; echo
	[ -e /lib/mmiodev.ko ] || { echo "no mmiodev.ko"; exit 0; }
	insmod /lib/mmiodev.ko device=$(tr " " "\n" </proc/cmdline |
		sed -n "s/^virtio_mmio\.device=//p" | paste -sd, -) || exit 9
	i=0
	while [ ! -e /dev/hvc1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	echo "bound $(ls /sys/bus/virtio/devices | wc -l): $(cat /sys/bus/virtio/devices/*/device | tr "\n" " ")"
	echo "over virtio-mmio" >/dev/hvc1
	echo "rng $(head -c 64 /dev/hwrng | wc -c) $(cat /sys/class/misc/hw_random/rng_current)"' >/tmp/o 2>/tmp/e
rc=$?
tr -d '\r' </tmp/o >/tmp/o.n && mv /tmp/o.n /tmp/o
tr -d '\r' </tmp/e >/tmp/e.n && mv /tmp/e.n /tmp/e
if [ "$rc" = 0 ] && [ "$(head -n 1 /tmp/o)" = out ] &&
	grep -q 'virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6' /tmp/o; then
	if grep -qx "no mmiodev.ko" /tmp/o; then
		ok "--transport mmio boots with the devices on the command line # SKIP binding: no linux-headers-$KVER on the host to build tests/fixtures/mmiodev.c"
	elif grep -q '^bound [3-9]: 0x0003 0x0003 0x0004 *$' /tmp/o && grep -qx "over virtio-mmio" /tmp/e &&
		grep -q '^rng 64 virtio_rng' /tmp/o; then
		ok "--transport mmio: virtio_mmio binds the devices ($(grep '^bound' /tmp/o)), hvc1 and the rng work"
	else
		not_ok "--transport mmio: binding (status $rc)"
		sed 's/^/# o: /' /tmp/o; sed 's/^/# e: /' /tmp/e
	fi
else
	not_ok "--transport mmio (status $rc)"
fi

# 10 MiB of random bytes on each (every byte value: raw ttys, no
# translation), written at the same time, arrive whole and apart. The
# guest names their checksums on its console.
echo "# $(date +%T) 10 MiB each"
timeout 600 $R --console-log /tmp/con -- sh -c 'head -c 10485760 /dev/urandom >/tmp/a
	head -c 10485760 /dev/urandom >/tmp/b
	echo "sums $(md5sum </tmp/a) $(md5sum </tmp/b)" >/dev/console
	cat /tmp/a & cat /tmp/b >&2; wait' >/tmp/o 2>/tmp/e
rc=$?
want=$(grep -o 'sums .*' /tmp/con | tr -d '\r' | tr -s ' -' ' ')
got=$(echo "sums $(md5sum </tmp/o) $(md5sum </tmp/e)" | tr -s ' -' ' ')
if [ "$rc" = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
	[ "$(wc -c </tmp/o)" = 10485760 ] && [ "$(wc -c </tmp/e)" = 10485760 ]; then
	ok "10 MiB on stdout and 10 MiB on stderr, byte-exact"
else
	not_ok "10 MiB each (status $rc, $(wc -c </tmp/o) and $(wc -c </tmp/e) bytes; guest '$want', host '$got')"
fi

# Standard input: a pipe with its end, every byte value, a file.
echo "# $(date +%T) stdin"
printf 'a\377b\000c\n' | timeout 400 $R -- od -An -tx1 >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && [ "$(tr -s ' ' </tmp/o)" = " 61 ff 62 00 63 0a" ]; then
	ok "a pipe reaches the command's stdin byte-exact, with its end"
else
	not_ok "stdin from a pipe (status $rc)"
fi
head -c 3145728 /dev/urandom >/tmp/in
timeout 400 $R -- md5sum </tmp/in >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && [ "$(cut -d' ' -f1 /tmp/o)" = "$(md5sum </tmp/in | cut -d' ' -f1)" ]; then
	ok "3 MiB of random bytes from a file reach the command's stdin"
else
	not_ok "stdin from a file (status $rc)"
fi
rm -f /tmp/in
timeout 400 sh -c "yes | $R -- true" >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ]; then
	ok "endless input to a command that reads none: it ends"
else
	not_ok "endless input (status $rc)"
fi

echo "# $(date +%T) a reader that goes away"
rm -f /tmp/rc
( timeout 300 $R -- yes 2>/tmp/e; echo $? >/tmp/rc ) | head -c 1 >/tmp/o
rc=$(cat /tmp/rc 2>/dev/null)
if [ "$rc" = 141 ] && [ "$(cat /tmp/o)" = y ] && [ ! -s /tmp/e ]; then
	ok "run | head -c 1 ends quietly with 141"
else
	not_ok "run | head -c 1 (status '$rc')"
fi

echo "# $(date +%T) hwrng"
timeout 400 $R -- sh -c 'cat /sys/class/misc/hw_random/rng_current; head -c 1048576 /dev/hwrng | wc -c' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && grep -q '^virtio_rng' /tmp/o && grep -qx 1048576 /tmp/o; then
	ok "/dev/hwrng is virtio-rng and delivers 1 MiB"
else
	not_ok "hwrng (status $rc)"
fi

# Disks: one the host wrote, read in the guest; one the guest writes,
# verified on the host; one read-only, which refuses writes. O_DIRECT
# 1 MiB requests fill whole indirect tables (seg_max + 2 descriptors).
echo "# $(date +%T) disks"
head -c 8388608 /dev/urandom >/tmp/d1.img
head -c 8388608 /dev/zero >/tmp/d2.img
head -c 1048576 /dev/zero >/tmp/d3.img
timeout 400 $R --disk /tmp/d1.img --disk /tmp/d2.img --disk /tmp/d3.img,ro -- sh -c '
	echo "vda $(md5sum </dev/vda)"
	echo "direct $(dd if=/dev/vda bs=1M iflag=direct 2>/dev/null | md5sum)"
	head -c 4194304 /dev/urandom >/tmp/w
	echo "wrote $(md5sum </tmp/w)"
	dd if=/tmp/w of=/dev/vdb bs=1M oflag=direct conv=fsync 2>/dev/null && echo "vdb written"
	echo x | dd of=/dev/vdc conv=fsync 2>/dev/null && echo "vdc written"
	cat /sys/block/vdc/ro /sys/block/vda/size
	exit 0' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && grep -qx "vda $(md5sum </tmp/d1.img)" /tmp/o &&
	grep -qx "direct $(md5sum </tmp/d1.img)" /tmp/o; then
	ok "a host-written disk reads back in the guest"
else
	not_ok "host-written disk (status $rc; host $(md5sum </tmp/d1.img))"
fi
if grep -q "^vdb written" /tmp/o &&
	grep -qx "wrote $(head -c 4194304 /tmp/d2.img | md5sum)" /tmp/o; then
	ok "a disk written in the guest verifies on the host"
else
	not_ok "guest-written disk (host $(head -c 4194304 /tmp/d2.img | md5sum))"
fi
if ! grep -q "vdc written" /tmp/o && grep -qx 1 /tmp/o &&
	[ "$(md5sum </tmp/d3.img)" = "$(head -c 1048576 /dev/zero | md5sum)" ]; then
	ok "a ro disk refuses writes"
else
	not_ok "ro disk"
fi
rm -f /tmp/d1.img /tmp/d2.img /tmp/d3.img

# A guest that writes garbage into a device's registers and points its
# queue outside RAM: the launcher warns and carries on to the status.
echo "# $(date +%T) garbage"
timeout 400 $R -- sh -c '
	d=/sys/bus/pci/devices/0000:00:03.0
	echo 0000:00:03.0 >/sys/bus/pci/drivers/virtio-pci/unbind
	B=$(sed -n 5p $d/resource | cut -d" " -f1)
	w() { devmem $(($B + $1)) $2 $3; }
	w 20 8 0; w 20 8 3; w 8 32 1; w 12 32 1; w 20 8 11
	w 22 16 0; w 32 32 0xfff00000; w 36 32 0x7f; w 28 16 1; w 20 8 15
	w 0x3000 16 0
	w 22 16 999; w 28 16 1; w 24 16 3; w 0x3000 32 0xdeadbeef
	w 0x3400 32 1; w 0x4000 32 0xffffffff; w 0x400c 32 0; w 1 8 0xff
	w 0x7ff8 32 0; w 0x5000 32 0xffffffff
	echo alive; exit 7' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 7 ] && grep -qx alive /tmp/o &&
	grep -q "virtio-rng: queue 0: ring outside guest RAM; the device needs a reset" /tmp/e; then
	ok "garbage in the registers and rings: a warning, and the status comes home"
else
	not_ok "garbage (status $rc)"
fi

# A guest program that drives the rng function itself from user space
# (tests/harness/vqfuzz.c): descriptor loops, addresses and lengths
# outside RAM, indices ahead and beyond, bad indirect tables, each after a
# reset; good requests before and after. Every bad ring must end in
# DEVICE_NEEDS_RESET with a warning, and the launcher must carry on.
echo "# $(date +%T) hostile rings"
timeout 400 $TINYRD run --vmm builtin -k $K -i /l1/img/vqfuzz.img --timeout 300 -- sh -c '
	echo 0000:00:03.0 >/sys/bus/pci/drivers/virtio-pci/unbind
	vqfuzz 0000:00:03.0 && echo alive' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && grep -qx alive /tmp/o && ! grep -q FAILED /tmp/o &&
	[ "$(grep -c ': ok$' /tmp/o)" = 12 ] &&
	grep -q "virtio-rng: queue 0: descriptor chain longer than the queue; the device needs a reset" /tmp/e; then
	ok "hostile rings from a guest program: each refused with a reset, a warning, and the launcher carries on"
else
	not_ok "hostile rings (status $rc)"
fi

echo "1..$n"
