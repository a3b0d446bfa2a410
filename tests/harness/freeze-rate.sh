#!/bin/bash
# How often L1 freezes ("the nested freeze", tests/README.md): run one
# nested scenario RUNS times, JOBS at a time, and count the runs that
# ended in the harness's watchdog (L1 used no CPU for NESTED_STALL s) or
# its outer timeout, beside those that finished.
#
#   tests/harness/freeze-rate.sh [-n RUNS] [-j JOBS] SCENARIO [ARG...]
#
# The environment reaches tests/harness/nested.sh: NESTED_APPEND (L1's
# kernel command line, kvm_amd.PARAM=VALUE for its KVM), NESTED_TIMEOUT,
# NESTED_STALL. One line per run, then "RUNS runs, F froze (P%), ...".
set -u
runs=20 jobs=1
while getopts n:j: o; do
	case $o in
	n) runs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: freeze-rate.sh [-n RUNS] [-j JOBS] SCENARIO [ARG...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: freeze-rate.sh [-n RUNS] [-j JOBS] SCENARIO [ARG...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-freeze.XXXXXX")
trap 'rm -rf "$out"' EXIT

one() {
	local start=$SECONDS rc verdict

	"$here/nested.sh" "$@" >"$out/$i.out" 2>"$out/$i.err"
	rc=$?
	if grep -q "the nested freeze" "$out/$i.err"; then
		verdict=froze
	elif [ "$rc" = 124 ]; then
		verdict="timed out"
	elif grep -q '^not ok' "$out/$i.out" || [ "$rc" != 0 ]; then
		verdict="finished, failed"
	else
		verdict=finished
	fi
	echo "run $i: $verdict after $((SECONDS - start)) s (status $rc; last: $(grep -E '^(# [0-9:]+|ok|not ok) ' "$out/$i.out" | tail -n 1))"
}

for i in $(seq 1 "$runs"); do
	one "$@" &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
done | tee "$out/log"
wait
froze=$(grep -c ': froze after' "$out/log")
hung=$(grep -c ': timed out after' "$out/log")
done_=$(grep -c ': finished' "$out/log")
echo "$runs runs, $froze froze ($((100 * froze / runs))%), $hung timed out, $done_ finished"
