# Count one test file's TAP lines (tests/run): cmocka's and shunit2's
# (tests/shell/lib.sh), and what nested scenarios pass through.
#
#   awk -f tests/tally.awk LOG
#
# prints one "skip REASON" line per skipped test, one "fail WHY" line per
# test counted failed for a reason of the tally's own, and last
# "PASSED FAILED SKIPPED". Rules:
#   - "not ok N ..." without a SKIP directive is a failure, and so is any
#     line that says both failed and skipped;
#   - a skip must name its reason: shunit2 after "# SKIP", cmocka (which
#     prints "not ok N # SKIP NAME") in a "SKIP: REASON" line of the test
#     (tests/unit/helpers.h, skip_because); one without is a failure.
/^SKIP: / {
	reason = substr($0, 7)
	next
}
/^(not )?ok [0-9]+/ {
	if (index($0, "# SKIP") == 0) {
		if ($1 == "not")
			failed++
		else
			passed++
	} else {
		why = reason
		if ($1 == "ok") {
			why = substr($0, index($0, "# SKIP") + 6)
			sub(/^ +/, "", why)
		}
		if (why == "") {
			failed++
			print "fail " $0 " (a skip must say why)"
		} else {
			skipped++
			print "skip " $0 ($1 == "not" ? " (" why ")" : "")
		}
	}
	reason = ""
	next
}
END {
	print passed + 0, failed + 0, skipped + 0
}
