/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_SHARE_H
#define TINYRD_SHARE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

/*
 * A host directory shared with a guest, and the one place where the
 * protocol servers (p9/, fuse/) touch the host file system. The guest is
 * untrusted; confinement rests on three rules that every function keeps:
 *
 *  - Files are held as O_PATH handles, opened one component at a time
 *    relative to a directory handle that is itself inside the share, with
 *    openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) (O_NOFOLLOW openat
 *    where openat2 is missing). A name from the guest is one component:
 *    no '/', no NUL, not empty; "." and ".." are taken apart here (".." at
 *    the share's root stays there). Symlinks are never followed on the
 *    host: the guest's kernel reads them and resolves them itself.
 *  - Only regular files and directories are ever opened for I/O (a
 *    device node or FIFO on the host is not the guest's to open:
 *    CVE-2023-2861, CVE-2020-35517); the O_PATH handle is reopened
 *    through /proc/self/fd after its type is checked.
 *  - A read-only share answers every mutation with EROFS; device nodes
 *    are created only when the share allows it (,dev).
 *
 * Ownership: run as root, owners pass through both ways. Run as another
 * user, every file appears owned by the guest's root (uid 0, gid 0),
 * files the guest creates belong to the invoking user, and a chown to
 * anything but 0 is EPERM.
 *
 * Functions return 0 (or a handle / a length) or a negative errno, and
 * log nothing (share_open excepted): the errno is the guest's answer.
 */

#define SHARE_NODES_MAX (1u << 18)	/* handles a guest may hold open */

struct share_inomap;

struct share {
	int root;			/* O_PATH | O_DIRECTORY */
	dev_t root_dev;
	ino_t root_ino;
	bool ro;			/* ,ro */
	bool dev;			/* ,dev: mknod of device nodes */
	bool mapped;			/* not root: owners shown as 0 */
	bool no_openat2;		/* kernel without openat2 (or forced) */
	unsigned handles;		/* O_PATH handles the servers hold */
	struct share_inomap *inos;	/* (dev, ino) -> guest inode number */
};

/* Open dir as a share; an error naming it when it is not a directory. */
int share_open(struct share *s, const char *dir, bool ro, bool dev);
void share_close(struct share *s);

/* Is name one component a guest may use (not "." or "..")? 0 or -EINVAL
 * (-ENAMETOOLONG past NAME_MAX). */
int share_name_check(const char *name);

/* O_PATH handles. share_lookup: name in dir (O_NOFOLLOW; "." and ".."
 * allowed); share_root: a new handle on the root; share_put: close one.
 * Both count against SHARE_NODES_MAX (-ENFILE past it). */
int share_lookup(struct share *s, int dir, const char *name);
int share_root(struct share *s);
int share_dup(struct share *s, int fd);
void share_put(struct share *s, int fd);

/* stat of a handle, owners mapped; st_ino is the guest's inode number
 * (share_ino), so inodes of different host file systems never collide. */
int share_stat(struct share *s, int fd, struct stat *st);
uint64_t share_ino(struct share *s, dev_t dev, ino_t ino);
int share_statfs(struct share *s, int fd, struct statvfs *sv);

/* Open a handle for I/O: regular files and directories only (-EPERM for
 * anything else; -EROFS for writing to a read-only share). flags are
 * open(2)'s; O_CREAT, O_EXCL, O_NOCTTY and O_DIRECT are dropped. */
int share_io_open(struct share *s, int fd, int flags);

/* Create name in dir and open it for I/O (flags as open(2), O_EXCL
 * always); *handle gets its O_PATH handle. Returns the I/O fd. uid/gid:
 * the guest's creator (root only; -1 keeps ours). */
int share_create(struct share *s, int dir, const char *name, int flags,
		 mode_t mode, uid_t uid, gid_t gid, int *handle);
/* mkdir, mknod and symlink return the new object's handle; link 0. */
int share_mkdir(struct share *s, int dir, const char *name, mode_t mode,
		uid_t uid, gid_t gid);
int share_mknod(struct share *s, int dir, const char *name, mode_t mode,
		dev_t rdev, uid_t uid, gid_t gid);
int share_symlink(struct share *s, int dir, const char *name,
		  const char *target, uid_t uid, gid_t gid);
int share_link(struct share *s, int fd, int dir, const char *name);
int share_unlink(struct share *s, int dir, const char *name, bool rmdir);
int share_rename(struct share *s, int olddir, const char *oldname, int newdir,
		 const char *newname, unsigned flags);
/* The directory holding a handle (a new handle in *dir) and its name
 * there, found through the handle's current host path, walked down from
 * the root again one confined component at a time: for the protocols'
 * "remove this fid" and "rename this fid". -ENOENT for the root itself
 * or a file that is gone. */
int share_parent(struct share *s, int fd, int *dir, char name[256]);
/* Returns the target's length (not NUL-terminated), or -errno. */
int share_readlink(struct share *s, int fd, char *buf, size_t size);

/* What setattr changes: SHARE_SET_* bits. */
#define SHARE_SET_MODE	0x01u
#define SHARE_SET_UID	0x02u
#define SHARE_SET_GID	0x04u
#define SHARE_SET_SIZE	0x08u
#define SHARE_SET_ATIME	0x10u	/* with atime (UTIME_NOW for now) */
#define SHARE_SET_MTIME	0x20u
#define SHARE_SET_CTIME	0x40u	/* ctime only: a no-op chown */

struct share_attr {
	unsigned valid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec atime, mtime;
};
/* io_fd: an open file of the same inode for truncation, or -1. The
 * share's root keeps its mode, owner and times (-EPERM), and its xattrs
 * below. */
int share_setattr(struct share *s, int fd, int io_fd,
		  const struct share_attr *a);

/* Extended attributes of a handle (regular files and directories; other
 * types -EOPNOTSUPP). size 0 asks for the length. Set or removed on the
 * share's root: -EPERM. */
ssize_t share_getxattr(struct share *s, int fd, const char *name, void *buf,
		       size_t size);
ssize_t share_listxattr(struct share *s, int fd, char *buf, size_t size);
int share_setxattr(struct share *s, int fd, const char *name,
		   const void *value, size_t size, int flags);
int share_removexattr(struct share *s, int fd, const char *name);

#endif
