#!/bin/sh
# Runs inside L1 (see shares.sh beside it): one image, four servers on
# L1's KVM: tinyrd's 9p, its virtio-fs with the DAX window and without,
# QEMU's virtio-9p; on 4 KiB pages also tinyrd's 9p and virtio-fs with
# --no-confine (9popen, fsopen), each right after its confined run. Each run starts from an empty share, a fresh tmpfs in
# L1: 4 KiB pages for every row, then 2 MiB pages (huge=always) for write
# and read. The guest prints "bench NAME VALUE" lines; they come out as
# "SERVER[@2m] NAME VALUE".
E=/l1/extra
K=/l1/vmlinuz
mkdir -p /tmp/b
for pages in 4k 2m; do
	vmms="tinyrd9p virtiofs nodax qemu9p"
	[ $pages = 4k ] && vmms="tinyrd9p 9popen virtiofs fsopen nodax qemu9p"
	for v in $vmms; do
		case $pages in
		4k) tag=$v huge=never what= ;;
		2m) tag=$v@2m huge=always what=io ;;
		esac
		echo "# $(date +%T) $tag"
		mount -t tmpfs -o huge=$huge,size=1g tmpfs /tmp/b || exit 1
		case $v in
		tinyrd9p) set -- --vmm builtin --share /tmp/b:b,fs=9p ;;
		virtiofs) set -- --vmm builtin --share /tmp/b:b,fs=virtiofs ;;
		nodax) set -- --vmm builtin --share /tmp/b:b,fs=virtiofs,dax=off ;;
		9popen) set -- --vmm builtin --no-confine --share /tmp/b:b,fs=9p ;;
		fsopen) set -- --vmm builtin --no-confine --share /tmp/b:b,fs=virtiofs ;;
		qemu9p) set -- --vmm qemu --accel kvm --share /tmp/b:b,fs=9p ;;
		esac
		# Each result as it comes (a "# " line shows progress on the host).
		{ $TINYRD run -q -m 1024 -k $K -i $E/bench.img --timeout 2400 "$@" \
			-- sh /bench/run.sh $what 2>/tmp/e; echo $? >/tmp/rc; } |
		while read -r b name value rest; do
			[ "$b" = bench ] || continue
			echo "# $(date +%T) $tag $name $value $rest"
			echo "$tag $name $value $rest"
		done
		rc=$(cat /tmp/rc)
		[ "$rc" = 0 ] || { echo "# $tag: status $rc"; tail -n 20 /tmp/e | sed 's/^/#   /'; }
		umount /tmp/b
	done
done
