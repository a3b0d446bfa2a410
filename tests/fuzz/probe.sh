#!/bin/sh
# Can CC (default clang) build a libFuzzer target with ASan and UBSan?
# Status 0 if so; else 1 and, on stdout, why, naming what to install.
#
#   tests/fuzz/probe.sh [CC]
#
# Debian's clang has libFuzzer's runtime in libclang-rt-NN-dev (pulled in
# by libclang-rt-dev), which clang only recommends: without it the link
# fails on -lclang_rt.fuzzer.
cc=${1:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "$cc is not installed (apt-get install clang libclang-rt-dev)"
	exit 1
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-probe.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	>"$d/t.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$d/t" "$d/t.c" >"$d/log" 2>&1; then
	echo "$cc cannot link -fsanitize=fuzzer,address,undefined" \
		"(apt-get install libclang-rt-dev): $(grep -m1 -i error "$d/log")"
	exit 1
fi
exit 0
