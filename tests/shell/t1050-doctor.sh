#!/bin/bash
# tinyrd doctor on this host, and boot/run refusing a KVM that cannot boot
# a stock kernel. (doctor in a working KVM is checked inside the nested
# harness, t1100.)
. "$(dirname "$0")/lib.sh"

# guest OUT SRC [CPPFLAGS...]: a tiny PVH guest from tests/fixtures,
# assembled and linked at 16 MiB; fails the test when it cannot be.
guest() {
	cc "${@:3}" -c "$FIX/$2" -o "$1.o" &&
		ld -m elf_x86_64 -Ttext=0x1000000 -o "$1" "$1.o" ||
		{ fail "cannot assemble $2"; return 1; }
}

test_doctor_table() {
	run tinyrd doctor -k /nonexistent/vmlinuz
	case $rc in 0|1|2) ;; *) fail "exit status $rc" ;; esac
	for c in /dev/kvm RLIMIT_MEMLOCK kernel busybox QEMU; do
		grep -q "^$c " "$T/out" || fail "no check for $c"
	done
	if [ -w /dev/kvm ]; then
		for c in permissions "API version" capabilities hypervisor "smoke boot"; do
			grep -q "^$c " "$T/out" || fail "no check for $c"
		done
		grep -q '^API version *ok    12$' "$T/out" || fail "API version 12"
		grep -q '^capabilities *ok    all [0-9]* the launcher uses$' "$T/out" ||
			fail "capabilities"
	fi
	bits=$(grep -o 'address sizes *: [0-9]* bits physical' /proc/cpuinfo | head -n 1 | grep -o '[0-9]*' | head -n 1)
	[ -z "$bits" ] || grep -q "^physical address bits .*  $bits (guests up to " "$T/out" ||
		fail "physical address bits: $bits"
	if grep -qw pdpe1gb /proc/cpuinfo; then
		grep -q '^1 GiB pages *ok    pdpe1gb$' "$T/out" || fail "1 GiB pages"
	else
		grep -q '^1 GiB pages *info  no pdpe1gb' "$T/out" || fail "1 GiB pages"
	fi
	assertContains "$(cat "$T/out")" "/nonexistent/vmlinuz: No such file or directory"
	assertContains "$(cat "$T/out")" "fix: pass a kernel with -k"
	assertContains "$(cat "$T/out")" "verdict: "
}

# Neither a KVM that boots stock kernels nor QEMU: 2, and the QEMU row
# says how to get it.
test_doctor_nothing_works() {
	[ -e /sys/module/kvm_pvm ] || [ ! -e /dev/kvm ] ||
		{ skip "this host's KVM may work"; return; }
	run env PATH=/nonexistent "$TINYRD" doctor
	assertEquals 2 "$rc"
	grep -q '^QEMU *warn  absent: no fallback when KVM fails$' "$T/out" || fail "QEMU row"
	assertContains "$(cat "$T/out")" "fix: "
	assertContains "$(cat "$T/out")" "fix: apt-get install qemu-system-x86"
	assertContains "$(cat "$T/out")" "verdict: nothing can boot a guest here"
	run tinyrd doctor --bogus
	assertEquals 2 "$rc"
}

# This machine's /dev/kvm is PVM: doctor says so, fails the smoke boot in
# milliseconds, and answers 1 (QEMU works).
test_doctor_on_pvm() {
	[ -e /sys/module/kvm_pvm ] || { skip "this host's KVM is not PVM"; return; }
	run tinyrd doctor
	assertEquals 1 "$rc"
	grep -q '^hypervisor *fail  PVM (module kvm_pvm)' "$T/out" || fail "PVM named"
	grep -q '^smoke boot *fail  ' "$T/out" || fail "smoke boot fails"
	assertContains "$(cat "$T/out")" "verdict: only the QEMU fallback works"
	run tinyrd doctor --json
	assertEquals 1 "$rc"
	assertContains "$(cat "$T/out")" '"verdict":1'
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["verdict"] == 1' \
			<"$T/out" || fail "not JSON"
	fi
	# The launcher refuses it in one line, unless forced.
	K=${TINYRD_KERNEL_DIR-}
	[ -n "$K" ] || return 0
	tinyrd build -q --bare --no-init -o img
	run tinyrd boot -k "$K/vmlinuz" -i img --timeout 5
	assertEquals 125 "$rc"
	assert_one_error "PVM (module kvm_pvm), which cannot boot a stock kernel; use --vmm qemu (TCG), or --force"
	run tinyrd run --vmm builtin -k "$K/vmlinuz" -- true
	assertEquals 125 "$rc"
	assert_one_error "PVM"
}

# A guest KVM cannot run: a PVH "kernel" (tests/fixtures/badguest.S) that
# jumps where no RAM is. KVM gives up with an internal error: 123, the
# registers on stderr. Any KVM runs this far, PVM included (--force).
test_internal_error() {
	[ -w /dev/kvm ] || { skip "no writable /dev/kvm"; return; }
	command -v ld >/dev/null || { skip "no ld"; return; }
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
	[ -w /dev/kvm ] || { skip "no writable /dev/kvm"; return; }
	command -v ld >/dev/null || { skip "no ld"; return; }
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

# On a terminal, as the foreground job of a shell (tests/fixtures/ptykeys.py):
# Ctrl-Z and Ctrl-\ go to the guest (neither stops nor kills tinyrd with
# the terminal raw), Ctrl-C stops the guest (130); kill -QUIT is 131. The
# terminal is restored each time.
test_terminal_keys() {
	[ -w /dev/kvm ] || { skip "no writable /dev/kvm"; return; }
	command -v ld >/dev/null || { skip "no ld"; return; }
	command -v python3 >/dev/null || { skip "no python3"; return; }
	guest spin badguest.S -DSPIN || return
	tinyrd build -q --bare --no-init -o img
	run timeout 90 python3 "$FIX/ptykeys.py" keys -- "$TINYRD" boot --force \
		-k spin -i img --timeout 30
	assertEquals "$(cat "$T/err")" "raw
status 130
terminal restored" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "tinyrd: Interrupt; the guest was stopped"
	run timeout 90 python3 "$FIX/ptykeys.py" QUIT -- "$TINYRD" boot --force \
		-k spin -i img --timeout 30
	assertEquals "$(cat "$T/err")" "raw
status 131
terminal restored" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "tinyrd: Quit; the guest was stopped"
}

# Input past ttyS0's 4096-byte receive FIFO waits for room, none is lost:
# a guest (tests/fixtures/readguest.S) that starts reading only once the
# FIFO is full takes 10240 bytes in order and reports 42 (they were
# dropped: it waited for the rest until --timeout, 124).
test_console_input_backpressure() {
	[ -w /dev/kvm ] || { skip "no writable /dev/kvm"; return; }
	command -v ld >/dev/null || { skip "no ld"; return; }
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
	[ -w /dev/kvm ] || { skip "no writable /dev/kvm"; return; }
	command -v ld >/dev/null || { skip "no ld"; return; }
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
