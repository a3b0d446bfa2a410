// SPDX-License-Identifier: MIT
/*
 * The data-path check's records (src/common/abi.h, "THE DATA-PATH
 * CHECK"): the manifest as the guest reads it (init/verify-manifest.c),
 * and the guest's result lines as the host reads them, against what that
 * manifest makes it expect (src/run/verify-report.c, with the escapes
 * and numbers of src/common/verify.c), printed as a table and as JSON
 * (to /dev/null); and a sweep block checked.
 *
 * Input: a flags byte (bits 0-3: the guest's output is fed in pieces of
 * 2^n bytes, 15 whole), the manifest as a part with a u16 length in
 * front, then the guest's output.
 *
 * Checked beyond the sanitizers: a run whose output did not parse does
 * not pass.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../init/verify-manifest.h"
#include "../../src/run/verify-host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct fz f = { data, size };
	uint8_t flags = fz_u8(&f);
	size_t piece = (flags & 15) == 15 ? SIZE_MAX : (size_t)1 << (flags & 15);
	struct verify_report r;
	struct vmanifest vm = { 0 };
	struct verify_block_hdr got;
	const uint8_t *man, *out;
	size_t nman = fz_part(&f, &man), nout = f.n;
	char path[32];
	int fd;

	fz_quiet(false);
	if (!null)
		null = fopen("/dev/null", "w");
	out = f.p;

	fd = fz_memfd(man, nman, path);
	vmanifest_read(path, &vm);
	vmanifest_free(&vm);
	close(fd);

	verify_report_init(&r);
	verify_report_expect(&r, (const char *)man, nman);
	for (size_t at = 0; at < nout; at += piece)
		verify_report_feed(&r, (const char *)out + at,
				   nout - at < piece ? nout - at : piece);
	verify_report_finish(&r);
	verify_report_print(&r, null, VERIFY_PRINT_ALL);
	verify_report_print(&r, null, VERIFY_PRINT_JSON);
	if (r.state != VERIFY_ENDED)
		fz_check(verify_report_status(&r), "a run without its end passed");
	verify_report_free(&r);

	if (nout >= 4096)
		verify_block_check(out, 0x1234, 65536, 4096 * (nout % 16), &got);
	return 0;
}
