#!/bin/bash
# tinyrd inspect: segments, entries, configuration, and what is not an initrd.
. "$(dirname "$0")/lib.sh"

test_lists_entries_and_config() {
	printf 'dir /d 0750 1 2\nslink /l target 0777 0 0\nnod /c 0620 0 5 c 4 64\ntext /etc/tinyrd/modules 0644 0 0 m /lib/modules/x/m.ko a=1\\n\n' >r.recipe
	run tinyrd build -f ./r.recipe -o img -e K=V -- sh -c 'exit 3'
	assertEquals "$(cat "$T/err")" 0 "$rc"
	run tinyrd inspect img
	assertEquals 0 "$rc"
	out=$(cat "$T/out")
	assertContains "$out" "# segment 1 at offset 0: gzip"
	assertContains "$out" "drwxr-x--- 1/2          0 /d"
	assertContains "$out" "lrwxrwxrwx 0/0          6 /l -> target"
	assertContains "$out" "crw--w---- 0/5     4,  64 /c"
	assertContains "$out" "init: tinyrd-init (this version)"
	assertContains "$out" "modules (load order):
  m /lib/modules/x/m.ko a=1"
	assertContains "$out" "command: sh -c 'exit 3'"
	assertContains "$out" "environment: K=V"
	run tinyrd inspect --config img
	assertEquals 0 "$rc"
	assertNotContains "$(cat "$T/out")" "/d"
	tinyrd build -f ./r.recipe --no-init -o none.img 2>/dev/null
	assertContains "$(tinyrd inspect --config none.img)" "init: none"
}

# --json: the same as one object (entries with their segment, segments,
# init, configuration), names escaped as JSON; with -c no entries; a
# broken image prints no half object.
test_json() {
	printf 'dir /d 0750 1 2\nslink /l tar"get 0777 0 0\nnod /c 0620 0 5 c 4 64\ntext /etc/tinyrd/modules 0644 0 0 m /m.ko a=1\\n\n' >r.recipe
	tinyrd build --bare --no-init -z none -f ./r.recipe -o img -e K=V -- sh -c 'exit 3' 2>/dev/null
	run tinyrd inspect --json img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	size=$(stat -c %s img)
	out=$(cat "$T/out")
	assertContains "$out" '{"image":"img","entries":[{"segment":1,"path":"/c","type":"char","mode":"0620","uid":0,"gid":5,"major":4,"minor":64},{"segment":1,"path":"/d","type":"dir","mode":"0750","uid":1,"gid":2,"size":0},'
	assertContains "$out" '{"segment":1,"path":"/l","type":"symlink","mode":"0777","uid":0,"gid":0,"size":7,"target":"tar\"get"}]'
	assertContains "$(cat "$T/out")" "],\"segments\":[{\"offset\":0,\"compression\":\"none\","
	assertContains "$(cat "$T/out")" ",\"stored\":$size}],\"init\":null,\"modules\":[\"m /m.ko a=1\"],\"command\":[\"sh\",\"-c\",\"exit 3\"],\"environment\":[\"K=V\"]}"
	assertEquals 1 "$(wc -l <"$T/out")"
	run tinyrd inspect -c --json img
	assertContains "$(cat "$T/out")" '{"image":"img","entries":[],"segments":[{'
	head -c 300 img >cut.img
	run tinyrd inspect --json cut.img
	assertEquals 1 "$rc"
	assertEquals "" "$(cat "$T/out")"
}

# An uncompressed early cpio in front of a compressed one, as Debian's
# initrds are made (microcode first), and a per-run segment behind.
test_segments() {
	printf 'dir /kernel 0755 0 0\ntext /kernel/early 0644 0 0 x\n' >early.recipe
	tinyrd build -f ./early.recipe -z none -o early.img
	tinyrd build --bare --copy "$INIT":/init -o main.img
	printf 'text /etc/tinyrd/argv 0644 0 0 true\\0\n' >late.recipe
	tinyrd build -f ./late.recipe -z none -o late.img
	cat early.img main.img >two.img
	run tinyrd inspect two.img
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/out")" "# segment 1 at offset 0: none"
	assertContains "$(cat "$T/out")" "# segment 2 at offset $(stat -c %s early.img): gzip"
	assertContains "$(cat "$T/out")" "/kernel/early"
	assertContains "$(cat "$T/out")" "init: script"
	# The kernel skips zero padding between segments.
	{ cat early.img; head -c 512 /dev/zero; cat late.img; } >padded.img
	run tinyrd inspect --config padded.img
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/out")" "command: true"
}

# Every compressed segment is listed, each where it ends, and names from
# the image cannot forge lines.
test_concatenated_compressed() {
	for z in gzip xz zstd; do
		printf 'text /%s 0644 0 0 x\n' $z >$z.recipe
		tinyrd build --no-init -f ./$z.recipe -z $z -o $z.img
	done
	printf 'text /etc/tinyrd/argv 0644 0 0 last\\0\ntext /a\\nb 0644 0 0 y\n' >n.recipe
	run tinyrd build --no-init -f ./n.recipe -o n.img
	assertEquals "names with a newline are refused" 1 "$rc"
	printf 'text /etc/tinyrd/argv 0644 0 0 last\\0\ntext /a\\x1bb 0644 0 0 y\n' >n.recipe
	tinyrd build --no-init -f ./n.recipe -o n.img
	cat gzip.img xz.img zstd.img gzip.img n.img >all.img
	run tinyrd inspect all.img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals 5 "$(grep -c '^# segment' "$T/out")"
	assertContains "$(cat "$T/out")" "# segment 3 at offset $(($(stat -c %s gzip.img) + $(stat -c %s xz.img))): zstd"
	assertContains "$(cat "$T/out")" "/a\\x1bb"
	assertContains "$(cat "$T/out")" "command: last"
	# An empty modules file is a configuration with no modules.
	printf 'text /etc/tinyrd/modules 0644 0 0\n' >e.recipe
	tinyrd build --no-init -f ./e.recipe -z none -o e.img
	run tinyrd inspect e.img
	assertEquals 0 "$rc"
}

# --commands: the executable names along PATH, symlinks followed inside
# the image, the first directory winning; a later segment's PATH counts;
# a /bin/sh that is no busybox runs no applet; JSON has the same.
test_commands() {
	cat >r.recipe <<-'EOF'
	dir /usr/bin 0755 0 0
	slink /bin usr/bin 0777 0 0
	slink /sbin usr/bin 0777 0 0
	text /usr/bin/tool 0755 0 0 #!/bin/sh\n
	text /usr/bin/data 0644 0 0 not run
	text /usr/bin/sh 0755 0 0 #!/bin/dash\n
	slink /usr/bin/alias ../local/bin/tool 0777 0 0
	text /usr/local/bin/tool 0755 0 0 #!/bin/sh\n
	slink /usr/local/bin/dangling /nonexistent 0777 0 0
	EOF
	tinyrd build --bare --no-init -f ./r.recipe -z none -o img 2>/dev/null
	run tinyrd inspect --commands img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertEquals "# PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
alias  /usr/local/bin/tool
sh     /usr/bin/sh
tool   /usr/local/bin/tool" "$(cat "$T/out")"
	printf 'text /etc/tinyrd/env 0644 0 0 PATH=/bin\\0\n' >env.recipe
	tinyrd build --bare --no-init -f ./env.recipe -z none -o env.img 2>/dev/null
	cat img env.img >two.img
	run tinyrd inspect --commands two.img
	assertEquals "# PATH=/bin
alias  /usr/local/bin/tool
sh     /usr/bin/sh
tool   /usr/bin/tool" "$(cat "$T/out")"
	run tinyrd inspect --json --commands -c two.img
	assertContains "$(cat "$T/out")" ',"commands":{"path":"/bin","names":[{"name":"alias","file":"/usr/local/bin/tool","kind":"program"},{"name":"sh","file":"/usr/bin/sh","kind":"program"},{"name":"tool","file":"/usr/bin/tool","kind":"program"}]}}'
	run tinyrd inspect --json two.img
	assertNotContains "$(cat "$T/out")" '"commands"'
}

# With busybox as /bin/sh its applets are the shell's own.
test_commands_busybox_shell() {
	command -v busybox >/dev/null || { skip "busybox is not installed"; return; }
	run tinyrd build -o img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	run tinyrd inspect --commands img
	assertEquals 0 "$rc"
	sh=$(awk '$1 == "sh" { print $NF }' "$T/out")
	assertEquals "the file /bin/sh is" busybox "${sh##*/}"
	for a in cat ls sh '\['; do
		grep -q "^$a *applet of $sh\$" "$T/out" || fail "$a: $(grep "^$a " "$T/out")"
	done
	assertEquals "$(busybox --list | sort -u | wc -l)" "$(grep -c " applet of $sh\$" "$T/out")"
}

test_rejects_non_initrds() {
	echo "just text" >text
	run tinyrd inspect text
	assertEquals 1 "$rc"
	assert_one_error "text: not a cpio initrd"
	: >empty
	run tinyrd inspect empty
	assertEquals 1 "$rc"
	assert_one_error "empty: not a cpio initrd"
	echo "gzip but no cpio" | gzip >notcpio.gz
	run tinyrd inspect notcpio.gz
	assertEquals 1 "$rc"
	assert_one_error "notcpio.gz: not a cpio initrd"
	tinyrd build --bare -z none --copy "$INIT":/init -o full.img
	head -c 200 full.img >cut.img
	run tinyrd inspect cut.img
	assertEquals 1 "$rc"
	assert_one_error "cut.img: corrupt or truncated cpio archive at offset 0"
	tinyrd build --bare -o big.img
	head -c 5000 big.img >cutgz.img
	run tinyrd inspect cutgz.img
	assertEquals 1 "$rc"
	assert_one_error "cutgz.img: corrupt or truncated gzip data at offset 0"
	run tinyrd inspect /nonexistent.img
	assertEquals 1 "$rc"
	assert_one_error "/nonexistent.img: No such file or directory"
}

run_shunit2
