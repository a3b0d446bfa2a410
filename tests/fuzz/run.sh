#!/bin/bash
# make fuzz: run each target for SECONDS, one after the other, and print
# per target the executions, exec/s, coverage (libFuzzer's cov: and ft:),
# the inputs it added and what it found.
#
#   tests/fuzz/run.sh FUZZ_O SECONDS TARGET...
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
status=0
rows=()
for t in "$@"; do
	d=$obj/run/$t
	mkdir -p "$d/corpus"
	rm -f "$d"/crash-* "$d"/leak-* "$d"/timeout-* "$d"/oom-*
	args=(-max_total_time="$secs" -timeout=10 -print_final_stats=1
	      -artifact_prefix="$d/")
	[ -f "$src/$t.dict" ] && args+=(-dict="$src/$t.dict")
	# TARGET.options: more of libFuzzer's flags, and why, for one target.
	if [ -f "$src/$t.options" ]; then
		read -r -a more <<<"$(sed 's/#.*//' "$src/$t.options" | tr '\n' ' ')"
		args+=("${more[@]}")
	fi
	echo "fuzz-$t: $secs s (log: $d/log)"
	"$obj/fuzz-$t" "${args[@]}" "$d/corpus" "$src/corpus/$t" >"$d/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$d/log")
	added=$(sed -n 's/^stat::new_units_added: *//p' "$d/log")
	last=$(grep -E '^#[0-9]+.*cov: ' "$d/log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	found=$(cd "$d" && ls crash-* leak-* timeout-* oom-* 2>/dev/null | tr '\n' ' ')
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		status=1
		grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*: broken: |.*runtime error)' "$d/log" |
			sed "s|^|  fuzz-$t: |"
		found="${found:-exit status $rc}"
	fi
	rows+=("$(printf '%-8s %10s %8s %6s %7s %6s  %s' "$t" "${runs:-?}" \
		"${eps:-?}" "${cov:-?}" "${ft:-?}" "${added:-?}" "${found:-none}")")
done
echo
printf '%-8s %10s %8s %6s %7s %6s  %s\n' target execs exec/s cov ft new found
printf '%s\n' "${rows[@]}"
exit "$status"
