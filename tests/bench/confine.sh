#!/bin/bash
# What confinement costs a share's server per file, without a guest, so
# without a guest's noise: confine-cost (confine-cost.c beside it) runs
# the host calls a 9P or FUSE server makes for one small file (16: create,
# write, stat, walk, reopen, read, unlink, an eventfd's kick and wait),
# in a child left open and in one confined as the 9p or virtio-fs role,
# FILES (default 20000) files, ROUNDS (default 9) turns each, on a tmpfs:
# here, and in L1 of the nested harness (QEMU TCG, FILES/4), where the
# share benchmark (shares.sh) runs. Prints ns per file each way, their
# ratio (target, issue 20: <= 1.05) and the cost per call.
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build}
FILES=${FILES:-20000}
ROUNDS=${ROUNDS:-9}
make -s tinyrd "$O/tests/bench/confine-cost"
bin=$PWD/$O/tests/bench/confine-cost
dir=$(mktemp -d /dev/shm/confine.XXXXXX)
out=$(mktemp)
trap 'rm -rf "$dir" "$out"' EXIT
echo "# here: $FILES files, $ROUNDS rounds"
"$bin" -n "$FILES" -r "$ROUNDS" "$dir" | sed -n 's/^cost /here /p; s/^calls per file: /calls /p' >"$out"
echo "# L1 (nested harness): $((FILES / 4)) files, $ROUNDS rounds"
NESTED_PROGRAMS=$bin NESTED_TIMEOUT=${NESTED_TIMEOUT:-1800} \
	tests/harness/nested.sh "$PWD/tests/bench/confine-l1.sh" "$bin" \
	"$((FILES / 4))" "$ROUNDS" | tee -a "$out" | grep '^#' || true
grep -q '^L1 virtio-fs ' "$out" || { echo "the benchmark did not finish" >&2; exit 1; }
awk '
BEGIN { printf "%-4s %-10s %10s %12s %7s %10s\n", "", "role", "open ns", "confined ns", "ratio", "ns a call" }
$1 == "calls" { calls = $2; next }
{ printf "%-4s %-10s %10d %12d %6.3fx %10.1f\n", $1, $2, $3, $4, $5, $6
  if ($5 > 1.05) slow = slow " " $1 " " $2 }
END {
	printf "(per file: %d host calls; medians over the rounds; a call: (confined - open) / %d)\n", calls, calls
	printf "target: confined within 5%% of open: %s\n", slow ? "NOT met (" slow ")" : "met"
}' "$out"
