#!/bin/bash
# Run-time needs beyond DT_NEEDED (templates/runtime.recipe and the verb
# runtime): in a chroot of each image, the loader and the interpreters
# are the oracles. Each check is also made on an image built with
# --no-runtime, where it must fail, so no check passes by accident.
. "$(dirname "$0")/lib.sh"

# A command in a chroot of root, with /proc mounted in a mount namespace
# of its own (BusyBox's shell runs its applets through /proc/self/exe),
# and the environment tinyrd-init gives a command.
in_root() {
	mkdir -p "$1/proc"
	env -i HOME=/root TERM=linux SHELL=/bin/sh \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		unshare -m sh -c 'mount -t proc proc "$1/proc" &&
			exec chroot "$@"' - "$@"
}

can_chroot() {
	is_root || { skip "chroot needs root"; return 1; }
	unshare -m true 2>/dev/null || { skip "unshare -m is not permitted here"; return 1; }
	return 0
}

# The programs of the issue's list that this host has, as paths.
programs() {
	for p in ls /usr/bin/python3 gdb getent iconv top; do
		command -v "$p" || return 1
	done
}

PCANCEL='#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *run(void *a) { (void)a; for (;;) pause(); return NULL; }
int main(void)
{
	pthread_t t;
	void *res;

	pthread_create(&t, NULL, run, NULL);
	pthread_cancel(t);
	pthread_join(t, &res);
	printf("cancelled %d\n", res == PTHREAD_CANCELED);
	return 0;
}'

oneTimeSetUp() {
	OK=
	can_chroot || return 0
	progs=$(programs) || return 0
	command -v cc >/dev/null || return 0
	# The program lives in the test cache, outside /tmp: the guest's
	# init mounts a tmpfs there, which would hide it.
	cache=${TINYRD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyrd-tests}
	mkdir -p "$cache" || return 0
	printf '%s\n' "$PCANCEL" >"$SHUNIT_TMPDIR/pc.c"
	PC=$cache/pcancel-$(sha256sum <"$SHUNIT_TMPDIR/pc.c" | cut -c1-16)
	[ -x "$PC" ] || cc -o "$PC" "$SHUNIT_TMPDIR/pc.c" -lpthread || return 0
	# shellcheck disable=SC2086
	"$TINYRD" build -o "$SHUNIT_TMPDIR/with.img" $progs "$PC" || return 0
	# shellcheck disable=SC2086
	"$TINYRD" build --no-runtime -o "$SHUNIT_TMPDIR/without.img" $progs || return 0
	"$TINYRD" build -o "$SHUNIT_TMPDIR/pc.img" "$PC" || return 0
	"$TINYRD" build --no-runtime -o "$SHUNIT_TMPDIR/pc0.img" "$PC" || return 0
	unpack_image "$SHUNIT_TMPDIR/with.img" "$SHUNIT_TMPDIR/with"
	unpack_image "$SHUNIT_TMPDIR/without.img" "$SHUNIT_TMPDIR/without"
	unpack_image "$SHUNIT_TMPDIR/pc.img" "$SHUNIT_TMPDIR/pc"
	unpack_image "$SHUNIT_TMPDIR/pc0.img" "$SHUNIT_TMPDIR/pc0"
	OK=1
}

ready() {
	[ -n "$OK" ] && return 0
	can_chroot || return 1
	programs >/dev/null || { skip "one of ls python3 gdb getent iconv top is not installed"; return 1; }
	command -v cc >/dev/null || { skip "no C compiler for the pthread_cancel program"; return 1; }
	fail "the images could not be built"
	return 1
}

# The check: its output on the image with the table, and that it does not
# give the same without.
check() {
	want=$1
	shift
	got=$(in_root "$SHUNIT_TMPDIR/with" "$@" 2>&1)
	assertEquals "with the table: $*" "$want" "$got"
	got=$(in_root "$SHUNIT_TMPDIR/without" "$@" 2>&1)
	assertNotEquals "without the table: $*" "$want" "$got"
}

test_ls_is_coreutils() {
	ready || return
	got=$(in_root "$SHUNIT_TMPDIR/with" /bin/sh -c 'ls --version' 2>&1)
	assertContains "$got" "GNU coreutils"
}

test_gdb_python() {
	ready || return
	check "1" gdb --batch -ex 'python print(1)'
}

test_python_imports() {
	ready || return
	check "imported" python3 -c 'import json, ssl, sqlite3; print("imported")'
}

test_getent_nss() {
	ready || return
	got=$(in_root "$SHUNIT_TMPDIR/with" getent passwd root 2>&1)
	assertEquals "root:x:0:0:root:/root:/bin/sh" "$got"
}

test_iconv() {
	ready || return
	got=$(in_root "$SHUNIT_TMPDIR/with" /bin/sh -c \
		"printf 'caf\\351\\n' | iconv -f latin1 -t utf-8" 2>&1)
	assertEquals "café" "$got"
	# A charset of a gconv module, not built into glibc: EBCDIC.
	check " 211 202 224" /bin/sh -c 'printf ibm | iconv -t IBM037 | od -An -to1'
}

test_pthread_cancel() {
	ready || return
	got=$(in_root "$SHUNIT_TMPDIR/pc" "$PC" 2>&1)
	assertEquals "cancelled 1" "$got"
	got=$(in_root "$SHUNIT_TMPDIR/pc0" "$PC" 2>&1)
	assertContains "without libgcc_s: $got" "$got" "libgcc_s"
}

test_top_terminfo() {
	ready || return
	check "top - " /bin/sh -c 'top -b -n 1 | head -c 6'
}

# The same programs booted for real behave as in the chroot: one boot of
# Debian's kernel under QEMU, the same checks, the same output.
CHECKS='echo "ls: $(sh -c "ls --version" | head -n 1)"
echo "gdb: $(gdb --batch -ex "python print(1)")"
echo "python: $(python3 -c "import json, ssl, sqlite3; print(1)")"
echo "getent: $(getent passwd root)"
echo "iconv: $(printf "caf\351" | iconv -f latin1 -t utf-8)"
echo "gconv: $(printf ibm | iconv -t IBM037 | od -An -to1)"
echo "top: $(top -b -n 1 | head -c 5)"
echo "cancel: $($PCANCEL)"'

test_booted_like_chroot() {
	ready || return
	K=${TINYRD_KERNEL_DIR-}
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return; }
	export XDG_CACHE_HOME=$T/cache
	printf 'PCANCEL=%s\n%s\n' "$PC" "$CHECKS" >checks.sh
	want=$(in_root "$SHUNIT_TMPDIR/with" /bin/sh -c "$(cat checks.sh)" 2>&1)
	assertContains "$want" "gdb: 1"
	# shellcheck disable=SC2046
	run timeout 900 "$TINYRD" run -k "$K/vmlinuz" --accel tcg -m 1536 -z zstd \
		--copy checks.sh:/checks.sh $(programs) "$PC" \
		-- sh /checks.sh
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "$want" "$(cat "$T/out")"
}

# -v names each added file's reason: the rule and where it is written.
test_verbose_reasons() {
	py=$(realpath /usr/bin/python3 2>/dev/null) || { skip "python3 is not installed"; return; }
	run tinyrd build -v --print "$py"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	ver=${py##*/python}
	line=$(grep "^tree /usr/lib/python$ver " "$T/err")
	assertContains "$line" "(runtime path */bin/python3.% of python$ver, runtime.recipe:"
	grep -q "^file /usr/lib/python$ver/json/__init__.py " "$T/out" || fail "json is not in the image"
	if grep -q "^file /usr/lib/python$ver/test/" "$T/out"; then
		fail "Python's own tests are in the image"
	fi
}

# A user's recipe extends the table; a bad rule is one error naming its
# line, and nothing is written.
test_recipe_rules() {
	printf 'runtime path */bin/true file /etc/hostname\nbin true\n' >r.recipe
	run tinyrd build --bare --print -f ./r.recipe
	assertEquals "$(cat "$T/err")" 0 "$rc"
	grep -q "^file /etc/hostname " "$T/out" || fail "the user's rule added nothing"
	printf 'runtime path */bin/true frob x\n' >bad.recipe
	run tinyrd build --bare -o img -f ./bad.recipe
	assertEquals 1 "$rc"
	assert_one_error "bad.recipe:1: runtime: frob is not lib, file, tree"
	assert_nothing_written img
	# A tinyrd without its templates (a binary copied alone) builds on
	# without the table, when nothing else needs a template.
	TINYRD_TEMPLATES=$T/none run tinyrd build --bare --print /bin/true
	assertEquals "$(cat "$T/err")" 0 "$rc"
	printf 'runtime when x lib y\n' >bad.recipe
	run tinyrd build --bare -o img -f ./bad.recipe
	assertEquals 1 "$rc"
	assert_one_error "runtime when: not path, lib or sym"
}

# The image's own /etc/nsswitch.conf decides which NSS modules come in.
test_nsswitch() {
	lib=$(ldconfig -p | awk '$1 == "libnss_files.so.2" { print $NF; exit }')
	[ -n "$lib" ] || { skip "this host has no libnss_files.so.2"; return; }
	printf 'text /etc/nsswitch.conf 0644 0 0 passwd: files [NOTFOUND=return]\\n\nbin getent\n' >n.recipe
	run tinyrd build --bare -v --print -f ./n.recipe
	assertEquals "$(cat "$T/err")" 0 "$rc"
	grep -q "^lib .*libnss_files.so.2 (runtime lib libc.so.6" "$T/err" ||
		fail "libnss_files.so.2 not added for nsswitch.conf: $(grep nss "$T/err")"
	if grep -q 'libnss_\[' "$T/err"; then
		fail "an action was taken for a service"
	fi
}

# Scripts as programs: the interpreter, and what it needs to run them.
test_scripts() {
	can_chroot || return
	command -v perl >/dev/null || { skip "perl is not installed"; return; }
	printf '#!/usr/bin/python3\nimport json, decimal\nprint(json.dumps(str(decimal.Decimal(1) / 4)))\n' >s.py
	printf '#!/usr/bin/perl\nuse strict;\nuse warnings;\nuse POSIX qw(floor);\nuse File::Basename;\nprint floor(2.5), basename("/a/b"), "\\n";\n' >s.pl
	chmod +x s.py s.pl
	run tinyrd build --bare -o img ./s.py ./s.pl
	assertEquals "$(cat "$T/err")" 0 "$rc"
	unpack_image img root
	assertEquals '"0.25"' "$(in_root root "$T/s.py" 2>&1)"
	assertEquals "2b" "$(in_root root "$T/s.pl" 2>&1)"
}

run_shunit2
