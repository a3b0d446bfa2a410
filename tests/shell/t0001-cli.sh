#!/bin/bash
# The command line: help, version, usage errors and their exit codes.
. "$(dirname "$0")/lib.sh"

test_help() {
	run tinyrd --help
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/out")" "build "
	assertContains "$(cat "$T/out")" "inspect "
	run tinyrd
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "usage: tinyrd"
}

test_version() {
	run tinyrd --version
	assertEquals 0 "$rc"
	version=$(sed -n 's/^VERSION = //p' "$SRC/Makefile")
	assertEquals "tinyrd $version" "$(cat "$T/out")"
}

test_command_help() {
	for cmd in build inspect; do
		run tinyrd "$cmd" --help
		assertEquals "$cmd --help" 0 "$rc"
		assertContains "$(cat "$T/out")" "usage: tinyrd $cmd"
		assertEquals "" "$(cat "$T/err")"
	done
}

test_usage_errors() {
	run tinyrd frobnicate
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "unknown command 'frobnicate'"
	run tinyrd build --no-such-option
	assertEquals 2 "$rc"
	run tinyrd build -z rar
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "rar: unknown compression"
	run tinyrd build --level x
	assertEquals 2 "$rc"
	run tinyrd build -z xz --level 10
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "--level 10: xz levels go from 0 to 9"
	run tinyrd build -e NOVALUE
	assertEquals 2 "$rc"
	run tinyrd build --
	assertEquals 2 "$rc"
	run tinyrd inspect
	assertEquals 2 "$rc"
	run tinyrd inspect a b
	assertEquals 2 "$rc"
	assert_nothing_written
}

# Good Unix tools succeed quietly.
test_quiet_success() {
	run tinyrd build --init "$INIT" -o q.img
	assertEquals 0 "$rc"
	assertEquals "" "$(cat "$T/out")"
	assertEquals "" "$(cat "$T/err")"
}

# -q silences what a build would say: here the note that the image has
# no /init.
test_quiet_option() {
	run tinyrd build --bare --no-init -o n.img
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/err")" "tinyrd: note: the image has no /init"
	run tinyrd build -q --bare --no-init -o q.img
	assertEquals 0 "$rc"
	assertEquals "" "$(cat "$T/out")"
	assertEquals "" "$(cat "$T/err")"
	[ -f q.img ] || fail "no image with -q"
}

run_shunit2
