#!/bin/sh
# Runs inside the arm64 L1 (see arm64.sh beside it), all on L1's KVM:
#   per coherence mode (MODES), the built-in launcher's virtio-blk
#   (blk.img: O_DIRECT sequential write and read of /dev/vda) and its
#   virtio-fs (fs.img: write and read of a file on a share, dax=off);
#   then boot to exit of `true` for the built-in launcher (--coherence
#   auto, and none) and QEMU -M virt -accel kvm -cpu host (tinyrd run
#   --vmm qemu --accel kvm), the same kernel, image (true.img) and
#   command line. The command is given (`-- true`) although the image
#   has it: without one run is interactive, and then QEMU's console goes
#   to the terminal unread, with no exit port on arm64 for the status.
# RUNS interleaved rounds of each, each round starting one further
# down the list (so that no one always follows the same other). The guest
# times its I/O itself (/proc/uptime); boots are timed here, the same
# way. Results come out as "NAME VALUE" lines, a run that failed as
# "fail NAME", progress as "# " lines.
#   arm64-l1.sh RUNS BOOTS MODES
RUNS=${1:-3}
BOOTS=${2:-5}
MODES=${3:-none dsb civac civac,order-platform}
E=/l1/extra
K=/l1/vmlinuz
MEM=512
up() { cut -d' ' -f1 /proc/uptime; }
# rot N WORD...: the words from the Nth on (counted from 0, modulo), then
# the ones before it.
rot() {
	n=$(($1 % ($# - 1)))
	shift
	i=0
	for w; do [ $i -ge $n ] && echo "$w"; i=$((i + 1)); done
	i=0
	for w; do [ $i -lt $n ] && echo "$w"; i=$((i + 1)); done
}

echo "# L1: $(uname -m) $(uname -r), $(nproc) CPUs, up $(up) s"
echo "# $($TINYRD --version | head -n 1); $(qemu-system-aarch64 --version | head -n 1)"
"$TINYRD" run -v -m $MEM -k $K -i $E/true.img -- true 2>&1 >/dev/null |
	grep 'coherence [a-z,-]* (auto' | sed 's/^/# /'

# io MODE KIND: one boot of blk.img or fs.img in that mode; its "bench"
# lines as "KIND@MODE NAME VALUE".
io() {
	rm -rf /tmp/disk.img /tmp/b/*
	case $2 in
	blk) head -c $(($(cat $E/size_mb) << 20)) /dev/zero >/tmp/disk.img
		set -- "$1" "$2" --disk /tmp/disk.img ;;
	fs) set -- "$1" "$2" --share /tmp/b:b,fs=virtiofs,dax=off ;;
	esac
	m=$1 k=$2
	shift 2
	{ "$TINYRD" run -q -m $MEM -k $K -i $E/$k.img --coherence "$m" \
		--timeout 1200 "$@" -- sh /bench/$k.sh 2>/tmp/e; echo $? >/tmp/rc; } |
	while read -r b name value; do
		[ "$b" = bench ] || continue
		echo "# $(date +%T) $k@$m $name $value"
		echo "$k@$m $name $value"
	done
	rc=$(cat /tmp/rc)
	[ "$rc" = 0 ] || { echo "# $k@$m: status $rc"; echo "fail $k@$m"
		tail -n 20 /tmp/e | sed 's/^/#   /'; }
}

mkdir -p /tmp/b
mount -t tmpfs -o size=1g tmpfs /tmp/b || exit 1
for i in $(seq "$RUNS"); do
	for m in $(rot $i $MODES); do
		io "$m" blk
		io "$m" fs
	done
done
umount /tmp/b
rm -f /tmp/disk.img

# boot NAME: one boot of `true`, timed from here, its seconds in $s.
boot() {
	v=$1
	case $1 in
	tinyrd) set -- --vmm builtin ;;
	tinyrd-none) set -- --vmm builtin --coherence none ;;
	qemu) set -- --vmm qemu --accel kvm ;;
	esac
	a=$(up)
	"$TINYRD" run -q -m $MEM -k $K -i $E/true.img --timeout 600 "$@" \
		-- true >/tmp/o 2>/tmp/e
	rc=$?
	b=$(up)
	[ "$rc" = 0 ] || { echo "# boot $*: status $rc"; echo "fail boot-$v"
		tail -n 20 /tmp/e | sed 's/^/#   /'; }
	s=$(echo "$a $b" | awk '{ print $2 - $1 }')
	return $rc
}
ALL="tinyrd tinyrd-none qemu"
for v in $ALL; do	# each boots once first; the page cache is warm
	boot $v
	echo "# $(date +%T) warm $v $s s"
done
for i in $(seq "$BOOTS"); do
	for v in $(rot $i $ALL); do
		boot $v || continue
		echo "# $(date +%T) boot $v $s s"
		echo "boot $v $s"
	done
done
echo "done"
