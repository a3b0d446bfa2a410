#!/bin/sh
# The nested freeze's most frequent trigger, alone (tests/README.md): L2
# reads a 64 MiB random file over the launcher's 9p and writes 5 MB back
# while L1 and L2 both poll the share on timers (a host edit handed over),
# as shares.sh's first step does; ROUNDS (argument, default 3) times, one
# L2 boot each. For tests/harness/freeze-rate.sh.
K=/l1/vmlinuz
IMG=/l1/img/shares.img
export XDG_CACHE_HOME=/tmp
S=/tmp/share
mkdir -p $S
head -c 67108864 /dev/urandom >$S/big
sum=$(md5sum <$S/big)
n=0
while [ $n -lt "${1:-3}" ]; do
	n=$((n + 1))
	echo "# $(date +%T) round $n"
	rm -f $S/ready $S/edited
	echo "host v1" >$S/edit
	(
		i=0
		while [ ! -f $S/ready ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
		echo "host v2" >$S/edit
		touch $S/edited
	) &
	timeout 400 $TINYRD run --vmm builtin -k $K -i $IMG --timeout 300 \
		--share $S:data,fs=9p -- sh -c '
		cd /mnt/data || exit 9
		echo "big $(md5sum <big)"
		head -c 5000000 /dev/urandom >/tmp/w
		cp /tmp/w written && echo "wrote $(md5sum </tmp/w)"
		touch ready
		i=0
		while [ ! -f edited ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
		echo "second $(cat edit)"' >/tmp/o 2>/tmp/e
	rc=$?
	wait
	if [ $rc = 0 ] && grep -qx "big $sum" /tmp/o &&
		grep -qx "wrote $(md5sum <$S/written)" /tmp/o &&
		grep -qx "second host v2" /tmp/o; then
		echo "ok $n - round $n: 64 MiB read, 5 MB written, a host edit seen over 9p"
	else
		echo "not ok $n - round $n (status $rc)"
		tail -n 5 /tmp/e | sed 's/^/# /'
	fi
done
echo "1..$n"
