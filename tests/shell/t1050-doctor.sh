#!/bin/bash
# tinyrd doctor on this host's shape and on the shapes made from it, boot
# and run refusing a KVM that cannot boot a stock kernel, and the
# launcher's own endings where a /dev/kvm opens. t1060 runs this file
# again in the nested harness's L1, where KVM works (tests/README.md,
# "host shapes").
. "$(dirname "$0")/lib.sh"

# guest OUT SRC [CPPFLAGS...]: a tiny PVH guest from tests/fixtures,
# assembled and linked at 16 MiB (in L1, where there is no assembler, the
# nested harness's build of it in $TINYRD_TEST_BIN); fails the test when
# it cannot be had.
guest() {
	if [ -n "${TINYRD_TEST_BIN-}" ]; then
		cp "$TINYRD_TEST_BIN/$1" "$1" || { fail "no prebuilt guest $1"; return 1; }
		return 0
	fi
	cc "${@:3}" -c "$FIX/$2" -o "$1.o" &&
		ld -m elf_x86_64 -Ttext=0x1000000 -o "$1" "$1.o" ||
		{ fail "cannot assemble $2"; return 1; }
}

# The launcher checks below need a /dev/kvm that opens: any KVM runs the
# tiny guests of tests/fixtures this far, PVM included (--force). Without
# one they run in the nested harness's L1 (t1060), never only skip.
need_kvm() {
	case $(kvm_shape) in
	pvm|kvm) return 0 ;;
	none) skip "no /dev/kvm on this host (t1060 runs this in L1)" ;;
	closed) skip "/dev/kvm does not open for $(id -un) (t1060 runs this in L1)" ;;
	esac
	return 1
}

# The rows that say what guests get come from KVM's supported CPUID when
# the launcher works, else from the host kernel's /proc/cpuinfo (each row
# says which); compared with tests/harness/kvmcpuid.c and /proc/cpuinfo.
test_doctor_table() {
	run tinyrd doctor -k /nonexistent/vmlinuz
	case $rc in 0|1|2) ;; *) fail "exit status $rc" ;; esac
	for c in /dev/kvm RLIMIT_MEMLOCK "1 GiB pages" kernel busybox QEMU; do
		grep -q "^$c " "$T/out" || fail "no check for $c"
	done
	if [ "$(kvm_shape)" != none ] && [ "$(kvm_shape)" != closed ]; then
		for c in permissions "API version" capabilities hypervisor "smoke boot"; do
			grep -q "^$c " "$T/out" || fail "no check for $c"
		done
		grep -q '^API version *ok    12$' "$T/out" || fail "API version 12"
		grep -q '^capabilities *ok    all [0-9]* the launcher uses$' "$T/out" ||
			fail "capabilities"
	fi
	if [ "$rc" = 0 ]; then
		src="KVM's supported CPUID"
		bits=$(( 0x$(test_tool kvmcpuid 0x80000008 | cut -d' ' -f1) & 0xff ))
		gb=$(( 0x$(test_tool kvmcpuid 0x80000001 | cut -d' ' -f4) >> 26 & 1 ))
	else
		src="the host kernel's /proc/cpuinfo"
		bits=$(grep -m1 -o 'address sizes *: [0-9]* bits physical' /proc/cpuinfo | grep -o '[0-9][0-9]*')
		gb=0
		grep -m1 '^flags' /proc/cpuinfo | grep -qw pdpe1gb && gb=1
	fi
	[ -z "$bits" ] || grep -q "^physical address bits .*  $bits (guests up to [0-9]* GiB; $src)$" "$T/out" ||
		fail "physical address bits: $bits from $src: $(grep '^physical' "$T/out")"
	if [ "$gb" = 1 ]; then
		grep -q "^1 GiB pages *ok    pdpe1gb ($src)$" "$T/out" || fail "1 GiB pages: $(grep '^1 GiB' "$T/out")"
	else
		grep -q "^1 GiB pages *info  no pdpe1gb ($src): guests use 2 MiB pages$" "$T/out" ||
			fail "no 1 GiB pages: $(grep '^1 GiB' "$T/out")"
	fi
	assertContains "$(cat "$T/out")" "/nonexistent/vmlinuz: No such file or directory"
	assertContains "$(cat "$T/out")" "fix: pass a kernel with -k"
	assertContains "$(cat "$T/out")" "verdict: "
}

# The launcher's confinement here (src/vmm/confine.h): each role's
# filter loaded by doctor for real, no_new_privs, and Landlock's ABI as
# the kernel gives it (landlock_create_ruleset, system call 444, through
# python3's ctypes where there is a python3).
test_doctor_confinement() {
	run tinyrd doctor -k /nonexistent/vmlinuz
	grep -q "^seccomp  *ok    a filter per launcher thread, each loaded here; a forbidden call stops the guest (125): vcpu [0-9]*, virtio-console [0-9]*, virtio-rng [0-9]*, virtio-blk [0-9]*, 9p [0-9]*, virtio-fs [0-9]*, supervisor [0-9]*$" "$T/out" ||
		fail "seccomp: $(grep '^seccomp' "$T/out")"
	grep -q "^no_new_privs  *ok    set by the launcher before its threads start$" "$T/out" ||
		fail "no_new_privs: $(grep '^no_new_privs' "$T/out")"
	abi=
	command -v python3 >/dev/null &&
		abi=$(python3 -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))')
	case $abi in
	"") grep -qE "^Landlock  *(ok    ABI [0-9]+: each share's server kept in its directory|info  (ABI 1|not in this kernel))" "$T/out" ;;
	-1) grep -q "^Landlock  *info  not in this kernel (" "$T/out" ;;
	1) grep -q "^Landlock  *info  ABI 1: read-only shares' servers kept" "$T/out" ;;
	*) grep -q "^Landlock  *ok    ABI $abi: each share's server kept in its directory$" "$T/out" ;;
	esac || fail "Landlock (ABI '$abi' here): $(grep '^Landlock' "$T/out")"
}

# The verdict on this host's own shape: every shape has its assertions,
# none is skipped. QEMU is installed for the tests, so the floor is 1.
test_doctor_verdict() {
	shape=$(kvm_shape)
	run tinyrd doctor
	case $shape in
	none)
		assertEquals "$(cat "$T/out")" 1 "$rc"
		grep -q '^/dev/kvm *fail  absent' "$T/out" || fail "/dev/kvm absent"
		assertNotContains "$(cat "$T/out")" "smoke boot"
		;;
	closed)
		assertEquals "$(cat "$T/out")" 1 "$rc"
		grep -q '^permissions *fail  /dev/kvm: Permission denied' "$T/out" ||
			fail "permissions"
		assertContains "$(cat "$T/out")" "fix: add yourself to the group kvm"
		;;
	pvm)
		# PVM runs the micro-guest's long-mode entry into an internal
		# error within milliseconds, and doctor names it.
		assertEquals "$(cat "$T/out")" 1 "$rc"
		grep -q '^hypervisor *fail  PVM (' "$T/out" || fail "PVM named"
		grep -q '^smoke boot *fail  ' "$T/out" || fail "smoke boot fails"
		;;
	kvm)
		assertEquals "$(cat "$T/out")" 0 "$rc"
		grep -q '^smoke boot *ok    long mode, paging, cmpxchg16b, xsave: ' "$T/out" ||
			fail "smoke boot"
		assertNotContains "$(cat "$T/out")" " fail "
		;;
	esac
	want=$rc
	case $want in
	0) assertContains "$(cat "$T/out")" "verdict: the built-in launcher works" ;;
	1) assertContains "$(cat "$T/out")" "verdict: only the QEMU fallback works" ;;
	esac
	run tinyrd doctor --json
	assertEquals "$want" "$rc"
	assertContains "$(cat "$T/out")" "\"verdict\":$want"
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["verdict"] == int(sys.argv[1])' \
			"$want" <"$T/out" || fail "not JSON"
	fi
	# Where KVM cannot boot a stock kernel, the launcher refuses it in
	# one line, unless forced.
	K=${TINYRD_KERNEL_DIR-}
	[ "$shape" = pvm ] && [ -n "$K" ] || return 0
	tinyrd build -q --bare --no-init -o img
	run tinyrd boot -k "$K/vmlinuz" -i img --timeout 5
	assertEquals 125 "$rc"
	assert_one_error "PVM (module kvm_pvm), which cannot boot a stock kernel; use --vmm qemu (TCG), or --force"
	run tinyrd run --vmm builtin -k "$K/vmlinuz" -- true
	assertEquals 125 "$rc"
	assert_one_error "PVM"
}

# The other shapes, made from this one (tests/fixtures/hostshape.sh hides
# the node, then the module kvm_pvm, the KVM device, the vendor modules):
# /dev/kvm's row says why it is absent and gives the fix that fits; with
# kvm_pvm loaded never "modprobe" (a node would be PVM too).
test_doctor_without_node() {
	shape="$FIX/hostshape.sh"
	$shape /dev/kvm -- true 2>"$T/why" ||
		{ skip "cannot hide /dev/kvm: $(cat "$T/why")"; return; }
	# QEMU is the floor: L1 of the nested harness has none.
	want=2 verdict="nothing can boot a guest here"
	command -v qemu-system-x86_64 >/dev/null &&
		want=1 verdict="only the QEMU fallback works"
	hidden="/dev/kvm"
	for extra in "" /sys/module/kvm_pvm /sys/class/misc/kvm \
		"/sys/module/kvm_intel /sys/module/kvm_amd"; do
		hidden="$hidden $extra"
		# shellcheck disable=SC2086
		run $shape $hidden -- "$TINYRD" doctor
		row=$(grep -A1 '^/dev/kvm ' "$T/out")
		assertEquals "hiding $hidden: $row" "$want" "$rc"
		assertContains "hiding $hidden" "$row" "/dev/kvm               fail  absent"
		assertContains "verdict" "$(cat "$T/out")" "verdict: $verdict"
		# What the host has left, read as the kernel shows it.
		left() { $shape $hidden -- sh -c "$1"; }
		if left '[ -e /sys/module/kvm_pvm ] && [ ! -e /sys/module/kvm_intel ] &&
			[ ! -e /sys/module/kvm_amd ]'; then
			assertContains "$row" "the KVM module loaded is kvm_pvm (PVM)"
			assertContains "$row" "use tinyrd run --vmm qemu (TCG)"
			assertNotContains "$row" "modprobe"
			assertNotContains "$row" "mknod"
		elif left '[ -e /sys/class/misc/kvm ]'; then
			assertContains "$row" "absent, though the kernel has KVM (device $(cat /sys/class/misc/kvm/dev))"
			assertContains "$row" "fix: make the node: mknod -m 0660 /dev/kvm c $(tr : ' ' </sys/class/misc/kvm/dev)"
		elif left '[ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]'; then
			assertContains "$row" "is loaded but registered no device"
		elif grep -m1 '^flags' /proc/cpuinfo | grep -qw vmx; then
			assertContains "$row" "fix: modprobe kvm-intel"
		elif grep -m1 '^flags' /proc/cpuinfo | grep -qw svm; then
			assertContains "$row" "fix: modprobe kvm-amd"
		elif grep -m1 '^flags' /proc/cpuinfo | grep -qw hypervisor; then
			assertContains "$row" "fix: enable nested virtualization in the hypervisor that runs it"
		else
			assertContains "$row" "fix: enable virtualization (VT-x or AMD-V) in the firmware"
		fi
	done
	# The launcher refuses in one line that says the same.
	echo x >kernel
	tinyrd build -q --bare --no-init -o img
	run $shape /dev/kvm -- "$TINYRD" boot -k kernel -i img
	assertEquals 125 "$rc"
	assert_one_error "/dev/kvm absent"
}

# Neither a KVM that boots stock kernels nor QEMU: 2, and the QEMU row
# says how to get it. The node hidden where it exists, so that every host
# runs this.
test_doctor_nothing_works() {
	hide=
	case $(kvm_shape) in
	none|pvm|closed) ;;
	kvm) hide=/dev/kvm ;;
	esac
	if [ -n "$hide" ]; then
		"$FIX/hostshape.sh" $hide -- true 2>"$T/why" ||
			{ skip "this host's KVM works and cannot be hidden: $(cat "$T/why")"; return; }
		run "$FIX/hostshape.sh" $hide -- env PATH=/nonexistent "$TINYRD" doctor
	else
		run env PATH=/nonexistent "$TINYRD" doctor
	fi
	assertEquals 2 "$rc"
	grep -q '^QEMU *warn  absent: no fallback when KVM fails$' "$T/out" || fail "QEMU row"
	assertContains "$(cat "$T/out")" "fix: "
	assertContains "$(cat "$T/out")" "fix: apt-get install qemu-system-x86"
	assertContains "$(cat "$T/out")" "verdict: nothing can boot a guest here"
	run tinyrd doctor --bogus
	assertEquals 2 "$rc"
}

# A guest KVM cannot run: a PVH "kernel" (tests/fixtures/badguest.S) that
# jumps where no RAM is. KVM gives up with an internal error: 123, the
# registers on stderr. Any KVM runs this far, PVM included (--force).
test_internal_error() {
	need_kvm || return 0
	guest badguest badguest.S || return
	tinyrd build -q --bare --no-init -o img
	run timeout 60 "$TINYRD" boot --force -k badguest -i img --timeout 30
	assertEquals 123 "$rc"
	assertContains "$(cat "$T/err")" "vcpu 0 registers:"
	assertContains "$(cat "$T/err")" "rip 00000000d0000000"
	assertContains "$(tail -n 1 "$T/err")" \
		"the guest ended without reporting a status: KVM internal error on vcpu 0, suberror 1"
}

# The watchdogs, with a guest that spins in silence (badguest.S -DSPIN):
# --timeout and --silence-timeout both end it with 124, named.
test_timeouts() {
	need_kvm || return 0
	guest spin badguest.S -DSPIN || return
	tinyrd build -q --bare --no-init -o img
	start=$(date +%s)
	run timeout 60 "$TINYRD" boot --force -k spin -i img --timeout 2
	assertEquals 124 "$rc"
	assertContains "$(cat "$T/err")" "timed out after 2 s; the guest was stopped"
	assertTrue "took $(($(date +%s) - start)) s" "[ $(($(date +%s) - start)) -lt 10 ]"
	run timeout 60 "$TINYRD" boot --force -k spin -i img --silence-timeout 2 --timeout 30
	assertEquals 124 "$rc"
	assertContains "$(cat "$T/err")" "no console output for 2 s"
	# run's default VMM (auto) with --force takes the launcher too, not
	# the QEMU fallback.
	run timeout 60 "$TINYRD" run --force -k spin -i img --timeout 2 -- true
	assertEquals 124 "$rc"
	assertContains "$(cat "$T/err")" "timed out after 2 s; the guest was stopped"
	assertNotContains "$(cat "$T/err")" "QEMU"
}

# A vCPU that calls outside its seccomp filter: with
# TINYRD_TEST_CONFINE=vcpu (read by TINYRD_TESTING builds: the tests'
# tinyrd-san, or in L1 $TINYRD_TESTING_BIN) vCPU 0 opens /etc/passwd at
# its first exit. The guest is stopped: 125, one line naming the call.
# --no-confine lets the same guest run to its end (readguest.S: 42), and
# -v says what is confined.
test_forbidden_call() {
	local testing=${TINYRD_TESTING_BIN:-$TINYRD}

	need_kvm || return 0
	case $testing in
	*-san|*-testing|/l1/extra) ;;
	*) skip "$testing is not built with TINYRD_TESTING (t1210 covers L1)"; return ;;
	esac
	guest readguest readguest.S || return
	tinyrd build -q --bare --no-init -o img
	run env TINYRD_TEST_CONFINE=vcpu timeout 60 "$testing" boot --force -k readguest \
		-i img --timeout 20 </dev/null
	assertEquals "$(cat "$T/err")" 125 "$rc"
	assert_one_error "seccomp: thread vcpu0 (vcpu) called openat (system call 257), which its filter forbids; the guest was stopped"
	# 0, 1, ... 255, 40 times: what readguest.S checks.
	i=0
	while [ $i -lt 256 ]; do
		printf "\\$(printf %o $i)"
		i=$((i + 1))
	done >256
	for i in 1 2 3 4 5; do cat 256 256 256 256 256 256 256 256; done >in
	run env TINYRD_TEST_CONFINE=vcpu timeout 60 "$testing" boot --force --no-confine \
		-k readguest -i img --timeout 20 <in
	assertEquals "$(cat "$T/err")" 42 "$rc"
	run timeout 60 "$TINYRD" boot -v --force -k readguest -i img --timeout 20 <in
	assertEquals "$(cat "$T/err")" 42 "$rc"
	grep -q "^confine: no_new_privs; [0-9]* inherited descriptors\{0,1\} closed.*; RLIMIT_NOFILE [0-9]*$" "$T/err" ||
		fail "no_new_privs line: $(grep '^confine' "$T/err")"
	grep -q "^confine: seccomp per thread, .*: vcpu [0-9]*, virtio-console x2 [0-9]*, virtio-rng [0-9]*" "$T/err" ||
		fail "seccomp line: $(grep '^confine' "$T/err")"
}

# On a terminal, as the foreground job of a shell (tests/harness/ptyrun.c):
# Ctrl-Z and Ctrl-\\ go to the guest (neither stops nor kills tinyrd with
# the terminal raw), Ctrl-C stops the guest (130); kill -QUIT is 131. The
# terminal is restored each time.
test_terminal_keys() {
	need_kvm || return 0
	guest spin badguest.S -DSPIN || return
	tinyrd build -q --bare --no-init -o img
	run timeout 90 "$(tool ptyrun)" -q --raw '--keys=\x1a\x1c\x03' -- \
		"$TINYRD" boot --force -k spin -i img --timeout 30
	assertEquals "$(cat "$T/err")" "ptyrun: raw
ptyrun: status 130
ptyrun: terminal restored" "$(grep . "$T/out")"
	assertContains "$(cat "$T/err")" "tinyrd: Interrupt; the guest was stopped"
	run timeout 90 "$(tool ptyrun)" -q --raw --signal=QUIT -- \
		"$TINYRD" boot --force -k spin -i img --timeout 30
	assertEquals "$(cat "$T/err")" "ptyrun: raw
ptyrun: status 131
ptyrun: terminal restored" "$(grep . "$T/out")"
	assertContains "$(cat "$T/err")" "tinyrd: Quit; the guest was stopped"
}

# Input past ttyS0's 4096-byte receive FIFO waits for room, none is lost:
# a guest (tests/fixtures/readguest.S) that starts reading only once the
# FIFO is full takes 10240 bytes in order and reports 42 (they were
# dropped: it waited for the rest until --timeout, 124).
test_console_input_backpressure() {
	need_kvm || return 0
	guest readguest readguest.S || return
	tinyrd build -q --bare --no-init -o img
	# 0, 1, ... 255, 40 times.
	i=0
	while [ $i -lt 256 ]; do
		printf "\\$(printf %o $i)"
		i=$((i + 1))
	done >256
	for i in 1 2 3 4 5; do cat 256 256 256 256 256 256 256 256; done >in
	assertEquals 10240 "$(wc -c <in)"
	run timeout 60 "$TINYRD" boot --force -k readguest -i img --timeout 20 <in
	assertEquals "$(cat "$T/err")" 42 "$rc"
}

# --hugepages reserves its 2 MiB pages when it maps guest memory: too few
# is 125 and one line before the guest starts (it was a SIGBUS, 135, at
# the first touch). As root, with the pool grown for the run (and shrunk
# back), the guest runs on them.
test_hugepages() {
	need_kvm || return 0
	H=/sys/kernel/mm/hugepages/hugepages-2048kB
	[ -r $H/free_hugepages ] || { skip "no 2 MiB huge pages"; return; }
	guest spin badguest.S -DSPIN || return
	tinyrd build -q --bare --no-init -o img
	# More pages than are free: those free now and 64 more (-m is in MiB).
	avail=$(($(cat $H/free_hugepages) - $(cat $H/resv_hugepages)))
	need=$((avail + 64))
	run timeout 60 "$TINYRD" boot --force --hugepages -m $((need * 2)) -k spin \
		-i img --timeout 2
	assertEquals 125 "$rc"
	assert_one_error "--hugepages: $need huge pages of 2 MiB needed, $avail free (see /proc/sys/vm/nr_hugepages)"
	assertNotContains "$(cat "$T/err")" "Sanitizer"
	is_root && [ -w $H/nr_hugepages ] || { skip "cannot reserve huge pages (not root)"; return; }
	# Grown by 32 pages (64 MiB) and shrunk back whatever happens.
	(
		old=$(cat $H/nr_hugepages)
		trap 'echo "$old" >$H/nr_hugepages' EXIT
		trap 'exit 1' INT TERM HUP
		echo $((old + 32)) >$H/nr_hugepages
		[ $(($(cat $H/free_hugepages) - $(cat $H/resv_hugepages))) -ge 32 ] ||
			{ echo SKIP >"$T/rc"; exit 0; }
		timeout 60 "$TINYRD" boot --force --hugepages -m 64 -k spin -i img \
			--timeout 2 >"$T/out" 2>"$T/err"
		echo $? >"$T/rc"
	)
	[ "$(cat "$T/rc")" != SKIP ] || { skip "the kernel gave no 32 huge pages"; return; }
	assertEquals "$(cat "$T/err")" 124 "$(cat "$T/rc")"
	assertContains "$(cat "$T/err")" "timed out after 2 s; the guest was stopped"
}

test_boot_usage() {
	run tinyrd boot -k /nonexistent
	assertEquals 125 "$rc"
	assert_one_error "boot needs -k KERNEL and -i IMAGE"
	run tinyrd boot -k /nonexistent -i /nonexistent.img
	assertEquals 125 "$rc"
	assert_one_error "/nonexistent.img: No such file or directory"
	echo x >img
	run tinyrd boot -k /nonexistent -i img
	assertEquals 125 "$rc"
	assert_one_error "/nonexistent: No such file or directory"
	run tinyrd boot -k /nonexistent -i img extra
	assertEquals 125 "$rc"
	run tinyrd doctor --bogus
	assertEquals 2 "$rc"
}

run_shunit2
