#!/bin/sh
# Runs inside L1 (see shares.sh beside it): one image, four servers on
# L1's KVM: tinyrd's 9p, its virtio-fs with the DAX window and without,
# QEMU's virtio-9p; on 4 KiB pages also tinyrd's 9p and virtio-fs with
# --no-confine (9popen, fsopen), each right after its confined run, and
# then ROUNDS (/l1/extra/rounds) more rounds of write and read of those
# four, rotated. Each run starts from an empty share, a fresh tmpfs in
# L1, with L1's caches dropped and its memory compacted: 4 KiB pages for
# every row, then 2 MiB pages (huge=always) for write and read. The guest
# prints "bench NAME VALUE" lines; they come out as "SERVER[@2m] NAME
# VALUE". With "confine" in /l1/extra/only, only the confined and open
# runs of every row, one server at a time: 1 + ROUNDS pairs of 9p, then
# of virtio-fs, in ABBA order (confined first, then open first), so that
# each run follows the other configuration as often as its own and never
# the other server, whose runs leave L1 in another state. The tmpfs holds
# the big file (/l1/extra/size MiB) and the tree.
E=/l1/extra
K=/l1/vmlinuz
mkdir -p /tmp/b
R=$(cat $E/rounds 2>/dev/null || echo 0)
ONLY=$(cat $E/only 2>/dev/null)
SIZE=$(cat $E/size 2>/dev/null || echo 256)
# With "1" in /l1/extra/aa (the control), the confined servers run with
# --no-confine too: their runs and the open ones then differ in nothing.
OPEN=
[ "$(cat $E/aa 2>/dev/null)" = 1 ] && OPEN=--no-confine
# run TAG HUGE WHAT SERVER: one run of /bench/run.sh on a fresh tmpfs.
run() {
	echo "# $(date +%T) $1"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/compact_memory
	mount -t tmpfs -o huge=$2,size=$((SIZE + 256))m tmpfs /tmp/b || exit 1
	tag=$1 what=$3
	case $4 in
	tinyrd9p) set -- --vmm builtin $OPEN --share /tmp/b:b,fs=9p ;;
	virtiofs) set -- --vmm builtin $OPEN --share /tmp/b:b,fs=virtiofs ;;
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
}
if [ "$ONLY" = confine ]; then
	for pair in "tinyrd9p 9popen" "virtiofs fsopen"; do
		r=0
		while [ $r -le "$R" ]; do
			order=$pair	# confined first, then open first
			[ $((r % 2)) = 0 ] || order="${pair#* } ${pair% *}"
			for v in $order; do
				run $v never "" $v
			done
			r=$((r + 1))
		done
	done
	echo "bench end"
	exit 0
fi
# The servers confinement is measured on: confined, then open.
confined="tinyrd9p 9popen virtiofs fsopen"
for v in $confined nodax qemu9p; do
	run $v never "" $v
done
for v in tinyrd9p virtiofs nodax qemu9p; do
	run $v@2m always io $v
done
# What confinement costs, again: R rounds of write and read, 4 KiB
# pages, each round starting one further down the list.
vmms=$confined
r=0
while [ $r -lt "$R" ]; do
	r=$((r + 1))
	for v in $vmms; do
		run $v never io $v
	done
	vmms="${vmms#* } ${vmms%% *}"
done
echo "bench end"
