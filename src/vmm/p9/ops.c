// SPDX-License-Identifier: MIT
/*
 * 9P2000.L operations. Every handler takes all its arguments, checks
 * them with p9_parsed(), then acts through the share (share.h), which
 * confines names and refuses I/O on anything but regular files and
 * directories. Flag values on the wire are Linux x86's (9p's "dotl"
 * encoding) and are translated, not passed through.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "p9int.h"
#include "../../common/iov.h"
#include "../../common/util.h"

#define NAME_BUF (NAME_MAX + 1)
#define IOV_BUF 1024			/* iovecs of one read or write */

/* Tlopen/Tlcreate flags (include/net/9p/9p.h P9_DOTL_*) */
#define DOTL_ACCMODE	03
#define DOTL_EXCL	0200
#define DOTL_TRUNC	01000
#define DOTL_APPEND	02000
#define DOTL_DSYNC	010000
#define DOTL_DIRECTORY	0200000
#define DOTL_SYNC	04000000
#define DOTL_AT_REMOVEDIR 0x200

/* Tsetattr valid bits (P9_ATTR_*) */
#define ATTR_MODE	0x001
#define ATTR_UID	0x002
#define ATTR_GID	0x004
#define ATTR_SIZE	0x008
#define ATTR_ATIME	0x010
#define ATTR_MTIME	0x020
#define ATTR_CTIME	0x040
#define ATTR_ATIME_SET	0x080
#define ATTR_MTIME_SET	0x100

#define STATS_BASIC	0x7ffull	/* P9_STATS_BASIC */
#define LOCK_SUCCESS	0
#define LOCK_BLOCKED	1
#define LOCK_ERROR	2
#define V9FS_MAGIC	0x01021997

static int host_flags(uint32_t f)
{
	int h = (int)(f & DOTL_ACCMODE);

	if (h == 3)
		h = O_RDWR;
	if (f & DOTL_TRUNC)
		h |= O_TRUNC;
	if (f & DOTL_APPEND)
		h |= O_APPEND;
	if (f & DOTL_DSYNC)
		h |= O_DSYNC;
	if (f & DOTL_SYNC)
		h |= O_SYNC;
	if (f & DOTL_DIRECTORY)
		h |= O_DIRECTORY;
	return h;
}

static int qid_stat(struct p9_server *s, int fd, struct p9_qid *q,
		    struct stat *st)
{
	struct stat tmp;
	int r;

	if (!st)
		st = &tmp;
	r = share_stat(s->sh, fd, st);
	if (r)
		return r;
	q->type = S_ISDIR(st->st_mode) ? P9_QTDIR
		  : S_ISLNK(st->st_mode) ? P9_QTSYMLINK : P9_QTFILE;
	/* As QEMU: changes when the file does, for cache=loose/fscache. */
	q->version = (uint32_t)(st->st_mtime ^ (st->st_size << 8));
	q->path = (uint64_t)st->st_ino;
	return 0;
}

/* The fid a request names: a file fid (not an xattr one). */
static int file_fid(struct p9_server *s, uint32_t num, struct p9_fid **f)
{
	*f = p9_fid_get(s, num);
	if (!*f || (*f)->kind != FID_FILE)
		return -EBADF;
	return 0;
}

/* Reply with the qid of a new object's handle h, and let it go. */
static int reply_new(struct p9_server *s, int h, struct pdu *out)
{
	struct p9_qid q;
	int r;

	if (h < 0)
		return h;
	r = qid_stat(s, h, &q, NULL);
	share_put(s->sh, h);
	if (!r)
		pdu_putqid(out, &q);
	return r;
}

int p9_attach(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), afid = pdu_get32(in), uid;
	char uname[256], aname[PATH_MAX];
	struct p9_fid *f;
	struct p9_qid q;
	int fd, r;

	pdu_getstr(in, uname, sizeof(uname));
	pdu_getstr(in, aname, sizeof(aname));
	uid = pdu_get32(in);
	if (!p9_parsed(in))
		return -EINVAL;
	if (afid != P9_NOFID)
		return -EOPNOTSUPP;	/* no authentication */
	fd = share_root(s->sh);
	if (fd < 0)
		return fd;
	r = qid_stat(s, fd, &q, NULL);
	if (!r)
		r = p9_fid_add(s, num, fd, &f);
	if (r) {
		share_put(s->sh, fd);
		return r;
	}
	f->uid = (uid_t)uid;
	pdu_putqid(out, &q);
	return 0;
}

int p9_walk(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), newnum = pdu_get32(in);
	uint16_t n = pdu_get16(in);
	char (*names)[NAME_BUF] = NULL;
	struct p9_fid *f, *nf;
	uint32_t at;
	int cur, r = 0;
	unsigned i;

	if (n > P9_MAXWELEM)
		return -EINVAL;
	names = xmalloc(P9_MAXWELEM * sizeof(*names));
	for (i = 0; i < n; i++)
		pdu_getstr(in, names[i], NAME_BUF);
	if (!p9_parsed(in)) {
		r = -EINVAL;
		goto out;
	}
	r = file_fid(s, num, &f);
	if (!r && newnum != num && p9_fid_get(s, newnum))
		r = -EBADF;
	/* An open fid stays where it was opened (9P: walk from an open
	 * fid is an error). */
	if (!r && f->io >= 0 && newnum == num && n)
		r = -EBADF;
	if (r)
		goto out;
	cur = share_dup(s->sh, f->fd);
	if (cur < 0) {
		r = cur;
		goto out;
	}
	at = out->off;
	pdu_put16(out, 0);
	for (i = 0; i < n; i++) {
		struct p9_qid q;
		int next = share_lookup(s->sh, cur, names[i]);

		if (next >= 0 && (r = qid_stat(s, next, &q, NULL))) {
			share_put(s->sh, next);
			next = r;
		}
		if (next < 0) {
			r = next;
			break;
		}
		share_put(s->sh, cur);
		cur = next;
		pdu_putqid(out, &q);
	}
	if (i < n) {
		share_put(s->sh, cur);
		if (!i)
			goto out;	/* the first name failed: Rlerror */
		r = 0;			/* a partial walk: Rwalk, no newfid */
	} else if (newnum == num) {
		share_put(s->sh, f->fd);
		f->fd = cur;
	} else {
		r = p9_fid_add(s, newnum, cur, &nf);
		if (r)
			share_put(s->sh, cur);
		else
			nf->uid = f->uid;
	}
	if (!r) {
		uint32_t end = out->off;

		out->off = at;
		pdu_put16(out, (uint16_t)i);
		out->off = end;
	}
out:
	free(names);
	return r;
}

int p9_lopen(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), flags = pdu_get32(in);
	struct p9_fid *f;
	struct p9_qid q;
	int r, io;

	if (!p9_parsed(in))
		return -EINVAL;
	r = file_fid(s, num, &f);
	if (r)
		return r;
	if (f->io >= 0)
		return -EBADF;
	r = qid_stat(s, f->fd, &q, NULL);
	if (r)
		return r;
	io = share_io_open(s->sh, f->fd, host_flags(flags));
	if (io < 0)
		return io;
	f->io = io;
	pdu_putqid(out, &q);
	pdu_put32(out, 0);	/* iounit: the client's msize - 24 */
	return 0;
}

int p9_lcreate(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), flags, mode, gid;
	char name[NAME_BUF];
	struct p9_fid *f;
	struct p9_qid q;
	int r, io, h;

	pdu_getstr(in, name, sizeof(name));
	flags = pdu_get32(in);
	mode = pdu_get32(in);
	gid = pdu_get32(in);
	if (!p9_parsed(in))
		return -EINVAL;
	r = file_fid(s, num, &f);
	if (r)
		return r;
	if (f->io >= 0)
		return -EBADF;
	io = share_create(s->sh, f->fd, name, host_flags(flags), mode, f->uid,
			  gid, &h);
	/* Made on the host since the guest looked: open(2) without O_EXCL
	 * opens it. */
	if (io == -EEXIST && !(flags & DOTL_EXCL)) {
		h = share_lookup(s->sh, f->fd, name);
		if (h < 0)
			return h;
		io = share_io_open(s->sh, h, host_flags(flags));
		if (io < 0)
			share_put(s->sh, h);
	}
	if (io < 0)
		return io;
	r = qid_stat(s, h, &q, NULL);
	if (r) {
		close(io);
		share_put(s->sh, h);
		return r;
	}
	/* The fid now stands for the new file, open. */
	share_put(s->sh, f->fd);
	f->fd = h;
	f->io = io;
	pdu_putqid(out, &q);
	pdu_put32(out, 0);
	return 0;
}

int p9_symlink(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), gid;
	char name[NAME_BUF], *target = xmalloc(PATH_MAX);
	struct p9_fid *f;
	int r;

	pdu_getstr(in, name, sizeof(name));
	pdu_getstr(in, target, PATH_MAX);
	gid = pdu_get32(in);
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (!r)
		r = reply_new(s, share_symlink(s->sh, f->fd, name, target,
					       f->uid, gid), out);
	free(target);
	return r;
}

int p9_mknod(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), mode, major, minor, gid;
	char name[NAME_BUF];
	struct p9_fid *f;
	int r;

	pdu_getstr(in, name, sizeof(name));
	mode = pdu_get32(in);
	major = pdu_get32(in);
	minor = pdu_get32(in);
	gid = pdu_get32(in);
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (r)
		return r;
	return reply_new(s, share_mknod(s->sh, f->fd, name, mode,
					makedev(major, minor), f->uid, gid), out);
}

int p9_mkdir(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), mode, gid;
	char name[NAME_BUF];
	struct p9_fid *f;
	int r;

	pdu_getstr(in, name, sizeof(name));
	mode = pdu_get32(in);
	gid = pdu_get32(in);
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (r)
		return r;
	return reply_new(s, share_mkdir(s->sh, f->fd, name, mode, f->uid, gid),
			 out);
}

int p9_rename(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), dnum = pdu_get32(in);
	char name[NAME_BUF], old[256];
	struct p9_fid *f, *d;
	int r, dir;

	(void)out;
	pdu_getstr(in, name, sizeof(name));
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (!r)
		r = file_fid(s, dnum, &d);
	if (!r)
		r = s->sh->ro ? -EROFS : share_parent(s->sh, f->fd, &dir, old);
	if (r)
		return r;
	r = share_rename(s->sh, dir, old, d->fd, name, 0);
	share_put(s->sh, dir);
	return r;
}

int p9_renameat(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t onum = pdu_get32(in), nnum;
	char oname[NAME_BUF], nname[NAME_BUF];
	struct p9_fid *o, *n;
	int r;

	(void)out;
	pdu_getstr(in, oname, sizeof(oname));
	nnum = pdu_get32(in);
	pdu_getstr(in, nname, sizeof(nname));
	r = p9_parsed(in) ? file_fid(s, onum, &o) : -EINVAL;
	if (!r)
		r = file_fid(s, nnum, &n);
	if (!r)
		r = share_rename(s->sh, o->fd, oname, n->fd, nname, 0);
	return r;
}

int p9_unlinkat(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), flags;
	char name[NAME_BUF];
	struct p9_fid *f;
	int r;

	(void)out;
	pdu_getstr(in, name, sizeof(name));
	flags = pdu_get32(in);
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (!r && flags & ~(uint32_t)DOTL_AT_REMOVEDIR)
		r = -EINVAL;
	if (!r)
		r = share_unlink(s->sh, f->fd, name, flags & DOTL_AT_REMOVEDIR);
	return r;
}

int p9_link(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t dnum = pdu_get32(in), num = pdu_get32(in);
	char name[NAME_BUF];
	struct p9_fid *d, *f;
	int r;

	(void)out;
	pdu_getstr(in, name, sizeof(name));
	r = p9_parsed(in) ? file_fid(s, dnum, &d) : -EINVAL;
	if (!r)
		r = file_fid(s, num, &f);
	if (!r)
		r = share_link(s->sh, f->fd, d->fd, name);
	return r;
}

int p9_readlink(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in);
	char *buf;
	struct p9_fid *f;
	int r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;

	if (r)
		return r;
	buf = xmalloc(PATH_MAX);
	r = share_readlink(s->sh, f->fd, buf, PATH_MAX);
	if (r >= 0) {
		pdu_putstr(out, buf, (size_t)r);
		r = 0;
	}
	free(buf);
	return r;
}

int p9_getattr(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in);
	struct p9_fid *f;
	struct p9_qid q;
	struct stat st;
	int r;

	pdu_get64(in);		/* request_mask: we always have the basics */
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (!r)
		r = qid_stat(s, f->fd, &q, &st);
	if (r)
		return r;
	pdu_put64(out, STATS_BASIC);
	pdu_putqid(out, &q);
	pdu_put32(out, st.st_mode);
	pdu_put32(out, st.st_uid);
	pdu_put32(out, st.st_gid);
	pdu_put64(out, st.st_nlink);
	pdu_put64(out, st.st_rdev);
	pdu_put64(out, (uint64_t)st.st_size);
	pdu_put64(out, (uint64_t)st.st_blksize);
	pdu_put64(out, (uint64_t)st.st_blocks);
	pdu_put64(out, (uint64_t)st.st_atim.tv_sec);
	pdu_put64(out, (uint64_t)st.st_atim.tv_nsec);
	pdu_put64(out, (uint64_t)st.st_mtim.tv_sec);
	pdu_put64(out, (uint64_t)st.st_mtim.tv_nsec);
	pdu_put64(out, (uint64_t)st.st_ctim.tv_sec);
	pdu_put64(out, (uint64_t)st.st_ctim.tv_nsec);
	pdu_put64(out, 0);	/* btime, gen, data_version: not basic */
	pdu_put64(out, 0);
	pdu_put64(out, 0);
	pdu_put64(out, 0);
	return 0;
}

int p9_setattr(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), valid = pdu_get32(in);
	struct share_attr a = { 0 };
	struct p9_fid *f;
	int r;

	(void)out;
	a.mode = pdu_get32(in);
	a.uid = pdu_get32(in);
	a.gid = pdu_get32(in);
	a.size = (off_t)pdu_get64(in);
	a.atime.tv_sec = (time_t)pdu_get64(in);
	a.atime.tv_nsec = (long)pdu_get64(in);
	a.mtime.tv_sec = (time_t)pdu_get64(in);
	a.mtime.tv_nsec = (long)pdu_get64(in);
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (r)
		return r;
	if (a.size < 0 || a.atime.tv_nsec < 0 || a.atime.tv_nsec > 999999999 ||
	    a.mtime.tv_nsec < 0 || a.mtime.tv_nsec > 999999999)
		return -EINVAL;
	a.valid = (valid & ATTR_MODE ? SHARE_SET_MODE : 0) |
		  (valid & ATTR_UID ? SHARE_SET_UID : 0) |
		  (valid & ATTR_GID ? SHARE_SET_GID : 0) |
		  (valid & ATTR_SIZE ? SHARE_SET_SIZE : 0) |
		  (valid & ATTR_ATIME ? SHARE_SET_ATIME : 0) |
		  (valid & ATTR_MTIME ? SHARE_SET_MTIME : 0) |
		  (valid & ATTR_CTIME ? SHARE_SET_CTIME : 0);
	/* ATIME without ATIME_SET: "now", as utimensat's UTIME_NOW. */
	if (!(valid & ATTR_ATIME_SET))
		a.atime.tv_nsec = UTIME_NOW;
	if (!(valid & ATTR_MTIME_SET))
		a.mtime.tv_nsec = UTIME_NOW;
	return share_setattr(s->sh, f->fd, f->io, &a);
}

int p9_statfs(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in);
	struct p9_fid *f;
	struct statvfs sv;
	int r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;

	if (!r)
		r = share_statfs(s->sh, f->fd, &sv);
	if (r)
		return r;
	pdu_put32(out, V9FS_MAGIC);
	pdu_put32(out, (uint32_t)sv.f_bsize);
	pdu_put64(out, sv.f_blocks);
	pdu_put64(out, sv.f_bfree);
	pdu_put64(out, sv.f_bavail);
	pdu_put64(out, sv.f_files);
	pdu_put64(out, sv.f_ffree);
	pdu_put64(out, sv.f_fsid);
	pdu_put32(out, (uint32_t)sv.f_namemax);
	return 0;
}

int p9_xattrwalk(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), newnum = pdu_get32(in);
	char name[XATTR_NAME_MAX + 1];
	struct p9_fid *f, *nf;
	uint8_t *val = NULL;
	ssize_t n;
	int r, h;

	pdu_getstr(in, name, sizeof(name));
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (!r && newnum == num)
		r = -EINVAL;
	if (r)
		return r;
	/* An empty name lists the names. */
	n = *name ? share_getxattr(s->sh, f->fd, name, NULL, 0)
		  : share_listxattr(s->sh, f->fd, NULL, 0);
	if (n < 0)
		return (int)n;
	if (n > P9_XATTR_MAX)
		return -E2BIG;
	if (s->xattr_bytes + (uint64_t)n > P9_XATTR_BUDGET)
		return -ENOSPC;
	val = xmalloc((size_t)n + 1);
	if (n)
		n = *name ? share_getxattr(s->sh, f->fd, name, val, (size_t)n)
			  : share_listxattr(s->sh, f->fd, (char *)val, (size_t)n);
	h = n < 0 ? (int)n : share_dup(s->sh, f->fd);
	r = h < 0 ? h : p9_fid_add(s, newnum, h, &nf);
	if (r) {
		if (h >= 0)
			share_put(s->sh, h);
		free(val);
		return r;
	}
	nf->kind = FID_XATTR_READ;
	nf->xval = val;
	nf->xsize = (uint64_t)n;
	s->xattr_bytes += nf->xsize;
	pdu_put64(out, (uint64_t)n);
	return 0;
}

int p9_xattrcreate(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), flags;
	char name[XATTR_NAME_MAX + 1];
	uint64_t size;
	struct p9_fid *f;
	int r;

	(void)out;
	pdu_getstr(in, name, sizeof(name));
	size = pdu_get64(in);
	flags = pdu_get32(in);
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (r)
		return r;
	if (s->sh->ro)
		return -EROFS;
	if (!*name || flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > P9_XATTR_MAX)
		return -E2BIG;
	/* Values wait in memory until their clunk: bounded in all. */
	if (s->xattr_bytes + size > P9_XATTR_BUDGET)
		return -ENOSPC;
	if (f->io >= 0)
		return -EBADF;
	/* The value arrives in Twrites; it is set when the fid is clunked. */
	s->xattr_bytes += size;
	f->kind = FID_XATTR_WRITE;
	f->xname = xstrdup(name);
	f->xval = xcalloc(1, (size_t)size + 1);
	f->xsize = size;
	f->xflags = (int)flags;
	return 0;
}

int p9_fsync(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), datasync = pdu_get32(in);
	struct p9_fid *f;
	int r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL, fd;

	(void)out;
	if (r)
		return r;
	fd = f->io >= 0 ? f->io : share_io_open(s->sh, f->fd, O_RDONLY);
	if (fd < 0)
		return fd;
	r = (datasync ? fdatasync(fd) : fsync(fd)) ? -errno : 0;
	if (fd != f->io)
		close(fd);
	return r;
}

static int lock_type(uint8_t t)
{
	return t == 0 ? F_RDLCK : t == 1 ? F_WRLCK : t == 2 ? F_UNLCK : -1;
}

int p9_lock(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in);
	struct flock fl = { .l_whence = SEEK_SET };
	char client[256];
	struct p9_fid *f;
	int type = lock_type(pdu_get8(in)), r;

	pdu_get32(in);		/* flags: blocking is the client's loop */
	fl.l_start = (off_t)pdu_get64(in);
	fl.l_len = (off_t)pdu_get64(in);
	pdu_get32(in);		/* proc_id */
	pdu_getstr(in, client, sizeof(client));
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (r)
		return r;
	if (type < 0 || fl.l_start < 0 || fl.l_len < 0)
		return -EINVAL;
	if (f->io < 0)
		return -EBADF;
	fl.l_type = (short)type;
	/* A read-only share takes no host locks: a guest holding one would
	 * stall the host's writers of that file. Its locks are its own. */
	if (s->sh->ro) {
		pdu_put8(out, LOCK_SUCCESS);
		return 0;
	}
	/* Open-file-description locks: one owner per guest open, so guest
	 * processes conflict with each other as on a local disk. */
	if (!fcntl(f->io, F_OFD_SETLK, &fl))
		pdu_put8(out, LOCK_SUCCESS);
	else
		pdu_put8(out, errno == EAGAIN || errno == EACCES ? LOCK_BLOCKED
							      : LOCK_ERROR);
	return 0;
}

int p9_getlock(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in), proc;
	struct flock fl = { .l_whence = SEEK_SET };
	char client[256];
	struct p9_fid *f;
	int type = lock_type(pdu_get8(in)), r;

	fl.l_start = (off_t)pdu_get64(in);
	fl.l_len = (off_t)pdu_get64(in);
	proc = pdu_get32(in);
	pdu_getstr(in, client, sizeof(client));
	r = p9_parsed(in) ? file_fid(s, num, &f) : -EINVAL;
	if (r)
		return r;
	if (type < 0 || type == F_UNLCK || fl.l_start < 0 || fl.l_len < 0)
		return -EINVAL;
	if (f->io < 0)
		return -EBADF;
	fl.l_type = (short)type;
	if (fcntl(f->io, F_OFD_GETLK, &fl))
		return -errno;
	pdu_put8(out, fl.l_type == F_RDLCK ? 0 : fl.l_type == F_WRLCK ? 1 : 2);
	pdu_put64(out, (uint64_t)fl.l_start);
	pdu_put64(out, (uint64_t)fl.l_len);
	pdu_put32(out, fl.l_type == F_UNLCK ? proc : (uint32_t)fl.l_pid);
	pdu_putstr(out, client, strlen(client));
	return 0;
}

/* An xattr fid that was written: set (or, empty with XATTR_REPLACE as
 * Linux's removexattr sends it, remove) the attribute. */
static int xattr_commit(struct p9_server *s, struct p9_fid *f)
{
	if (!f->xsize && f->xflags & XATTR_REPLACE)
		return share_removexattr(s->sh, f->fd, f->xname);
	return share_setxattr(s->sh, f->fd, f->xname, f->xval, f->xsize,
			      f->xflags);
}

int p9_clunk(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in);
	struct p9_fid *f;
	int r = 0;

	(void)out;
	if (!p9_parsed(in))
		return -EINVAL;
	f = p9_fid_take(s, num);
	if (!f)
		return -EBADF;
	if (f->kind == FID_XATTR_WRITE)
		r = xattr_commit(s, f);
	p9_fid_free(s, f);
	return r;
}

int p9_remove(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	uint32_t num = pdu_get32(in);
	char name[256];
	struct p9_fid *f;
	struct stat st;
	int r, dir;

	(void)out;
	if (!p9_parsed(in))
		return -EINVAL;
	f = p9_fid_take(s, num);
	if (!f)
		return -EBADF;
	/* The fid goes whatever happens (9P's remove is also a clunk); an
	 * xattr fid names no file to remove. */
	r = s->sh->ro ? -EROFS : f->kind != FID_FILE ? -EBADF
	    : share_parent(s->sh, f->fd, &dir, name);
	if (!r) {
		r = share_stat(s->sh, f->fd, &st);
		if (!r)
			r = share_unlink(s->sh, dir, name, S_ISDIR(st.st_mode));
		share_put(s->sh, dir);
	}
	p9_fid_free(s, f);
	return r;
}

/* --- the data path ------------------------------------------------- */

/* getdents64 records as 9P dirents: qid[13] offset[8] type[1] name[s].
 * The offset of each is the host's d_off cookie; the next Treaddir
 * seeks to the last one sent. */
static int readdir_to(struct p9_server *s, struct p9_fid *f, uint64_t off,
		      uint32_t count, const struct p9_io *io)
{
	struct pdu m = { xmalloc(count), count, 0, false };
	char *d = xmalloc(32768);
	struct stat st;
	bool full = false, root;
	int r = 0;

	if (fstat(f->io, &st) || lseek(f->io, (off_t)off, SEEK_SET) < 0) {
		r = -errno;
		goto out;
	}
	root = st.st_dev == s->sh->root_dev && st.st_ino == s->sh->root_ino;
	while (!full) {
		long n = syscall(SYS_getdents64, f->io, d, 32768);

		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (!n)
			break;
		for (long p = 0; p < n;) {
			struct dirent64 *e = (struct dirent64 *)(d + p);
			size_t len = strlen(e->d_name);
			struct p9_qid q = {
				.type = e->d_type == DT_DIR ? P9_QTDIR
					: e->d_type == DT_LNK ? P9_QTSYMLINK : 0,
				.path = share_ino(s->sh, st.st_dev, e->d_ino),
			};

			/* The root's ".." is the root (as a walk finds it),
			 * not the host directory above the share. */
			if (root && !strcmp(e->d_name, ".."))
				q.path = share_ino(s->sh, st.st_dev, st.st_ino);

			if (m.len - m.off < 13 + 8 + 1 + 2 + len) {
				full = true;
				break;
			}
			pdu_putqid(&m, &q);
			pdu_put64(&m, (uint64_t)e->d_off);
			pdu_put8(&m, e->d_type);
			pdu_putstr(&m, e->d_name, len);
			p += e->d_reclen;
		}
	}
	/* Not one entry fits: an empty reply would read as the end. */
	if (full && !m.off)
		r = -EINVAL;
	if (!r) {
		iov_from_buf(io->rep, io->nrep, P9_HDR + 4, m.p, m.off);
		r = (int)m.off;
	}
out:
	free(d);
	free(m.p);
	return r;
}

int p9_data(struct p9_server *s, uint8_t type, const struct p9_io *io)
{
	uint8_t h[P9_HDR + 16];
	struct pdu in = { h, sizeof(h), P9_HDR, false };
	struct iovec *v;
	struct p9_fid *f;
	uint32_t num, count, room;
	uint64_t off, got;
	unsigned nv;
	int64_t n;

	if (io->size < sizeof(h))
		return -EINVAL;
	iov_to_buf(io->req, io->nreq, 0, h, sizeof(h));
	num = pdu_get32(&in);
	off = pdu_get64(&in);
	count = pdu_get32(&in);
	f = p9_fid_get(s, num);
	if (!f)
		return -EBADF;
	if (off > INT64_MAX)
		return -EINVAL;
	if (type == P9_TWRITE) {
		if (count != io->size - sizeof(h))
			return -EINVAL;
	} else {
		if (io->size != sizeof(h))
			return -EINVAL;
		/* Rread/Rreaddir: msize - 24 at most, and what fits. */
		room = s->msize - P9_IOHDRSZ;
		if (io->cap < P9_HDR + 4)
			return -ERANGE;
		if (room > io->cap - (P9_HDR + 4))
			room = (uint32_t)(io->cap - (P9_HDR + 4));
		if (count > room)
			count = room;
	}
	if (f->kind == FID_XATTR_READ) {
		if (type != P9_TREAD)
			return -EBADF;
		if (off >= f->xsize)
			return 0;
		if (count > f->xsize - off)
			count = (uint32_t)(f->xsize - off);
		iov_from_buf(io->rep, io->nrep, P9_HDR + 4, f->xval + off, count);
		return (int)count;
	}
	if (f->kind == FID_XATTR_WRITE) {
		if (type != P9_TWRITE)
			return -EBADF;
		if (off > f->xsize || count > f->xsize - off)
			return -ERANGE;
		iov_to_buf(io->req, io->nreq, sizeof(h), f->xval + off, count);
		return (int)count;
	}
	if (f->io < 0)
		return -EBADF;
	if (type == P9_TREADDIR)
		return readdir_to(s, f, off, count, io);
	v = xmalloc(IOV_BUF * sizeof(*v));
	nv = type == P9_TWRITE
		? iov_slice(io->req, io->nreq, sizeof(h), count, v, IOV_BUF, &got)
		: iov_slice(io->rep, io->nrep, P9_HDR + 4, count, v, IOV_BUF, &got);
	n = iov_pio(f->io, v, nv, (int64_t)off, type == P9_TWRITE);
	free(v);
	return (int)n;
}
