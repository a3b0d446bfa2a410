// SPDX-License-Identifier: MIT
/* A confined host directory for the protocol servers. See share.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "share.h"
#include "../common/util.h"

/*
 * Guest inode numbers: (index of the host device + 1) << 48 | inode while
 * the inode fits in 48 bits (every common file system), else a number
 * handed out in order from a table (top 16 bits zero, so the two ranges
 * never meet). 9p's qid.path and FUSE's attr.ino both come from here.
 */
#define INO_BITS 48
#define DEVS_MAX 0xfffe
#define BIG_MAX (1u << 20)		/* table entries before hashing */

struct big {
	dev_t dev;
	ino_t ino;
	uint64_t id;			/* 0: free slot */
};

struct share_inomap {
	dev_t devs[DEVS_MAX];
	unsigned ndevs;
	struct big *big;
	size_t nbig, capbig;
	uint64_t next;
};

static uint64_t mix(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return h ^ (h >> 29);
}

static void big_grow(struct share_inomap *m)
{
	size_t cap = m->capbig ? m->capbig * 2 : 1024;
	struct big *t = xcalloc(cap, sizeof(*t));

	for (size_t i = 0; i < m->capbig; i++) {
		size_t j = mix(m->big[i].dev, m->big[i].ino) & (cap - 1);

		if (!m->big[i].id)
			continue;
		while (t[j].id)
			j = (j + 1) & (cap - 1);
		t[j] = m->big[i];
	}
	free(m->big);
	m->big = t;
	m->capbig = cap;
}

uint64_t share_ino(struct share *s, dev_t dev, ino_t ino)
{
	struct share_inomap *m = s->inos;
	size_t j;

	if ((uint64_t)ino < (1ull << INO_BITS)) {
		for (unsigned i = 0; i < m->ndevs; i++)
			if (m->devs[i] == dev)
				return (uint64_t)(i + 1) << INO_BITS | ino;
		if (m->ndevs < DEVS_MAX) {
			m->devs[m->ndevs++] = dev;
			return (uint64_t)m->ndevs << INO_BITS | ino;
		}
	}
	if (m->nbig >= BIG_MAX)		/* past the table: a hash, not unique */
		return mix(dev, ino) & ((1ull << INO_BITS) - 1);
	if (2 * (m->nbig + 1) > m->capbig)
		big_grow(m);
	for (j = mix(dev, ino) & (m->capbig - 1); m->big[j].id;
	     j = (j + 1) & (m->capbig - 1))
		if (m->big[j].dev == dev && m->big[j].ino == ino)
			return m->big[j].id;
	m->big[j] = (struct big){ dev, ino, ++m->next };
	m->nbig++;
	return m->next;
}

/* The mode bits a guest may give: no setuid, no setgid (a guest's
 * root would leave set-id programs for the host's users), sticky kept. */
#define SHARE_MODE (07777 & ~(S_ISUID | S_ISGID))

static void procpath(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static int stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

/*
 * File systems whose "regular files" are not data: the kernel's and the
 * launcher's own state (/proc/<pid>/mem, kcore), files whose reads block
 * (kmsg, trace_pipe) or act. A share of / reaches them; they are never
 * opened, nor their extended attributes touched.
 */
static bool pseudo_fs(int fd)
{
	static const unsigned long magic[] = {
		0x9fa0,		/* proc */
		0x62656572,	/* sysfs */
		0x64626720,	/* debugfs */
		0x74726163,	/* tracefs */
		0x73636673,	/* securityfs */
		0x27e0eb,	/* cgroup */
		0x63677270,	/* cgroup2 */
		0xcafe4a11,	/* bpf */
		0x62656570,	/* configfs */
		0xde5e81e4,	/* efivarfs */
		0x6165676c,	/* pstore */
		0x1cd1,		/* devpts */
		0x42494e4d,	/* binfmt_misc */
	};
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return true;	/* cannot tell: not opened */
	for (size_t i = 0; i < ARRAY_SIZE(magic); i++)
		if ((unsigned long)sf.f_type == magic[i])
			return true;
	return false;
}

static int count(struct share *s, int fd)
{
	if (fd < 0)
		return -errno;
	s->handles++;
	return fd;
}

int share_open(struct share *s, const char *dir, bool ro, bool dev)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH };
	struct rlimit rl;
	struct stat st;
	int fd;

	memset(s, 0, sizeof(*s));
	s->root = -1;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(errno, "share %s", dir);
	if (stat_fd(fd, &st)) {
		close(fd);
		return error_errno(errno, "share %s", dir);
	}
	s->root = fd;
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	s->ro = ro;
	s->dev = dev;
	s->mapped = geteuid() != 0;
	s->inos = xcalloc(1, sizeof(*s->inos));
	fd = (int)syscall(SYS_openat2, s->root, ".", &how, sizeof(how));
	if (fd >= 0)
		close(fd);
	else if (errno == ENOSYS)
		s->no_openat2 = true;
	/* Every handle is a descriptor, and a guest's untar of a big tree
	 * holds one per file: as many as the system allows (root may raise
	 * the hard limit to fs.nr_open, as virtiofsd does), else the hard
	 * limit. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		struct rlimit want = rl;
		FILE *f = fopen("/proc/sys/fs/nr_open", "re");
		unsigned long nr;

		if (f && fscanf(f, "%lu", &nr) == 1 && nr > rl.rlim_max &&
		    !geteuid())
			want.rlim_max = nr < 2 * SHARE_NODES_MAX ? nr
				       : 2 * SHARE_NODES_MAX;
		if (f)
			fclose(f);
		want.rlim_cur = want.rlim_max;
		if (want.rlim_cur != rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	return 0;
}

void share_close(struct share *s)
{
	if (s->root >= 0)
		close(s->root);
	s->root = -1;
	if (s->inos)
		free(s->inos->big);
	free(s->inos);
	s->inos = NULL;
}

int share_name_check(const char *name)
{
	size_t n = strlen(name);

	if (!n || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return n > NAME_MAX ? -ENAMETOOLONG : 0;
}

static bool is_root(struct share *s, int fd)
{
	struct stat st;

	return !stat_fd(fd, &st) && st.st_dev == s->root_dev &&
	       st.st_ino == s->root_ino;
}

/* One component beneath dir, never following a symlink. */
static int open_beneath(struct share *s, int dir, const char *name, int flags,
			mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = flags & O_CREAT ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!s->no_openat2) {
		fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd < 0 ? -errno : fd;
		s->no_openat2 = true;
	}
	/* The walk without openat2: name is one checked component, so one
	 * O_NOFOLLOW step is the whole walk. */
	fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

static int full(struct share *s)
{
	return s->handles >= SHARE_NODES_MAX ? -ENFILE : 0;
}

int share_root(struct share *s)
{
	return full(s) ?: count(s, fcntl(s->root, F_DUPFD_CLOEXEC, 0));
}

int share_dup(struct share *s, int fd)
{
	return full(s) ?: count(s, fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

void share_put(struct share *s, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	s->handles--;
}

int share_lookup(struct share *s, int dir, const char *name)
{
	int r = full(s);

	if (r)
		return r;
	if (!strcmp(name, "."))
		return share_dup(s, dir);
	if (!strcmp(name, "..")) {
		/* The share's root is its own parent, as "/" is. */
		if (is_root(s, dir))
			return share_root(s);
		return count(s, openat(dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
	}
	r = share_name_check(name);
	if (r)
		return r;
	r = open_beneath(s, dir, name, O_PATH, 0);
	if (r >= 0)
		s->handles++;
	return r;
}

int share_stat(struct share *s, int fd, struct stat *st)
{
	int r = stat_fd(fd, st);

	if (r)
		return r;
	st->st_ino = (ino_t)share_ino(s, st->st_dev, st->st_ino);
	if (s->mapped)
		st->st_uid = 0, st->st_gid = 0;
	return 0;
}

int share_statfs(struct share *s, int fd, struct statvfs *sv)
{
	(void)s;
	return fstatvfs(fd, sv) ? -errno : 0;
}

int share_io_open(struct share *s, int fd, int flags)
{
	struct stat st;
	char path[32];
	int acc = flags & O_ACCMODE, r = stat_fd(fd, &st);

	if (r)
		return r;
	if ((!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) || pseudo_fs(fd))
		return -EPERM;
	if (s->ro && (acc != O_RDONLY || flags & O_TRUNC))
		return -EROFS;
	if (S_ISDIR(st.st_mode) && (acc != O_RDONLY || flags & O_TRUNC))
		return -EISDIR;
	flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT | O_PATH | O_NOFOLLOW |
		   O_ASYNC | O_NOATIME);
	flags |= O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
	procpath(fd, path);
	r = open(path, flags);
	return r < 0 ? -errno : r;
}

/* Give a new object the guest's owner (root only: a user cannot). */
static int own(struct share *s, int fd, uid_t uid, gid_t gid)
{
	if (s->mapped || (uid == (uid_t)-1 && gid == (gid_t)-1))
		return 0;
	return fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)
		? -errno : 0;
}

/* A mutation's checks: a writable share, a name, room for a handle. */
static int may_create(struct share *s, const char *name)
{
	if (s->ro)
		return -EROFS;
	return share_name_check(name) ?: full(s);
}

int share_create(struct share *s, int dir, const char *name, int flags,
		 mode_t mode, uid_t uid, gid_t gid, int *handle)
{
	char path[32];
	int io, h, r = may_create(s, name);

	if (r)
		return r;
	flags &= O_ACCMODE | O_APPEND | O_SYNC | O_DSYNC | O_LARGEFILE;
	io = open_beneath(s, dir, name, flags | O_CREAT | O_EXCL, mode & SHARE_MODE);
	if (io < 0)
		return io;
	procpath(io, path);
	h = count(s, open(path, O_PATH | O_CLOEXEC));
	r = h < 0 ? h : own(s, h, uid, gid);
	if (r) {
		share_put(s, h);
		unlinkat(dir, name, 0);
		close(io);
		return r;
	}
	*handle = h;
	return io;
}

/* After mkdirat, mknodat, symlinkat: the new object's handle, owned. */
static int created(struct share *s, int dir, const char *name, int r,
		   uid_t uid, gid_t gid, bool isdir)
{
	int h;

	if (r)
		return -errno;
	h = open_beneath(s, dir, name, O_PATH, 0);
	if (h < 0)
		return h;
	s->handles++;
	r = own(s, h, uid, gid);
	if (r) {
		share_put(s, h);
		unlinkat(dir, name, isdir ? AT_REMOVEDIR : 0);
		return r;
	}
	return h;
}

int share_mkdir(struct share *s, int dir, const char *name, mode_t mode,
		uid_t uid, gid_t gid)
{
	int r = may_create(s, name);

	if (r)
		return r;
	/* setgid on a directory only passes its group on: kept. */
	return created(s, dir, name, mkdirat(dir, name, mode & (SHARE_MODE | S_ISGID)),
		       uid, gid, true);
}

int share_mknod(struct share *s, int dir, const char *name, mode_t mode,
		dev_t rdev, uid_t uid, gid_t gid)
{
	int r = may_create(s, name);

	if (r)
		return r;
	switch (mode & S_IFMT) {
	case S_IFCHR:
	case S_IFBLK:
		if (!s->dev)
			return -EPERM;
		break;
	case 0:
		mode |= S_IFREG;
		/* fall through */
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		rdev = 0;
		break;
	default:
		return -EINVAL;
	}
	return created(s, dir, name,
		       mknodat(dir, name, mode & (S_IFMT | SHARE_MODE), rdev), uid,
		       gid, false);
}

int share_symlink(struct share *s, int dir, const char *name,
		  const char *target, uid_t uid, gid_t gid)
{
	int r = may_create(s, name);

	if (r)
		return r;
	if (!*target)
		return -ENOENT;
	if (strlen(target) >= PATH_MAX)
		return -ENAMETOOLONG;
	return created(s, dir, name, symlinkat(target, dir, name), uid, gid,
		       false);
}

int share_link(struct share *s, int fd, int dir, const char *name)
{
	struct stat st;
	char path[32];
	int r = may_create(s, name);

	if (r || (r = stat_fd(fd, &st)))
		return r;
	if (S_ISDIR(st.st_mode))
		return -EPERM;
	/* linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the
	 * handle's /proc link names the same inode. */
	procpath(fd, path);
	return linkat(AT_FDCWD, path, dir, name, AT_SYMLINK_FOLLOW) ? -errno : 0;
}

int share_unlink(struct share *s, int dir, const char *name, bool rmdir)
{
	int r = s->ro ? -EROFS : share_name_check(name);

	if (r)
		return r;
	return unlinkat(dir, name, rmdir ? AT_REMOVEDIR : 0) ? -errno : 0;
}

int share_rename(struct share *s, int olddir, const char *oldname, int newdir,
		 const char *newname, unsigned flags)
{
	int r = s->ro ? -EROFS : share_name_check(oldname);

	if (r || (r = share_name_check(newname)))
		return r;
	/* A whiteout is a device node (0/0). */
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE |
		      (s->dev ? RENAME_WHITEOUT : 0)))
		return -EINVAL;
	return renameat2(olddir, oldname, newdir, newname, flags) ? -errno : 0;
}

int share_readlink(struct share *s, int fd, char *buf, size_t size)
{
	ssize_t n;

	(void)s;
	n = readlinkat(fd, "", buf, size);
	if (n < 0)
		return -errno;
	return (int)n;
}

static int set_times(int fd, const struct share_attr *a, bool symlink)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT },
	};
	char path[32];

	if (a->valid & SHARE_SET_ATIME)
		ts[0] = a->atime;
	if (a->valid & SHARE_SET_MTIME)
		ts[1] = a->mtime;
	if (!utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return 0;
	if (errno != EINVAL || symlink)
		return -errno;
	/* Kernels before AT_EMPTY_PATH in utimensat: the /proc link. */
	procpath(fd, path);
	return utimensat(AT_FDCWD, path, ts, 0) ? -errno : 0;
}

static int truncate_to(struct share *s, int fd, int io_fd, off_t size)
{
	int r = 0, own_fd = -1;
	struct stat a, b;

	/* An open file of another inode is not this one's to truncate. */
	if (io_fd >= 0 && (fstat(io_fd, &a) || stat_fd(fd, &b) ||
			   a.st_dev != b.st_dev || a.st_ino != b.st_ino))
		io_fd = -1;
	if (io_fd < 0 || (fcntl(io_fd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
		own_fd = share_io_open(s, fd, O_WRONLY);
		if (own_fd < 0)
			return own_fd;
		io_fd = own_fd;
	}
	if (ftruncate(io_fd, size))
		r = -errno;
	if (own_fd >= 0)
		close(own_fd);
	return r;
}

int share_setattr(struct share *s, int fd, int io_fd,
		  const struct share_attr *a)
{
	struct stat st;
	char path[32];
	int r;

	if (!a->valid)
		return 0;
	if (s->ro)
		return -EROFS;
	r = stat_fd(fd, &st);
	if (r)
		return r;
	/* The share's directory itself is the host's: a guest that made it
	 * world-writable, gave it away or set its times would change the
	 * host beyond what it shares. Its size gives EISDIR below. */
	if (a->valid & ~SHARE_SET_SIZE && is_root(s, fd))
		return -EPERM;
	if (a->valid & SHARE_SET_MODE) {
		if (S_ISLNK(st.st_mode))
			return -EOPNOTSUPP;
		procpath(fd, path);
		if (chmod(path, a->mode & (S_ISDIR(st.st_mode) ? SHARE_MODE | S_ISGID
							       : SHARE_MODE)))
			return -errno;
	}
	if (a->valid & (SHARE_SET_UID | SHARE_SET_GID | SHARE_SET_CTIME)) {
		uid_t uid = a->valid & SHARE_SET_UID ? a->uid : (uid_t)-1;
		gid_t gid = a->valid & SHARE_SET_GID ? a->gid : (gid_t)-1;

		if (s->mapped) {
			/* Only the identity of the mapping: guest 0 is us. */
			if ((uid != (uid_t)-1 && uid) || (gid != (gid_t)-1 && gid))
				return -EPERM;
		} else if (fchownat(fd, "", uid, gid,
				    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
			return -errno;
		}
	}
	if (a->valid & SHARE_SET_SIZE) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		r = truncate_to(s, fd, io_fd, a->size);
		if (r)
			return r;
	}
	if (a->valid & (SHARE_SET_ATIME | SHARE_SET_MTIME))
		return set_times(fd, a, S_ISLNK(st.st_mode));
	return 0;
}

/* xattrs through the handle's /proc link: only for the types that may
 * be opened, so the link never leads to a device. */
static int xattr_path(int fd, char path[32])
{
	struct stat st;
	int r = stat_fd(fd, &st);

	if (r)
		return r;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EOPNOTSUPP;
	if (pseudo_fs(fd))
		return -EPERM;
	procpath(fd, path);
	return 0;
}

/* Names a guest may set: its own (user.*) and POSIX ACLs. security.*
 * (file capabilities, SELinux labels) and trusted.* (overlayfs) would
 * act on the host. */
static int xattr_settable(const char *name)
{
	return str_starts(name, "user.") ||
	       str_starts(name, "system.posix_acl_") ? 0 : -EPERM;
}

ssize_t share_getxattr(struct share *s, int fd, const char *name, void *buf,
		       size_t size)
{
	char path[32];
	ssize_t n;
	int r = xattr_path(fd, path);

	(void)s;
	if (r)
		return r;
	n = getxattr(path, name, buf, size);
	return n < 0 ? -errno : n;
}

ssize_t share_listxattr(struct share *s, int fd, char *buf, size_t size)
{
	char path[32];
	ssize_t n;
	int r = xattr_path(fd, path);

	(void)s;
	if (r)
		return r;
	n = listxattr(path, buf, size);
	return n < 0 ? -errno : n;
}

int share_setxattr(struct share *s, int fd, const char *name,
		   const void *value, size_t size, int flags)
{
	char path[32];
	int r = s->ro ? -EROFS : xattr_settable(name) ?: xattr_path(fd, path);

	if (!r && is_root(s, fd))
		r = -EPERM;	/* the host's directory, as in share_setattr */
	if (r)
		return r;
	return setxattr(path, name, value, size, flags) ? -errno : 0;
}

int share_removexattr(struct share *s, int fd, const char *name)
{
	char path[32];
	int r = s->ro ? -EROFS : xattr_settable(name) ?: xattr_path(fd, path);

	if (!r && is_root(s, fd))
		r = -EPERM;
	if (r)
		return r;
	return removexattr(path, name) ? -errno : 0;
}

int share_parent(struct share *s, int fd, int *dir, char name[256])
{
	char path[32], root[PATH_MAX], at[PATH_MAX];
	ssize_t nr, na;
	size_t len;
	char *rel, *save = NULL, *last;
	int d, r;

	procpath(s->root, path);
	nr = readlink(path, root, sizeof(root) - 1);
	procpath(fd, path);
	na = readlink(path, at, sizeof(at) - 1);
	if (nr < 0 || na < 0)
		return -errno;
	root[nr] = at[na] = '\0';
	len = !strcmp(root, "/") ? 0 : (size_t)nr;
	/* Beneath the root's current path, not the root, not unlinked. */
	/* A deleted file's link ends in " (deleted)": the inode check
	 * below finds it is gone. */
	if (strncmp(at, root, len) || at[len] != '/' || !at[len + 1])
		return -ENOENT;
	rel = at + len + 1;
	last = strrchr(rel, '/');
	last = last ? last + 1 : rel;
	if (strlen(last) > 255)
		return -ENAMETOOLONG;
	strcpy(name, last);
	d = share_root(s);
	for (char *c = strtok_r(rel, "/", &save); d >= 0 && c && c != last;
	     c = strtok_r(NULL, "/", &save)) {
		int next = share_lookup(s, d, c);

		share_put(s, d);
		d = next;
	}
	if (d < 0)
		return d;
	/* The name found there must still be this handle's inode. */
	r = share_lookup(s, d, name);
	if (r >= 0) {
		struct stat a, b;
		bool same = !stat_fd(r, &a) && !stat_fd(fd, &b) &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino;

		share_put(s, r);
		r = same ? 0 : -ENOENT;
	}
	if (r) {
		share_put(s, d);
		return r;
	}
	*dir = d;
	return 0;
}
