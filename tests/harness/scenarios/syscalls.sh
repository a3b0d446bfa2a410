#!/bin/sh
# What each of the launcher's threads calls once confined, measured in
# L1 (see ../nested.sh) with strace -f: not run by make check, but by
# hand when src/vmm/confine.c's tables change:
#
#   NESTED_PROGRAMS=strace tests/harness/nested.sh syscalls.sh
#
# Each run below is traced with its confinement on; a thread's calls are
# counted from its own seccomp() on (the supervisor's: the main
# thread's), under its role (from the name confine_thread gives it:
# vcpuN, hvcN, virtio-rng, vdX, 9p:TAG, fs:TAG). Printed per role: the
# system calls, ioctl's requests, fcntl's commands, each with the runs
# that made it; and every SIGSYS, which would be a call the tables miss
# (a TAP line fails for each run that had one, or that ended otherwise
# than expected).
K=/l1/vmlinuz
IMG=/l1/img/shares.img
n=0
export XDG_CACHE_HOME=/tmp
command -v strace >/dev/null || { echo "1..0 # SKIP no strace in L1 (NESTED_PROGRAMS=strace)"; exit 0; }
T="$TINYRD"
ST="strace -f -qq -s 24 -o"
mkdir -p /tmp/t

# traced NAME STATUS COMMAND...: COMMAND, traced into /tmp/t/NAME, exits
# with STATUS and had no SIGSYS.
traced() {
	name=$1 want=$2
	shift 2
	echo "# $(date +%T) $name"
	timeout 600 $ST /tmp/t/$name "$@" >/tmp/o 2>/tmp/e </tmp/in
	got=$?
	n=$((n + 1))
	if [ "$got" = "$want" ] && ! grep -q -- '--- SIGSYS' /tmp/t/$name; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (status $got, wanted $want)"
		grep -- '--- SIGSYS' /tmp/t/$name | head -n 5 | sed 's/^/# /'
		tail -n 15 /tmp/e | sed 's/^/# e: /'
	fi
}

head -c 8388608 /dev/zero >/tmp/disk
mkdir -p /tmp/p9 /tmp/fs /tmp/v
echo "typed line" >/tmp/in
# Every device the launcher has, and the guest working each: the
# command's output and input, the hwrng, O_DIRECT disk I/O, each share
# file system's calls (create, write, rename and link across
# directories, symlink, chmod, utimes, truncate, statfs, locks, xattrs,
# removal), a DAX mapping, and each share's device reset (unbind and
# bind: its session ends on a vCPU thread). Two CPUs: the probes and
# kicks between them.
traced devices 3 $T run --vmm builtin -k $K -i $IMG -c 2 -v --json /tmp/j \
	--timeout 500 --disk /tmp/disk --share /tmp/p9:p9,fs=9p \
	--share /tmp/fs:fs,fs=virtiofs -- sh -c '
	echo out; echo err >&2
	head -c 65536 /dev/hwrng | wc -c
	dd if=/dev/urandom of=/dev/vda bs=1M count=4 oflag=direct 2>/dev/null
	dd if=/dev/vda of=/dev/null bs=1M count=4 iflag=direct 2>/dev/null
	sync
	for m in /mnt/p9 /mnt/fs; do
		cd $m || exit 9
		mkdir d && echo hello >d/f && mv d/f g && ln g d/h && ln -s g s
		readlink s; cat d/h; chmod 600 g; touch -d 2020-01-01 g
		truncate -s 2 g 2>/dev/null || dd if=/dev/null of=g bs=1 seek=2 2>/dev/null
		ls -la . d >/dev/null; df . >/dev/null
		flock g true 2>/dev/null
		setfattr -n user.x -v 1 g 2>/dev/null; getfattr -d g >/dev/null 2>&1
		mkfifo p 2>/dev/null && rm -f p
		dd if=/dev/urandom of=big bs=1M count=8 2>/dev/null; sync
		cat big >/dev/null; rm d/h g s big; rmdir d
		cd /
	done
	umount /mnt/p9 /mnt/fs
	for drv in 9pnet_virtio virtiofs; do
		for d in /sys/bus/virtio/drivers/$drv/virtio*; do
			[ -e "$d" ] || continue
			echo ${d##*/} >/sys/bus/virtio/drivers/$drv/unbind
			echo ${d##*/} >/sys/bus/virtio/drivers/$drv/bind
		done
	done
	read line; echo "stdin: $line"
	exit 3'
# The host's half of verify after the run (the supervisor's calls).
traced verify-virtiofs 0 $T verify --vmm builtin -k $K -i $IMG --quick --timeout 500
traced verify-9p 0 $T verify --vmm builtin -k $K -i $IMG --fs 9p --quick \
	--share /tmp/v --timeout 500
# The terminal: raw mode, typed bytes to the UART, Ctrl-C (strace
# inside the pty: ptyrun is not traced).
echo "# $(date +%T) terminal"
timeout 600 /l1/bin/ptyrun "Enter 'help'" 'echo hi\n\003' -- \
	$ST /tmp/t/terminal $T boot -k $K -i /l1/img/default.img --timeout 300 \
	>/tmp/o 2>&1
got=$?
n=$((n + 1))
if [ "$got" = 130 ] && ! grep -q -- '--- SIGSYS' /tmp/t/terminal; then
	echo "ok $n - terminal"
else
	echo "not ok $n - terminal (status $got, wanted 130)"
	grep -- '--- SIGSYS' /tmp/t/terminal | head -n 5 | sed 's/^/# /'
	tail -n 15 /tmp/o | sed 's/^/# o: /'
fi
# virtio-mmio: kicks from the vCPU threads (no ioeventfd); a reset.
traced mmio 123 $T run --vmm builtin -k $K -i /l1/img/default.img --transport mmio \
	--timeout 300 -- busybox reboot -f

# Per run: each thread's role, and what it called after its seccomp().
for f in /tmp/t/*; do
	awk -v run="${f##*/}" '
	function role(t) {
		if (!(t in name)) return t == main ? "supervisor" : "?" t
		if (name[t] ~ /^vcpu/) return "vcpu"
		if (name[t] ~ /^hvc/) return "virtio-console"
		if (name[t] ~ /^vd/) return "virtio-blk"
		if (name[t] ~ /^9p:/) return "9p"
		if (name[t] ~ /^fs:/) return "virtio-fs"
		return name[t]
	}
	{
		t = $1; rest = $0; sub(/^[0-9]+ +/, "", rest)
		if (!main) main = t
	}
	rest ~ /^prctl\(PR_SET_NAME/ {
		s = rest; sub(/^[^"]*"/, "", s); sub(/".*/, "", s); name[t] = s
	}
	rest ~ /^execve\(/ { main = t }
	rest ~ /^seccomp\(SECCOMP_SET_MODE_FILTER, [^,]*, [{]len=/ { on[t] = 1; next }
	rest ~ /^--- SIGSYS/ { print role(t) " SIGSYS " rest; next }
	!on[t] || rest !~ /^[a-z_0-9]+\(/ { next }
	{
		s = rest; sub(/\(.*/, "", s)
		if (s == "ioctl" || s == "fcntl") {
			a = rest; sub(/^[a-z]+\([^,]*, */, "", a); sub(/[,) ].*/, "", a)
			s = s ":" a
		}
		if (s == "mmap") {
			a = rest; sub(/^mmap\([^,]*, [^,]*, /, "", a); sub(/[, ].*/, "", a)
			s = s ":prot=" a
		}
		print role(t) " " s
	}' "$f" | sort -u | sed "s/\$/ $(basename "$f")/"
done >/tmp/calls
echo "# calls after seccomp(), per role: call [runs]"
awk '{ k = $1 " " $2; if (!(k in runs)) order[++n] = k; runs[k] = runs[k] " " $NF }
	END { for (i = 1; i <= n; i++) print order[i] " [" substr(runs[order[i]], 2) "]" }' \
	/tmp/calls | sort | sed 's/^/# /'
echo "1..$n"
