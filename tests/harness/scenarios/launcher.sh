#!/bin/sh
# The built-in launcher, inside L1 (see ../nested.sh): every ending, SMP,
# memory above the hole, PVH, the UART both ways, doctor. One TAP line per
# check; what went wrong under it as "# " lines.
K=/l1/vmlinuz
IMG=/l1/img/default.img
n=0
export XDG_CACHE_HOME=/tmp

# check NAME STATUS PATTERN COMMAND...: COMMAND exits with STATUS and its
# output (stdout and stderr) contains PATTERN.
check() {
	name=$1 want=$2 pattern=$3
	shift 3
	echo "# $(date +%T) $name"
	timeout 400 "$@" >/tmp/out 2>&1
	got=$?
	n=$((n + 1))
	if [ "$got" = "$want" ] && { [ -z "$pattern" ] || grep -q -- "$pattern" /tmp/out; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (status $got, wanted $want and '$pattern')"
		sed 's/^/# /' /tmp/out | tail -n 40
	fi
}

R="$TINYRD run --vmm builtin -k $K -i $IMG --timeout 300"
# The bzImage's vmlinux is unpacked on the host (here L1) once, into the
# cache, and the launcher enters it at its PVH entry; every check below
# boots that, as a user's run does, but those that say --no-unpack.
check "run -- uname -r: the bzImage's vmlinux, unpacked once, at its PVH entry" 0 \
	"plan: the kernel's vmlinux at its PVH entry, unpacked on the host once (xz, [0-9]* ms): /tmp/tinyrd/[0-9a-f]*\\.vmlinux" \
	$R -v --json /tmp/json -- uname -r
grep -q "^$KVER" /tmp/out && grep -q "\\.vmlinux: PVH entry at " /tmp/out &&
	grep -q '"kernel_booted":"/tmp/tinyrd/[0-9a-f]*\.vmlinux","kernel_why":"xz, [0-9]* ms"' /tmp/json &&
	echo "ok $((n = n + 1)) - the launcher entered it (-v and --json say so), and uname -r is $KVER" ||
	{ echo "not ok $((n = n + 1)) - no PVH entry of the unpacked vmlinux, or no $KVER"; sed "s/^/# /" /tmp/json; grep -v '^\[' /tmp/out | tail -n 20 | sed 's/^/# /'; }
# The default VMM (auto) is the launcher here: L1 has no QEMU at all.
check "run's default: the launcher, status 3 and output" 3 "^hi" \
	$TINYRD run -k $K -i $IMG --timeout 300 -- sh -c 'echo hi; exit 3'
command -v qemu-system-x86_64 >/dev/null && echo "# (L1 has a QEMU: $(command -v qemu-system-x86_64))"
check "status 127" 127 "not-a-command: No such file" $R -- not-a-command
check "status 128+9" 137 "" $R -- sh -c 'kill -9 $$'
check "a command's own 124 is passed on, with a note" 124 "124 is the command's own exit status, not a timeout" \
	$R -- sh -c 'exit 124'
check "the init's failure is 125, with its reason" 125 "the guest's init failed: mount: /mnt: " \
	$R --share /tmp:t,fs=9p,mount=/mnt -- true
check "--silence-timeout counts from the command's start" 0 "^b$" \
	$R --silence-timeout 2 -- sh -c 'echo a; sleep 1; echo b'
check "panic is 123, named" 123 "Kernel panic - not syncing: sysrq triggered crash" \
	$R -- sh -c 'echo c >/proc/sysrq-trigger'
check "reset is 123 (triple fault)" 123 "without reporting a status: triple fault" \
	$R -- busybox reboot -f
check "a keyboard-controller reset is 123" 123 "reset itself (keyboard controller)" \
	$R --append reboot=k -- busybox reboot -f
# A KVM internal error, --timeout and --silence-timeout, the terminal
# keys, console input and huge pages: t1050, on the host's KVM and in L1
# (t1060, scenarios/host.sh).
check "halted CPUs are 123" 123 "every CPU halted with interrupts off" \
	$R -- busybox poweroff -f
check "the guest's clock runs (TSC-deadline timer)" 0 "^slept [234]$" \
	$R -- sh -c 'a=$(date +%s); sleep 2; echo "slept $(($(date +%s) - a))"'
# With a second CPU sending the UART's buffer, the end of the output used
# to be lost when the command's session ended (init's keeper fixed it).
check "-c 2 shows 2 CPUs, and all of the output arrives" 0 "^cpus 2$" \
	$R -c 2 -- sh -c 'seq 1 3000; echo "cpus $(nproc)"'
check "-m 3584 shows the memory" 0 "MemTotal: *3[45][0-9][0-9][0-9][0-9][0-9] kB" \
	$R -m 3584 -- grep MemTotal /proc/meminfo
check "a PVH vmlinux boots" 0 "^pvh $KVER" \
	$TINYRD run --vmm builtin -k /l1/vmlinux -i $IMG --timeout 300 -- sh -c 'echo "pvh $(uname -r)"'
check "boot runs the image's command; --no-unpack: the bzImage at its 64-bit entry" 5 \
	"vmlinuz: 64-bit entry at " \
	$TINYRD boot -v --no-unpack -k $K -i /l1/img/cmd.img --timeout 300
grep -q "plan: the kernel as it is: --no-unpack" /tmp/out && grep -q "tinyrd-init: exit status 5" /tmp/out &&
	echo "ok $((n = n + 1)) - the plan says why the bzImage boots as it is" ||
	echo "not ok $((n = n + 1)) - the plan does not say --no-unpack"
check "an interactive shell over the UART" 7 "answer 42" \
	/l1/bin/ptyrun "Enter 'help'" 'echo "answer $((6 * 7))"; exit 7\n' -- \
	$TINYRD boot -k $K -i $IMG --timeout 300
grep -q "terminal restored" /tmp/out && echo "ok $((n = n + 1)) - the terminal is restored" ||
	echo "not ok $((n = n + 1)) - the terminal is left raw"
check "Ctrl-C stops the guest" 130 "Interrupt; the guest was stopped" \
	/l1/bin/ptyrun "Enter 'help'" '\003' -- $TINYRD boot -k $K -i $IMG --timeout 300
grep -q "terminal restored" /tmp/out && echo "ok $((n = n + 1)) - and restores the terminal" ||
	echo "not ok $((n = n + 1)) - Ctrl-C left the terminal raw"
check "doctor: the launcher works (exit 0)" 0 "smoke boot *ok" $TINYRD doctor -k $K
n=$((n + 1))
# (L1's busybox has no pgrep: read /proc.)
left=
for c in /proc/[0-9]*/cmdline; do
	case $(tr '\0' ' ' <"$c" 2>/dev/null) in "$TINYRD "*) left="$left ${c%/cmdline}" ;; esac
done
if [ -n "$left" ]; then
	echo "not ok $n - a launcher was left running:$left"
else
	echo "ok $n - no launcher left running"
fi
echo "1..$n"
