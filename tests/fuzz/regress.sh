#!/bin/bash
# One fuzz target over its corpus, as a regression test (tests/run runs
# it as fuzz/TARGET): each file of tests/fuzz/corpus/TARGET executed once
# by libFuzzer, one TAP line each. A file that crashes, trips a sanitizer
# or a check, or runs past the timeout is "not ok" with the report's
# summary; the files after it still run. A leak or a crash at exit is a
# "not ok" line of its own. Where clang cannot build fuzz targets, one
# "ok # SKIP" line says why (tests/fuzz/probe.sh).
#
#   tests/fuzz/regress.sh BIN CORPUS_DIR
set -u
[ $# -eq 2 ] || { echo "usage: regress.sh BIN CORPUS_DIR" >&2; exit 2; }
bin=$1 corpus=$2
here=$(cd "$(dirname "$0")" && pwd)
name=${bin##*/fuzz-}

if [ ! -x "$bin" ]; then
	if why=$(sh "$here/probe.sh" "${FUZZ_CC:-clang}"); then
		echo "not ok 1 - $name: $bin is not built (make fuzz-targets)"
		exit 1
	fi
	echo "ok 1 - $name # SKIP $why"
	exit 0
fi
mapfile -t todo < <(find "$corpus" -maxdepth 1 -type f | LC_ALL=C sort)
if [ "${#todo[@]}" -eq 0 ]; then
	echo "not ok 1 - $name: no corpus in $corpus"
	exit 1
fi

# The target's temporary directories go in one of our own, so that what
# a crashed target's watcher has not yet removed is seen, and waited for.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-regress.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
log=$tmp.log
n=0 failed=0
while [ "${#todo[@]}" -gt 0 ]; do
	TMPDIR=$tmp "$bin" -timeout=30 -rss_limit_mb=3072 "${todo[@]}" >"$log" 2>&1
	rc=$?
	declare -A ran=()
	while read -r f; do
		ran[$f]=1
	done < <(sed -n 's/^Executed \(.*\) in [0-9]* ms$/\1/p' "$log")
	rest=() bad=
	for f in "${todo[@]}"; do
		if [ -n "${ran[$f]-}" ]; then
			n=$((n + 1))
			echo "ok $n - $name/${f##*/}"
		elif [ -z "$bad" ] && [ "$rc" -ne 0 ] &&
		     grep -qxF "Running: $f" "$log"; then
			bad=$f
		else
			rest+=("$f")
		fi
	done
	unset ran
	if [ "$rc" -ne 0 ]; then
		failed=1
		n=$((n + 1))
		why=$(grep -m1 -E '^SUMMARY: |: broken: |^ALARM: ' "$log" ||
		      grep -m1 -E '^==[0-9]+== ?ERROR: ' "$log")
		if [ -n "$bad" ]; then
			echo "not ok $n - $name/${bad##*/}: ${why:-exit status $rc}"
		else
			echo "not ok $n - $name: at exit: ${why:-exit status $rc}"
		fi
		sed 's/^/    /' "$log" | grep -v -e '^    Running: ' -e '^    Executed ' | tail -n 40
	elif [ "${#rest[@]}" -gt 0 ]; then
		n=$((n + 1))
		echo "not ok $n - $name: ${#rest[@]} files not executed"
		failed=1
		break
	fi
	todo=("${rest[@]}")
done
rm -f "$log"

# A target that died leaves its directory to its watcher: give it a
# moment, then anything still there is a failure of the harness.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -z "$(ls -A "$tmp")" ] && break
	sleep 0.2
done
if [ -n "$(ls -A "$tmp")" ]; then
	n=$((n + 1))
	echo "not ok $n - $name: left behind: $(ls -A "$tmp" | tr '\n' ' ')"
	failed=1
fi
exit "$failed"
