// SPDX-License-Identifier: MIT
/* The FUSE server on names and directories over a temporary share:
 * MKDIR, MKNOD, SYMLINK, LINK, RENAME, UNLINK, RMDIR, READDIR and
 * READDIRPLUS, STATFS, xattrs, SEEK_DATA/SEEK_HOLE and FALLOCATE. Each
 * runs twice: with whole buffers and with requests and replies cut into
 * 5-byte pieces. */
#include <sys/xattr.h>

#include "fuse-client.h"

static int setup(void **state)
{
	umask(022);
	*state = fc_new(false, 256);
	return 0;
}

static int setup_split(void **state)
{
	struct fc *c;

	setup(state);
	c = *state;
	c->split = 5;
	c->room = 16384;
	return 0;
}

static int teardown(void **state)
{
	fc_free(*state);
	return 0;
}

static void test_names(void **state)
{
	struct fc *c = *state;
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_mknod_in mn = { S_IFIFO | 0640, 0, 0, 0 };
	struct fuse_link_in li;
	struct fuse_rename_in rn = { FUSE_ROOT_ID };
	struct fuse_rename2_in rn2 = { FUSE_ROOT_ID, RENAME_NOREPLACE, 0 };
	struct fuse_entry_out *e = (struct fuse_entry_out *)c->out;
	struct stat st;
	uint64_t d, a;
	char buf[64];
	char *p;

	assert_int_equal(fc_call(c, FUSE_MKDIR, FUSE_ROOT_ID, &md, sizeof(md),
				 FC_STR("d"), NULL, 0), sizeof(struct fuse_entry_out));
	assert_int_equal(e->attr.mode, S_IFDIR | 0755);
	d = e->nodeid;
	assert_int_equal(fc_stat(c, "d", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0755);
	/* The guest's mode, whatever our umask (022 here). */
	md = (struct fuse_mkdir_in){ 0777, 0 };
	assert_int_equal(fc_call(c, FUSE_MKDIR, d, &md, sizeof(md),
				 FC_STR("open"), NULL, 0), sizeof(struct fuse_entry_out));
	assert_int_equal(fc_stat(c, "d/open", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0777);
	md = (struct fuse_mkdir_in){ 0777, 027 };
	assert_int_equal(fc_call(c, FUSE_MKDIR, d, &md, sizeof(md),
				 FC_STR("masked"), NULL, 0), sizeof(struct fuse_entry_out));
	assert_int_equal(fc_stat(c, "d/masked", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0750);
	assert_int_equal(fc_call(c, FUSE_RMDIR, d, FC_STR("open"), NULL, 0, NULL,
				 0), 0);
	assert_int_equal(fc_call(c, FUSE_RMDIR, d, FC_STR("masked"), NULL, 0, NULL,
				 0), 0);
	assert_int_equal(fc_call(c, FUSE_MKNOD, d, &mn, sizeof(mn), FC_STR("p"),
				 NULL, 0), sizeof(struct fuse_entry_out));
	assert_int_equal(e->attr.mode, S_IFIFO | 0640);
	assert_int_equal(fc_stat(c, "d/p", &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	mn = (struct fuse_mknod_in){ S_IFREG | 0666, 0, 022, 0 };
	assert_int_equal(fc_call(c, FUSE_MKNOD, d, &mn, sizeof(mn), FC_STR("r"),
				 NULL, 0), sizeof(struct fuse_entry_out));
	assert_int_equal(fc_stat(c, "d/r", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	/* SYMLINK: the name, then the target. */
	assert_int_equal(fc_call(c, FUSE_SYMLINK, FUSE_ROOT_ID, FC_STR("l"),
				 FC_STR("some/target"), NULL, 0),
			 sizeof(struct fuse_entry_out));
	assert_int_equal(e->attr.mode & S_IFMT, S_IFLNK);
	assert_int_equal(e->attr.size, 11);
	p = path_join(c->dir, "l");
	assert_int_equal(readlink(p, buf, sizeof(buf)), 11);
	free(p);
	assert_memory_equal(buf, "some/target", 11);
	assert_int_equal(fc_call(c, FUSE_READLINK, e->nodeid, NULL, 0, NULL, 0,
				 NULL, 0), 11);
	assert_memory_equal(c->out, "some/target", 11);

	/* LINK: the same node, one more lookup. */
	write_at(c->dir, "a", "A", 1, 0644);
	a = fc_node(c, FUSE_ROOT_ID, "a");
	li.oldnodeid = a;
	assert_int_equal(fc_call(c, FUSE_LINK, d, &li, sizeof(li), FC_STR("a2"),
				 NULL, 0), sizeof(struct fuse_entry_out));
	assert_int_equal(e->nodeid, a);
	assert_int_equal(e->attr.nlink, 2);
	assert_int_equal(fc_stat(c, "d/a2", &st), 0);
	assert_int_equal(st.st_nlink, 2);
	li.oldnodeid = d;
	assert_int_equal(fc_call(c, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li),
				 FC_STR("dirlink"), NULL, 0), -EPERM);

	/* RENAME d/a2 -> a3; RENAME2 flags. */
	assert_int_equal(fc_call(c, FUSE_RENAME, d, &rn, sizeof(rn), FC_STR("a2"),
				 FC_STR("a3")), 0);
	assert_int_equal(fc_stat(c, "d/a2", &st), -ENOENT);
	assert_int_equal(fc_stat(c, "a3", &st), 0);
	assert_int_equal(fc_call(c, FUSE_RENAME2, FUSE_ROOT_ID, &rn2, sizeof(rn2),
				 FC_STR("a3"), FC_STR("a")), -EEXIST);
	rn2.flags = RENAME_EXCHANGE;
	assert_int_equal(fc_call(c, FUSE_RENAME2, FUSE_ROOT_ID, &rn2, sizeof(rn2),
				 FC_STR("a"), FC_STR("l")), 0);
	assert_int_equal(fc_stat(c, "a", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	rn2.flags = 0x80;
	assert_int_equal(fc_call(c, FUSE_RENAME2, FUSE_ROOT_ID, &rn2, sizeof(rn2),
				 FC_STR("a"), FC_STR("l")), -EINVAL);
	rn.newdir = 0x1234500000007ull;
	assert_int_equal(fc_call(c, FUSE_RENAME, FUSE_ROOT_ID, &rn, sizeof(rn),
				 FC_STR("a"), FC_STR("z")), -ENOENT);

	/* UNLINK, RMDIR. */
	assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID, FC_STR("a3"), NULL,
				 0, NULL, 0), 0);
	assert_int_equal(fc_stat(c, "a3", &st), -ENOENT);
	assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID, FC_STR("a3"), NULL,
				 0, NULL, 0), -ENOENT);
	assert_int_equal(fc_call(c, FUSE_RMDIR, FUSE_ROOT_ID, FC_STR("d"), NULL,
				 0, NULL, 0), -ENOTEMPTY);
	assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID, FC_STR("d"), NULL,
				 0, NULL, 0), -EISDIR);
	assert_int_equal(fc_call(c, FUSE_UNLINK, d, FC_STR("p"), NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_call(c, FUSE_UNLINK, d, FC_STR("r"), NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_call(c, FUSE_RMDIR, FUSE_ROOT_ID, FC_STR("d"), NULL,
				 0, NULL, 0), 0);
	assert_int_equal(fc_stat(c, "d", &st), -ENOENT);
}

/* Every entry from offset 0 on with size-byte READDIR(PLUS) requests:
 * the names seen, each checked against a LOOKUP. */
static unsigned list(struct fc *c, uint64_t fh, uint32_t op, uint32_t size,
		     struct strv *names)
{
	uint64_t off = 0;
	unsigned calls = 0;
	int n;

	while ((n = fc_read(c, op, fh, off, size)) > 0) {
		assert_true((uint32_t)n <= size);
		calls++;
		for (int at = 0; at < n;) {
			struct fuse_direntplus *p = (void *)(c->out + at);
			struct fuse_dirent *d = op == FUSE_READDIRPLUS ? &p->dirent
					      : (void *)(c->out + at);
			char *name = xstrndup(d->name, d->namelen);
			uint32_t rec = op == FUSE_READDIRPLUS ? FUSE_DIRENTPLUS_SIZE(p)
				       : FUSE_DIRENT_SIZE(d);

			assert_true(d->namelen > 0 && d->namelen <= 255);
			assert_true(at + rec <= (uint32_t)n);
			assert_int_not_equal(d->off, 0);
			if (op == FUSE_READDIRPLUS && strcmp(name, ".") &&
			    strcmp(name, "..")) {
				assert_int_equal(p->entry_out.nodeid,
						 fc_node(c, FUSE_ROOT_ID, name));
				assert_int_equal(p->entry_out.attr.ino, d->ino);
				assert_int_equal(p->entry_out.attr.mode >> 12, d->type);
			} else if (op == FUSE_READDIRPLUS) {
				assert_int_equal(p->entry_out.nodeid, 0);
			}
			assert_false(strv_contains(names, name));
			strv_push_owned(names, name);
			off = d->off;
			at += rec;
		}
	}
	assert_int_equal(n, 0);
	return calls;
}

static void test_readdir(void **state)
{
	struct fc *c = *state;
	struct fuse_fsync_in fs = { 0 };
	struct strv names = { 0 };
	struct fuse_attr a;
	char name[32];
	uint64_t fh, fh2, n;

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "file-%03d", i);
		write_at(c->dir, name, "", 0, 0644);
	}
	mkdir_at(c->dir, "sub");
	assert_int_equal(fc_open(c, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &fh), 0);
	assert_true(list(c, fh, FUSE_READDIR, 4096, &names) >= 1);
	assert_int_equal(names.n, 103);
	assert_true(strv_contains(&names, "file-000"));
	assert_true(strv_contains(&names, "file-099"));
	assert_true(strv_contains(&names, "sub"));
	assert_true(strv_contains(&names, ".."));
	strv_free(&names);
	/* A few entries per request. */
	assert_true(list(c, fh, FUSE_READDIR, 100, &names) > 30);
	assert_int_equal(names.n, 103);
	strv_free(&names);
	/* The reply never passes the writable space. */
	c->room = 300;
	assert_true(list(c, fh, FUSE_READDIR, 4096, &names) > 10);
	assert_int_equal(names.n, 103);
	strv_free(&names);
	c->room = 16 + 20;
	assert_int_equal(fc_read(c, FUSE_READDIR, fh, 0, 4096), -EINVAL);
	c->room = c->split ? 16384 : FC_ROOM;

	/* READDIRPLUS: each entry one lookup, but "." and "..". */
	assert_true(list(c, fh, FUSE_READDIRPLUS, 4096, &names) > 3);
	assert_int_equal(names.n, 103);
	strv_free(&names);
	n = fc_node(c, FUSE_ROOT_ID, "file-042");
	fc_forget(c, n, 2);		/* list()'s LOOKUP, then READDIRPLUS' */
	assert_int_equal(fc_getattr(c, n, &a), 0);
	fc_forget(c, n, 1);		/* and fc_node's */
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);

	fs.fh = fh;
	assert_int_equal(fc_call(c, FUSE_FSYNCDIR, FUSE_ROOT_ID, &fs, sizeof(fs),
				 NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 10), -EBADF);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), -EBADF);
	n = fc_node(c, FUSE_ROOT_ID, "file-000");
	assert_int_equal(fc_open(c, FUSE_OPENDIR, n, O_RDONLY, &fh2), -ENOTDIR);
	assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDONLY, &fh2), 0);
	assert_int_equal(fc_read(c, FUSE_READDIR, fh2, 0, 4096), -EBADF);
	assert_int_equal(fc_release(c, FUSE_RELEASEDIR, fh2), -EBADF);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh2), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASEDIR, fh), 0);
	assert_int_equal(fc_read(c, FUSE_READDIR, fh, 0, 4096), -EBADF);
	assert_int_equal(c->f.files_used, 0);
}

static void test_statfs(void **state)
{
	struct fc *c = *state;
	struct fuse_kstatfs *k;

	assert_int_equal(fc_call(c, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, NULL, 0,
				 NULL, 0), sizeof(struct fuse_statfs_out));
	k = (struct fuse_kstatfs *)c->out;
	assert_true(k->blocks > 0);
	assert_true(k->bsize > 0 && k->frsize > 0);
	assert_int_equal(k->namelen, 255);
}

static int xattr_get(struct fc *c, uint64_t n, uint32_t op, const char *name,
		    uint32_t size)
{
	struct fuse_getxattr_in in = { size, 0 };

	if (name)
		return fc_call(c, op, n, &in, sizeof(in), FC_STR(name), NULL, 0);
	return fc_call(c, op, n, &in, sizeof(in), NULL, 0, NULL, 0);
}

static void test_xattr(void **state)
{
	struct fc *c = *state;
	struct fuse_setxattr_in in = { 5, 0, 0, 0 };
	char buf[64], *p;
	uint64_t n;
	int r;

	write_at(c->dir, "f", "", 0, 0644);
	n = fc_node(c, FUSE_ROOT_ID, "f");
	r = fc_call(c, FUSE_SETXATTR, n, &in, FUSE_COMPAT_SETXATTR_IN_SIZE,
		    FC_STR("user.test"), "value", 5);
	if (r == -EOPNOTSUPP) {
		print_message("SKIP xattr round trip: no user.* xattrs on %s\n",
			      c->dir);
		return;
	}
	assert_int_equal(r, 0);
	p = path_join(c->dir, "f");
	assert_int_equal(getxattr(p, "user.test", buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "value", 5);
	/* size 0: the length; too small: ERANGE. */
	assert_int_equal(xattr_get(c, n, FUSE_GETXATTR, "user.test", 0),
			 sizeof(struct fuse_getxattr_out));
	assert_int_equal(((struct fuse_getxattr_out *)c->out)->size, 5);
	assert_int_equal(xattr_get(c, n, FUSE_GETXATTR, "user.test", 64), 5);
	assert_memory_equal(c->out, "value", 5);
	assert_int_equal(xattr_get(c, n, FUSE_GETXATTR, "user.test", 2), -ERANGE);
	assert_int_equal(xattr_get(c, n, FUSE_GETXATTR, "user.none", 64), -ENODATA);
	r = xattr_get(c, n, FUSE_LISTXATTR, NULL, 0);
	assert_int_equal(r, sizeof(struct fuse_getxattr_out));
	assert_true(((struct fuse_getxattr_out *)c->out)->size >= 10);
	r = xattr_get(c, n, FUSE_LISTXATTR, NULL, 4096);
	assert_true(r >= 10);
	assert_non_null(memmem(c->out, (size_t)r, "user.test", 10));
	assert_int_equal(xattr_get(c, n, FUSE_LISTXATTR, NULL, 3), -ERANGE);
	in.flags = XATTR_CREATE;
	assert_int_equal(fc_call(c, FUSE_SETXATTR, n, &in,
				 FUSE_COMPAT_SETXATTR_IN_SIZE, FC_STR("user.test"),
				 "again", 5), -EEXIST);
	assert_int_equal(fc_call(c, FUSE_REMOVEXATTR, n, FC_STR("user.test"), NULL,
				 0, NULL, 0), 0);
	assert_int_equal(getxattr(p, "user.test", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODATA);
	assert_int_equal(fc_call(c, FUSE_REMOVEXATTR, n, FC_STR("user.test"), NULL,
				 0, NULL, 0), -ENODATA);
	/* On a directory too (not the share's root: test-fuse). */
	in.flags = 0;
	mkdir_at(c->dir, "d");
	n = fc_node(c, FUSE_ROOT_ID, "d");
	assert_int_equal(fc_call(c, FUSE_SETXATTR, n, &in,
				 FUSE_COMPAT_SETXATTR_IN_SIZE, FC_STR("user.d"),
				 "12345", 5), 0);
	assert_int_equal(xattr_get(c, n, FUSE_GETXATTR, "user.d", 5), 5);
	free(p);
}

static int seek(struct fc *c, uint64_t fh, uint64_t off, uint32_t whence,
		uint64_t *to)
{
	struct fuse_lseek_in in = { fh, off, whence, 0 };
	int r = fc_call(c, FUSE_LSEEK, 0, &in, sizeof(in), NULL, 0, NULL, 0);

	if (r >= 0) {
		assert_int_equal(r, sizeof(struct fuse_lseek_out));
		*to = ((struct fuse_lseek_out *)c->out)->offset;
	}
	return r < 0 ? r : 0;
}

static int falloc(struct fc *c, uint64_t fh, uint64_t off, uint64_t len,
		  uint32_t mode)
{
	struct fuse_fallocate_in in = { fh, off, len, mode, 0 };

	return fc_call(c, FUSE_FALLOCATE, 0, &in, sizeof(in), NULL, 0, NULL, 0);
}

static void test_lseek_fallocate(void **state)
{
	struct fc *c = *state;
	enum { MB = 1 << 20 };
	static char blk[4096];
	struct fuse_entry_out e;
	struct stat st;
	uint64_t fh, to;

	memset(blk, 'x', sizeof(blk));
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "sparse", O_RDWR, 0644, &e,
				   &fh), 0);
	assert_int_equal(fc_write(c, fh, 0, blk, 4096), 4096);
	assert_int_equal(fc_write(c, fh, MB, blk, 4096), 4096);
	assert_int_equal(seek(c, fh, 0, SEEK_DATA, &to), 0);
	assert_int_equal(to, 0);
	assert_int_equal(seek(c, fh, 0, SEEK_HOLE, &to), 0);
	if (to == MB + 4096) {
		print_message("SKIP holes: %s reports none\n", c->dir);
	} else {
		assert_int_equal(to, 4096);
		assert_int_equal(seek(c, fh, 4096, SEEK_DATA, &to), 0);
		assert_int_equal(to, MB);
	}
	assert_int_equal(seek(c, fh, MB + 4096, SEEK_DATA, &to), -ENXIO);
	assert_int_equal(seek(c, fh, 0, SEEK_SET, &to), -EINVAL);
	assert_int_equal(seek(c, fh, 0, SEEK_END, &to), -EINVAL);
	assert_int_equal(seek(c, fh + 1, 0, SEEK_DATA, &to), -EBADF);

	/* Punch the first block out: the data starts at 1 MiB. */
	assert_int_equal(falloc(c, fh, 0, 4096, FALLOC_FL_PUNCH_HOLE |
				FALLOC_FL_KEEP_SIZE), 0);
	assert_int_equal(seek(c, fh, 0, SEEK_DATA, &to), 0);
	assert_int_equal(to, MB);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 8), 8);
	assert_memory_equal(c->out, "\0\0\0\0\0\0\0\0", 8);
	/* Allocate past the end: the size grows. */
	assert_int_equal(falloc(c, fh, 2 * MB, 4096, 0), 0);
	assert_int_equal(fc_stat(c, "sparse", &st), 0);
	assert_int_equal(st.st_size, 2 * MB + 4096);
	assert_int_equal(falloc(c, fh, 3 * MB, 4096, FALLOC_FL_KEEP_SIZE), 0);
	assert_int_equal(fc_stat(c, "sparse", &st), 0);
	assert_int_equal(st.st_size, 2 * MB + 4096);
	assert_int_equal(falloc(c, fh, 0, 4096, 0x100), -EOPNOTSUPP);
	assert_int_equal(falloc(c, fh, 1ull << 63, 4096, 0), -EINVAL);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_split, teardown)
		T(test_names),
		T(test_readdir),
		T(test_statfs),
		T(test_xattr),
		T(test_lseek_fallocate),
		TS(test_names),
		TS(test_readdir),
		TS(test_xattr),
		TS(test_lseek_fallocate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
