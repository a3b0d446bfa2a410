// SPDX-License-Identifier: MIT
/*
 * FUSE for virtio-fs: the request's checks, the opcode table, INIT and
 * the requests about the session (DESTROY, FORGET, INTERRUPT). See fuse.h;
 * the protocol is <linux/fuse.h> and the kernel's
 * Documentation/filesystems/fuse.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/limits.h>

#include "fuse_i.h"
#include "../dax.h"
#include "../share.h"
#include "../../common/iov.h"
#include "../../common/util.h"

/* The first minor with virtio-fs (Linux 5.4); every structure we read or
 * write has had its present size since. */
#define MINOR_MIN 31

/*
 * What we offer in INIT (fuse.h, "INIT request/reply flags"): reads and
 * writes of any size up to max_pages at any time (we serve one at a time
 * anyway), O_TRUNC in OPEN, "." and ".." lookups, READDIRPLUS when the
 * kernel finds it worth it, lookups and readdirs of one directory in
 * parallel (nothing here is per directory), and page cache invalidation
 * when the mtime or size seen in attributes changes, so host edits show.
 * Not offered: locks (the guest's kernel keeps them locally), the
 * writeback cache, DONT_MASK, ACLs, KILLPRIV (the kernel clears suid bits
 * with SETATTR), SETXATTR_EXT, per-inode DAX, submounts, security
 * contexts. With a DAX window, MAP_ALIGNMENT says mappings come in
 * DAX_CHUNK pieces (Linux's own size).
 */
#define INIT_FLAGS (FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_EXPORT_SUPPORT | \
		    FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA | FUSE_DO_READDIRPLUS | \
		    FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES)
/* Requests the guest may keep queued in the background (readahead,
 * async reads): enough to fill the queue, not the kernel's default 12. */
#define MAX_BACKGROUND 64
#define CONGESTION 48

/* Arguments are copied (names, xattr values), except WRITE's data and
 * BATCH_FORGET's list, which are read where they are. The largest:
 * SETXATTR with a name and a value of XATTR_SIZE_MAX. */
#define ARGS_MAX (FUSE_COMPAT_SETXATTR_IN_SIZE + XATTR_NAME_MAX + 1 + \
		  XATTR_SIZE_MAX)

int fuse_server_init(struct fuse_server *f, struct share *sh,
		     unsigned max_pages)
{
	int err;

	memset(f, 0, sizeof(*f));
	if (!max_pages)
		return -EINVAL;
	/* init_out.max_pages is 16 bits */
	f->max_pages = max_pages < UINT16_MAX ? max_pages : UINT16_MAX;
	f->max_write = f->max_pages * 4096;
	f->sh = sh;
	f->files_max = FUSE_FILES_MAX;
	f->args = xmalloc(ARGS_MAX);
	f->buf = xmalloc(FUSE_BUF_SIZE);
	f->iov = xmalloc(IOV_MAX * sizeof(*f->iov));
	err = fuse_tables_init(f);
	if (err)
		fuse_server_free(f);
	return err;
}

void fuse_server_free(struct fuse_server *f)
{
	if (f->sh)
		fuse_tables_clear(f, false);
	free(f->nodes);
	free(f->files);
	free(f->hash);
	free(f->args);
	free(f->buf);
	free(f->iov);
	memset(f, 0, sizeof(*f));
}

static int op_init(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_init_in in = { 0 };
	struct fuse_init_out out = { .major = FUSE_KERNEL_VERSION,
				     .minor = FUSE_KERNEL_MINOR_VERSION };

	memcpy(&in, r->arg, r->argn < sizeof(in) ? r->argn : sizeof(in));
	if (f->ready)
		return -EIO;
	/* fuse.h: a newer major gets ours and nothing else, and the kernel
	 * sends INIT again if it can speak it. */
	if (in.major > FUSE_KERNEL_VERSION) {
		fuse_put(r, 0, &out, FUSE_COMPAT_INIT_OUT_SIZE);
		return FUSE_COMPAT_INIT_OUT_SIZE;
	}
	if (in.major < FUSE_KERNEL_VERSION || in.minor < MINOR_MIN)
		return -EPROTO;
	f->minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor
						       : FUSE_KERNEL_MINOR_VERSION;
	out.minor = f->minor;
	out.max_readahead = in.max_readahead;
	out.flags = in.flags & INIT_FLAGS;
	out.max_background = MAX_BACKGROUND;
	out.congestion_threshold = CONGESTION;
	out.max_write = f->max_write;
	out.time_gran = 1;
	out.max_pages = (uint16_t)f->max_pages;
	if (f->dax && in.flags & FUSE_MAP_ALIGNMENT) {
		out.flags |= FUSE_MAP_ALIGNMENT;
		out.map_alignment = DAX_CHUNK_SHIFT;
	}
	f->ready = true;
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

/* Unmount: the kernel has forgotten everything; a new INIT may follow. */
static int op_destroy(struct fuse_server *f, struct fuse_req *r)
{
	(void)r;
	fuse_tables_clear(f, true);
	if (f->dax)
		dax_clear(f->dax);
	f->ready = false;
	return 0;
}

/* A file's pages into the window: fh is -1 (Linux maps by inode), so the
 * node is opened here, for writing only when the guest will write. */
static int op_setupmapping(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_setupmapping_in in;
	bool write;
	struct stat st;
	int fd;

	memcpy(&in, r->arg, sizeof(in));
	if (!f->dax)
		return -ENOSYS;
	write = in.flags & FUSE_SETUPMAPPING_FLAG_WRITE;
	fd = share_io_open(f->sh, r->node->fd, write ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return dax_map(f->dax, fd, in.foffset, in.len, in.moffset, write);
}

/* The list is read in place, as BATCH_FORGET's. */
static int op_removemapping(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_removemapping_in in;
	struct fuse_removemapping_one one;
	uint64_t at = FUSE_IN_HDR + sizeof(in);
	int err = 0, e;

	memcpy(&in, r->arg, sizeof(in));
	if (!f->dax)
		return -ENOSYS;
	if ((uint64_t)in.count * sizeof(one) > r->argn - sizeof(in))
		return -EINVAL;
	for (uint32_t i = 0; i < in.count; i++, at += sizeof(one)) {
		iov_to_buf(r->req, r->nreq, at, &one, sizeof(one));
		if ((e = dax_unmap(f->dax, one.moffset, one.len)) && !err)
			err = e;
	}
	return err;
}

static int op_forget(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_forget_in in;

	memcpy(&in, r->arg, sizeof(in));
	fuse_node_forget(f, r->h.nodeid, in.nlookup);
	return 0;
}

/* The list is read in place: its length is the guest's to choose. */
static int op_batch_forget(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_batch_forget_in in;
	struct fuse_forget_one one;
	uint64_t at = FUSE_IN_HDR + sizeof(in);

	memcpy(&in, r->arg, sizeof(in));
	if ((uint64_t)in.count * sizeof(one) > r->argn - sizeof(in))
		return -EINVAL;
	for (uint32_t i = 0; i < in.count; i++, at += sizeof(one)) {
		iov_to_buf(r->req, r->nreq, at, &one, sizeof(one));
		fuse_node_forget(f, one.nodeid, one.nlookup);
	}
	return 0;
}

/* Requests are served to the end before the next is read: by the time
 * an INTERRUPT comes, what it names is done. No reply (fuse.rst). */
static int op_interrupt(struct fuse_server *f, struct fuse_req *r)
{
	(void)f, (void)r;
	return 0;
}

#define NODE	0x1	/* h.nodeid names a node we must know */
#define RAW	0x2	/* copy only the fixed part (WRITE, BATCH_FORGET) */
#define NOREPLY	0x4

struct op {
	int (*fn)(struct fuse_server *f, struct fuse_req *r);
	uint32_t in;	/* fixed arguments */
	uint32_t out;	/* fixed reply, checked for room before acting */
	unsigned flags;
};

#define OP(code, name, in_, out_, fl) \
	[code] = { fuse_op_##name, in_, out_, fl }
#define S(t) sizeof(struct t)

/* ACCESS is ENOSYS: virtio-fs mounts with default_permissions, so the
 * guest's kernel checks permissions itself and never sends it. Locks,
 * ioctl, poll, bmap, copy_file_range, syncfs and tmpfile are ENOSYS too:
 * the kernel falls back or remembers. So are the DAX mappings without a
 * window. */
static const struct op ops[] = {
	[FUSE_INIT] = { op_init, 16, S(fuse_init_out), 0 },
	[FUSE_DESTROY] = { op_destroy, 0, 0, 0 },
	[FUSE_FORGET] = { op_forget, S(fuse_forget_in), 0, NOREPLY },
	[FUSE_BATCH_FORGET] = { op_batch_forget, S(fuse_batch_forget_in), 0,
				NOREPLY | RAW },
	[FUSE_INTERRUPT] = { op_interrupt, S(fuse_interrupt_in), 0, NOREPLY },
	OP(FUSE_LOOKUP, lookup, 0, S(fuse_entry_out), NODE),
	OP(FUSE_GETATTR, getattr, S(fuse_getattr_in), S(fuse_attr_out), NODE),
	OP(FUSE_SETATTR, setattr, S(fuse_setattr_in), S(fuse_attr_out), NODE),
	OP(FUSE_READLINK, readlink, 0, 0, NODE),
	OP(FUSE_SYMLINK, symlink, 0, S(fuse_entry_out), NODE),
	OP(FUSE_MKNOD, mknod, S(fuse_mknod_in), S(fuse_entry_out), NODE),
	OP(FUSE_MKDIR, mkdir, S(fuse_mkdir_in), S(fuse_entry_out), NODE),
	OP(FUSE_UNLINK, unlink, 0, 0, NODE),
	OP(FUSE_RMDIR, rmdir, 0, 0, NODE),
	OP(FUSE_RENAME, rename, S(fuse_rename_in), 0, NODE),
	OP(FUSE_RENAME2, rename2, S(fuse_rename2_in), 0, NODE),
	OP(FUSE_LINK, link, S(fuse_link_in), S(fuse_entry_out), NODE),
	OP(FUSE_STATFS, statfs, 0, S(fuse_statfs_out), NODE),
	/* Without FUSE_SETXATTR_EXT the kernel sends the short fuse_setxattr_in. */
	OP(FUSE_SETXATTR, setxattr, FUSE_COMPAT_SETXATTR_IN_SIZE, 0, NODE),
	OP(FUSE_GETXATTR, getxattr, S(fuse_getxattr_in), 0, NODE),
	OP(FUSE_LISTXATTR, listxattr, S(fuse_getxattr_in), 0, NODE),
	OP(FUSE_REMOVEXATTR, removexattr, 0, 0, NODE),
	OP(FUSE_OPEN, open, S(fuse_open_in), S(fuse_open_out), NODE),
	OP(FUSE_CREATE, create, S(fuse_create_in),
	   S(fuse_entry_out) + S(fuse_open_out), NODE),
	OP(FUSE_READ, read, S(fuse_read_in), 0, 0),
	OP(FUSE_WRITE, write, S(fuse_write_in), S(fuse_write_out), RAW),
	OP(FUSE_FLUSH, flush, S(fuse_flush_in), 0, 0),
	OP(FUSE_RELEASE, release, S(fuse_release_in), 0, 0),
	OP(FUSE_FSYNC, fsync, S(fuse_fsync_in), 0, 0),
	OP(FUSE_OPENDIR, opendir, S(fuse_open_in), S(fuse_open_out), NODE),
	OP(FUSE_READDIR, readdir, S(fuse_read_in), 0, 0),
	OP(FUSE_READDIRPLUS, readdirplus, S(fuse_read_in), 0, 0),
	OP(FUSE_RELEASEDIR, releasedir, S(fuse_release_in), 0, 0),
	OP(FUSE_FSYNCDIR, fsyncdir, S(fuse_fsync_in), 0, 0),
	OP(FUSE_LSEEK, lseek, S(fuse_lseek_in), S(fuse_lseek_out), 0),
	OP(FUSE_FALLOCATE, fallocate, S(fuse_fallocate_in), 0, 0),
	[FUSE_SETUPMAPPING] = { op_setupmapping, S(fuse_setupmapping_in), 0, NODE },
	[FUSE_REMOVEMAPPING] = { op_removemapping, S(fuse_removemapping_in), 0, RAW },
};

/* Checks in the order the guest can fail them; -errno for the reply. */
static int dispatch(struct fuse_server *f, struct fuse_req *r, uint64_t len,
		    const struct op *op)
{
	uint64_t ext = (uint64_t)r->h.total_extlen * 8;
	uint32_t n;

	if (r->h.len != len)
		return -EINVAL;
	/* Extensions (7.36, security contexts) follow the arguments; we
	 * offer none, and skip any. */
	if (ext > len - sizeof(r->h))
		return -EINVAL;
	r->argn = (uint32_t)(len - sizeof(r->h) - ext);
	if (!f->ready && r->h.opcode != FUSE_INIT)
		return -EIO;
	if (!op || !op->fn)
		return -ENOSYS;
	if (r->argn < op->in || r->space < op->out)
		return -EINVAL;
	n = op->flags & RAW ? op->in : r->argn;
	if (n > ARGS_MAX)
		return -EINVAL;
	iov_to_buf(r->req, r->nreq, sizeof(r->h), f->args, n);
	r->arg = f->args;
	if (op->flags & NODE) {
		r->node = fuse_node_get(f, r->h.nodeid);
		if (!r->node)
			return -ENOENT;
	}
	return op->fn(f, r);
}

uint32_t fuse_serve(struct fuse_server *f, const struct iovec *req,
		    unsigned nreq, const struct iovec *rep, unsigned nrep)
{
	struct fuse_req r = { .req = req, .nreq = nreq, .rep = rep, .nrep = nrep };
	uint64_t len = iov_length(req, nreq), room = iov_length(rep, nrep);
	const struct op *op = NULL;
	struct fuse_out_header out;
	int ret;

	if (iov_to_buf(req, nreq, 0, &r.h, sizeof(r.h)) < sizeof(r.h))
		return 0;
	if (r.h.opcode < ARRAY_SIZE(ops))
		op = &ops[r.h.opcode];
	if (op && op->flags & NOREPLY) {
		if (r.h.len == len && f->ready)
			dispatch(f, &r, len, op);
		return 0;
	}
	if (room < FUSE_OUT_HDR)
		return 0;
	r.space = room - FUSE_OUT_HDR;
	ret = dispatch(f, &r, len, op);
	/* An error reply is the header alone (fuse.rst: error, no data). */
	out = (struct fuse_out_header){
		.len = (uint32_t)(FUSE_OUT_HDR + (ret > 0 ? (uint32_t)ret : 0)),
		.error = ret < 0 ? ret : 0,
		.unique = r.h.unique,
	};
	iov_from_buf(rep, nrep, 0, &out, sizeof(out));
	/* Before the guest sees the reply (and a size in it, or its write
	 * done): the window matches the mapped files' sizes. */
	if (f->dax)
		dax_events(f->dax);
	return out.len;
}
