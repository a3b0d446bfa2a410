// SPDX-License-Identifier: MIT
/*
 * The FUSE server for virtio-fs (src/vmm/fuse/) fed sequences of requests
 * over a share made afresh for each run (fuzz.h, fz_tree_make).
 *
 * Input: a flags byte, then requests back to back, each as long as its
 * fuse_in_header.len says; a length that is too small or runs past the
 * input makes the rest one request, its header left as it is. Flags:
 *
 *   bit 0      FUSE_INIT first (7.38, every flag), as the guest begins
 *   bits 1-2   requests and replies cut into buffers of 0: one, 1: 1
 *              byte, 2: 7, 3: 100 bytes
 *   bits 3-4   max_pages 1, 4, 32, 256
 *   bit 5      a read-only share
 *   bit 6      a DAX window of 8 MiB (FUSE_SETUPMAPPING, REMOVEMAPPING)
 *   bit 7      reply room of a fuse_out_header alone, else 1 MiB + 4 KiB
 *
 * Checked beyond the sanitizers: a reply fits its buffers and its
 * header says its length, every handle is given back when the server
 * goes, and the canary outside the share is untouched.
 */
#include <string.h>
#include <linux/fuse.h>

#include "fuzz.h"
#include "../../src/vmm/dax.h"
#include "../../src/vmm/fuse/fuse.h"
#include "../../src/vmm/share.h"

#define PIECES	4096
#define ROOM	((1u << 20) + 4096)

static uint8_t rep[ROOM];
static struct iovec in_iov[PIECES], out_iov[PIECES];

static void serve(struct fuse_server *s, const uint8_t *msg, size_t len,
		  unsigned k, size_t room)
{
	unsigned ni = fz_cut((uint8_t *)msg, len, k, in_iov, PIECES);
	unsigned no = fz_cut(rep, room, k, out_iov, PIECES);
	uint32_t n = fuse_serve(s, in_iov, ni, out_iov, no);
	struct fuse_out_header oh;

	fz_check(n <= room, "a reply longer than its buffers");
	if (n) {
		fz_check(n >= sizeof(oh), "a reply shorter than its header");
		memcpy(&oh, rep, sizeof(oh));
		fz_check(oh.len == n, "a reply whose header is not its length");
	}
}

static void init(struct fuse_server *s)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in in;
	} m = {
		{ .len = sizeof(m), .opcode = FUSE_INIT, .unique = 1 },
		{ .major = FUSE_KERNEL_VERSION, .minor = 38,
		  .max_readahead = 131072, .flags = ~0u, .flags2 = ~0u },
	};

	serve(s, (const uint8_t *)&m, sizeof(m), 0, ROOM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned cuts[] = { 0, 1, 7, 100 };
	static const unsigned pages[] = { 1, 4, 32, 256 };
	static struct fz_tree t;
	static struct dax_window dax;
	static bool have_dax;
	struct fz f = { data, size };
	uint8_t flags = fz_u8(&f);
	unsigned k = cuts[(flags >> 1) & 3], n = 0;
	size_t room = flags & 0x80 ? sizeof(struct fuse_out_header) : ROOM;
	struct fuse_server s;
	struct share sh;

	fz_quiet(false);
	fz_tree_make(&t);
	if (share_open(&sh, t.dir, flags & 0x20, false) ||
	    fuse_server_init(&s, &sh, pages[(flags >> 3) & 3]))
		fz_fail(__FILE__, __LINE__, "share_open, fuse_server_init");
	if (flags & 0x40) {
		if (!have_dax && dax_init(&dax, 8u << 20))
			fz_fail(__FILE__, __LINE__, "dax_init");
		have_dax = true;
		s.dax = &dax;
	}
	if (flags & 1)
		init(&s);
	while (f.n >= 4 && n++ < 64) {
		const uint8_t *msg;
		uint32_t len = f.p[0] | f.p[1] << 8 | f.p[2] << 16 |
			       (uint32_t)f.p[3] << 24;

		if (len < sizeof(struct fuse_in_header) || len > f.n)
			len = (uint32_t)f.n;
		fz_take(&f, len, &msg);
		serve(&s, msg, len, k, room);
	}
	fuse_server_free(&s);
	if (have_dax)
		dax_clear(&dax);
	fz_check(!sh.handles, "handles left when the server went");
	share_close(&sh);
	fz_tree_check(&t);
	return 0;
}
