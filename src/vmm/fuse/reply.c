// SPDX-License-Identifier: MIT
/*
 * FUSE for virtio-fs: reading a request's arguments and writing its
 * reply, shared by the operations (dir.c, file.c) and the session's own
 * requests (fuse.c). Attributes are encoded as <linux/fuse.h> lays them
 * out, device numbers as the kernel's new_encode_dev().
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fuse_i.h"
#include "../share.h"
#include "../../common/iov.h"

const char *fuse_arg_str(struct fuse_req *r, uint32_t *off)
{
	const char *s = (const char *)r->arg + *off, *nul;

	if (*off >= r->argn)
		return NULL;
	nul = memchr(s, '\0', r->argn - *off);
	if (!nul)
		return NULL;
	*off += (uint32_t)(nul - s) + 1;
	return s;
}

void fuse_put(struct fuse_req *r, uint64_t off, const void *p, uint64_t n)
{
	iov_from_buf(r->rep, r->nrep, FUSE_OUT_HDR + off, p, n);
}

/* The kernel's new_encode_dev(): what fuse_attr.rdev carries. */
static uint32_t encode_dev(dev_t d)
{
	unsigned maj = major(d), min = minor(d);

	return (min & 0xff) | (maj & 0xfff) << 8 | (min & ~0xffu) << 12;
}

void fuse_attr_fill(struct fuse_attr *a, const struct stat *st)
{
	*a = (struct fuse_attr){
		.ino = st->st_ino,
		.size = (uint64_t)st->st_size,
		.blocks = (uint64_t)st->st_blocks,	/* 512-byte units both */
		.atime = (uint64_t)st->st_atim.tv_sec,
		.mtime = (uint64_t)st->st_mtim.tv_sec,
		.ctime = (uint64_t)st->st_ctim.tv_sec,
		.atimensec = (uint32_t)st->st_atim.tv_nsec,
		.mtimensec = (uint32_t)st->st_mtim.tv_nsec,
		.ctimensec = (uint32_t)st->st_ctim.tv_nsec,
		.mode = st->st_mode,
		.nlink = (uint32_t)st->st_nlink,
		.uid = st->st_uid,
		.gid = st->st_gid,
		.rdev = encode_dev(st->st_rdev),
		.blksize = (uint32_t)st->st_blksize,
	};
}

void fuse_entry_set(struct fuse_entry_out *e, uint64_t nodeid,
		    const struct stat *st)
{
	/* The nodeid's generation makes nodeid alone unique over the
	 * session, as fuse.h asks of nodeid:generation. */
	*e = (struct fuse_entry_out){
		.nodeid = nodeid,
		.entry_valid = FUSE_ENTRY_VALID,
		.attr_valid = FUSE_ATTR_VALID,
	};
	fuse_attr_fill(&e->attr, st);
}

int fuse_entry_fill(struct fuse_server *f, int handle, struct fuse_entry_out *e)
{
	struct stat st;
	uint64_t id;
	int r = share_stat(f->sh, handle, &st);

	if (r) {
		share_put(f->sh, handle);
		return r;
	}
	r = fuse_node_add(f, handle, &id);
	if (r)
		return r;
	fuse_entry_set(e, id, &st);
	return 0;
}

int fuse_entry_reply(struct fuse_server *f, struct fuse_req *r, int handle,
		     uint64_t off)
{
	struct fuse_entry_out e;
	int err = fuse_entry_fill(f, handle, &e);

	if (err)
		return err;
	fuse_put(r, off, &e, sizeof(e));
	return sizeof(e);
}
