// SPDX-License-Identifier: MIT
/*
 * The 9P2000.L server (src/vmm/p9/) fed sequences of messages over a
 * share made afresh for each run (fuzz.h, fz_tree_make).
 *
 * Input: a flags byte, then messages back to back, each as long as its
 * own size[4] says; a size that is too small or runs past the input
 * makes the rest one message, its size left as it is. Flags:
 *
 *   bit 0      the session first: Tversion (msize below) and Tattach of
 *              fid 0 as root, as v9fs begins
 *   bits 1-2   requests cut into buffers of 0: one, 1: 1 byte, 2: 7,
 *              3: 100 bytes
 *   bits 3-4   msize 4096, 8192, 65536, 1 MiB
 *   bit 5      a read-only share
 *   bits 6-7   reply room: msize + 64, 7 bytes (none to speak of),
 *              11 (an Rlerror), 100; cut as requests are
 *
 * Checked beyond the sanitizers: a reply fits its buffers and says its
 * own length, every handle is given back when the server goes, and the
 * canary outside the share is untouched (fz_tree_check).
 */
#include <string.h>

#include "fuzz.h"
#include "../../src/common/iov.h"
#include "../../src/vmm/p9/p9.h"

#define PIECES	4096
#define ROOM	(P9_MSIZE_MAX + 64)

static uint8_t rep[ROOM];
static struct iovec in_iov[PIECES], out_iov[PIECES];

static void serve(struct p9_server *s, const uint8_t *msg, size_t len,
		  unsigned k, size_t room)
{
	/* The server reads requests only; the cast is iovec's. */
	unsigned ni = fz_cut((uint8_t *)msg, len, k, in_iov, PIECES);
	unsigned no = fz_cut(rep, room, k, out_iov, PIECES);
	uint32_t n = p9_serve(s, in_iov, ni, out_iov, no);

	fz_check(n <= room, "a reply longer than its buffers");
	if (n)
		fz_check(n >= 7 && (rep[0] | rep[1] << 8 | rep[2] << 16 |
				    (uint32_t)rep[3] << 24) == n,
			 "a reply whose size is not its length");
}

static void session(struct p9_server *s, uint32_t msize)
{
	static const char attach[] =
		"\x00\x00\x00\x00" "\x68\x01\x00"	/* Tattach, tag 1 */
		"\x00\x00\x00\x00" "\xff\xff\xff\xff"	/* fid 0, no afid */
		"\x04\x00root" "\x00\x00"		/* uname, aname */
		"\x00\x00\x00\x00";			/* n_uname 0 */
	uint8_t v[4 + 1 + 2 + 4 + 2 + 8] = {
		sizeof(v), 0, 0, 0, 100, 0xff, 0xff,
		(uint8_t)msize, (uint8_t)(msize >> 8), (uint8_t)(msize >> 16),
		(uint8_t)(msize >> 24), 8, 0,
	};
	uint8_t a[sizeof(attach) - 1];

	memcpy(v + 13, "9P2000.L", 8);
	serve(s, v, sizeof(v), 0, ROOM);
	memcpy(a, attach, sizeof(a));
	a[0] = sizeof(a);
	serve(s, a, sizeof(a), 0, ROOM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned cuts[] = { 0, 1, 7, 100 };
	static const uint32_t msizes[] = { 4096, 8192, 65536, P9_MSIZE_MAX };
	static struct fz_tree t;
	struct fz f = { data, size };
	uint8_t flags = fz_u8(&f);
	uint32_t msize = msizes[(flags >> 3) & 3];
	size_t rooms[] = { msize + 64, 7, 11, 100 };
	unsigned k = cuts[(flags >> 1) & 3], n = 0;
	struct share sh;
	struct p9_server s;

	fz_quiet(false);
	fz_tree_make(&t);
	if (share_open(&sh, t.dir, flags & 0x20, false))
		fz_fail(__FILE__, __LINE__, "share_open");
	p9_server_init(&s, &sh);
	if (flags & 1)
		session(&s, msize);
	while (f.n >= 7 && n++ < 64) {
		const uint8_t *msg;
		uint32_t len = f.p[0] | f.p[1] << 8 | f.p[2] << 16 |
			       (uint32_t)f.p[3] << 24;

		if (len < 7 || len > f.n)
			len = (uint32_t)f.n;
		fz_take(&f, len, &msg);
		serve(&s, msg, len, k, rooms[flags >> 6]);
	}
	p9_server_free(&s);
	fz_check(!sh.handles, "handles left when the server went");
	share_close(&sh);
	fz_tree_check(&t);
	return 0;
}
