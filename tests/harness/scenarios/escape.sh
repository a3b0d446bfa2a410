#!/bin/sh
# Escapes as guests (see ../nested.sh): what the 9P and virtio-fs CVEs
# did, tried by guest programs against the launcher in two L2 boots with
# a 9p share, a virtio-fs share and a disk. Each share directory is
# /tmp/esc-FS/share, and beside it out-race, out-dotdot and out-link,
# each with a canary: after the run each must be as it was, with nothing
# new beside it, and the launcher must have served to the end.
#
# First through the guest's kernel clients (shareesc.c): a rename race
# that swaps a directory for symlinks out while other processes create
# through it, a connect to a unix socket in the share, chmod, chown,
# utimes, setxattr and truncate on the mount point. Then, the shares
# unmounted, from user space with their functions taken from their
# drivers (rawshare.c: raw 9P and FUSE; vqescape.c: descriptor chains at
# MMIO and past RAM on 9p, virtio-fs and virtio-blk; in a second boot, a
# ring rewritten under each device). One TAP line per case and file
# system, and one for the launcher's end; "# " lines
# under a failure say what went wrong.
K=/l1/vmlinuz
IMG=/l1/img/escape.img
n=0
export XDG_CACHE_HOME=/tmp

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for p in "$@"; do
		grep -e "$p" /tmp/o | tail -n 12 | sed 's/^/# /'
	done
	grep -e "tinyrd: " -e "error" /tmp/e | tail -n 5 | sed 's/^/# stderr: /'
}

# The host's side: per share, the canaries and what lies beside them,
# the share's own attributes, the file the raw sessions use.
state() {
	P=/tmp/esc-$1
	for d in out-race out-dotdot out-link; do
		echo "$d: $(cd $P/$d && ls -a | tr '\n' ' ') $(cat $P/$d/canary | md5sum)"
	done
	echo "beside: $(ls -a $P | tr '\n' ' ')"
	echo "share: $(/l1/bin/shareesc attrs $P/share)"
	echo "data: $(md5sum <$P/share/data)"
	echo "special: $(cd $P/share && ls -l fifo zero sock | cut -c1)"
	ls $P/share/sock.log 2>/dev/null
}

pids=
for fs in 9p fs; do
	P=/tmp/esc-$fs
	rm -rf $P && mkdir -p $P/share
	for d in out-race out-dotdot out-link; do
		mkdir $P/$d && echo "canary of $d, outside the share" >$P/$d/canary
	done
	head -c 65536 /dev/urandom >$P/share/data
	mkfifo $P/share/fifo
	# The race's links, the host's own (the guest makes them too when
	# they are missing): looked up afresh, each must stay a link.
	mkdir -p $P/share/race/d
	ln -s $P/out-race $P/share/race/s
	ln -s ../../out-race $P/share/race/r
	mknod $P/share/zero c 1 5
	pids="$pids $(/l1/bin/shareesc listen $P/share/sock)"
	state $fs >/tmp/before-$fs
done
mkdir -p /tmp/esc-blk
head -c 1048576 /dev/urandom >/tmp/esc-blk/disk
echo "canary beside the disk" >/tmp/esc-blk/canary
blk() { echo "$(ls -a /tmp/esc-blk | tr '\n' ' ') $(md5sum </tmp/esc-blk/canary) $(stat -c %s /tmp/esc-blk/disk)"; }
blk >/tmp/before-blk

# The shares as the boots see them; the second boot's devices start
# fresh, so that what one case's ring does (a crash on a build without a
# check) cannot hide the other's.
R="$TINYRD run --vmm builtin -k $K -i $IMG --timeout 200 \
	--share /tmp/esc-9p/share:p9,fs=9p --share /tmp/esc-fs/share:fs,fs=virtiofs \
	--disk /tmp/esc-blk/disk"
echo "# $(date +%T) boot 1: the kernel clients, then the raw devices"
timeout -k 5 240 $R -- sh -c '
	for m in p9 fs; do
		d=/mnt/$m
		shareesc race $d/race /tmp/esc-$m/out-race ../../out-race 8 >/tmp/race 2>&1
		grep -q "^race: done" /tmp/race && echo "race $m: done" ||
			echo "race $m: did not run: $(tail -n 1 /tmp/race)"
		grep -e ESCAPED /tmp/race
		grep "made$" /tmp/race | tail -n 2
		echo "race $m: $(echo serving >$d/race/after && cat $d/race/after)"
		shareesc connect $d/sock
		shareesc rootattr $d | sed "s/^rootattr/rootattr $m/"
	done
	umount /mnt/p9 /mnt/fs || echo "umount failed"
	rawshare 9p
	rawshare fs
	for dev in 9p fs blk; do vqescape chains $dev; done
	echo alive' >/tmp/o 2>/tmp/e
rc=$?
echo "# $(date +%T) boot 2: rings rewritten under the devices"
timeout -k 5 240 $R -- sh -c '
	umount /mnt/p9 /mnt/fs || echo "umount failed"
	for dev in 9p fs blk; do vqescape toctou $dev 5; done
	echo alive' >/tmp/o2 2>/tmp/e2
rc2=$?
cat /tmp/o2 >>/tmp/o
cat /tmp/e2 >>/tmp/e
for p in $pids; do kill $p; done
for fs in 9p fs; do
	state $fs >/tmp/after-$fs
done
blk >/tmp/after-blk
lived=
[ "$rc" = 0 ] && [ "$rc2" = 0 ] && [ "$(grep -cx alive /tmp/o)" = 2 ] && lived=1
[ -n "$lived" ] || echo "# a boot ended with status $rc, $rc2 before its end"
# What the race and the rewriting did, and how many raw checks ran.
grep -e "^race: worker" -e "rewritten under the device: [0-9]" /tmp/o | sed 's/^/# /'
echo "# raw checks passed: $(grep -c '^rawshare: .*: ok$' /tmp/o), hostile rings: $(grep -c '^vqescape: .*: ok$' /tmp/o)"

# A group of raw checks (rawshare FS [GROUP]): none FAILED, and its last,
# a request answered after the others, there: the server served on.
# msize has none: it is the session's start, the others follow it.
group_ok() {
	grep "^rawshare: $1: \[$2\]" /tmp/o >/tmp/lines
	! grep -q FAILED /tmp/lines && grep -q ": ok$" /tmp/lines &&
		{ [ $2 = msize ] || grep -q "still answered: ok$" /tmp/lines; }
}

# One line of the host's state unchanged.
same() {
	[ "$(grep "^$2" /tmp/before-$1)" = "$(grep "^$2" /tmp/after-$1)" ]
}

show() {
	diff /tmp/before-$1 /tmp/after-$1 | sed 's/^/# host: /'
}

# A case fails on its own lines and the host's state; one that stops the
# launcher fails the cases it did not let run, and the last line.
for fs in 9p fs; do
	m=p9
	[ $fs = fs ] && m=fs
	name=$fs
	[ $fs = fs ] && name=virtiofs

	# 1. Races: the kernel client's rename race, and ".." raw.
	if same $fs out-race && same $fs out-dotdot && same $fs beside &&
	   grep -qx "race $m: done" /tmp/o && grep -qx "race $m: serving" /tmp/o &&
	   group_ok $fs dotdot &&
	   ! grep -q "ESCAPED: /mnt/$m/" /tmp/o; then
		ok "$name: symlink and .. races during walk and rename leave the canaries as they were, and the share serves on"
	else
		not_ok "$name: symlink and .. races" "^race [a-z0-9]*: " "ESCAPED: /mnt/$m/" \
			"rawshare: $fs: \[dotdot\]"
		show $fs
	fi

	# 2. A FIFO, a device node, a unix socket made on the host.
	if group_ok $fs special && grep -q "^connect /mnt/$m/sock: " /tmp/o &&
	   ! grep -q "^connect /mnt/$m/sock: CONNECTED" /tmp/o &&
	   same $fs special && ! grep -q "sock.log" /tmp/after-$fs; then
		ok "$name: a FIFO, a device node and a socket in the share: none opened, none connected, and the server serves on"
	else
		not_ok "$name: devices, FIFOs and sockets" "rawshare: $fs: \[special\]" "^connect /mnt/$m"
		show $fs
	fi

	# 3. Hard links, renames, symlinks and directories out of the share.
	if group_ok $fs links && same $fs out-link && same $fs beside; then
		ok "$name: hard links, renames, symlinks and directories named out of the share fail and the canary is unchanged"
	else
		not_ok "$name: links out of the share" "rawshare: $fs: \[links\]"
		show $fs
	fi

	# 4. setattr and xattrs on the share's root, and on its "..".
	if group_ok $fs rootattr && grep -q "^rootattr $m: truncate 0: " /tmp/o &&
	   same $fs share && [ "$(stat -c %Y /tmp/esc-$fs/share)" -gt 1000000000 ]; then
		ok "$name: chmod, chown, utimes, xattrs and truncate on the share's root and its .. leave the host's directory as it was"
	else
		not_ok "$name: setattr on the share's root" "rawshare: $fs: \[rootattr\]" "^rootattr $m"
		show $fs
		stat -c "# host: mtime %Y" /tmp/esc-$fs/share
	fi

	# 5. Huge msize and counts, long walks, strings and lengths past the
	#    message (raw 9P or FUSE).
	if group_ok $fs msize && { [ $fs = fs ] || group_ok $fs walk; } &&
	   group_ok $fs strings && group_ok $fs counts && same $fs data; then
		ok "$name: huge msize and counts, long walks, names and lengths past the message: each refused or cut, and the server serves on"
	else
		not_ok "$name: huge msize and counts" "rawshare: $fs: \[msize\]" \
			"rawshare: $fs: \[walk\]" "rawshare: $fs: \[strings\]" \
			"rawshare: $fs: \[counts\]" "rawshare: $fs: \[serving\]"
	fi
done

# 6. Descriptor chains at MMIO and past RAM.
grep "^vqescape: " /tmp/o | grep -v "rewritten under" >/tmp/chains
if ! grep -q FAILED /tmp/chains && [ "$(grep -c ': ok$' /tmp/chains)" = 24 ] &&
   grep -q "virtio-9p: queue 0: descriptor outside guest RAM" /tmp/e &&
   grep -q "virtio-fs: queue 1: descriptor outside guest RAM" /tmp/e &&
   grep -q "virtio-blk: queue 0: descriptor outside guest RAM" /tmp/e; then
	ok "9p, virtio-fs and blk: descriptors at MMIO, past RAM and across its end each end in a reset with a warning, and the devices serve again"
else
	not_ok "descriptor chains at MMIO and past RAM"
	sed 's/^/# /' /tmp/chains | tail -n 24
fi

# 7. A ring rewritten under the device.
if grep -q "rewritten under the device: [0-9]" /tmp/o &&
   ! grep "rewritten under the device" /tmp/o | grep -q FAILED &&
   [ "$(grep -c 'after the ring was rewritten under the device: ok$' /tmp/o)" = 3 ] &&
   cmp -s /tmp/before-blk /tmp/after-blk && same 9p beside && same fs beside; then
	ok "9p, virtio-fs and blk: descriptors, lengths, avail entries and requests rewritten under the device: nothing outside the guest touched, and the devices serve again"
else
	not_ok "a ring that changes under the device" "rewritten under the device"
	diff /tmp/before-blk /tmp/after-blk | sed 's/^/# host: /'
fi

# The launcher lived through all of it: the guest's command ran to its
# end and its status came home.
if [ -n "$lived" ]; then
	ok "the launcher served both boots to their end"
else
	not_ok "the launcher did not serve both boots to their end (status $rc, $rc2)"
	tail -n 5 /tmp/e | sed 's/^/# stderr: /'
fi

echo "1..$n"
