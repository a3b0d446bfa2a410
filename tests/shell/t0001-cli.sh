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

# The bash completion offers the commands, each command's options (from
# its --help), the values of the options that have a few, the cache's
# actions, and nothing after "--".
complete_words() {
	bash -c '
		. "$1/src/completion.bash"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_tinyrd
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' bash "$SRC" "$TINYRD" "$@"
}

test_completion() {
	assertContains "$(complete_words '')" "cache"
	assertContains "$(complete_words 'ru')" "run"
	assertEquals "--skip-status" "$(complete_words run --ski)"
	assertContains "$(complete_words run --)" "--silence-timeout"
	assertNotContains "$(complete_words run --)" "--print"
	assertContains "$(complete_words build --)" "--print"
	assertEquals "builtin
qemu" "$(complete_words boot --vmm '' | grep -v auto)"
	assertEquals "lz4" "$(complete_words build -z l)"
	assertEquals "prune" "$(complete_words cache pr)"
	assertEquals "" "$(complete_words run -- ca)"
	assertEquals "--json" "$(complete_words doctor --j)"
}

run_shunit2
