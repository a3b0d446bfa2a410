#!/bin/sh
# The launcher's confinement in L2 (see ../nested.sh, src/vmm/confine.h):
# /l1/extra is tinyrd built with TINYRD_TESTING (NESTED_EXTRA=
# build/tinyrd-testing), in which TINYRD_TEST_CONFINE=rng makes
# virtio-rng open /etc/passwd at each request and =vcpu makes vCPU 0 do
# it at its first exit: the guest is stopped, one line names the call,
# the status is 125 (skip under --bisect, --json's reason); with
# --no-confine the same build runs through. The plain tinyrd with every
# device, two CPUs and both share file systems runs confined, -v
# listing each role and Landlock, and doctor says so. With
# TINYRD_TEST_WEDGE=rng virtio-rng never comes back from its first
# request: --timeout and SIGTERM end the launcher all the same, naming
# the thread it left. One TAP line per
# check; what went wrong under it as "# " lines.
K=/l1/vmlinuz
IMG=/l1/img/shares.img
T=/l1/extra
n=0
export XDG_CACHE_HOME=/tmp

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	for f in /tmp/o /tmp/e /tmp/j; do
		[ -f $f ] && tail -n 20 $f | sed "s|^|# ${f#/tmp/}: |"
	done
}

[ -x $T ] || { echo "1..0 # SKIP no /l1/extra (NESTED_EXTRA=build/tinyrd-testing)"; exit 0; }
RT="$T run --vmm builtin -k $K -i $IMG --timeout 300"
# The guest reads the hwrng, then would sleep: a run that is not stopped
# takes the sleep and prints "never".
CMD="head -c 16 /dev/hwrng | wc -c; sleep 20; echo never"
LINE="tinyrd: error: seccomp: thread virtio-rng called openat (system call 257), which its filter forbids; the guest was stopped"

echo "# $(date +%T) a device that calls outside its filter"
rm -f /tmp/j
start=$(date +%s)
TINYRD_TEST_CONFINE=rng timeout 400 $RT --json /tmp/j -- sh -c "$CMD" >/tmp/o 2>/tmp/e
rc=$?
took=$(($(date +%s) - start))
if [ "$rc" = 125 ] && [ "$(grep -c '^tinyrd: ' /tmp/e)" = 1 ] && grep -qxF "$LINE" /tmp/e &&
	! grep -q never /tmp/o && [ "$took" -lt 20 ]; then
	ok "virtio-rng opening a file: the guest stopped in $took s, 125, one line naming openat"
else
	not_ok "virtio-rng's forbidden call (status $rc, $took s)"
fi
if grep -q '"status":125,"ending":"failed"' /tmp/j &&
	grep -q '"reason":"seccomp: thread virtio-rng called openat (system call 257), which its filter forbids; the guest was stopped"' /tmp/j; then
	ok "--json: status 125, ending failed, the call as the reason"
else
	not_ok "--json of the forbidden call"
fi

TINYRD_TEST_CONFINE=rng timeout 400 $RT --bisect -- sh -c "$CMD" >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 125 ] && grep -q "^tinyrd: bisect skip (seccomp: thread virtio-rng called openat" /tmp/e; then
	ok "--bisect: skip (125), not a verdict on the kernel"
else
	not_ok "--bisect with the forbidden call (status $rc)"
fi

TINYRD_TEST_CONFINE=vcpu timeout 400 $RT -- true >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 125 ] &&
	grep -qxF "tinyrd: error: seccomp: thread vcpu0 (vcpu) called openat (system call 257), which its filter forbids; the guest was stopped" /tmp/e; then
	ok "a vCPU opening a file: 125, named"
else
	not_ok "the vCPU's forbidden call (status $rc)"
fi

echo "# $(date +%T) --no-confine"
TINYRD_TEST_CONFINE=rng timeout 400 $RT -v --no-confine -- sh -c 'head -c 16 /dev/hwrng | wc -c' >/tmp/o 2>/tmp/e
rc=$?
if [ "$rc" = 0 ] && grep -qx 16 /tmp/o && grep -q "plan: the launcher unconfined (--no-confine)" /tmp/e &&
	grep -q "confine: none (--no-confine)" /tmp/e && ! grep -q "seccomp: thread" /tmp/e; then
	ok "--no-confine: the same device runs unstopped, and -v says so"
else
	not_ok "--no-confine (status $rc)"
fi

# A device thread that never comes back from a host system call (as a
# share's server in a file system that stopped answering):
# TINYRD_TEST_WEDGE=rng makes virtio-rng wait forever at its first
# request. --timeout and SIGTERM must still end the launcher, within the
# 2 s it gives its threads, the thread named.
WEDGE="tinyrd: warning: virtio-rng: its thread is still in a host system call 2000 ms after the end; tinyrd ends without it"
echo "# $(date +%T) a device thread that does not come back"
start=$(date +%s)
TINYRD_TEST_WEDGE=rng timeout -k 10 400 $T run --vmm builtin -k $K -i $IMG --timeout 40 \
	-- sh -c 'head -c 16 /dev/hwrng | wc -c; echo never' >/tmp/o 2>/tmp/e
rc=$?
took=$(($(date +%s) - start))
if [ "$rc" = 124 ] && grep -qxF "$WEDGE" /tmp/e && ! grep -q never /tmp/o &&
	[ "$took" -lt 60 ]; then
	ok "--timeout 40 with a wedged device thread: 124 in $took s, the thread named"
else
	not_ok "--timeout with a wedged device thread (status $rc, $took s)"
fi

rm -f /tmp/o
TINYRD_TEST_WEDGE=rng timeout -k 10 400 $T run --vmm builtin -k $K -i $IMG --timeout 300 \
	-- sh -c 'echo up; head -c 16 /dev/hwrng | wc -c; echo never' >/tmp/o 2>/tmp/e &
pid=$!
i=0
while [ $i -lt 300 ] && ! grep -qx up /tmp/o 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
sleep 2
start=$(date +%s)
kill -TERM $pid
wait $pid
rc=$?
took=$(($(date +%s) - start))
if [ "$rc" = 143 ] && grep -qxF "$WEDGE" /tmp/e &&
	grep -qx "tinyrd: Terminated; the guest was stopped" /tmp/e && [ "$took" -lt 10 ]; then
	ok "SIGTERM with a wedged device thread: 143 in $took s, the thread named"
else
	not_ok "SIGTERM with a wedged device thread (status $rc, $took s)"
fi

echo "# $(date +%T) every role confined"
rm -rf /tmp/p9 /tmp/fs /tmp/ro && mkdir -p /tmp/p9 /tmp/fs /tmp/ro
echo "read me" >/tmp/ro/f
head -c 4194304 /dev/zero >/tmp/disk
timeout 400 $TINYRD run --vmm builtin -k $K -i $IMG --timeout 300 -v -c 2 \
	--disk /tmp/disk --share /tmp/p9:p9,fs=9p --share /tmp/fs:fs,fs=virtiofs \
	--share /tmp/ro:ro,ro,fs=9p -- sh -c '
	head -c 4096 /dev/hwrng | wc -c
	dd if=/dev/zero of=/dev/vda bs=4096 count=16 oflag=direct 2>/dev/null
	for m in /mnt/p9 /mnt/fs; do
		mkdir $m/d && echo hi >$m/d/f && mv $m/d/f $m/g && ln $m/g $m/d/h &&
			cat $m/d/h || exit 7
	done
	cat /mnt/ro/f; echo no >/mnt/ro/g 2>/dev/null && exit 8
	exit 0' >/tmp/o 2>/tmp/e
rc=$?
roles=$(grep '^confine: seccomp per thread' /tmp/e)
if [ "$rc" = 0 ] && grep -qx 4096 /tmp/o && [ "$(grep -c '^hi$' /tmp/o)" = 2 ] &&
	grep -qx "read me" /tmp/o && [ "$(cat /tmp/fs/g)" = hi ] &&
	echo "$roles" | grep -q "vcpu x2 [0-9]*, virtio-console x2 [0-9]*, virtio-rng [0-9]*, virtio-blk [0-9]*, 9p x2 [0-9]*, virtio-fs [0-9]*, supervisor [0-9]*$" &&
	grep -q "^confine: Landlock ABI [0-9]*: 3 share servers kept in their directories" /tmp/e &&
	grep -q "^confine: no_new_privs; [0-9]* inherited descriptors\{0,1\} closed" /tmp/e &&
	! grep -q "seccomp: thread" /tmp/e; then
	ok "two vCPUs, a disk, 9p, virtio-fs and a ro share, all confined: ${roles#confine: }"
else
	not_ok "every role confined (status $rc)"
	grep '^confine' /tmp/e | sed 's/^/# /'
fi

$TINYRD doctor -k $K >/tmp/o 2>/tmp/e
if grep -q "^seccomp  *ok  *a filter per launcher thread, each loaded here" /tmp/o &&
	grep -q "^Landlock  *ok  *ABI [0-9]*: each share's server kept in its directory" /tmp/o &&
	grep -q "^no_new_privs  *ok" /tmp/o; then
	ok "doctor: seccomp, Landlock and no_new_privs ok"
else
	not_ok "doctor's confinement rows"
	grep -i "seccomp\|landlock\|no_new" /tmp/o | sed 's/^/# /'
fi
echo "1..$n"
