#!/bin/bash
# The manuals: mdoc without warnings, every option and verb documented,
# EXIT STATUS and EXAMPLES present; README's two commands.
. "$(dirname "$0")/lib.sh"

MAN=$SRC/man

test_lint() {
	command -v mandoc >/dev/null || { skip "mandoc is not installed"; return; }
	out=$(mandoc -Tlint -Wwarning "$MAN"/*.[1-8] 2>&1 | grep -v 'mandoc.db')
	assertEquals "" "$out"
}

test_every_option_documented() {
	tinyrd build --help | grep -oE -- '--[a-z][a-z-]*' | sort -u >opts
	n=0
	while read -r o; do
		grep -qE -- "^\\.It Fl .*-${o#--}( |$)|Fl -${o#--}\b" "$MAN/tinyrd.1" ||
			{ fail "$o is not in tinyrd.1"; }
		n=$((n + 1))
	done <opts
	assertTrue "options found" "[ $n -gt 15 ]"
	tinyrd inspect --help | grep -oE -- '--[a-z]+' | while read -r o; do
		sed -n '/^\.Ss inspect/,/^\.Ss /p' "$MAN/tinyrd.1" |
			grep -qE -- "^\.It Fl .*-${o#--}( |$)" || echo "$o"
	done >missing
	assertEquals "" "$(grep -v -- --help missing)"
	# run's own options, in tinyrd-run.1.
	tinyrd run --help | sed -n '/^Run options/,/^Build options/p' | grep -v '^Build options' |
		grep -oE -- '--[a-z][a-z-]*' | sort -u | grep -v -- --help | while read -r o; do
		grep -qE -- "^\.It Fl .*-${o#--}( |$)" "$MAN/tinyrd-run.1" || echo "$o"
	done >missing
	assertEquals "" "$(cat missing)"
	# boot's and doctor's, in their pages.
	for cmd in boot doctor verify cache kconfig; do
		tinyrd $cmd --help | grep -oE -- '--[a-z][a-z-]*' | sort -u | grep -v -- --help |
			while read -r o; do
				grep -qE -- "Fl .*-${o#--}( |$)|Fl -${o#--}" "$MAN/tinyrd-$cmd.1" || echo "$cmd $o"
			done
	done >missing
	assertEquals "" "$(cat missing)"
}

# The other way: every option a page lists is one its command takes (the
# help is made from the same table as the parser, src/cmd/opt.h).
page_options() {
	sed -n 's/^\.It Fl \([a-zA-Z]\)\( , -\([a-z][a-z-]*\)\)\{0,1\}.*/-\1 --\3/p; s/^\.It Fl -\([a-z][a-z-]*\).*/--\1/p' "$1" |
		tr ' ' '\n' | grep -v -e '^--$' -e '^$' | sort -u
}

test_every_documented_option_taken() {
	{ tinyrd build --help; tinyrd inspect --help; } >help
	page_options "$MAN/tinyrd.1" | while read -r o; do
		grep -qE -- "(^|[ ,])$o( |,|$)" help || echo "tinyrd.1 $o"
	done >extra
	for cmd in run boot doctor verify cache kconfig; do
		tinyrd $cmd --help >help
		page_options "$MAN/tinyrd-$cmd.1" | while read -r o; do
			grep -qE -- "(^|[ ,])$o( |,|$)" help || echo "tinyrd-$cmd.1 $o"
		done
	done >>extra
	assertEquals "" "$(cat extra)"
	# run's help lists no option it refuses (build's -o and --print).
	tinyrd run --help >help
	assertNotContains "$(cat help)" "--output"
	assertNotContains "$(cat help)" "--print"
	assertEquals "-k described once" 1 "$(grep -c -- '^  -k, --kernel' help)"
	assertEquals "-v described once" 1 "$(grep -c -- '^  -v, --verbose' help)"
}

test_every_verb_documented() {
	verbs=$(sed -n 's/^	{ "\([a-z-]*\)", .*/\1/p' "$SRC/src/image/recipe.c")
	[ -n "$verbs" ] || fail "no verbs found"
	for v in $verbs; do
		grep -q "^\\.It Cm $v " "$MAN/tinyrd-recipe.5" || fail "verb $v"
	done
}

test_sections() {
	for page in tinyrd.1 tinyrd-run.1 tinyrd-boot.1 tinyrd-doctor.1 tinyrd-verify.1 tinyrd-cache.1 tinyrd-kconfig.1 tinyrd-init.8; do
		for s in "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -q "^\\.Sh $s" "$MAN/$page" || fail "$page: $s"
		done
	done
	# Every reserved status of run is in its table.
	for st in 123 124 125 126 127 130; do
		grep -q "^\\.It $st$" "$MAN/tinyrd-run.1" || fail "tinyrd-run.1: status $st"
	done
	grep -q "^\\.Sh EXAMPLES" "$MAN/tinyrd-recipe.5" || fail "recipe EXAMPLES"
	# The exit statuses listed are the ones the code uses.
	for st in 0 1 2; do
		grep -q "^\\.It $st$" "$MAN/tinyrd.1" || fail "exit status $st"
	done
}

# What users look for is named in the README: the bisect recipe that maps
# a failed build to skip, the cache command, --json, the completion.
test_readme_names() {
	for w in examples/bisect-kernel.sh 'tinyrd cache' TINYRD_CACHE_MAX \
	    'tinyrd run --json' 'tinyrd build --json' 'tinyrd inspect --json' \
	    bash-completion 'tinyrd boot --vmm qemu'; do
		grep -qF -- "$w" "$SRC/README.md" || fail "README does not name $w"
	done
}

test_readme_commands() {
	grep -q '^make demo$' "$SRC/README.md" || fail "main job command"
	grep -q '^make check$' "$SRC/README.md" || fail "test command"
	grep -q 'make check' "$SRC/.ci/run" || fail ".ci/run"
}

run_shunit2
