#!/bin/bash
# -f RECIPE from the command line: files, templates by name, includes,
# the resolving verbs, and the kernel's own default list.
. "$(dirname "$0")/lib.sh"

test_kernel_default_list() {
	cat >default_cpio_list <<'LIST'
# This is a very simple, default initramfs

dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /root 0700 0 0
# file /kinit usr/kinit/kinit 0755 0 0
# slink /init kinit 0755 0 0
LIST
	run tinyrd build -f ./default_cpio_list -z none --no-init -o img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "$(printf 'dev\ndev/console\nroot')" "$(cpio -it --quiet <img)"
	# Without --no-init, tinyrd-init is the /init of every image.
	tinyrd build -f ./default_cpio_list -z none -o img2
	assertEquals "$(printf 'dev\ndev/console\ninit\nroot')" "$(cpio -it --quiet <img2)"
}

test_resolving_verbs() {
	bb=$(command -v busybox) || { skip "busybox is not installed"; return; }
	mkdir inc
	printf 'dir /from-include 0755 0 0\n' >inc/part.recipe
	cat >r.recipe <<EOF2
include inc/part.recipe
bin bash
copy $INIT /init
run echo recipe
env R=1
busybox $bb
EOF2
	run tinyrd build -f ./r.recipe --print
	assertEquals "$(cat "$T/err")" 0 "$rc"
	grep -qx "dir /from-include 0755 0 0" "$T/out" || fail include
	grep -q "^file $(realpath "$(command -v bash)") " "$T/out" || fail bin
	grep -qx "file /init $INIT 0755 0 0" "$T/out" || fail copy
	grep -qx 'text /etc/tinyrd/argv 0644 0 0 /bin/sh\\0-c\\0echo recipe\\0' "$T/out" || fail run
	grep -qx 'text /etc/tinyrd/env 0644 0 0 R=1\\0' "$T/out" || fail env
	grep -q "^file $(realpath "$bb") " "$T/out" || fail busybox
	# The command line overrides the recipe's command.
	tinyrd build -f ./r.recipe --print --run 'echo cli' | grep -q 'echo cli' || fail "--run wins"
}

# The kmod verb on the fixture tree: the module, its dependency before
# it, and its parameters in the init's configuration.
test_kmod_verb() {
	KV=9.9.9-test
	M=/lib/modules/$KV/kernel/fixture
	"$FIX/modtree.sh" "$T/tree" $KV >/dev/null 2>&1 ||
		{ skip "cannot build the fixture modules tree"; return; }
	printf 'kmod fixb opt=1 s=x\n' >k.recipe
	run tinyrd build --bare --print -f ./k.recipe --moddir "$T/tree" --kver $KV
	assertEquals "$(cat "$T/err")" 0 "$rc"
	for m in fixb fixe; do
		grep -qx "file $M/$m.ko $T/tree$M/$m.ko 0644 0 0" "$T/out" || fail "$m.ko"
	done
	grep -q "fixa\|fixc\|fixd" "$T/out" && fail "modules fixb does not need"
	grep -qxF "text /etc/tinyrd/modules 0644 0 0 fixe $M/fixe.ko\nfixb $M/fixb.ko opt=1 s=x\n" \
		"$T/out" || fail "load order and parameters: $(grep modules "$T/out")"
}

test_templates_by_name() {
	K=${TINYRD_KERNEL_DIR-}
	command -v busybox >/dev/null || { skip "busybox is not installed"; return; }
	for t in "$SRC"/templates/*.recipe; do
		name=$(basename "$t" .recipe)
		# The table of run-time needs is rules, not an image.
		[ "$name" = runtime ] && continue
		if grep -q '^kmod' "$t"; then
			[ -n "$K" ] || continue
			set -- --moddir "$K" --kver "$(cat "$K/kver")"
		else
			set --
		fi
		run tinyrd build -f "$name" --print "$@"
		assertEquals "template $name: $(cat "$T/err")" 0 "$rc"
		grep -q "^file $(realpath "$(command -v busybox)") " "$T/out" ||
			fail "$name does not include base"
	done
	[ -n "$K" ] || { skip "no Debian kernel for the module templates"; return; }
}

# Applets never replace what something else put at their path.
test_applets_are_weak() {
	command -v busybox >/dev/null || { skip "busybox is not installed"; return; }
	[ -L /bin ] || { skip "this host has no merged /usr"; return; }
	printf 'file /bin/ls /etc/hostname 0755 0 0\nbusybox\nslink /usr/bin/wc /x 0777 0 0\n' >r.recipe
	tinyrd build -f ./r.recipe --print >m
	grep -qx "file /usr/bin/ls /etc/hostname 0755 0 0" m || fail "explicit file before busybox"
	grep -qx "slink /usr/bin/wc /x 0777 0 0" m || fail "explicit link after busybox"
}

# --print output is itself a recipe for the same image.
test_print_is_a_recipe() {
	bb=$(command -v busybox) || { skip "busybox is not installed"; return; }
	tinyrd build --init "$INIT" strace --run 'strace -V' -o a.img
	tinyrd build --init "$INIT" strace --run 'strace -V' --print >all.recipe
	tinyrd build --bare -f ./all.recipe -o b.img
	cmp a.img b.img || fail "the printed recipe builds another image"
}

run_shunit2
