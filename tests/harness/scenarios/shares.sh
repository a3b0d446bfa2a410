#!/bin/sh
# Host shares in L2 (see ../nested.sh), for each file system the
# launcher serves: a 64 MiB random file reads back identical, a file the
# guest writes verifies on the host, host edits are seen while the guest
# runs, escapes fail and leave a canary outside the share unchanged, a ro
# share refuses writes. One TAP line per check; "# " lines under a
# failure say what went wrong.
K=/l1/vmlinuz
IMG=/l1/img/shares.img
n=0
export XDG_CACHE_HOME=/tmp
R="$TINYRD run --vmm builtin -k $K -i $IMG --timeout 400"
FSES=${*:-9p virtiofs}	# the file systems to check (arguments)

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

mkdir -p /tmp/outside
echo "canary: outside every share" >/tmp/outside/canary
canary() { (cd /tmp/outside && md5sum canary && ls -l); }
canary >/tmp/canary.before

for fs in $FSES; do
	S=/tmp/share-$fs
	rm -rf $S && mkdir -p $S
	head -c 67108864 /dev/urandom >$S/big
	echo "host v1" >$S/edit
	ln -s /tmp/outside/canary $S/abs
	ln -s ../outside/canary $S/rel
	ln -s /etc/shadow $S/shadow
	sum=$(md5sum <$S/big)

	echo "# $(date +%T) $fs: 64 MiB, a write, host edits"
	( # The host's side of the edit check: wait for the guest to be
	  # ready, change the file, say so.
		i=0
		while [ ! -f $S/ready ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
		echo "host v2" >$S/edit
		touch $S/edited
		# virtio-fs: the host cuts a file short under the guest's
		# DAX mapping (the guest still holds it open).
		i=0
		while [ ! -f $S/ready2 ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
		: >$S/shrink
		touch $S/cut
	) &
	head -c 4194304 /dev/urandom >$S/shrink
	timeout 500 $R --share $S:data,fs=$fs -- sh -c '
		cd /mnt/data || exit 9
		echo "fstype $(grep " /mnt/data " /proc/mounts | cut -d" " -f3,4)"
		echo "big $(md5sum <big)"
		head -c 5000000 /dev/urandom >/tmp/w
		cp /tmp/w written && echo "wrote $(md5sum </tmp/w)"
		echo "first $(cat edit)"
		touch ready
		i=0
		while [ ! -f edited ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
		echo "second $(cat edit)"
		exec 3<shrink
		echo "shrink $(md5sum <shrink)"
		touch ready2
		i=0
		while [ ! -f cut ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
		echo "after $(wc -c <&3)"
		exit 0' >/tmp/o 2>/tmp/e
	rc=$?
	wait
	if [ "$rc" = 0 ] && grep -qx "big $sum" /tmp/o; then
		ok "$fs: a 64 MiB random file reads back identical ($(grep fstype /tmp/o))"
	else
		not_ok "$fs: 64 MiB read (status $rc, host $sum)"
	fi
	if [ -f $S/written ] && grep -qx "wrote $(md5sum <$S/written)" /tmp/o; then
		ok "$fs: a file written in the guest verifies on the host"
	else
		not_ok "$fs: guest write"
	fi
	if grep -qx "first host v1" /tmp/o && grep -qx "second host v2" /tmp/o; then
		ok "$fs: a host edit is seen by the running guest"
	else
		not_ok "$fs: host edit"
	fi
	# With DAX the guest reads a file the host truncated through its
	# mapping, up to the size it knew: zeros past the new end, the
	# launcher says so, and the guest runs on.
	if [ $fs = virtiofs ]; then
		if [ "$rc" = 0 ] && grep -q "^after " /tmp/o &&
		   grep -q "dax=always" /tmp/o &&
		   grep -q "shrank on the host under the guest's DAX mapping" /tmp/e; then
			ok "$fs: a file truncated on the host under a DAX mapping ($(grep '^after' /tmp/o))"
		else
			not_ok "$fs: DAX truncation (status $rc)"
			sed 's/^/# /' /tmp/e | tail -n 5
		fi
	fi

	# Escapes: symlinks out are the guest's to resolve (in its own
	# tree), links and renames across the boundary fail, mknod of a
	# device is refused without ,dev; a ro share refuses every write.
	echo "# $(date +%T) $fs: escapes"
	timeout 500 $R --share $S:data,fs=$fs --share $S:ro,ro,fs=$fs -- sh -c '
		cd /mnt/data || exit 9
		cat abs rel shadow ../../tmp/outside/canary 2>/dev/null && echo "ESCAPED read"
		echo x >abs 2>/dev/null; echo x >rel 2>/dev/null
		[ -e /tmp/outside ] && echo "ESCAPED exists"
		mkdir -p /tmp/g && echo g >/tmp/g/f
		ln /tmp/g/f hard 2>/dev/null && echo "ESCAPED hardlink in"
		ln big /tmp/g/hard 2>/dev/null && echo "ESCAPED hardlink out"
		mknod null c 1 3 2>/dev/null && echo "ESCAPED mknod"
		ls -l /proc/self/fd/ >/dev/null
		echo w >/mnt/ro/new 2>/dev/null && echo "ESCAPED ro create"
		echo w >>/mnt/ro/edit 2>/dev/null && echo "ESCAPED ro append"
		rm /mnt/ro/big 2>/dev/null && echo "ESCAPED ro rm"
		mkdir /mnt/ro/d 2>/dev/null && echo "ESCAPED ro mkdir"
		mv /mnt/ro/edit /mnt/ro/e2 2>/dev/null && echo "ESCAPED ro mv"
		chmod 777 /mnt/ro/edit 2>/dev/null && echo "ESCAPED ro chmod"
		echo done' >/tmp/o 2>/tmp/e
	rc=$?
	canary >/tmp/canary.after
	if [ "$rc" = 0 ] && grep -qx done /tmp/o && ! grep -q ESCAPED /tmp/o &&
		cmp -s /tmp/canary.before /tmp/canary.after &&
		[ "$(cat $S/edit)" = "host v2" ] && [ ! -e $S/null ] &&
		[ ! -e $S/new ] && [ -f $S/big ] && [ ! -e $S/hard ]; then
		ok "$fs: escapes fail (symlinks out, hardlinks and mknod, ro writes) and the canary is unchanged"
	else
		not_ok "$fs: escapes (status $rc)"
		diff /tmp/canary.before /tmp/canary.after | sed 's/^/# /'
	fi
	rm -rf $S

	# tinyrd verify: the fixture read every way, the sweep (with its
	# 64 MiB file) written by the guest and checked here.
	echo "# $(date +%T) $fs: tinyrd verify"
	timeout 600 $TINYRD verify --vmm builtin -k $K -i $IMG --fs $fs --timeout 500 >/tmp/o 2>/tmp/e
	rc=$?
	if [ "$rc" = 0 ] && grep -q " passed, 0 failed$" /tmp/o; then
		ok "$fs: tinyrd verify passes ($(tail -n 1 /tmp/o))"
	else
		not_ok "$fs: tinyrd verify (status $rc)"
	fi

	# Host-root mode: L1's own / is L2's root, L1's busybox runs; the
	# loader and /bin/sh are verified before the switch.
	echo "# $(date +%T) $fs: host-root mode"
	timeout 500 $R --rootfs /,fs=$fs --console-log /tmp/con -- sh -c 'echo $((6*7)); ls /l1/scenario' >/tmp/o 2>/tmp/e
	rc=$?
	if [ "$rc" = 0 ] && [ "$(cat /tmp/o)" = "42
/l1/scenario" ] && grep -q "^verify end 0" /tmp/con; then
		ok "$fs: tinyrd run --rootfs / -- sh -c 'echo \$((6*7))' prints 42"
	else
		not_ok "$fs: host-root mode (status $rc)"
	fi
done

echo "# $(date +%T) a missing directory"
start=$(date +%s)
timeout 100 $R --share /tmp/no-such-dir -- true >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 125 ] && [ $(($(date +%s) - start)) -lt 10 ] &&
	grep -q "share /tmp/no-such-dir: No such file or directory" /tmp/e; then
	ok "a share of a missing directory fails with a clear error before boot"
else
	not_ok "missing directory (status $rc)"
fi
