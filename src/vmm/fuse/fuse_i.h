/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_FUSE_I_H
#define TINYRD_FUSE_I_H

/* Inside the FUSE server: what fuse.c (dispatch), node.c (the tables),
 * dir.c (names and attributes) and file.c (open files) share. */

#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/fuse.h>

#include "fuse.h"

/* How long the guest may trust a name or attributes before asking again:
 * short, so that edits on the host show in the guest within a second. */
#define FUSE_ENTRY_VALID 1
#define FUSE_ATTR_VALID 1

struct fuse_node {
	int fd;			/* O_PATH handle; -1: a free slot */
	uint32_t gen;
	uint32_t next;		/* hash chain, or free list (0 ends both) */
	uint64_t nlookup;	/* the guest's references (LOOKUP minus FORGET) */
	dev_t dev;		/* the host's, for the hash */
	ino_t ino;
};

struct fuse_file {
	int fd;			/* from share_io_open; -1: a free slot */
	uint32_t gen;
	uint32_t next;		/* free list */
	bool dir;		/* OPENDIR: READDIR, not READ */
	bool root;		/* a directory handle on the share's root */
};

/* fuse_server.buf: an xattr value (XATTR_SIZE_MAX), a link's text,
 * getdents64 records. */
#define FUSE_BUF_SIZE 65536

#define FUSE_IN_HDR sizeof(struct fuse_in_header)
#define FUSE_OUT_HDR sizeof(struct fuse_out_header)

/* The open(2) flags OPEN and CREATE pass on; the others are the guest
 * kernel's (O_CLOEXEC, O_NOCTTY, O_CREAT, O_EXCL) or ours to choose
 * (O_DIRECT, O_NOATIME, O_NONBLOCK). */
#define FUSE_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC | \
			 O_LARGEFILE)

/* One request as the handlers see it. */
struct fuse_req {
	struct fuse_in_header h;
	struct fuse_node *node;		/* h.nodeid, for the ops that name one */
	const uint8_t *arg;		/* the arguments (copied), argn bytes */
	uint32_t argn;			/* without extensions; WRITE: with data */
	const struct iovec *req, *rep;
	unsigned nreq, nrep;
	uint64_t space;			/* writable bytes after fuse_out_header */
};

/* node.c */
int fuse_tables_init(struct fuse_server *f);
/* Drop every node but the root (keep_root) or all, and close every file. */
void fuse_tables_clear(struct fuse_server *f, bool keep_root);
struct fuse_node *fuse_node_get(struct fuse_server *f, uint64_t nodeid);
/* Take handle (an O_PATH fd from share_*) as a node: the known node of
 * its inode gets one more lookup and handle is closed. */
int fuse_node_add(struct fuse_server *f, int handle, uint64_t *nodeid);
void fuse_node_forget(struct fuse_server *f, uint64_t nodeid, uint64_t n);
/* -EMFILE when no file may be added. */
int fuse_file_room(struct fuse_server *f);
uint64_t fuse_file_add(struct fuse_server *f, int fd, bool dir, bool root);
/* An open file of that kind (dir or not), or NULL. */
struct fuse_file *fuse_file_get(struct fuse_server *f, uint64_t fh, bool dir);
void fuse_file_del(struct fuse_server *f, uint64_t fh);

/* reply.c: arguments and replies */
/* The NUL-terminated string at *off in the arguments (advanced past it),
 * or NULL when it runs past their end. */
const char *fuse_arg_str(struct fuse_req *r, uint32_t *off);
/* Copy into the reply at off bytes past its fuse_out_header. */
void fuse_put(struct fuse_req *r, uint64_t off, const void *p, uint64_t n);
void fuse_attr_fill(struct fuse_attr *a, const struct stat *st);
void fuse_entry_set(struct fuse_entry_out *e, uint64_t nodeid,
		    const struct stat *st);
/* Make handle a node and fill *e; the handle is consumed either way. */
int fuse_entry_fill(struct fuse_server *f, int handle, struct fuse_entry_out *e);
/* The same, put into the reply at off; returns its size or -errno. */
int fuse_entry_reply(struct fuse_server *f, struct fuse_req *r, int handle,
		     uint64_t off);

/* dir.c, file.c: the operations, each returning the reply's length after
 * its header or -errno. */
#define FUSE_OP(name) int fuse_op_##name(struct fuse_server *f, struct fuse_req *r)
FUSE_OP(lookup);
FUSE_OP(getattr);
FUSE_OP(setattr);
FUSE_OP(readlink);
FUSE_OP(symlink);
FUSE_OP(mknod);
FUSE_OP(mkdir);
FUSE_OP(unlink);
FUSE_OP(rmdir);
FUSE_OP(rename);
FUSE_OP(rename2);
FUSE_OP(link);
FUSE_OP(statfs);
FUSE_OP(setxattr);
FUSE_OP(getxattr);
FUSE_OP(listxattr);
FUSE_OP(removexattr);
FUSE_OP(open);
FUSE_OP(create);
FUSE_OP(read);
FUSE_OP(write);
FUSE_OP(flush);
FUSE_OP(release);
FUSE_OP(fsync);
FUSE_OP(opendir);
FUSE_OP(readdir);
FUSE_OP(readdirplus);
FUSE_OP(releasedir);
FUSE_OP(fsyncdir);
FUSE_OP(lseek);
FUSE_OP(fallocate);

#endif
