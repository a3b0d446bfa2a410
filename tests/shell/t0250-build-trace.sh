#!/bin/bash
# build --trace: the command runs once on the host under ptrace and what
# it used goes into the image, which then runs it in a chroot; /proc,
# /sys, /dev, $HOME and the working tree are left out and listed;
# --trace-out's recipe rebuilds the same image; static programs are seen;
# errors are one line and write nothing.
. "$(dirname "$0")/lib.sh"

# The guest's PATH (src/common/abi.h), where --trace looks the command up.
GUEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PY="import decimal; print(decimal.Decimal(1) / 7)"

have_python() {
	PATH=$GUEST_PATH command -v python3 >/dev/null
}

# Can this test chroot? (root, and the capability: a container may
# withhold it)
can_chroot() {
	is_root || { echo "chroot needs root"; return 1; }
	mkdir -p "$T/.probe" && chroot "$T/.probe" /nonexistent 2>"$T/.probe.err"
	if grep -q "Operation not permitted" "$T/.probe.err"; then
		echo "chroot is not permitted here"
		return 1
	fi
}

# The image's entries, from its manifest; none is the host's or the tree's.
assert_no_leak() {
	tinyrd build --trace --bare --no-init --print -- "$@" >m 2>/dev/null
	bad=$(awk '{ print $2 }' m | grep -E "^/(proc|sys|dev)(/|$)|^$T(/|$)")
	assertEquals "entries that should be left out" "" "$bad"
}

test_python_runs_in_chroot() {
	have_python || { skip "no python3 in $GUEST_PATH"; return; }
	why=$(can_chroot) || { skip "$why"; return; }
	run tinyrd build --trace -o img -- python3 -c "$PY"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	# The command's output went to stderr, the note says what was left out.
	assertContains "$(cat "$T/err")" "0.1428571428571428571428571429"
	grep -q "tinyrd: note: --trace: python3 used [0-9]* paths: [0-9]* in the image" "$T/err" ||
		fail "no summary: $(cat "$T/err")"
	unpack_image img root
	out=$(env -i PATH=$GUEST_PATH chroot root python3 -c "$PY" 2>&1)
	assertEquals "python3 in the chroot" "0.1428571428571428571428571429" "$out"
	# Through the symlink the host has (python3 -> python3.11), kept.
	[ -L root/usr/bin/python3 ] || fail "/usr/bin/python3 is not a symlink in the image"
	# What the kernel mapped unseen: the loader.
	interp=$(tinyrd build --bare --no-init -v --print "$(PATH=$GUEST_PATH command -v python3)" 2>&1 |
		awk '$1 == "interp" { print $2; exit }')
	[ -z "$interp" ] || [ -e "root$interp" ] || fail "no loader $interp"
	assert_no_leak python3 -c "$PY"
}

test_left_out_listed() {
	echo hello >file
	run tinyrd build -v --trace --bare --no-init --print -- \
		sh -c 'cat /proc/version ./file </dev/null; ls /sys >/dev/null'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	for line in "trace: left out /proc/version: under /proc" \
		"trace: left out /dev/null: under /dev" \
		"trace: left out /sys: under /sys" \
		"trace: left out $T/file: in the working tree ($T)"; do
		grep -qxF "$line" "$T/err" || fail "no line '$line' in: $(cat "$T/err")"
	done
	assertContains "$(cat "$T/err")" "hello"
	awk '$1 == "file" { print $2 }' "$T/out" | grep -x "/usr/bin/cat\|$(realpath /usr/bin/cat)" >/dev/null ||
		fail "cat is not in the image: $(cat "$T/out")"
	assert_no_leak sh -c 'cat /proc/version ./file </dev/null; ls /sys >/dev/null'
	# Without -v: one line that counts them, and says how to list them.
	run tinyrd build --trace --bare --no-init --print -- cat /proc/version ./file
	assertEquals 0 "$rc"
	assertEquals "one line beside the output: $(cat "$T/err")" 1 \
		"$(grep -c '^tinyrd: ' "$T/err")"
	assertContains "$(cat "$T/err")" "2 left out (1 in the working tree ($T), 1 under /proc; -v lists them)"
}

# In a git work tree, the working tree is its top, not the directory.
test_git_top_left_out() {
	mkdir -p repo/.git repo/a/b
	echo data >repo/data
	cd repo/a/b || return
	run tinyrd build -v --trace --bare --no-init --print -- cat ../../data
	assertEquals "$(cat "$T/err")" 0 "$rc"
	# The path as cat gave it, made absolute.
	grep -qxF "trace: left out $T/repo/a/b/../../data: in the working tree ($T/repo)" "$T/err" ||
		fail "no left-out line: $(cat "$T/err")"
	assertNotContains "$(cat "$T/out")" "$T/repo/data"
}

test_trace_out_rebuilds() {
	have_python || { skip "no python3 in $GUEST_PATH"; return; }
	run tinyrd build --trace-out py.recipe -o a.img -- python3 -c "$PY"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "no temporary file" "" "$(ls -A | grep tmp)"
	head -1 py.recipe | grep -q '^# The files this command used, traced by tinyrd build --trace on ' ||
		fail "header: $(head -3 py.recipe)"
	grep -qxF "#   python3 -c '$PY'" py.recipe || fail "command in the header"
	grep -qxF "#   tinyrd build -f base -f py.recipe -- python3 -c '$PY'" py.recipe ||
		fail "how to rebuild"
	grep -qx "bin /usr/bin/python3" py.recipe || fail "bin line: $(cat py.recipe)"
	grep -q "^copy /usr/lib/python3" py.recipe || fail "copy lines"
	grep -q "^dir /usr/lib/python3" py.recipe || fail "dir lines"
	# The same image from the recipe, nothing run.
	run tinyrd build -f base -f py.recipe -o b.img -- python3 -c "$PY"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertNotContains "$(cat "$T/err")" "0.142857"
	cmp a.img b.img || fail "the recipe does not rebuild the traced image"
	why=$(can_chroot) || { skip "$why"; return; }
	unpack_image b.img root
	out=$(env -i PATH=$GUEST_PATH chroot root python3 -c "$PY" 2>&1)
	assertEquals "python3 in the chroot" "0.1428571428571428571428571429" "$out"
}

# ptrace sees a static program's calls (LD_PRELOAD would not).
test_static_program() {
	bb=/bin/busybox
	[ -x $bb ] || { skip "busybox-static is not installed"; return; }
	tinyrd build --bare --no-init -v --print $bb 2>&1 | grep -q '^interp ' &&
		{ skip "$bb is not static"; return; }
	mkdir data work
	echo static >data/f
	cd work || return
	run tinyrd build --trace --bare --no-init --print -- $bb cat "$T/data/f"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/err")" "static"
	grep -q "^file $T/data/f $T/data/f " "$T/out" || fail "the file cat read: $(cat "$T/out")"
	grep -q "^file $(realpath $bb) " "$T/out" || fail "busybox itself"
}

test_errors() {
	echo "previous image" >keep.img
	run tinyrd build --trace -o keep.img
	assertEquals 2 "$rc"
	assert_one_error "--trace: expected the command to trace after --"
	run tinyrd build --trace -o keep.img -- no-such-command-xyz
	assertEquals 1 "$rc"
	assert_one_error "--trace: no-such-command-xyz: command not found in PATH $GUEST_PATH"
	run tinyrd build --trace-out r.recipe -o keep.img -- /nonexistent/cmd
	assertEquals 1 "$rc"
	assert_one_error "--trace: /nonexistent/cmd: No such file or directory"
	assert_absent r.recipe
	echo 'not a program' >noexec
	run tinyrd build --trace -o keep.img -- ./noexec
	assertEquals 1 "$rc"
	assert_one_error "--trace: ./noexec: Permission denied"
	run tinyrd build --trace --sysroot / -o keep.img -- true
	assertEquals 2 "$rc"
	assert_one_error "--trace runs the command on this host: not with --sysroot"
	run tinyrd build --trace --run true -o keep.img -- true
	assertEquals 2 "$rc"
	assert_one_error "--trace traces the command after --, not --run"
	assertEquals "existing image untouched" "previous image" "$(cat keep.img)"
	rm keep.img
	assert_nothing_written
}

# A command that fails on the host still makes an image; a note says so.
# Its stdin is /dev/null, its stdout goes to stderr (the image may be on
# stdout).
test_status_and_streams() {
	run tinyrd build --trace --bare -o img -- sh -c 'exit 3'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/err")" "tinyrd: note: --trace: sh exited with status 3 (the image is made all the same)"
	[ -s img ] || fail "no image"
	echo input | timeout 60 "$TINYRD" build --trace --bare -o - -- sh -c 'cat; echo noise' \
		>out.img 2>err
	assertEquals "the command's output" "noise" "$(grep -v '^tinyrd: ' err)"
	gzip -t out.img || fail "the image on stdout is not clean"
	run tinyrd build --trace --bare -o img -- sh -c 'kill -9 $$'
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/err")" "was killed by signal 9"
}

run_shunit2
