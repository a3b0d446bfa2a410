#!/bin/sh
# Runs inside L1 (see shares.sh beside it): one image, three servers on
# L1's KVM: tinyrd's 9p, tinyrd's virtio-fs, QEMU's virtio-9p. Each run
# starts from an empty share in L1's tmpfs; the guest prints
# "bench NAME VALUE" lines.
E=/l1/extra
K=/l1/vmlinuz
for v in tinyrd9p virtiofs qemu9p; do
	echo "# $(date +%T) $v"
	rm -rf /tmp/b && mkdir /tmp/b
	case $v in
	tinyrd9p) set -- --vmm builtin --share /tmp/b:b,fs=9p ;;
	virtiofs) set -- --vmm builtin --share /tmp/b:b,fs=virtiofs ;;
	qemu9p) set -- --vmm qemu --accel kvm --share /tmp/b:b,fs=9p ;;
	esac
	# Each result as it comes (a "# " line shows progress on the host).
	{ $TINYRD run -q -m 1024 -k $K -i $E/bench.img --timeout 2400 "$@" \
		-- sh /bench/run.sh 2>/tmp/e; echo $? >/tmp/rc; } |
	while read -r b name value rest; do
		[ "$b" = bench ] || continue
		echo "# $(date +%T) $v $name $value $rest"
		echo "$v $name $value $rest"
	done
	rc=$(cat /tmp/rc)
	[ "$rc" = 0 ] || { echo "# $v: status $rc"; tail -n 20 /tmp/e | sed 's/^/#   /'; }
done
rm -rf /tmp/b
