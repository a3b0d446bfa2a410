#!/bin/bash
# make fuzz: run each target for SECONDS (or RUNS executions, whichever
# comes first), JOBS targets at a time, and print per target the
# executions, exec/s, CPU seconds, coverage (libFuzzer's cov: and ft:),
# the inputs it added and what it found.
#
#   tests/fuzz/run.sh FUZZ_O SECONDS TARGET...
#   FUZZ_RUNS=N   stop a target after N executions too (the campaign of
#                 tests/fuzz/README.md: FUZZ_S=3600 FUZZ_RUNS=10000000)
#   FUZZ_J=N      targets run at a time, one core each (default 1)
#
# The tree's corpus (tests/fuzz/corpus/TARGET) is read, never written:
# new inputs go to FUZZ_O/run/TARGET/corpus, which later runs start from
# too, crashes, leaks and timeouts to FUZZ_O/run/TARGET/ as libFuzzer
# names them, and its log to FUZZ_O/run/TARGET/log. tests/fuzz/TARGET.dict
# is its dictionary, tests/fuzz/TARGET.options more flags for it. To
# keep a finding, fix it and copy the input to the tree's corpus
# (tests/fuzz/README.md).
# The status is 1 when a target found something.
set -u
[ $# -ge 3 ] || { echo "usage: run.sh FUZZ_O SECONDS TARGET..." >&2; exit 2; }
obj=$1 secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
jobs=${FUZZ_J:-1}
case $jobs in ''|*[!0-9]*|0) echo "run.sh: FUZZ_J=$jobs: not a count" >&2; exit 2 ;; esac
case ${FUZZ_RUNS:-} in *[!0-9]*) echo "run.sh: FUZZ_RUNS=$FUZZ_RUNS: not a count" >&2; exit 2 ;; esac

# one TARGET: runs it, and leaves its table row in FUZZ_O/run/TARGET/row
# and a line "found" in .../found when it found something.
one() {
	local t=$1 d=$obj/run/$1 more=() rc
	mkdir -p "$d/corpus"
	rm -f "$d"/crash-* "$d"/leak-* "$d"/timeout-* "$d"/oom-* "$d/row" "$d/found" "$d/times"
	local args=(-max_total_time="$secs" -timeout=10 -print_final_stats=1
		    -artifact_prefix="$d/")
	[ -n "${FUZZ_RUNS:-}" ] && args+=(-runs="$FUZZ_RUNS")
	[ -f "$src/$t.dict" ] && args+=(-dict="$src/$t.dict")
	# TARGET.options: more of libFuzzer's flags, and why, for one target.
	if [ -f "$src/$t.options" ]; then
		read -r -a more <<<"$(sed 's/#.*//' "$src/$t.options" | tr '\n' ' ')"
		args+=("${more[@]}")
	fi
	echo "fuzz-$t: up to $secs s${FUZZ_RUNS:+ or $FUZZ_RUNS runs} (log: $d/log)"
	"$obj/fuzz-$t" "${args[@]}" "$d/corpus" "$src/corpus/$t" >"$d/log" 2>&1
	rc=$?
	local cpu runs eps added last cov ft found
	times >"$d/times"	# a builtin, no fork: this shell's children
	cpu=$(tail -n 1 "$d/times" | awk '{ split($1, u, "m"); split($2, s, "m");
		printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log")
	added=$(sed -n 's/^stat::new_units_added: *//p' "$d/log")
	last=$(grep -E '^#[0-9]+.*cov: ' "$d/log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	found=$(cd "$d" && ls crash-* leak-* timeout-* oom-* 2>/dev/null | tr '\n' ' ')
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		echo found >"$d/found"
		grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*: broken: |.*runtime error)' "$d/log" |
			sed "s|^|  fuzz-$t: |"
		found="${found:-exit status $rc}"
	fi
	printf '%-8s %10s %8s %6s %6s %7s %6s  %s\n' "$t" "${runs:-?}" "${eps:-?}" \
		"$cpu" "${cov:-?}" "${ft:-?}" "${added:-?}" "${found:-none}" >"$d/row"
}

for t in "$@"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	one "$t" &
done
wait
echo
status=0
printf '%-8s %10s %8s %6s %6s %7s %6s  %s\n' target execs exec/s cpu-s cov ft new found
for t in "$@"; do
	cat "$obj/run/$t/row" 2>/dev/null || printf '%-8s (no row)\n' "$t"
	[ -e "$obj/run/$t/row" ] && [ ! -e "$obj/run/$t/found" ] || status=1
done
exit "$status"
