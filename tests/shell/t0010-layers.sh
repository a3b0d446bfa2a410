#!/bin/bash
# The boundaries of src/LAYERS hold (tests/layers.sh): every #include and
# every call between objects goes where its layer may go, and no circle
# runs among src/ files; an injected back arrow, a folder in no layer and
# a circle of calls are each caught; HACKING.md pictures the same layers.
. "$(dirname "$0")/lib.sh"

layers() { bash "$SRC/tests/layers.sh" "$@"; }

test_includes_hold() {
	run layers includes "$SRC"
	assertEquals "$(cat "$T/out")" 0 "$rc"
	assertEquals "" "$(cat "$T/out")"
}

# The objects tinyrd is linked from (make puts them in the build
# directory, TINYRD_BUILD).
test_calls_hold() {
	[ -f "$TINYRD_BUILD/src/main.o" ] || { fail "no objects in $TINYRD_BUILD (make tests)"; return; }
	run layers calls "$SRC" "$TINYRD_BUILD"
	assertEquals "$(cat "$T/out")" 0 "$rc"
	assertEquals "" "$(cat "$T/out")"
}

# A copy of the sources with a back arrow (the VMM including run's
# header) and a folder that no layer names.
test_back_arrow_caught() {
	mkdir tree
	cp -r "$SRC/src" "$SRC/init" tree/
	echo '#include "../run/run.h"' >>tree/src/vmm/kvm.c
	line=$(wc -l <tree/src/vmm/kvm.c)
	mkdir tree/src/extra
	echo '#include "../common/util.h"' >tree/src/extra/x.c
	run layers includes tree
	assertEquals 1 "$rc"
	assertContains "$(cat "$T/out")" \
		"src/vmm/kvm.c:$line: includes src/run/run.h: src/vmm may not use src/run (src/LAYERS)"
	assertContains "$(cat "$T/out")" "src/extra/x.c: in no entry of src/LAYERS"
	assertEquals 2 "$(wc -l <"$T/out")"
}

# Three files that call round (a -> b -> c -> a), one that calls into
# them from outside the circle, and a call against the layers (c -> h).
test_circle_caught() {
	mkdir -p cy/src/low cy/src/high
	printf 'void b(void);\nvoid a(void) { b(); }\n' >cy/src/low/a.c
	printf 'void c(void);\nvoid b(void) { c(); }\n' >cy/src/low/b.c
	printf 'void a(void);\nvoid h(void);\nvoid c(void) { a(); h(); }\n' >cy/src/low/c.c
	printf 'void h(void) { }\n' >cy/src/high/h.c
	printf 'void a(void);\nvoid e(void) { a(); }\n' >cy/src/high/e.c
	printf 'src/low\nsrc/high src/low\n' >cy/src/LAYERS
	for f in low/a low/b low/c high/h high/e; do
		cc -c -o "cy/src/$f.o" "cy/src/$f.c" || { fail "cc $f"; return; }
	done
	run layers calls cy cy
	assertEquals 1 "$rc"
	assertContains "$(cat "$T/out")" "src/low/c: calls src/high/h (h): src/low may not use src/high (src/LAYERS)"
	grep -q '^circle: src/low/a -> src/low/b -> src/low/c -> src/low/a (src/low/c calls a)$' "$T/out" ||
		fail "no circle: $(cat "$T/out")"
	grep '^circle:' "$T/out" | grep -q 'src/high/e ->' && fail "e is not in the circle: $(cat "$T/out")"
	return 0
}

# The VMM core reaches the arch only through arch.h's table: a core file
# that includes an arch header is a back arrow.
test_core_names_no_arch() {
	mkdir tree
	cp -r "$SRC/src" "$SRC/init" tree/
	echo '#include "x86/layout.h"' >>tree/src/vmm/launcher.c
	line=$(wc -l <tree/src/vmm/launcher.c)
	run layers includes tree
	assertEquals 1 "$rc"
	assertEquals "src/vmm/launcher.c:$line: includes src/vmm/x86/layout.h: src/vmm may not use src/vmm/x86 (src/LAYERS)" \
		"$(cat "$T/out")"
}

# KVM ioctls are issued by kvm.c and the arch folders (those that define
# a vm_arch_native), nowhere else.
test_kvm_ioctls_in_kvm_c_and_arch() {
	arches=$(cd "$SRC" && grep -l 'vm_arch_native =' src/vmm/*/*.c |
		 xargs -r -n1 dirname | sort -u)
	assertNotNull "no arch folder defines vm_arch_native" "$arches"
	(cd "$SRC" && grep -rln 'ioctl(' src) >ioctls
	for a in $arches; do
		grep -v "^$a/" ioctls >rest
		mv rest ioctls
	done
	assertEquals "src/vmm/kvm.c" "$(cat ioctls)"
}

# A library's header is included by the one file that speaks to it
# (STYLE.md: only elfread.c reads ELF through libelf, only moddeps.c
# includes libkmod; only confine.c includes libseccomp): FILE HEADER...
# per line.
LIBS='src/vmm/confine.c seccomp.h
src/image/elfread.c libelf.h gelf.h
src/image/moddeps.c libkmod.h
src/vmm/arm64/fdt.c libfdt.h'

# Each #include of a listed header outside its file, in the tree at $1.
lib_includes() {
	echo "$LIBS" | while read -r file headers; do
		for h in $headers; do
			(cd "$1" && grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$h>" src init) |
				grep -vx "$file" | sed "s|\$| includes <$h>: only $file may|"
		done
	done
}

test_libraries_in_one_file() {
	assertEquals "" "$(lib_includes "$SRC")"
	# Caught: libseccomp reached from the launcher itself.
	mkdir tree
	cp -r "$SRC/src" "$SRC/init" tree/
	echo '#include <seccomp.h>' >>tree/src/vmm/launcher.c
	assertEquals "src/vmm/launcher.c includes <seccomp.h>: only src/vmm/confine.c may" \
		"$(lib_includes tree)"
}

# HACKING.md's picture of the layers names every entry of src/LAYERS and
# every folder of src/, and no folder that is not there.
test_hacking_matches() {
	sed -n '/^## The layers/,/^## /p' "$SRC/HACKING.md" |
		sed -n '/^```$/,/^```$/p' | awk '/^[a-z]/ { print $1 }' | sed 's|/$||' | sort >pictured
	{ sed 's/#.*//' "$SRC/src/LAYERS" | awk 'NF { print $1 }'
	  cd "$SRC" && find src -mindepth 1 -maxdepth 1 -type d; } | sort -u >tree
	assertEquals "HACKING.md against src/LAYERS and src/" "$(cat tree)" "$(cat pictured)"
}

test_usage() {
	run layers
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "usage: layers.sh"
}

run_shunit2
