#!/bin/bash
# What the nested harnesses share (nested.sh for x86, nested-arm64.sh):
# finding the scenario, and the watchdog on L1. Sourced; $work is the
# harness's temporary directory.

# nested_scenario_path NAME: a script in tests/harness/scenarios/, or a
# path; prints it, or says why not and returns 1.
nested_scenario_path() {
	local s=$1

	case $s in
	*/*) ;;
	*) s=$(dirname "${BASH_SOURCE[0]}")/scenarios/$s ;;
	esac
	[ -r "$s" ] || { echo "$0: $s: no such scenario" >&2; return 1; }
	echo "$s"
}

# nested_watchdog PID: PID is `timeout`, its child tinyrd, and tinyrd's
# child QEMU. Should L1 under TCG stop answering for good ("the nested
# freeze", tests/README.md), QEMU sleeps and its CPU time stands still,
# where a live L1 under TCG always burns some. The watchdog ends such a run
# after NESTED_STALL (default 90) seconds without CPU progress, with a line
# that says so and the file $work/stalled (the harness then exits 124),
# instead of waiting out the whole bound.
nested_watchdog() {
	local t q used last= still=0

	while kill -0 "$1" 2>/dev/null; do
		sleep 10
		t=$(pgrep -P "$1" | head -n 1)
		q=${t:+$(pgrep -P "$t" | head -n 1)}
		used=${q:+$(awk '{ print $14 + $15 }' "/proc/$q/stat" 2>/dev/null)}
		if [ -z "$used" ] || [ "$used" != "$last" ]; then
			last=$used still=0
			continue
		fi
		still=$((still + 10))
		if [ "$still" -ge "${NESTED_STALL:-90}" ]; then
			echo "$(basename "$0"): L1 used no CPU for $still s (the nested freeze); stopped" >&2
			touch "$work/stalled"
			kill "$1"
			return
		fi
	done
}

# nested_wait PID: wait for L1 (PID, started in the background) under the
# watchdog; its status, 124 when the watchdog stopped it.
nested_wait() {
	local dog rc

	nested_watchdog "$1" &
	dog=$!
	wait "$1"
	rc=$?
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	[ -e "$work/stalled" ] && rc=124
	return "$rc"
}
