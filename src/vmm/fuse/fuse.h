/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_FUSE_H
#define TINYRD_FUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * A FUSE server for virtio-fs: one request's bytes in, its reply's bytes
 * out, over a share (share.h), which alone touches the host. No virtio
 * here: the device hands over the driver's readable buffers (fuse_in_header,
 * arguments, write data) and its writable ones (fuse_out_header, reply).
 *
 * With a DAX window (dax.h), FUSE_SETUPMAPPING maps a file's pages into
 * it and FUSE_REMOVEMAPPING takes them out: the guest then reads and
 * writes those pages itself.
 *
 * Protocol: <linux/fuse.h>, 7.31 (the first with virtio-fs, Linux 5.4) up
 * to the header's minor. Requests are served to the end, one at a time,
 * from the device's worker thread; nothing is ever in flight, so
 * INTERRUPT has nothing to do.
 *
 * The guest names inodes by nodeid and open files by fh. Both are
 * generation << 32 | index into a table, checked on every use: a stale
 * or made-up number is an error reply (ENOENT, EBADF), never a pointer.
 */

struct share;
struct dax_window;
struct fuse_node;
struct fuse_file;

#define FUSE_FILES_MAX 65536u	/* open files and directories (EMFILE) */

struct fuse_server {
	struct share *sh;
	struct dax_window *dax;		/* the DAX window, NULL: none (set
					 * after fuse_server_init) */
	uint32_t max_pages;		/* largest read or write, in pages */
	uint32_t max_write;		/* the same in bytes */
	uint32_t minor;			/* negotiated by INIT */
	bool ready;			/* INIT done (and no DESTROY since) */
	struct fuse_node *nodes;	/* nodeid: gen << 32 | index (root: 1) */
	uint32_t nodes_cap, nodes_used, nodes_free;
	uint32_t *hash;			/* (dev, ino) -> node, chained by index */
	struct fuse_file *files;	/* fh: gen << 32 | index */
	uint32_t files_cap, files_used, files_free, files_max;
	uint8_t *args;			/* a request's arguments, copied */
	uint8_t *buf;			/* xattr values, directory entries */
	struct iovec *iov;		/* slices of the buffers for preadv */
};

/* max_pages: the largest read or write, in pages, the device can carry
 * (its queue size less the header descriptors). 0 or -errno (and then
 * nothing to free). */
int fuse_server_init(struct fuse_server *f, struct share *sh,
		     unsigned max_pages);
/* Closes every handle and file. */
void fuse_server_free(struct fuse_server *f);

/* One request: req/nreq the readable buffers, rep/nrep the writable ones.
 * Returns the reply's length written into rep (fuse_out_header.len), or 0
 * for no reply: FORGET, BATCH_FORGET, INTERRUPT, and a request too
 * malformed to answer (shorter than fuse_in_header, or no room for a
 * fuse_out_header). */
uint32_t fuse_serve(struct fuse_server *f, const struct iovec *req,
		    unsigned nreq, const struct iovec *rep, unsigned nrep);

#endif
