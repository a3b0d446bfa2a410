// SPDX-License-Identifier: MIT
/*
 * FUSE requests on open files and directories: OPEN, READ, WRITE, FLUSH,
 * RELEASE, FSYNC, LSEEK, FALLOCATE, OPENDIR, READDIR, READDIRPLUS,
 * RELEASEDIR, FSYNCDIR. The data moves between the host file and the
 * guest's buffers with preadv/pwritev, never through a copy here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/falloc.h>

#include "fuse_i.h"
#include "../share.h"
#include "../../common/iov.h"
#include "../../common/util.h"

int fuse_op_open(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_open_in in;
	struct fuse_open_out out = { 0 };
	int fd, err = fuse_file_room(f);

	memcpy(&in, r->arg, sizeof(in));
	if (err)
		return err;
	if ((in.flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	/* Regular files and directories only: a FIFO, a device or a
	 * symlink is refused by the share (EPERM). */
	fd = share_io_open(f->sh, r->node->fd, (int)(in.flags & FUSE_OPEN_FLAGS));
	if (fd < 0)
		return fd;
	/* No FOPEN_KEEP_CACHE: each open drops the guest's cached pages, so
	 * that what the host wrote meanwhile is read. */
	out.fh = fuse_file_add(f, fd, false, false);
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Into the writable buffers after the header. A reply shorter than asked
 * means end of file to the kernel (it shrinks its idea of the size), so
 * read until done or the true end, and fail rather than return less.
 */
int fuse_op_read(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_read_in in;
	struct fuse_file *file;
	uint64_t size, got, done = 0;
	int64_t k;
	unsigned n;

	memcpy(&in, r->arg, sizeof(in));
	file = fuse_file_get(f, in.fh, false);
	if (!file)
		return -EBADF;
	if (in.offset > INT64_MAX)
		return -EINVAL;
	size = min3(in.size, f->max_write, r->space);
	/* IOV_MAX buffers at a time. An error after some data: the data
	 * (the next read gets the error); never a zero-length success for
	 * an error. */
	while (done < size) {
		n = iov_slice(r->rep, r->nrep, FUSE_OUT_HDR + done, size - done,
			      f->iov, IOV_MAX, &got);
		k = iov_pio(file->fd, f->iov, n, (int64_t)(in.offset + done), false);
		if (k < 0)
			return done ? (int)done : (int)k;
		done += (uint64_t)k;
		if ((uint64_t)k < got)
			break;		/* the end of the file */
	}
	return (int)done;
}

/* Arguments: fuse_write_in, then exactly size bytes of data, written
 * from where they are. */
int fuse_op_write(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_write_in in;
	struct fuse_write_out out = { 0 };
	struct fuse_file *file;
	uint64_t at = FUSE_IN_HDR + sizeof(in), got;
	int64_t done, k;
	unsigned n;

	memcpy(&in, r->arg, sizeof(in));
	if (in.size != r->argn - sizeof(in) || in.size > f->max_write)
		return -EINVAL;
	file = fuse_file_get(f, in.fh, false);
	if (!file)
		return -EBADF;
	if (f->sh->ro)
		return -EROFS;
	if (in.offset > INT64_MAX)
		return -EINVAL;
	for (done = 0; (uint64_t)done < in.size; done += k) {
		n = iov_slice(r->req, r->nreq, at + (uint64_t)done,
			      in.size - (uint64_t)done, f->iov, IOV_MAX, &got);
		k = iov_pio(file->fd, f->iov, n, (int64_t)in.offset + done, true);
		if (k < 0)
			return (int)k;
		if (!k)
			return -EIO;
	}
	out.size = (uint32_t)done;
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

/* close(2) in the guest: nothing is buffered here, and no locks kept. */
int fuse_op_flush(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_flush_in in;

	memcpy(&in, r->arg, sizeof(in));
	return fuse_file_get(f, in.fh, false) ? 0 : -EBADF;
}

static int release(struct fuse_server *f, struct fuse_req *r, bool dir)
{
	struct fuse_release_in in;

	memcpy(&in, r->arg, sizeof(in));
	if (!fuse_file_get(f, in.fh, dir))
		return -EBADF;
	fuse_file_del(f, in.fh);
	return 0;
}

int fuse_op_release(struct fuse_server *f, struct fuse_req *r)
{
	return release(f, r, false);
}

int fuse_op_releasedir(struct fuse_server *f, struct fuse_req *r)
{
	return release(f, r, true);
}

static int sync_file(struct fuse_server *f, struct fuse_req *r, bool dir)
{
	struct fuse_fsync_in in;
	struct fuse_file *file;

	memcpy(&in, r->arg, sizeof(in));
	file = fuse_file_get(f, in.fh, dir);
	if (!file)
		return -EBADF;
	if (in.fsync_flags & FUSE_FSYNC_FDATASYNC)
		return fdatasync(file->fd) ? -errno : 0;
	return fsync(file->fd) ? -errno : 0;
}

int fuse_op_fsync(struct fuse_server *f, struct fuse_req *r)
{
	return sync_file(f, r, false);
}

int fuse_op_fsyncdir(struct fuse_server *f, struct fuse_req *r)
{
	return sync_file(f, r, true);
}

/* The kernel answers SEEK_SET, SEEK_CUR and SEEK_END itself and asks
 * only for SEEK_DATA and SEEK_HOLE (fs/fuse/file.c, fuse_lseek). */
int fuse_op_lseek(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_lseek_in in;
	struct fuse_lseek_out out;
	struct fuse_file *file;
	off_t o;

	memcpy(&in, r->arg, sizeof(in));
	file = fuse_file_get(f, in.fh, false);
	if (!file)
		return -EBADF;
	if ((in.whence != SEEK_DATA && in.whence != SEEK_HOLE) ||
	    in.offset > INT64_MAX)
		return -EINVAL;
	o = lseek(file->fd, (off_t)in.offset, (int)in.whence);
	if (o < 0)
		return -errno;
	out.offset = (uint64_t)o;
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

/* The modes fallocate(2) on FUSE may ask for (fs/fuse/file.c). */
#define FALLOC_MODES (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | \
		      FALLOC_FL_ZERO_RANGE)

int fuse_op_fallocate(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_fallocate_in in;
	struct fuse_file *file;

	memcpy(&in, r->arg, sizeof(in));
	file = fuse_file_get(f, in.fh, false);
	if (!file)
		return -EBADF;
	if (f->sh->ro)
		return -EROFS;
	if (in.mode & ~(uint32_t)FALLOC_MODES)
		return -EOPNOTSUPP;
	if (in.offset > INT64_MAX || in.length > INT64_MAX)
		return -EINVAL;
	return fallocate(file->fd, (int)in.mode, (off_t)in.offset,
			 (off_t)in.length) ? -errno : 0;
}

int fuse_op_opendir(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_open_out out = { 0 };
	int fd, err = fuse_file_room(f);

	if (err)
		return err;
	fd = share_io_open(f->sh, r->node->fd, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	out.fh = fuse_file_add(f, fd, true, r->h.nodeid == FUSE_ROOT_ID);
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

/* A record of getdents64(2). */
struct dent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

#define DENT_NAME offsetof(struct dent64, name)

/*
 * One entry at used bytes into the reply. READDIRPLUS adds the entry's
 * lookup, counted like a LOOKUP's; "." and "..", which the kernel does
 * not take from it (fs/fuse/readdir.c, fuse_direntplus_link), and names
 * that could not be looked up go with nodeid 0: a name without an entry.
 */
static void emit(struct fuse_server *f, struct fuse_req *r,
		 struct fuse_file *dir, const struct stat *st,
		 const struct dent64 *d, uint32_t len, uint64_t used,
		 uint64_t rec, bool plus)
{
	static const uint8_t zero[8];
	struct fuse_direntplus e = { 0 };
	bool dot = d->name[0] == '.' &&
		   (len == 1 || (len == 2 && d->name[1] == '.'));
	uint64_t hdr;
	int h;

	e.dirent = (struct fuse_dirent){
		.ino = share_ino(f->sh, st->st_dev, d->ino),
		.off = (uint64_t)d->off,
		.namelen = len,
		.type = d->type,
	};
	/* The share's root is its own parent: no number from outside. */
	if (dot && dir->root)
		e.dirent.ino = st->st_ino;
	if (plus && !dot) {
		h = share_lookup(f->sh, dir->fd, d->name);
		if (h >= 0 && !fuse_entry_fill(f, h, &e.entry_out))
			e.dirent.ino = e.entry_out.attr.ino;
		else
			e.entry_out = (struct fuse_entry_out){ 0 };
	}
	hdr = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	fuse_put(r, used, plus ? (void *)&e : (void *)&e.dirent, hdr);
	fuse_put(r, used + hdr, d->name, len);
	fuse_put(r, used + hdr + len, zero, rec - hdr - len);
}

/*
 * The offset is a cookie, the d_off of the entry before (0: from the
 * start): seek there and read on. Entries go into the reply while they
 * fit in the size asked and the writable space; the next READDIR comes
 * back with the last one's d_off.
 */
static int read_dir(struct fuse_server *f, struct fuse_req *r, bool plus)
{
	struct fuse_read_in in;
	struct fuse_file *dir;
	struct stat st;
	uint64_t size, used = 0;
	size_t chunk;
	int err;

	memcpy(&in, r->arg, sizeof(in));
	dir = fuse_file_get(f, in.fh, true);
	if (!dir)
		return -EBADF;
	if (in.offset > INT64_MAX)
		return -EINVAL;
	err = share_stat(f->sh, dir->fd, &st);
	if (err)
		return err;
	size = in.size < r->space ? in.size : r->space;
	/* A guest entry is no smaller than its getdents64 record: reading
	 * size bytes of those fills the reply, and one whole name always
	 * fits in 4096. */
	chunk = size < 4096 ? 4096 : size > FUSE_BUF_SIZE ? FUSE_BUF_SIZE : size;
	if (lseek(dir->fd, (off_t)in.offset, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = getdents64(dir->fd, f->buf, chunk);

		if (n <= 0)
			return n < 0 && !used ? -errno : (int)used;
		for (ssize_t pos = 0; pos < n;) {
			const struct dent64 *d = (const void *)(f->buf + pos);
			uint32_t len = (uint32_t)strnlen(d->name,
							 d->reclen - DENT_NAME);
			uint64_t rec = FUSE_DIRENT_ALIGN(len + (plus ?
					FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET));

			if (used + rec > size)
				return used ? (int)used : -EINVAL;
			emit(f, r, dir, &st, d, len, used, rec, plus);
			used += rec;
			pos += d->reclen;
		}
	}
}

int fuse_op_readdir(struct fuse_server *f, struct fuse_req *r)
{
	return read_dir(f, r, false);
}

int fuse_op_readdirplus(struct fuse_server *f, struct fuse_req *r)
{
	return read_dir(f, r, true);
}
