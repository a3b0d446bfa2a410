#!/bin/bash
# Kernel trees without building a kernel: tinyrd kconfig over a fake tree
# (its make and merge_config.sh small scripts that do what Kbuild's do
# to a .config, and a Kconfig that knows some options), and run -k DIR
# on a directory that is not a tree, on a tree that is not built, and
# --build on a tree whose make fails: 125, a skip under --bisect.
# The real kernel build and bisection: tests/long/bisect.sh.
. "$(dirname "$0")/lib.sh"

FRAG=$SRC/templates/kconfig

setUp() {
	_skip=
	_in_test=1
	T=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-sh.XXXXXX")
	cd "$T" || return 1
	export XDG_CACHE_HOME=$T/cache
}

# A fake kernel tree in $T/tree. Its merge_config.sh appends the
# fragments to the .config (later lines win, as Kconfig reads them);
# olddefconfig drops CONFIG_9P_FS (its dependencies are off) and
# CONFIG_X86_IOPL_IOPERM (unknown) and keeps the last value of every
# other option; Kconfig knows every option of
# tinyrd's fragments but CONFIG_X86_IOPL_IOPERM. bzImage runs $BUILD.
fake_tree() {
	mkdir -p tree/scripts/kconfig tree/arch/x86/boot
	cat >tree/scripts/kconfig/merge_config.sh <<'EOS'
[ "$1" = -m ] && shift
base=$1; shift
cat "$@" >>"$base"
EOS
	cat >tree/Makefile <<'EOS'
tinyconfig:
	@echo "  GEN tinyconfig"; printf 'CONFIG_64BIT=y\n' >.config
defconfig:
	@printf 'CONFIG_64BIT=y\nCONFIG_SOUND=y\n' >.config
olddefconfig:
	@grep -v -e '^CONFIG_9P_FS=' -e '^CONFIG_X86_IOPL_IOPERM=' .config | tac | \
		awk '{ k = $$0; if (k ~ /^# /) { split(k, a, " "); k = a[2] } else sub(/=.*/, "", k) } !seen[k]++' | \
		tac >.config.new
	@mv .config.new .config
bzImage:
	@echo "  CC      fs/proc/version.o"; sh ./build
modules:
	@true
EOS
	printf 'echo "fs/proc/version.c:12:1: error: expected declaration" >&2\nexit 2\n' >tree/build
	sed -n 's/^\(# \)\{0,1\}CONFIG_\([A-Z0-9_]*\).*/config \2/p' "$FRAG"/*.config |
		grep -v IOPL_IOPERM >tree/Kconfig
}

test_kconfig_fake_tree() {
	fake_tree
	run tinyrd kconfig -C tree
	assertEquals "status: $(cat "$T/err")" 3 "$rc"
	assertEquals "" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "tinyrd: warning: CONFIG_9P_FS: asked y, got n"
	assertContains "$(cat "$T/err")" "CONFIG_X86_IOPL_IOPERM: not an option of this tree"
	assertEquals "one line per option: $(cat "$T/err")" 2 "$(wc -l <"$T/err")"
	assertTrue "the fragment merged" "grep -qx CONFIG_VIRTIO_FS=y tree/.config"
	assertTrue "the arch's too" "grep -qx CONFIG_PVH=y tree/.config"
	assertTrue "make's output logged" \
		"grep -q 'GEN tinyconfig' cache/tinyrd/trees/*-tree/kconfig.log"
	# The tree's .config is the base when there is one; a fragment of the
	# user's wins over tinyrd's.
	echo "CONFIG_SOUND=y" >>tree/.config
	printf '# CONFIG_VIRTIO_FS is not set\n' >mine.config
	run tinyrd kconfig -q -C tree mine.config
	assertEquals 3 "$rc"
	assertEquals "" "$(cat "$T/err")"
	assertTrue "kept" "grep -qx CONFIG_SOUND=y tree/.config"
	assertFalse "the user's fragment won" "grep -q CONFIG_VIRTIO_FS=y tree/.config"
	# Every option as asked: 0 and nothing said.
	sed -i '/9P_FS/d' tree/Kconfig
	run tinyrd kconfig -C tree --base defconfig
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/err")" "CONFIG_9P_FS: not an option"
	run tinyrd kconfig -C tree --base nosuch
	assertEquals 2 "$rc"
}

test_kconfig_not_a_tree() {
	run tinyrd kconfig -C "$T"
	assertEquals 1 "$rc"
	assert_one_error "$T: not a kernel tree (no Makefile)"
}

test_run_not_a_tree() {
	mkdir empty
	run tinyrd run -k empty --bisect -- true
	assertEquals 125 "$rc"
	assertEquals "$(cat "$T/err")" 2 "$(wc -l <"$T/err")"
	assertContains "$(head -n 1 "$T/err")" "tinyrd: error: empty: not a kernel tree"
	assertContains "$(tail -n 1 "$T/err")" "tinyrd: bisect skip ("
}

test_run_not_built() {
	fake_tree
	run tinyrd run -k tree -- true
	assertEquals 125 "$rc"
	assert_one_error "tree: not built (no arch/x86/boot/bzImage)"
}

test_build_needs_a_tree() {
	echo kernel >kernel
	run tinyrd run -k kernel --build -- true
	assertEquals 125 "$rc"
	assert_one_error "--build makes a kernel tree: it needs -k DIR"
}

test_build_fails_bisect() {
	fake_tree
	run tinyrd run -k tree --build -j 1 --bisect --json run.json -- true
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/err")" "fs/proc/version.c:12:1: error: expected declaration"
	assertContains "$(cat "$T/err")" "tree: make failed (make exited 2); the log: $T/cache/tinyrd/trees/"
	assertContains "$(tail -n 1 "$T/err")" "tinyrd: bisect skip (the kernel did not build: tree: make failed"
	assertTrue "the log" "grep -q 'expected declaration' cache/tinyrd/trees/*-tree/build.log"
	assertContains "$(cat run.json)" '"ending":"build-failed"'
	assertContains "$(cat run.json)" '"bisect":"skip"'
	assertTrue "the build's time: $(cat run.json)" "grep -q '\"ms\":{\"build\":[0-9]' run.json"
}

test_build_fails() {
	fake_tree
	run tinyrd run -k tree --build -- true
	assertEquals 125 "$rc"
	assertNotContains "$(cat "$T/err")" "bisect"
	assertContains "$(tail -n 1 "$T/err")" "tinyrd: error: tree: make failed (make exited 2)"
	run tinyrd run -k tree --build -j 0 -- true
	assertEquals 125 "$rc"
	assertContains "$(head -n 1 "$T/err")" "tinyrd: error: --jobs 0: expected a number from 1 to 4096"
}

. shunit2
