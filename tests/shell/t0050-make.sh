#!/bin/bash
# The Makefile's install and uninstall honour PREFIX and DESTDIR, and the
# installed tinyrd finds its templates; deps lists or installs packages;
# the knobs V=1, WERROR=1 and T=, and clean.
. "$(dirname "$0")/lib.sh"

test_install_uninstall() {
	d=$T/dest
	make -s -C "$SRC" install DESTDIR="$d" PREFIX=/opt/tinyrd >log 2>&1 ||
		{ cat log; fail "make install"; return; }
	for f in bin/tinyrd libexec/tinyrd/tinyrd-init share/tinyrd/templates/base.recipe \
	    share/man/man1/tinyrd.1 \
	    share/man/man5/tinyrd-recipe.5 share/bash-completion/completions/tinyrd; do
		[ -f "$d/opt/tinyrd/$f" ] || fail "$f not installed"
	done
	assertEquals "$("$TINYRD" --version)" "$("$d/opt/tinyrd/bin/tinyrd" --version)"
	TINYRD_TEMPLATES=$d/opt/tinyrd/share/tinyrd/templates \
		"$d/opt/tinyrd/bin/tinyrd" build --init "$INIT" -o x.img || fail "installed tinyrd"
	make -s -C "$SRC" uninstall DESTDIR="$d" PREFIX=/opt/tinyrd >log 2>&1 || fail "make uninstall"
	left=$(find "$d" -type f)
	assertEquals "files left after uninstall" "" "$left"
}

# Installed under any PREFIX, without DESTDIR and without a rebuild, the
# binary finds its templates relative to itself and builds an image;
# uninstall leaves nothing, not even an empty directory.
test_install_anywhere() {
	p=$T/prefix
	make -s -C "$SRC" install PREFIX="$p" >log 2>&1 || { cat log; fail "make install"; return; }
	(cd "$T" && env -u TINYRD_TEMPLATES "$p/bin/tinyrd" build -o x.img) ||
		fail "the installed tinyrd builds an image"
	make -s -C "$SRC" uninstall PREFIX="$p" >log 2>&1 || fail "make uninstall"
	assertFalse "left after uninstall: $(find "$p" 2>/dev/null)" "[ -e '$p' ]"
}

# ... and runs a command in a guest (under QEMU TCG).
test_installed_runs() {
	[ -n "${TINYRD_KERNEL_DIR-}" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return; }
	p=$T/prefix
	make -s -C "$SRC" install PREFIX="$p" >log 2>&1 || { cat log; fail "make install"; return; }
	out=$(env -u TINYRD_TEMPLATES XDG_CACHE_HOME="$T/cache" timeout 300 \
		"$p/bin/tinyrd" run -q --accel tcg -k "$TINYRD_KERNEL_DIR/vmlinuz" -- echo installed)
	assertEquals "the installed tinyrd runs" installed "$out"
	make -s -C "$SRC" uninstall PREFIX="$p" >log 2>&1 || fail "make uninstall"
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

# make as a user types it, not as a sub-make of "make check" (which
# would print directories and share its jobserver), and without the
# knobs check was given (T=, O=): the environment carries them.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u T -u O make "$@"
}

# A copy of the sources to build in, so the tree under test is left alone.
copy_tree() {
	mkdir -p tree/tests/unit
	cp -r "$SRC/Makefile" "$SRC/src" "$SRC/init" tree/
}

# Quiet rules by default, whole commands with V=1.
test_make_quiet_and_verbose() {
	copy_tree
	(cd tree && mk build/src/common/log.o) >out 2>&1 || { cat out; fail "make"; return; }
	assertEquals "  CC      build/src/common/log.o" "$(cat out)"
	rm tree/build/src/common/log.o
	(cd tree && mk V=1 build/src/common/log.o) >out 2>&1 || { cat out; fail "make V=1"; return; }
	assertEquals 1 "$(wc -l <out)"
	grep -qE "^(cc|gcc|\S*-gcc|clang)\b.* -Wall .* -c -o build/src/common/log.o src/common/log.c" out ||
		fail "V=1 shows no compiler command: $(cat out)"
}

test_make_werror() {
	mk -C "$SRC" -n -B --no-print-directory build/src/common/log.o V=1 >plain
	mk -C "$SRC" -n -B --no-print-directory build/src/common/log.o V=1 WERROR=1 >werror
	grep -q -- ' -Wall ' plain || fail "no warnings in: $(cat plain)"
	grep -q -- '-Werror' plain && fail "-Werror without WERROR=1"
	grep -q -- ' -Werror\b' werror || fail "WERROR=1 does not add -Werror: $(cat werror)"
}

# clean removes what the build made: the programs, objects, dependency files.
test_make_clean() {
	copy_tree
	(cd tree && mk -s build/src/common/log.o && touch tinyrd build/tinyrd-san) ||
		{ fail "make"; return; }
	mk -C "$SRC" -n --no-print-directory clean >plan
	assertContains "$(cat plan)" "rm -f tinyrd "
	(cd tree && mk -s clean) >out 2>&1 || { cat out; fail "make clean"; return; }
	assert_absent tree/tinyrd
	assert_absent tree/build
	assertEquals "objects left" "" "$(cd tree && find . -name '*.o' -o -name '*.d')"
	[ -f tree/src/common/log.c ] || fail "clean removed a source"
}

# O=DIR takes the objects, tinyrd-init and the test programs; the
# source tree keeps only sources. O=. is refused (clean would remove
# the tree).
test_make_objdir() {
	copy_tree
	(cd tree && mk -s O="$T/objs" "$T/objs/src/common/log.o" "$T/objs/tinyrd-init") >out 2>&1 ||
		{ cat out; fail "make O="; return; }
	[ -f "$T/objs/src/common/log.o" ] || fail "no objects in O"
	[ -f "$T/objs/tinyrd-init" ] || fail "no tinyrd-init in O"
	assertEquals "built files in the sources" "" \
		"$(cd tree && find src init -name '*.o' -o -name '*.d' -o -name tinyrd-init)"
	(cd tree && mk -s O=. clean) >out 2>&1 && fail "O=. accepted"
	grep -q "O=.: the objects need a directory of their own" out || fail "O=.: $(cat out)"
	[ -f tree/Makefile ] || fail "O=. clean removed the tree"
}

# T= is passed to the runner; without it every file runs.
test_make_check_t() {
	mk -C "$SRC" -n --no-print-directory check T=t0001 >one 2>&1
	grep -qx "O=build bash tests/run -t 't0001'" one || fail "T=t0001: $(tail -n 3 one)"
	mk -C "$SRC" -n --no-print-directory check >all 2>&1
	grep -qx "O=build bash tests/run " all || grep -qx "O=build bash tests/run" all ||
		fail "without T: $(tail -n 3 all)"
}

# Not root: deps names exactly the missing packages and fails. A fake
# dpkg-query says two are missing, a fake id says uid 1000, a fake
# apt-get would tell if anything were installed.
test_deps_lists_missing() {
	mkdir bin
	cat >bin/dpkg-query <<'EOF2'
#!/bin/sh
for p; do :; done
case $p in
libkmod-dev|zlib1g-dev) echo "unknown ok not-installed"; exit 1 ;;
esac
echo "install ok installed"
EOF2
	cat >bin/id <<'EOF2'
#!/bin/sh
[ "$*" = -u ] && { echo 1000; exit 0; }
exec /usr/bin/id "$@"
EOF2
	printf '#!/bin/sh\necho "apt-get $*" >>"%s/apt-called"\nexit 1\n' "$T" >bin/apt-get
	chmod +x bin/*
	PATH=$T/bin:$PATH run sh "$SRC/src/deps.sh" build
	assertEquals 1 "$rc"
	assertEquals "" "$(cat "$T/out")"
	printf '%s\n' "tinyrd: missing packages: libkmod-dev zlib1g-dev" \
		"tinyrd: install them with: sudo apt-get install libkmod-dev zlib1g-dev" >expect
	assertEquals "$(cat expect)" "$(cat "$T/err")"
	PATH=$T/bin:$PATH run mk -C "$SRC" --no-print-directory deps
	assertNotEquals 0 "$rc"
	assertContains "$(cat "$T/err")" "tinyrd: missing packages: libkmod-dev zlib1g-dev"
	assert_absent "$T/apt-called"
}

run_shunit2
