#!/bin/bash
# tinyrd build with no programs: the busybox image, deterministic output,
# every compression, where the image goes.
. "$(dirname "$0")/lib.sh"

oneTimeSetUp() {
	BUSYBOX=$(command -v busybox)
}

test_default_image() {
	[ -n "$BUSYBOX" ] || { skip "busybox is not installed"; return; }
	run tinyrd build --init "$INIT" -o img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	list_image img >paths
	for p in /dev /dev/console /dev/null /proc /sys /tmp /run /root /etc \
	    /etc/passwd /etc/group /etc/hosts /init; do
		grep -qx "$p" paths || fail "$p missing"
	done
	tinyrd inspect img >listing
	grep -q '^crw------- 0/0     5,   1 /dev/console$' listing || fail "console node"
	grep -q '^drwxrwxrwt 0/0 .* /tmp$' listing || fail "/tmp mode"
	# busybox at its host path, every applet linked to it.
	real=$(readlink -f "$BUSYBOX")
	grep -qx "$real" paths || fail "busybox at $real"
	$BUSYBOX --list-full >applets
	missing=0
	while read -r a; do
		# An applet path may sit behind a merged-/usr link (/bin -> usr/bin).
		phys=$(readlink -f "$(dirname "/$a")" 2>/dev/null || echo "/$(dirname "$a")")
		grep -qxF "$phys/$(basename "$a")" paths || grep -qxF "/$a" paths ||
			{ missing=$((missing + 1)); echo "applet $a"; }
	done <applets
	assertEquals "applets missing" 0 "$missing"
	unpack_image img root
	assertEquals "$(cat "$INIT")" "$(cat root/init)"
	assertContains "$(cat root/etc/passwd)" "root:x:0:0:root:/root:/bin/sh"
}

# A dynamic busybox comes with its loader and libraries. The stand-in
# keeps its applets as busybox does (a sorted run of names and a table of
# their directories, 4 bits each; tinyrd reads both from the file), lists
# them as busybox --list-full does, and, run as one of them, says which.
test_dynamic_busybox() {
	command -v cc >/dev/null || { skip "no C compiler"; return; }
	{
		names="a00 a01 a02 a03 a04 a05 a06 a07 a08 a09 a10 a11 a12 a13 a14
			a15 a16 a17 a18 a19 a20 a21 a22 a23 a24 a25 a26 a27 a28 a29
			a30 a31 a32 ls sh tinyrd-applet"
		echo '#include <stdio.h>'
		echo '#include <string.h>'
		echo '#include <libgen.h>'
		printf 'static const char names[] = "'
		for n in $names; do printf '%s\\0' "$n"; done
		echo '";'
		# 1: bin, 3: usr/bin (tinyrd-applet, the last); two a byte.
		printf 'static const unsigned char loc[] = { '
		i=0
		for n in $names; do
			[ "$n" = tinyrd-applet ] && c=3 || c=1
			if [ $((i % 2)) = 0 ]; then lo=$c; else printf '0x%x, ' $((c << 4 | lo)); fi
			i=$((i + 1))
		done
		[ $((i % 2)) = 1 ] && printf '0x%x, ' "$lo"
		echo '};'
		cat <<'EOF2'
static const char *const dirs[] = { "", "bin/", "sbin/", "usr/bin/", "usr/sbin/" };
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--list-full")) {
		const char *p = names;
		for (unsigned i = 0; *p; i++, p += strlen(p) + 1)
			printf("%s%s\n", dirs[(loc[i / 2] >> (i % 2 * 4)) & 15], p);
		return 0;
	}
	printf("applet %s\n", basename(argv[0]));
	return 0;
}
EOF2
	} >bb.c
	cc -o bb bb.c || { fail "cc"; return; }
	run tinyrd build --print --busybox ./bb --init "$INIT"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	{ echo "$T/bb"; LD_TRACE_LOADED_OBJECTS=1 ./bb | grep -o '/[^ ]*'; } |
		xargs realpath | sort -u >loaded
	[ "$(wc -l <loaded)" -ge 3 ] || fail "bb is not dynamic: $(cat loaded)"
	while read -r f; do
		grep -q "^file $f " "$T/out" || fail "$f is not in the image"
	done <loaded
	for a in bin/sh bin/ls usr/bin/tinyrd-applet; do
		phys=$(readlink -f "/$(dirname "$a")")/$(basename "$a")
		grep -qx "slink $phys $T/bb 0777 0 0" "$T/out" || fail "applet $a"
	done
	is_root || { skip "chroot needs root"; return; }
	tinyrd build --busybox ./bb --init "$INIT" -o img
	unpack_image img root
	assertEquals "applet ls" "$(chroot root /bin/ls)"
}

# Same inputs, same bytes: other directory, other time, other order of
# options, file timestamps changed.
test_deterministic() {
	cp "$INIT" init.sh
	run tinyrd build --init init.sh -o a.img
	assertEquals 0 "$rc"
	sleep 1
	touch init.sh
	mkdir other
	(cd other && tinyrd build -o ../b.img --init ../init.sh)
	cmp a.img b.img || fail "builds differ"
	# SOURCE_DATE_EPOCH sets every mtime; without it they are 0.
	SOURCE_DATE_EPOCH=1700000000 tinyrd build --bare -z none --copy init.sh:/x -o c.img
	assertEquals "6553f100" "$(dd if=c.img bs=1 skip=46 count=8 2>/dev/null | tr A-F a-f)"
	tinyrd build --bare -z none --copy init.sh:/x -o d.img
	assertEquals "00000000" "$(dd if=d.img bs=1 skip=46 count=8 2>/dev/null)"
	SOURCE_DATE_EPOCH=yesterday run tinyrd build --bare -o e.img
	assertEquals 1 "$rc"
	assert_one_error "SOURCE_DATE_EPOCH=yesterday"
	assert_absent e.img
}

test_compressions() {
	for alg in none gzip xz zstd lz4; do
		run tinyrd build --init "$INIT" -z $alg -o $alg.img
		assertEquals "$alg" 0 "$rc"
		magic=$(od -An -tx1 -N4 $alg.img | tr -d ' ')
		case $alg in
		none) expect=30373037 ;;
		gzip) expect=1f8b08 ;;
		xz) expect=fd377a58 ;;
		zstd) expect=28b52ffd ;;
		lz4) expect=02214c18 ;;	# the legacy format the kernel reads
		esac
		assertEquals "$alg magic" "$expect" "${magic:0:${#expect}}"
		case $alg in
		none) dec=cat ;;
		gzip) dec="gzip -dc" ;;
		xz) dec="xz -dc" ;;
		zstd) dec="zstd -qdc" ;;
		lz4) dec="lz4 -qdc" ;;
		esac
		$dec $alg.img | cpio -it --quiet >names || fail "$alg: standard tools cannot read it"
		grep -qx init names || fail "$alg: no init"
		tinyrd inspect $alg.img | head -n 1 >seg
		assertEquals "# segment 1 at offset 0: $alg" "$(cat seg)"
	done
	# The kernel's xz decoder needs CRC32 checks.
	xz -lvv xz.img | grep -q 'Check: *CRC32' || fail "xz check type"
	# Levels change the bytes, not the contents; gzip's default is 1.
	tinyrd build --init "$INIT" -z gzip --level 9 -o g9.img
	if cmp -s g9.img gzip.img; then fail "--level had no effect"; fi
	assertTrue "level 9 is smaller" "[ $(stat -c %s g9.img) -lt $(stat -c %s gzip.img) ]"
	assertEquals "$(gzip -dc gzip.img | md5sum)" "$(gzip -dc g9.img | md5sum)"
}

test_output_places() {
	run tinyrd build --bare --copy "$INIT":/init
	assertEquals 0 "$rc"
	[ -f initrd.img ] || fail "default output initrd.img"
	tinyrd build --bare --copy "$INIT":/init -o - | gzip -dc | cpio -it --quiet >names
	assertEquals "init" "$(cat names)"
	run tinyrd build --bare --copy "$INIT":/init --print
	assertEquals 0 "$rc"
	assertEquals "file /init $INIT 0755 0 0" "$(cat "$T/out")"
	assertEquals 1 "$(ls | grep -c img)"
}

# -o - writes where stdout is, after what is there: an early segment
# before it in the same file stays (it used to be written over from the
# file's start: /dev/stdout opened afresh).
test_output_stdout_appends() {
	{ printf 'early'; tinyrd build --bare -z none --copy "$INIT":/init -o -; } >both.img
	tinyrd build --bare -z none --copy "$INIT":/init -o alone.img
	assertEquals "early" "$(head -c 5 both.img)"
	assertEquals "$(($(stat -c %s alone.img) + 5))" "$(stat -c %s both.img)"
	tail -c +6 both.img | cmp -s - alone.img || fail "the image after the segment"
}

# --json says what was written: the file, its size and hash (as
# sha256sum has them), its entries, compression and time; not with
# --print or -o -.
test_json() {
	run tinyrd build --json -o x.img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	sum=$(sha256sum x.img | cut -d ' ' -f 1)
	assertContains "$(cat "$T/out")" "{\"output\":\"x.img\",\"bytes\":$(stat -c %s x.img),\"sha256\":\"$sum\",\"entries\":"
	assertContains "$(cat "$T/out")" ',"compression":"gzip","kernel_release":null,"ms":'
	run tinyrd build --json --print
	assertEquals 2 "$rc"
	assert_one_error "--json goes with an image file: not with --print"
}

# A build that takes more than a second shows its progress on a
# terminal, one line rewritten and wiped at the end; not otherwise.
test_progress_on_a_terminal() {
	command -v script >/dev/null || { skip "script (util-linux) is not installed"; return; }
	head -c 8000000 /dev/urandom >random
	script -qec "'$TINYRD' build --bare --copy '$INIT':/init --copy '$T/random' -z xz -o x.img" \
		/dev/null >tty.out
	tr '\r' '\n' <tty.out >lines
	grep -q "^tinyrd: compressing x.img: 7 MiB with xz" lines || fail "no progress: $(cat -v tty.out)"
	assertEquals "the line is wiped at the end" "$(printf '\033[K')" "$(tail -n 1 lines | tr -d '\n')"
	run tinyrd build --bare --copy "$INIT":/init --copy "$T/random" -z xz -o y.img
	assertEquals 0 "$rc"
	assertEquals "no terminal, no progress" "" "$(cat "$T/err")"
}

test_verbose() {
	[ -n "$BUSYBOX" ] || { skip "busybox is not installed"; return; }
	run tinyrd build -v --init "$INIT" -o v.img
	assertEquals 0 "$rc"
	assertEquals "" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "bin $BUSYBOX"
	assertContains "$(cat "$T/err")" "init $INIT"
}

run_shunit2
