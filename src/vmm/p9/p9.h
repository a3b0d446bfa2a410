/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_P9_H
#define TINYRD_P9_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../share.h"

/*
 * A 9P2000.L server over a share: bytes in, bytes out. It knows nothing
 * of virtio; the transport hands it one request (the driver's readable
 * buffers) and the buffers for the reply (its writable ones). Large
 * reads and writes go straight between the file and those buffers, so a
 * message may span any number of them.
 *
 * Every message Linux's v9fs sends in 9P2000.L is served; the 9P2000 and
 * 9P2000.u ones get Rlerror EOPNOTSUPP. Requests are served one at a
 * time, so Tflush always finds its request answered. Locks are
 * open-file-description locks on the fid's open file, never blocking:
 * a conflicting Tlock gets P9_LOCK_BLOCKED and the client polls.
 */

#define P9_MSIZE_MAX (1u << 20)		/* the largest msize we agree to */
#define P9_MSIZE_MIN 4096
#define P9_FIDS_MAX SHARE_NODES_MAX
#define P9_XATTR_MAX 65536		/* XATTR_SIZE_MAX */
#define P9_XATTR_BUDGET (16u << 20)	/* xattr values held by all fids */

struct p9_fid;

struct p9_server {
	struct share *sh;
	uint32_t msize;			/* 0 until Tversion */
	struct p9_fid **fids;		/* open addressing on the fid number */
	size_t nfids, cap;
	uint8_t *in, *out;		/* a message each, msize bytes */
	uint64_t xattr_bytes;		/* held by xattr fids */
};

void p9_server_init(struct p9_server *s, struct share *sh);
void p9_server_free(struct p9_server *s);	/* every fid clunked */

/* Serve one request; returns the reply's length (written into rep), or
 * 0 when none can be given: a request shorter than its header, or no
 * room for even an error reply. */
uint32_t p9_serve(struct p9_server *s, const struct iovec *req, unsigned nreq,
		  const struct iovec *rep, unsigned nrep);

#endif
