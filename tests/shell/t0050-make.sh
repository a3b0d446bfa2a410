#!/bin/bash
# The Makefile's install and uninstall honour PREFIX and DESTDIR, and the
# installed tinyrd finds its templates; deps lists or installs packages.
. "$(dirname "$0")/lib.sh"

test_install_uninstall() {
	d=$T/dest
	make -s -C "$SRC" install DESTDIR="$d" PREFIX=/opt/tinyrd >log 2>&1 ||
		{ cat log; fail "make install"; return; }
	for f in bin/tinyrd libexec/tinyrd/tinyrd-init share/tinyrd/templates/base.recipe \
	    share/man/man1/tinyrd.1 \
	    share/man/man5/tinyrd-recipe.5; do
		[ -f "$d/opt/tinyrd/$f" ] || fail "$f not installed"
	done
	assertEquals "$("$TINYRD" --version)" "$("$d/opt/tinyrd/bin/tinyrd" --version)"
	TINYRD_TEMPLATES=$d/opt/tinyrd/share/tinyrd/templates \
		"$d/opt/tinyrd/bin/tinyrd" build --init "$INIT" -o x.img || fail "installed tinyrd"
	make -s -C "$SRC" uninstall DESTDIR="$d" PREFIX=/opt/tinyrd >log 2>&1 || fail "make uninstall"
	left=$(find "$d" -type f)
	assertEquals "files left after uninstall" "" "$left"
}

# The installed binary looks for templates in the installed datadir.
test_datadir_compiled_in() {
	strings "$TINYRD" | grep -q '/share/tinyrd' || fail "no datadir in the binary"
	return 0
}

test_deps_knows_packages() {
	# Everything is installed here (the suite is running), so deps is a no-op.
	run sh "$SRC/src/deps.sh" test
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "" "$(cat "$T/out")"
}

run_shunit2
