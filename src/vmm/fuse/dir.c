// SPDX-License-Identifier: MIT
/*
 * FUSE requests on names and attributes: LOOKUP, GETATTR, SETATTR,
 * CREATE, MKNOD, MKDIR, SYMLINK, UNLINK, RMDIR, RENAME, LINK,
 * READLINK, STATFS and the xattrs. Each is a share_* call: the share
 * checks the names, refuses what would leave it and answers EROFS.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/limits.h>

#include "fuse_i.h"
#include "../share.h"
#include "../../common/util.h"

int fuse_op_lookup(struct fuse_server *f, struct fuse_req *r)
{
	uint32_t off = 0;
	const char *name = fuse_arg_str(r, &off);
	int h;

	if (!name)
		return -EINVAL;
	/* "." and ".." too (FUSE_EXPORT_SUPPORT); ".." of the root is the
	 * root, as in share_lookup. */
	h = share_lookup(f->sh, r->node->fd, name);
	if (h < 0)
		return h;
	return fuse_entry_reply(f, r, h, 0);
}

static int attr_reply(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_attr_out out = { .attr_valid = FUSE_ATTR_VALID };
	struct stat st;
	int err = share_stat(f->sh, r->node->fd, &st);

	if (err)
		return err;
	fuse_attr_fill(&out.attr, &st);
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

int fuse_op_getattr(struct fuse_server *f, struct fuse_req *r)
{
	return attr_reply(f, r);
}

static int set_time(struct timespec *ts, uint64_t sec, uint32_t nsec, bool now)
{
	if (now) {
		*ts = (struct timespec){ .tv_nsec = UTIME_NOW };
		return 0;
	}
	/* Not UTIME_NOW or UTIME_OMIT in disguise. */
	if (nsec >= 1000000000 || sec > INT64_MAX)
		return -EINVAL;
	*ts = (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = nsec };
	return 0;
}

int fuse_op_setattr(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_setattr_in in;
	struct share_attr a = { 0 };
	struct fuse_file *file = NULL;
	int err = 0;

	memcpy(&in, r->arg, sizeof(in));
	if (in.valid & FATTR_FH) {
		file = fuse_file_get(f, in.fh, false);
		if (!file)
			return -EBADF;
	}
	if (in.valid & FATTR_MODE)
		a.valid |= SHARE_SET_MODE, a.mode = in.mode & 07777;
	if (in.valid & FATTR_UID)
		a.valid |= SHARE_SET_UID, a.uid = in.uid;
	if (in.valid & FATTR_GID)
		a.valid |= SHARE_SET_GID, a.gid = in.gid;
	if (in.valid & FATTR_SIZE) {
		if (in.size > INT64_MAX)
			return -EFBIG;
		a.valid |= SHARE_SET_SIZE, a.size = (off_t)in.size;
	}
	if (in.valid & FATTR_ATIME) {
		a.valid |= SHARE_SET_ATIME;
		err = set_time(&a.atime, in.atime, in.atimensec,
			       in.valid & FATTR_ATIME_NOW);
	}
	if (!err && in.valid & FATTR_MTIME) {
		a.valid |= SHARE_SET_MTIME;
		err = set_time(&a.mtime, in.mtime, in.mtimensec,
			       in.valid & FATTR_MTIME_NOW);
	}
	/* FATTR_CTIME alone: the kernel's way of saying "touch ctime"; the
	 * host sets it with any other change. */
	if (in.valid & FATTR_CTIME && !a.valid)
		a.valid |= SHARE_SET_CTIME;
	if (err || (err = share_setattr(f->sh, r->node->fd, file ? file->fd : -1,
					&a)))
		return err;
	return attr_reply(f, r);
}

int fuse_op_readlink(struct fuse_server *f, struct fuse_req *r)
{
	int n = share_readlink(f->sh, r->node->fd, (char *)f->buf, PATH_MAX);

	if (n < 0)
		return n;
	if (n >= PATH_MAX || (uint64_t)n > r->space)
		return -ENAMETOOLONG;
	/* The text only: the guest resolves it, never the host. */
	fuse_put(r, 0, f->buf, (uint64_t)n);
	return n;
}

/*
 * The owner of what the guest creates: its caller's (fuse_in_header; the
 * share applies it only as root), but the group of a set-group-ID
 * directory as the host would give it.
 */
static gid_t group_of(struct fuse_server *f, struct fuse_req *r)
{
	struct stat st;

	if (!share_stat(f->sh, r->node->fd, &st) && st.st_mode & S_ISGID)
		return (gid_t)-1;
	return r->h.gid;
}

/*
 * The guest's kernel applied its umask (no FUSE_DONT_MASK: fuse.h); our
 * process's umask applied again on the host. Give back the permission
 * bits the second one took, and only those: when the host gave more or
 * other bits (a default ACL, a set-group-ID directory), leave them.
 */
static void unmask(struct fuse_server *f, int handle, mode_t want)
{
	struct share_attr a = { .valid = SHARE_SET_MODE };
	struct stat st;
	mode_t have;

	if (share_stat(f->sh, handle, &st) || S_ISLNK(st.st_mode))
		return;
	have = st.st_mode & 0777;
	want &= 0777;
	if (have == want || have & ~want)
		return;
	a.mode = (st.st_mode & 07000) | want;
	share_setattr(f->sh, handle, -1, &a);
}

/* After share_mkdir and the like: the new object's entry, or the error. */
static int made(struct fuse_server *f, struct fuse_req *r, int h, mode_t want)
{
	if (h < 0)
		return h;
	unmask(f, h, want);
	return fuse_entry_reply(f, r, h, 0);
}

/* The kernel's new_decode_dev(), for fuse_mknod_in.rdev. */
static dev_t decode_dev(uint32_t d)
{
	return makedev((d & 0xfff00) >> 8, (d & 0xff) | ((d >> 12) & 0xfff00));
}

int fuse_op_mknod(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_mknod_in in;
	uint32_t off = sizeof(in);
	const char *name = fuse_arg_str(r, &off);
	mode_t mode;

	memcpy(&in, r->arg, sizeof(in));
	if (!name)
		return -EINVAL;
	mode = in.mode & ~(in.umask & 0777);
	return made(f, r, share_mknod(f->sh, r->node->fd, name, mode,
				      decode_dev(in.rdev), r->h.uid,
				      group_of(f, r)), mode);
}

int fuse_op_mkdir(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_mkdir_in in;
	uint32_t off = sizeof(in);
	const char *name = fuse_arg_str(r, &off);
	mode_t mode;

	memcpy(&in, r->arg, sizeof(in));
	if (!name)
		return -EINVAL;
	mode = in.mode & ~(in.umask & 0777);
	return made(f, r, share_mkdir(f->sh, r->node->fd, name, mode, r->h.uid,
				      group_of(f, r)), mode);
}

/* Arguments: the new name, then the target (fs/fuse/dir.c). */
int fuse_op_symlink(struct fuse_server *f, struct fuse_req *r)
{
	uint32_t off = 0;
	const char *name = fuse_arg_str(r, &off);
	const char *target = name ? fuse_arg_str(r, &off) : NULL;
	int h;

	if (!target)
		return -EINVAL;
	h = share_symlink(f->sh, r->node->fd, name, target, r->h.uid,
			  group_of(f, r));
	if (h < 0)
		return h;
	return fuse_entry_reply(f, r, h, 0);
}

/*
 * Arguments: fuse_create_in, the name. The reply: the entry, then the open
 * file. The guest sends CREATE for a name it saw missing; one created on
 * the host since is opened, as open(2) without O_EXCL would.
 */
int fuse_op_create(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_create_in in;
	struct fuse_open_out out = { 0 };
	uint32_t off = sizeof(in);
	const char *name = fuse_arg_str(r, &off);
	int flags, fd, h, err = fuse_file_room(f);
	mode_t mode;

	memcpy(&in, r->arg, sizeof(in));
	if (err)
		return err;
	if (!name || (in.flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	flags = (int)(in.flags & FUSE_OPEN_FLAGS);
	mode = in.mode & ~(in.umask & 0777);
	fd = share_create(f->sh, r->node->fd, name, flags, mode, r->h.uid,
			  group_of(f, r), &h);
	if (fd == -EEXIST && !(in.flags & O_EXCL)) {
		h = share_lookup(f->sh, r->node->fd, name);
		if (h < 0)
			return h;
		fd = share_io_open(f->sh, h, flags);
		if (fd < 0) {
			share_put(f->sh, h);
			return fd;
		}
	} else if (fd < 0) {
		return fd;
	} else {
		unmask(f, h, mode);
	}
	err = fuse_entry_reply(f, r, h, 0);
	if (err < 0) {
		close(fd);
		return err;
	}
	out.fh = fuse_file_add(f, fd, false, false);
	fuse_put(r, sizeof(struct fuse_entry_out), &out, sizeof(out));
	return sizeof(struct fuse_entry_out) + sizeof(out);
}

static int drop(struct fuse_server *f, struct fuse_req *r, bool dir)
{
	uint32_t off = 0;
	const char *name = fuse_arg_str(r, &off);

	if (!name)
		return -EINVAL;
	return share_unlink(f->sh, r->node->fd, name, dir);
}

int fuse_op_unlink(struct fuse_server *f, struct fuse_req *r)
{
	return drop(f, r, false);
}

int fuse_op_rmdir(struct fuse_server *f, struct fuse_req *r)
{
	return drop(f, r, true);
}

/* Arguments: the fixed part, the old name, the new name. */
static int rename_at(struct fuse_server *f, struct fuse_req *r, uint64_t newdir,
		     uint32_t off, unsigned flags)
{
	struct fuse_node *to = fuse_node_get(f, newdir);
	const char *from = fuse_arg_str(r, &off);
	const char *name = from ? fuse_arg_str(r, &off) : NULL;

	if (!to)
		return -ENOENT;
	if (!name)
		return -EINVAL;
	return share_rename(f->sh, r->node->fd, from, to->fd, name, flags);
}

int fuse_op_rename(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_rename_in in;

	memcpy(&in, r->arg, sizeof(in));
	return rename_at(f, r, in.newdir, sizeof(in), 0);
}

int fuse_op_rename2(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_rename2_in in;

	memcpy(&in, r->arg, sizeof(in));
	return rename_at(f, r, in.newdir, sizeof(in), in.flags);
}

/* h.nodeid is the new parent, link_in the inode; the reply is the
 * inode's entry, one more lookup of the same node. */
int fuse_op_link(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_link_in in;
	struct fuse_entry_out e;
	struct fuse_node *old;
	struct stat st;
	uint32_t off = sizeof(in);
	const char *name = fuse_arg_str(r, &off);
	int err;

	memcpy(&in, r->arg, sizeof(in));
	old = fuse_node_get(f, in.oldnodeid);
	if (!old)
		return -ENOENT;
	if (!name)
		return -EINVAL;
	err = share_link(f->sh, old->fd, r->node->fd, name);
	if (err || (err = share_stat(f->sh, old->fd, &st)))
		return err;
	old->nlookup++;
	fuse_entry_set(&e, in.oldnodeid, &st);
	fuse_put(r, 0, &e, sizeof(e));
	return sizeof(e);
}

int fuse_op_statfs(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_statfs_out out = { 0 };
	struct statvfs sv;
	int err = share_statfs(f->sh, r->node->fd, &sv);

	if (err)
		return err;
	out.st = (struct fuse_kstatfs){
		.blocks = sv.f_blocks, .bfree = sv.f_bfree, .bavail = sv.f_bavail,
		.files = sv.f_files, .ffree = sv.f_ffree,
		.bsize = (uint32_t)sv.f_bsize, .frsize = (uint32_t)sv.f_frsize,
		.namelen = (uint32_t)sv.f_namemax,
	};
	fuse_put(r, 0, &out, sizeof(out));
	return sizeof(out);
}

/* An xattr name at *off: NUL-terminated, at most XATTR_NAME_MAX (as
 * setxattr(2), ERANGE past it). */
static int xattr_name(struct fuse_req *r, uint32_t *off, const char **name)
{
	*name = fuse_arg_str(r, off);
	if (!*name)
		return -EINVAL;
	return strlen(*name) > XATTR_NAME_MAX ? -ERANGE : 0;
}

/* Arguments: fuse_setxattr_in (short), the name, size bytes of value. */
int fuse_op_setxattr(struct fuse_server *f, struct fuse_req *r)
{
	struct fuse_setxattr_in in;
	uint32_t off = FUSE_COMPAT_SETXATTR_IN_SIZE;
	const char *name;
	int err = xattr_name(r, &off, &name);

	memcpy(&in, r->arg, FUSE_COMPAT_SETXATTR_IN_SIZE);
	if (err)
		return err;
	if (in.size > XATTR_SIZE_MAX)
		return -E2BIG;
	if (r->argn - off != in.size ||
	    in.flags & ~(unsigned)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	return share_setxattr(f->sh, r->node->fd, name, r->arg + off, in.size,
			      (int)in.flags);
}

/*
 * GETXATTR and LISTXATTR: size 0 asks for the length (fuse_getxattr_out),
 * else the value, ERANGE when it is larger than size. The value never
 * exceeds XATTR_SIZE_MAX, our buffer's size; nor may it the writable
 * space.
 */
static int xattr_reply(struct fuse_server *f, struct fuse_req *r,
		       const char *name)
{
	struct fuse_getxattr_in in;
	struct fuse_getxattr_out out = { 0 };
	uint64_t size;
	ssize_t n;

	memcpy(&in, r->arg, sizeof(in));
	if (!in.size) {
		if (r->space < sizeof(out))
			return -EINVAL;
		n = name ? share_getxattr(f->sh, r->node->fd, name, NULL, 0)
			 : share_listxattr(f->sh, r->node->fd, NULL, 0);
		if (n < 0)
			return (int)n;
		out.size = (uint32_t)n;
		fuse_put(r, 0, &out, sizeof(out));
		return sizeof(out);
	}
	size = in.size < FUSE_BUF_SIZE ? in.size : FUSE_BUF_SIZE;
	if (size > r->space)
		size = r->space;
	n = name ? share_getxattr(f->sh, r->node->fd, name, f->buf, size)
		 : share_listxattr(f->sh, r->node->fd, (char *)f->buf, size);
	if (n < 0)
		return (int)n;
	fuse_put(r, 0, f->buf, (uint64_t)n);
	return (int)n;
}

int fuse_op_getxattr(struct fuse_server *f, struct fuse_req *r)
{
	uint32_t off = sizeof(struct fuse_getxattr_in);
	const char *name;
	int err = xattr_name(r, &off, &name);

	return err ?: xattr_reply(f, r, name);
}

int fuse_op_listxattr(struct fuse_server *f, struct fuse_req *r)
{
	return xattr_reply(f, r, NULL);
}

int fuse_op_removexattr(struct fuse_server *f, struct fuse_req *r)
{
	uint32_t off = 0;
	const char *name;
	int err = xattr_name(r, &off, &name);

	return err ?: share_removexattr(f->sh, r->node->fd, name);
}
