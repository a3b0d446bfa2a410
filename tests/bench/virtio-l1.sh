#!/bin/sh
# Runs inside L1 (see virtio.sh beside it): the same kernel and images
# with tinyrd's launcher, confined and with --no-confine (tinyrd-open),
# and with QEMU -M pc (virtio-serial's virtconsole, virtio-blk), all on
# L1's KVM, in ROUNDS rounds (/l1/extra/rounds), each starting one
# further down the list. The guest measures itself (kvmclock) and
# prints "bench NAME VALUE" lines on its console. VM exits are counted (a
# hist trigger on kvm_exit, which slows every exit down, so not during
# the timed runs) for a 4 MiB console run less a boot of `true`.
#   console.img  writes SIZE_MB MiB to stdout (hvc0)
#   small.img    writes 4 MiB
#   blk.img      sequential read and write of /dev/vda (disk_mb MiB), then
#                4 KiB random reads with O_DIRECT
E=/l1/extra
K=/l1/vmlinuz
APPEND="console=ttyS0 panic=-1 reboot=t quiet"
QEMU="qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot
	-M pc -accel kvm -cpu host -m 1024 -smp 1 -chardev file,id=s0,path=/tmp/console
	-serial chardev:s0 -device isa-debug-exit,iobase=0x501,iosize=1
	-kernel $K -append"
TR=/sys/kernel/tracing
mount -t tracefs tracefs $TR 2>/dev/null

# vm NAME IMAGE [DISK]: one boot; the console ends in /tmp/console.
vm() {
	rm -f /tmp/console
	case $1 in
	tinyrd) $TINYRD boot -q -m 1024 -k $K -i $2 --console-log /tmp/console \
		${3:+--disk $3} >/dev/null 2>/tmp/err ;;
	tinyrd-open) $TINYRD boot -q --no-confine -m 1024 -k $K -i $2 \
		--console-log /tmp/console ${3:+--disk $3} >/dev/null 2>/tmp/err ;;
	qemu) $QEMU "$APPEND" -initrd $2 -device virtio-serial-pci \
		-chardev file,id=vc,path=/dev/null -device virtconsole,chardev=vc \
		${3:+-drive file=$3,if=virtio,format=raw} >/dev/null 2>/tmp/err ;;
	esac
	if ! grep -q '^bench done' /tmp/console; then
		echo "# $1 $2: no result"
		tail -n 20 /tmp/err /tmp/console | sed 's/^/#   /'
	fi
}

# exits V IMAGE: VM exits of one boot.
exits() {
	echo 'hist:keys=common_pid' >$TR/events/kvm/kvm_exit/trigger
	vm $1 $2 >/dev/null
	sed -n 's/^ *Hits: *//p' $TR/events/kvm/kvm_exit/hist
	echo '!hist:keys=common_pid' >$TR/events/kvm/kvm_exit/trigger
}

for v in tinyrd qemu; do
	echo "# $(date +%T) $v exits"
	echo "$v exits $(( $(exits $v $E/small.img) - $(exits $v /l1/img/true.img) ))"
done
vmms="tinyrd tinyrd-open qemu"
r=0
while [ $r -lt "$(cat $E/rounds)" ]; do
	r=$((r + 1))
	for v in $vmms; do
		echo "# $(date +%T) round $r: $v console"
		vm $v $E/console.img
		grep -a '^bench ' /tmp/console | tr -d '\r' | sed "s/^bench /$v /"
		echo "# $(date +%T) round $r: $v blk"
		head -c $(($(cat $E/disk_mb) << 20)) /dev/zero >/tmp/disk.img
		vm $v $E/blk.img /tmp/disk.img
		grep -a '^bench ' /tmp/console | tr -d '\r' | sed "s/^bench /$v /"
		rm -f /tmp/disk.img
	done
	vmms="${vmms#* } ${vmms%% *}"
done
echo "bench end"
