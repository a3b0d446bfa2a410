# Sourced by the arm64 scenarios in L1 (/l1/lib.sh; nested-arm64.sh puts
# it there): TAP lines and timed L2 runs. Each scenario then says why it
# cannot run, if so, and ends with [ "$fails" -eq 0 ].
n=0
fails=0
export XDG_CACHE_HOME=/tmp

up() { cut -d' ' -f1 /proc/uptime; }

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

# not_ok NAME: a failed check, with the tail of the last L2 run's output.
not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	for f in /tmp/o /tmp/e; do
		[ -s $f ] && tail -c 3000 $f | tail -n 25 | sed "s|^|# ${f#/tmp/}: |"
	done
}

# l2 COMMAND...: run COMMAND (an L2 boot), stdout in /tmp/o, stderr in
# /tmp/e, its status in $rc; say how long it took.
l2() {
	t0=$(up)
	timeout 400 "$@" >/tmp/o 2>/tmp/e </dev/null
	rc=$?
	echo "# $(echo "$(up) $t0" | awk '{ printf "%.1f", $1 - $2 }') s: status $rc:" \
		"$(echo "$*" | tr '\n\t' '  ' | tr -s ' ' | cut -c 1-200)"
}

echo "# L1: $(uname -m) $(uname -r), $(nproc) CPUs, up $(up) s"
