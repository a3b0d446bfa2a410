#!/bin/bash
# tinyrd run under QEMU TCG with Debian's kernel: every status of the
# table, output and argv byte for byte, the image cache, signals.
. "$(dirname "$0")/lib.sh"

K=${TINYRD_KERNEL_DIR-}

oneTimeSetUp() {
	# Each test's cache lives in its own directory (set in need).
	:
}

need() {
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return 1; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return 1; }
	command -v busybox >/dev/null || { skip "busybox is not installed"; return 1; }
	export XDG_CACHE_HOME=$T/cache
}

# trun ARGS...: tinyrd run with the test kernel under TCG; status in $rc.
trun() {
	run timeout 300 "$TINYRD" run -k "$K/vmlinuz" --accel tcg "$@"
}

test_uname() {
	need || return
	trun -- uname -r
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "$(cat "$K/kver")" "$(cat "$T/out")"
}

# Under QEMU the bzImage's vmlinux is unpacked on the host once and
# entered at its PVH entry: byte for byte what the kernel's own
# extract-vmlinux gives (fixtures/extract-vmlinux.sh, with unxz), reused
# on the next run; --no-unpack boots the bzImage as it is.
test_unpacked_kernel() {
	need || return
	trun -v -- uname -r
	assertEquals "$(tail -n 3 "$T/err")" 0 "$rc"
	assertEquals "$(cat "$K/kver")" "$(cat "$T/out")"
	v=$(sed -n 's/.*plan: the kernel.s vmlinux at its PVH entry, unpacked on the host once (xz, [0-9]* ms): //p' "$T/err")
	assertTrue "the plan names the vmlinux: $(grep 'plan:' "$T/err")" "[ -s '$v' ]"
	"$FIX/extract-vmlinux.sh" "$K/vmlinuz" >"$T/oracle"
	cmp -s "$v" "$T/oracle" || fail "$v differs from extract-vmlinux's"
	case $v in "$XDG_CACHE_HOME"/tinyrd/*.vmlinux) ;; *) fail "not in the cache: $v" ;; esac
	touch -d 2020-01-01 "$v"
	trun -v -- true
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/err")" "plan: the kernel's vmlinux at its PVH entry, unpacked on the host once (in the cache): $v"
	assertTrue "reused, and marked used" "[ '$v' -nt '$T/oracle' ] || [ \$(stat -c %Y '$v') -gt 1600000000 ]"
	assertEquals 1 "$(ls "$XDG_CACHE_HOME"/tinyrd/*.vmlinux | wc -l)"
	trun -v --no-unpack -- sh -c 'exit 7'
	assertEquals 7 "$rc"
	assertContains "$(cat "$T/err")" "plan: the kernel as it is: --no-unpack"
	assertContains "$(cat "$T/err")" "-kernel $K/vmlinuz"
}

test_statuses() {
	need || return
	trun -- sh -c 'echo hi; exit 3'
	assertEquals 3 "$rc"
	assertEquals "hi" "$(cat "$T/out")"
	trun -- true
	assertEquals 0 "$rc"
	trun -- no-such-command
	assertEquals 127 "$rc"
	assertContains "$(cat "$T/out")" "no-such-command: No such file or directory"
	trun -- /etc/passwd
	assertEquals 126 "$rc"
	trun -- sh -c 'kill -9 $$'
	assertEquals 137 "$rc"
	trun -- sh -c 'exit 255'
	assertEquals 255 "$rc"
}

test_bisect_mapping() {
	need || return
	trun --bisect -- sh -c 'kill -9 $$'
	assertEquals 1 "$rc"
	trun --bisect -- sh -c 'exit 4'
	assertEquals 4 "$rc"
	trun --bisect -- sh -c 'echo c >/proc/sysrq-trigger'
	assertEquals 1 "$rc"
	trun --bisect --kver 0.0-none --kmod loop -- true
	assertEquals "a failure of tinyrd stays a skip" 125 "$rc"
}

# Every ending says why on stderr, -v or not: the init's failure (a share
# whose file system the image lacks) is 125 with the init's own lines
# and one of tinyrd's naming the cause; under --bisect it is a skip, said.
test_init_failure_explained() {
	need || return
	mkdir share
	trun --share "$T/share:s,mount=/mnt" -- true
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/err")" "tinyrd-init: mount: /mnt: No such device"
	assertEquals "tinyrd: the guest's init failed: mount: /mnt: No such device" \
		"$(grep '^tinyrd: the guest' "$T/err")"
	trun --bisect --share "$T/share:s,mount=/mnt" -- true
	assertEquals 125 "$rc"
	assertEquals "tinyrd: bisect skip (the guest's init failed: mount: /mnt: No such device)" \
		"$(tail -n 1 "$T/err")"
}

# A command's own 123-125 are passed on with a note: not tinyrd's
# verdicts. Under --bisect its 125 is bad, not a skip, unless
# --skip-status names it; the verdict is said.
test_command_status_collisions() {
	need || return
	trun -- sh -c 'exit 124'
	assertEquals 124 "$rc"
	assertContains "$(cat "$T/err")" "note: 124 is the command's own exit status, not a timeout"
	trun --bisect -- sh -c 'exit 125'
	assertEquals 1 "$rc"
	assertEquals "tinyrd: bisect bad (the command exited 125 itself)" "$(tail -n 1 "$T/err")"
	trun --bisect --skip-status 77 -- sh -c 'exit 77'
	assertEquals 125 "$rc"
	assertEquals "tinyrd: bisect skip (the command's status)" "$(tail -n 1 "$T/err")"
	trun --bisect -- true
	assertEquals 0 "$rc"
	assertEquals "tinyrd: bisect good (the command's status)" "$(tail -n 1 "$T/err")"
	trun --skip-status 0 -- true
	assertEquals 125 "$rc"
}

# --json FILE: the outcome as one object, for a boot and for a failure
# before any (no kernel).
test_json() {
	need || return
	trun --json out.json -- sh -c 'exit 3'
	assertEquals 3 "$rc"
	j=$(cat out.json)
	assertContains "$j" '{"status":3,"ending":"reported","guest_status":3,"reason":null,"bisect":null,'
	assertContains "$j" "\"kernel_release\":\"$(cat "$K/kver")\""
	assertContains "$j" '"image_sha256":"'
	assertContains "$j" '"vmm":"qemu","accel":"tcg",'
	echo "$j" | grep -qE '"ms":\{"build":null,"image":[0-9]+,"boot":[0-9]+,"command":[0-9]+,"total":[0-9]+\}\}$' ||
		fail "phases' times: $j"
	run "$TINYRD" run -k /nonexistent --bisect --json - -- true
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/out")" '{"status":125,"ending":"failed","guest_status":null,"reason":"tinyrd failed: /nonexistent: No such file or directory","bisect":"skip",'
	assertEquals "tinyrd: bisect skip (tinyrd failed: /nonexistent: No such file or directory)" \
		"$(tail -n 1 "$T/err")"
}

# A ready image that lacks the modules a share needs gets them in the
# per-run segment when the kernel's modules are at hand (the init's list
# made whole); when they are not, a note says so before the init fails.
test_prebuilt_image_gets_share_modules() {
	need || return
	tinyrd build -k "$K/vmlinuz" --moddir "$K" -o plain.img 2>/dev/null
	assertNotContains "$(tinyrd inspect -c plain.img)" "9pnet_virtio"
	mkdir share
	echo hello >share/f
	trun --moddir "$K" -i plain.img --share "$T/share:s,fs=9p,mount=/mnt" -- cat /mnt/f
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals hello "$(cat "$T/out")"
	trun -i plain.img --share "$T/share:s,fs=9p,mount=/mnt" -- cat /mnt/f
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/err")" "plain.img lacks 9p, and the kernel's modules are not at hand to add"
}

# A guest that ends without a report and without a panic (it powered
# itself off) still gets a reason: the console's last line.
test_no_report_named() {
	need || return
	trun -- busybox poweroff -f
	assertEquals 123 "$rc"
	assertContains "$(head -n 1 "$T/err")" \
		"tinyrd: the guest ended without reporting a status; the console's last line: "
}

test_panic() {
	need || return
	trun -- sh -c 'echo c >/proc/sysrq-trigger'
	assertEquals 123 "$rc"
	assertContains "$(head -n 1 "$T/err")" \
		"the guest ended without reporting a status: Kernel panic - not syncing: sysrq triggered crash"
	# The last lines (up to 30) follow, announced.
	n=$(sed -n 's/^tinyrd: the last \([0-9]*\) lines of the console:$/\1/p' "$T/err")
	assertTrue "tail of $n lines" "[ -n '$n' ] && [ '$n' -le 30 ] && [ '$n' -ge 10 ]"
	assertEquals $((n + 2)) "$(wc -l <"$T/err")"
}

test_timeout_leaves_nothing() {
	need || return
	marker=tinyrd.test=$$-$RANDOM
	start=$(date +%s)
	trun --timeout 5 --append "$marker" -- sleep 600
	assertEquals 124 "$rc"
	assertContains "$(cat "$T/err")" "timed out after 5 s"
	assertTrue "took $(($(date +%s) - start)) s" "[ $(($(date +%s) - start)) -lt 30 ]"
	sleep 0.5
	assertEquals "QEMU left behind" "" "$(pgrep -f -- "$marker")"
}

test_interrupt_leaves_nothing() {
	need || return
	marker=tinyrd.test=$$-$RANDOM
	"$TINYRD" run -k "$K/vmlinuz" --accel tcg --append "$marker" -- sleep 600 \
		>out 2>err &
	pid=$!
	for _ in $(seq 100); do
		pgrep -f -- "$marker" >/dev/null && break
		sleep 0.1
	done
	sleep 2
	kill -INT $pid
	wait $pid
	assertEquals 130 $?
	assertContains "$(cat err)" "Interrupt; the guest was stopped"
	sleep 0.5
	assertEquals "QEMU left behind" "" "$(pgrep -f -- "$marker")"
	# Killed outright, tinyrd takes QEMU with it.
	"$TINYRD" run -k "$K/vmlinuz" --accel tcg --append "$marker" -- sleep 600 \
		>out 2>err &
	pid=$!
	for _ in $(seq 100); do
		pgrep -f -- "$marker" >/dev/null && break
		sleep 0.1
	done
	kill -KILL $pid
	wait $pid 2>/dev/null
	for _ in $(seq 50); do
		pgrep -f -- "$marker" >/dev/null || break
		sleep 0.1
	done
	assertEquals "QEMU outlived tinyrd" "" "$(pgrep -f -- "$marker")"
}

# argv and output survive byte for byte: blanks, quotes, newlines, every
# byte value, 200 KB of arguments.
test_argv_and_output_exact() {
	need || return
	trun -e 'GREETING=a  b' -- printf '[%s]\n' 'a b' "c'd" 'e"f' $'g\nh' '' '$HOME' "$(printf '\t')"
	assertEquals 0 "$rc"
	printf '[%s]\n' 'a b' "c'd" 'e"f' $'g\nh' '' '$HOME' "$(printf '\t')" >expect
	cmp expect "$T/out" || fail "argv changed on the way"
	trun -- sh -c 'echo "$GREETING"'
	assertEquals "" "$(cat "$T/out")"
	trun -e 'GREETING=a  b' -- sh -c 'echo "$GREETING"'
	assertEquals "a  b" "$(cat "$T/out")"
	# Every byte value, raw.
	trun -- sh -c 'i=0; while [ $i -lt 256 ]; do printf "\\$(printf %o $i)"; i=$((i+1)); done'
	i=0
	while [ $i -lt 256 ]; do printf "\\$(printf %o $i)"; i=$((i + 1)); done >bytes
	cmp bytes "$T/out" || fail "bytes changed on the way"
	# 2000 arguments of 100 bytes.
	args=()
	for n in $(seq 2000); do args+=("$(printf '%0100d' "$n")"); done
	trun -- sh -c 'echo $#; printf "%s\n" "$@" | md5sum' sh "${args[@]}"
	assertEquals 0 "$rc"
	assertEquals "2000" "$(head -n 1 "$T/out")"
	assertEquals "$(printf '%s\n' "${args[@]}" | md5sum)" "$(tail -n 1 "$T/out")"
}

# The per-run segment is compressed like the image: every compression
# the builder writes boots with a command appended.
test_segment_after_every_compression() {
	need || return
	for z in none xz zstd lz4; do
		trun --timeout 120 -z $z -- echo "segment after $z"
		assertEquals "$z: $(cat "$T/err")" 0 "$rc"
		assertEquals "segment after $z" "$(cat "$T/out")"
	done
}

test_dynamic_program() {
	need || return
	command -v strace >/dev/null || { skip "strace is not installed"; return; }
	trun bash strace -- bash -c 'strace -o /tmp/t true && echo "bash $BASH_VERSION"'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "bash 5"
}

# Modules: in order with their parameters, from the recipe and from the
# kernel command line; a module that cannot load is 125; one already
# loaded is reported and skipped.
test_modules() {
	need || return
	trun --moddir "$K" --kmod 'loop max_loop=4' -- cat /sys/module/loop/parameters/max_loop
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "4" "$(cat "$T/out")"
	trun --moddir "$K" --kmod 'loop max_loop=4' --append loop.max_loop=6 \
		-- cat /sys/module/loop/parameters/max_loop
	assertEquals "6" "$(cat "$T/out")"
	# The fixture tree's modules are not for this kernel.
	"$FIX/modtree.sh" "$T/tree" 9.9.9-test >/dev/null 2>&1
	trun --moddir "$T/tree" --kver 9.9.9-test --kmod fixe --console-log console -- true
	assertEquals 125 "$rc"
	grep -q "^tinyrd-init: module fixe: " console || fail "the failing module is named"
	# The same module twice: the second reports EEXIST and the run goes on.
	kver=$(cat "$K/kver")
	loop=$(find "$K/lib/modules/$kver" -name loop.ko | sed "s|^$K||")
	printf 'include base\ntext /etc/tinyrd/modules 0644 0 0 loop %s\\nloop %s\\n\ncopy %s %s\n' \
		"$loop" "$loop" "$K$loop" "$loop" >twice.recipe
	trun -f ./twice.recipe --console-log console -- true
	assertEquals 0 "$rc"
	grep -q "^tinyrd-init: module loop: File exists" console || fail "EEXIST reported"
}

test_image_cache() {
	need || return
	cp "$INIT" file
	trun -v --copy "$T/file:/f" -- cat /f
	assertEquals 0 "$rc"
	grep -q '^image .* (built)$' "$T/err" || fail "first run builds"
	n=$(ls "$XDG_CACHE_HOME/tinyrd" | grep -c "\.img$")
	assertEquals 1 "$n"
	trun -v --copy "$T/file:/f" -- head -n 1 /f
	grep -q '^image .* (cached)$' "$T/err" || fail "second run reuses"
	assertEquals "$(head -n 1 file)" "$(cat "$T/out")"
	# Another command, the same image.
	assertEquals 1 "$(ls "$XDG_CACHE_HOME/tinyrd" | grep -c "\.img$")"
	echo "changed" >>file
	trun -v --copy "$T/file:/f" -- tail -n 1 /f
	grep -q '^image .* (built)$' "$T/err" || fail "a changed input rebuilds"
	assertEquals "changed" "$(cat "$T/out")"
	assertEquals 2 "$(ls "$XDG_CACHE_HOME/tinyrd" | grep -c "\.img$")"
}

# Without a command: a shell on the console, answering what is typed.
test_interactive_shell() {
	need || return
	coproc Q { timeout 200 "$TINYRD" run -k "$K/vmlinuz" --accel tcg 2>&1; }
	# bash forgets the coproc's descriptors when it ends: keep copies.
	exec {qin}<&"${Q[0]}" {qout}>&"${Q[1]}"
	qpid=$Q_PID
	got=
	# The prompt has no newline: wait for busybox's greeting.
	while IFS= read -r -t 120 line <&$qin; do
		case $line in *"Enter 'help'"*) break ;; esac
	done
	sleep 1
	echo 'echo "answer $((6 * 7))"; exit 7' >&$qout
	while IFS= read -r -t 60 line <&$qin; do
		case $line in *'answer 42'*) got=yes ;; esac
	done
	wait $qpid
	rc=$?
	exec {qin}<&- {qout}>&-
	assertEquals "the shell answered" yes "$got"
	assertEquals 7 "$rc"
	# tinyrd.shell: the shell instead of the command.
	coproc Q { timeout 200 "$TINYRD" run -k "$K/vmlinuz" --accel tcg --append tinyrd.shell -- true 2>&1; }
	exec {qin}<&"${Q[0]}" {qout}>&"${Q[1]}"
	qpid=$Q_PID
	while IFS= read -r -t 120 line <&$qin; do
		case $line in *"Enter 'help'"*) break ;; esac
	done
	sleep 1
	echo 'exit 9' >&$qout
	while IFS= read -r -t 60 line <&$qin; do :; done
	wait $qpid
	assertEquals "tinyrd.shell" 9 $?
	exec {qin}<&- {qout}>&-
}

# What the init sets up for the command: mounts, host name, loopback, its
# own session on the output tty, /dev/null as input, cwd /, and every
# zombie reaped.
test_init_environment() {
	need || return
	trun -- sh -c '
		hostname
		for m in /proc /sys /dev /dev/pts /tmp /run; do
			grep -q " $m " /proc/mounts && echo "mounted $m"
		done
		ip link show lo | grep -q "UP" && echo "lo up"
		echo "ctty $(cut -d" " -f7 /proc/$$/stat) out $(readlink /proc/$$/fd/1)"
		echo "in $(readlink /proc/self/fd/0)"
		sid=$(cut -d" " -f6 /proc/$$/stat)
		echo "sid $sid of pid $$, its leader a child of $(cut -d" " -f4 /proc/$sid/stat)"
		echo "cwd $(pwd)"
		echo "path $PATH"
		for i in 1 2 3; do (sleep 0.1 &); done
		sleep 1
		echo "zombies $(grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l)"'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	out=$(cat "$T/out")
	assertContains "$out" "tinyrd"
	for m in /proc /sys /dev /dev/pts /tmp /run; do
		assertContains "$out" "mounted $m"
	done
	assertContains "$out" "lo up"
	# tty_nr of ttyS1: major 4, minor 65.
	assertContains "$out" "ctty $(((4 << 8) | 65)) out /dev/ttyS1"
	assertContains "$out" "in /dev/null"
	# Its own session, led by init's keeper (which outlives the command
	# until the tty has sent everything), not init's session.
	sid=$(sed -n 's/^sid \([0-9]*\) of pid \([0-9]*\),.*/\1/p' "$T/out")
	assertTrue "session $sid: $out" "[ ${sid:-0} -gt 1 ]"
	assertContains "$out" "its leader a child of 1"
	assertContains "$out" "cwd /"
	assertContains "$out" "path /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	assertContains "$out" "zombies 0"
}

# The command is looked up in the PATH it is given, which has the sbin
# directories (the kernel gives the init no PATH, and libc's default has
# none); -e PATH= changes where.
test_command_found_in_sbin() {
	need || return
	trun -- sysctl -n kernel.ostype
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "Linux" "$(cat "$T/out")"
	trun -e PATH=/nowhere -- sysctl -n kernel.ostype
	assertEquals 127 "$rc"
}

# QEMU's own knobs: -m, --cpus, -v (the console on stderr), --accel auto
# and run's default VMM on this host's shape (without a KVM that boots
# stock kernels: QEMU with TCG and a one-line note), --silence-timeout.
test_qemu_options() {
	need || return
	trun --cpus 2 -m 300 -- sh -c 'nproc; grep MemTotal /proc/meminfo'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals 2 "$(head -n 1 "$T/out")"
	kb=$(awk '/MemTotal/ { print $2 }' "$T/out")
	assertTrue "MemTotal $kb kB for -m 300" "[ ${kb:-0} -gt 200000 ] && [ ${kb:-0} -le 307200 ]"
	trun -v -- true
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/err")" "Linux version"
	trun -q -- true
	assertNotContains "$(cat "$T/err")" "Linux version"
	# Where KVM cannot boot a stock kernel (no node, a closed one, PVM),
	# TCG with a note; where it can, KVM and no note.
	run timeout 300 "$TINYRD" run -k "$K/vmlinuz" --vmm qemu --accel auto -- echo auto
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals auto "$(cat "$T/out")"
	if [ "$(kvm_shape)" = kvm ]; then
		assertEquals "" "$(cat "$T/err")"
	else
		assertEquals 1 "$(wc -l <"$T/err")"
		assertContains "$(cat "$T/err")" "using TCG"
	fi
	run timeout 300 "$TINYRD" run -k "$K/vmlinuz" -- echo default
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals default "$(cat "$T/out")"
	if [ "$(kvm_shape)" = kvm ]; then
		assertEquals "" "$(cat "$T/err")"
	else
		assertEquals 1 "$(wc -l <"$T/err")"
		assertContains "$(cat "$T/err")" "using QEMU with TCG"
	fi
	trun --silence-timeout 3 -- sh -c 'sleep 600'
	assertEquals 124 "$rc"
	assertContains "$(cat "$T/err")" "no console output for 3 s"
}

test_usage_and_kernel_errors() {
	need || return
	run "$TINYRD" run -k /nonexistent/vmlinuz -- true
	assertEquals 125 "$rc"
	assert_one_error "/nonexistent/vmlinuz: No such file or directory"
	# Without -k: /boot/vmlinuz-$(uname -r), else the newest there.
	if ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
		run "$TINYRD" run -- true
		assertEquals 125 "$rc"
		assert_one_error "no kernel: no /boot/vmlinuz-$(uname -r), and no other /boot/vmlinuz-*; pass -k FILE"
	fi
	# A kernel only root may read (as Debian installs them).
	mkdir -m 755 "$T/k"
	install -m 600 "$K/vmlinuz" "$T/k/vmlinuz"
	chmod 755 "$T"
	run setpriv --reuid 65534 --regid 65534 --clear-groups \
		env XDG_CACHE_HOME="$T/k/cache" "$TINYRD" run -k "$T/k/vmlinuz" -- true
	assertEquals 125 "$rc"
	assert_one_error "$T/k/vmlinuz (Debian installs kernels readable by root only): Permission denied"
	run "$TINYRD" run --accel warp -- true
	assertEquals 125 "$rc"
	run "$TINYRD" run -k "$K/vmlinuz" -i /nonexistent.img -- true
	assertEquals 125 "$rc"
	assert_one_error "/nonexistent.img: No such file or directory"
	run "$TINYRD" run -k "$K/vmlinuz" --print -- true
	assertEquals 125 "$rc"
	run "$TINYRD" run -k "$K/vmlinuz" --no-such-option
	assertEquals 125 "$rc"
	run "$TINYRD" run -k "$K/vmlinuz" --disk /nonexistent.img -- true
	assertEquals 125 "$rc"
	assert_one_error "disk /nonexistent.img: No such file or directory"
	run "$TINYRD" run -k "$K/vmlinuz" --disk ,ro -- true
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/err")" "tinyrd: error: --disk ,ro: no file"
}

# --disk under QEMU: virtio-blk, its modules added from the kernel's tree;
# ,ro makes the guest's block device read-only.
test_disk_under_qemu() {
	need || return
	head -c 1048576 /dev/zero >"$T/d.img"
	printf hello | dd of="$T/d.img" conv=notrunc 2>/dev/null
	cp "$T/d.img" "$T/e.img"
	trun --moddir "$K" --disk "$T/d.img" --disk "$T/e.img,ro" -- sh -c \
		'head -c 5 /dev/vda; echo; cat /sys/block/vda/size /sys/block/vdb/ro'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "hello
2048
1" "$(cat "$T/out")"
}

# Under QEMU as under the launcher: a reader that goes away stops the
# guest with 141 (SIGPIPE) and leaves no QEMU behind; piped input is
# refused with a note, the command reading an empty one; a disk must be
# whole sectors long; --silence-timeout counts from the command's start,
# not through the silent boot.
test_same_promises_under_qemu() {
	need || return
	timeout 300 "$TINYRD" run -k "$K/vmlinuz" --accel tcg -- \
		sh -c 'while :; do echo y; done' 2>"$T/err" | head -n 1 >"$T/out"
	assertEquals "141 0" "${PIPESTATUS[*]}"
	assertEquals y "$(cat "$T/out")"
	assertNotContains "$(cat "$T/err")" "the guest was stopped"
	echo hi | trun -- sh -c 'cat; echo "read $?"'
	assertEquals 0 "$rc"
	assertEquals "read 0" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "note: standard input is not forwarded under QEMU"
	head -c 1000 /dev/zero >odd.img
	for vmm in qemu builtin; do
		run "$TINYRD" run -k "$K/vmlinuz" --vmm $vmm --force --disk odd.img -- true
		assertEquals 125 "$rc"
		assert_one_error "disk odd.img: size 1000 is not a multiple of 512"
	done
	trun --silence-timeout 2 -- sh -c 'echo a; sleep 1; echo b'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "a
b" "$(cat "$T/out")"
}

# Under QEMU too the command's stdout and stderr come home apart, over
# two virtio-serial consoles (hvc0, hvc1); standard input is not
# forwarded there, and a command that reads it sees its end at once.
test_stdout_stderr_apart_under_qemu() {
	need || return
	trun --moddir "$K" -- sh -c 'echo out; echo err >&2
		echo "fds $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)" >&2
		cat; exit 5' <<<data
	assertEquals 5 "$rc"
	assertEquals "out" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "err"
	assertContains "$(cat "$T/err")" "fds /dev/hvc0 /dev/hvc1"
	assertNotContains "$(cat "$T/err")" "out"
	assertNotContains "$(cat "$T/out")" "data"
}

test_prebuilt_image_and_debug() {
	need || return
	tinyrd build -o img
	trun -i img --append tinyrd.debug --console-log console -- echo from-image
	assertEquals 0 "$rc"
	assertEquals "from-image" "$(cat "$T/out")"
	tr -d '\r' <console >console.txt
	grep -q '^tinyrd-init: +[0-9]*\.[0-9]* ms started$' console.txt || fail "tinyrd.debug traces"
	grep -q '^tinyrd-init: +[0-9]*\.[0-9]* ms exec echo on /dev/ttyS1$' console.txt || fail "exec traced"
}

# tinyrd-init is static and small: under 100 KB.
test_init_size() {
	init=${TINYRD_BUILD:-$SRC/build}/tinyrd-init
	[ -f "$init" ] || { fail "tinyrd-init is not built ($init)"; return; }
	size=$(stat -c %s "$init")
	assertTrue "tinyrd-init is $size bytes" "[ $size -lt 102400 ]"
	run readelf -l "$init"
	assertNotContains "$(cat "$T/out")" "INTERP"
}

run_shunit2
