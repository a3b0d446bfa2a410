#!/bin/bash
# tinyrd cache: list, size, prune and clear the images run keeps, and the
# size cap ($TINYRD_CACHE_MAX) that evicts the least recently used when
# run adds one. No guest boots here: a run that fails after its image is
# built (a disk that is not there) is enough to add one.
. "$(dirname "$0")/lib.sh"

setUp() {
	_skip=
	_in_test=1
	T=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-sh.XXXXXX")
	cd "$T" || return 1
	export XDG_CACHE_HOME=$T/cache
	unset TINYRD_CACHE_MAX
	mkdir -p cache/tinyrd
	# Three images of 1 MiB, used on the 1st, 2nd and 3rd of January.
	for i in 1 2 3; do
		head -c 1048576 /dev/zero >cache/tinyrd/old$i.img
		touch -d "2020-01-0$i" cache/tinyrd/old$i.img
	done
	echo "not a kernel" >kernel
}

# A run that builds an image (added to the cache) and then fails.
add_image() {
	run "$TINYRD" run -k kernel --kver 0.0-none --no-vm-modules \
		--disk "$T/no-such-disk" -- true
	assertEquals 125 "$rc"
	assertContains "$(cat "$T/err")" "disk $T/no-such-disk"
}

test_list_and_size() {
	run "$TINYRD" cache list
	assertEquals 0 "$rc"
	assertEquals "old3.img old2.img old1.img" \
		"$(awk '{ n = split($NF, p, "/"); printf "%s%s", (NR > 1 ? " " : ""), p[n] }' "$T/out")"
	assertEquals "1048576  2020-01-03 00:00:00" "$(head -n 1 "$T/out" | awk '{ print $1 "  " $2 " " $3 }')"
	run "$TINYRD" cache size
	assertEquals "3 images, 3145728 bytes in $T/cache/tinyrd (cap 1073741824 bytes)" "$(cat "$T/out")"
	run "$TINYRD" cache size --json
	assertEquals "{\"dir\":\"$T/cache/tinyrd\",\"images\":3,\"bytes\":3145728,\"max\":1073741824}" \
		"$(cat "$T/out")"
	TINYRD_CACHE_MAX=0 run "$TINYRD" cache size
	assertContains "$(cat "$T/out")" "(cap none: 0 bytes)"
}

test_prune_and_clear() {
	run "$TINYRD" cache prune --max 2M
	assertEquals 0 "$rc"
	assertEquals "tinyrd: note: removed 1 image, 1048576 bytes" "$(cat "$T/err")"
	assertEquals "old2.img old3.img" "$(cd cache/tinyrd && echo *)"
	TINYRD_CACHE_MAX=1M run "$TINYRD" cache prune --json
	assertEquals '{"removed":1,"bytes":1048576}' "$(cat "$T/out")"
	assertEquals "old3.img" "$(cd cache/tinyrd && echo *)"
	run "$TINYRD" cache clear
	assertEquals 0 "$rc"
	assertEquals "" "$(ls cache/tinyrd)"
	run "$TINYRD" cache prune
	assertEquals "nothing to remove, nothing said" "" "$(cat "$T/err")"
}

# Adding an image evicts the least recently used beyond the cap, never
# the image just added; without a cap nothing goes.
test_cap_on_run() {
	TINYRD_CACHE_MAX=2500K add_image
	assertEquals "2 images left: $(ls cache/tinyrd)" 2 "$(ls cache/tinyrd | wc -l)"
	[ -e cache/tinyrd/old3.img ] || fail "the most recently used old image stays"
	TINYRD_CACHE_MAX=1K add_image
	assertEquals "the new image stays, alone: $(ls cache/tinyrd)" 1 "$(ls cache/tinyrd | wc -l)"
	TINYRD_CACHE_MAX=0 add_image
	assertEquals 1 "$(ls cache/tinyrd | wc -l)"
}

test_bad_input() {
	run "$TINYRD" cache nonsense
	assertEquals 2 "$rc"
	assert_one_error "cache nonsense: expected list, size, prune or clear"
	run "$TINYRD" cache prune --max lots
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "--max lots: not a size"
	TINYRD_CACHE_MAX=big run "$TINYRD" cache size
	assertEquals 2 "$rc"
	assertContains "$(cat "$T/err")" "TINYRD_CACHE_MAX=big: not a size"
	# A run goes on with the default cap, and says so.
	TINYRD_CACHE_MAX=big add_image
	assertContains "$(cat "$T/err")" "TINYRD_CACHE_MAX=big: not a size (512M, 2G; 0: no cap); the cache keeps 1024 MiB"
	assertEquals 4 "$(ls cache/tinyrd | wc -l)"
	run "$TINYRD" cache list extra
	assertEquals 2 "$rc"
}

run_shunit2
