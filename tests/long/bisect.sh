#!/bin/bash
# A real kernel bisection, end to end (make bisect-test): Debian's
# linux-source-6.1, unpacked once into the test cache as a git repository
# with one base commit, configured with `tinyrd kconfig` (tinyconfig and
# tinyrd's fragment) and built once; then, on a branch made again each run
# with fixed dates (the same hashes every time), four commits on the base:
#   harmless   a comment in the documentation
#   unbuilt    a syntax error in fs/proc/version.c (compiled: it fails)
#   fixed      that error undone (builds; the kernel is the base's)
#   broken     /proc/version no longer starts with "Linux version"
# and `git bisect run tinyrd run -k . --build --bisect -- CHECK` over them.
# With the base good and HEAD (broken) bad, git's first step is the middle,
# unbuilt, which tinyrd must skip (a failed build is 125); git must then
# name broken, whose parent built and was good. The check is first run on
# HEAD alone, to show it tells a broken kernel (bad) from a good one.
#
# The tree is never unpacked again (the checkout's mtimes make each later
# build incremental: fs/proc/version.o and the links).
#   ${TINYRD_TEST_CACHE:-${XDG_CACHE_HOME:-~/.cache}/tinyrd-tests}/linux-source-VERSION
# Prints TAP lines and "N passed, N failed, N skipped"; status 1 on a
# failure, 77 when it cannot run (no linux-source-6.1: src/deps.sh long).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
TINYRD=${TINYRD:-$top/tinyrd}
export TINYRD_TEMPLATES=$top/templates
cache=${TINYRD_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyrd-tests}
tarball=/usr/src/linux-source-6.1.tar.xz
CHECK='grep -q "^Linux version" /proc/version'
n=0 pass=0 failed=0 skipped=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
summary() {
	echo "$pass passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] || exit 1
	exit "${1:-0}"
}
secs() { echo $(($(date +%s) - $1)); }

if [ ! -r "$tarball" ]; then
	skip "bisect" "no $tarball (apt-get install linux-source-6.1, or sh src/deps.sh long)"
	summary 77
fi
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)
tree=$cache/linux-source-$ver
# The logs beside the tree: nothing untracked in it for git add -A.
logs=$tree.logs
mkdir -p "$cache" "$logs" || exit 1

# The repository, once: the tarball's tree as the base commit (add -f:
# Debian's .gitignore ignores the whole top level).
t0=$(date +%s)
if [ ! -e "$tree/.git/tinyrd-base" ]; then
	rm -rf "$tree"
	mkdir -p "$tree" && tar xJf "$tarball" -C "$tree" --strip-components=1 &&
		git -C "$tree" init -q && git -C "$tree" config user.email t@t &&
		git -C "$tree" config user.name tinyrd-test &&
		git -C "$tree" config gc.auto 0 &&
		git -C "$tree" add -A -f &&
		GIT_AUTHOR_DATE="1600000000 +0000" GIT_COMMITTER_DATE="1600000000 +0000" git -C "$tree" commit -qm base &&
		git -C "$tree" branch -M tinyrd-base &&
		touch "$tree/.git/tinyrd-base" || { not_ok "unpack $tarball into $tree"; summary; }
	echo "# unpacked into $tree in $(secs "$t0") s"
fi
cd "$tree" || exit 1
git bisect reset >/dev/null 2>&1
git checkout -q -f tinyrd-base && git branch -q -D tinyrd-bisect >/dev/null 2>&1

# The base, configured and built (incremental after the first run).
t0=$(date +%s)
if [ ! -e .config ]; then
	if "$TINYRD" kconfig; then ok "tinyrd kconfig"; else not_ok "tinyrd kconfig (status $?)"; fi
	echo "# tinyrd kconfig: $(secs "$t0") s"
fi
out=$("$TINYRD" run -v -k . --build --json "$logs/base.json" -- uname -r 2>"$logs/base.log")
st=$?
rel=$(cat include/config/kernel.release 2>/dev/null)
if [ "$st" = 0 ] && [ -n "$rel" ] && [ "$out" = "$rel" ]; then
	ok "the base builds and boots: uname -r says $out"
else
	not_ok "the base builds and boots (status $st, uname -r '$out', release '$rel'; $logs/base.log)"
	tail -n 20 "$logs/base.log" | sed 's/^/# /'
	summary
fi
echo "# base: $(grep '^times:' "$logs/base.log") ($(secs "$t0") s)"
if grep -q '^plan: kernel ./vmlinux' "$logs/base.log"; then
	ok "the tree's vmlinux is booted (PVH)"
else
	not_ok "the tree's vmlinux is booted (PVH): $(grep '^plan: kernel' "$logs/base.log")"
fi
if grep -q "\"kernel_release\":\"$rel\"" "$logs/base.json" &&
	grep -q '"ms":{"build":[0-9]*,"image":[0-9]*,"boot":[0-9]*,"command":[0-9]*' "$logs/base.json"; then
	ok "--json: the release and the build, image, boot and command times"
else
	not_ok "--json: $(cat "$logs/base.json")"
fi

# The history, the same each run.
commit() {
	d="$((1600000000 + $1)) +0000"
	git add -A && GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git commit -qm "$2"
}
v=fs/proc/version.c
git checkout -q -b tinyrd-bisect &&
	echo ".. tinyrd's bisect test was here" >>Documentation/admin-guide/README.rst &&
	commit 1 harmless &&
	sed -i 's/^static int version_proc_show(.*/& syntax error here/' $v &&
	commit 2 unbuilt &&
	git show tinyrd-base:$v >$v && commit 3 fixed &&
	sed -i 's/seq_printf(m, linux_proc_banner,/seq_puts(m, "broken "); &/' $v &&
	commit 4 broken || { not_ok "make the history"; summary; }
unbuilt=$(git rev-parse HEAD~2) broken=$(git rev-parse HEAD)

# HEAD alone: the check tells it bad.
t0=$(date +%s)
"$TINYRD" run -k . --build --bisect -- sh -c "$CHECK" 2>"$logs/head.log"
st=$?
if [ "$st" = 1 ] && tail -n 1 "$logs/head.log" | grep -q '^tinyrd: bisect bad'; then
	ok "HEAD is bad: $(tail -n 1 "$logs/head.log")"
else
	not_ok "HEAD is bad (status $st: $(tail -n 1 "$logs/head.log"))"
fi
echo "# HEAD built and checked in $(secs "$t0") s"

t0=$(date +%s)
git bisect start HEAD tinyrd-base >/dev/null &&
	git bisect run "$TINYRD" run -k . --build --bisect -- sh -c "$CHECK" >"$logs/bisect.log" 2>&1
st=$?
git bisect log >"$logs/bisect-log.txt"
git bisect reset >/dev/null 2>&1
echo "# git bisect run: $(secs "$t0") s"
grep '^tinyrd: bisect ' "$logs/bisect.log" | sed 's/^/# /'
if [ "$st" = 0 ] && grep -q "^$broken is the first bad commit" "$logs/bisect.log"; then
	ok "git bisect names the broken commit"
else
	not_ok "git bisect names the broken commit (status $st; $logs/bisect.log)"
	tail -n 15 "$logs/bisect.log" | sed 's/^/# /'
fi
if grep -q "^git bisect skip $unbuilt" "$logs/bisect-log.txt" &&
	grep -q '^tinyrd: bisect skip (the kernel did not build' "$logs/bisect.log"; then
	ok "the unbuildable commit is skipped"
else
	not_ok "the unbuildable commit is skipped ($logs/bisect-log.txt)"
fi
git checkout -q -f tinyrd-base
summary
