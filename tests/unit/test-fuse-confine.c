// SPDX-License-Identifier: MIT
/* The FUSE server against a hostile guest: malformed requests, made-up
 * nodeids and file handles, names and symlinks that lead out of the
 * share, FIFOs and devices, limits, a read-only share, mapped owners.
 * Every escape must fail and leave <top>/canary, beside the share,
 * as it was. The operations themselves: test-fuse.c. */
#include <dirent.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include "fuse-client.h"

static int setup(void **state)
{
	umask(022);
	*state = fc_new(false, 4);		/* max_write 16 KiB */
	return 0;
}

static int setup_ro(void **state)
{
	struct fc *c;

	setup(state);
	c = *state;
	write_at(c->dir, "f", "data", 4, 0644);
	write_at(c->dir, "d/g", "more", 4, 0644);
	symlink_at(c->dir, "l", "f");
	fuse_server_free(&c->f);
	share_close(&c->sh);
	assert_int_equal(share_open(&c->sh, c->dir, true, false), 0);
	assert_int_equal(fuse_server_init(&c->f, &c->sh, 4), 0);
	assert_int_equal(fc_init_minor(c, 7, 37, NULL),
			 sizeof(struct fuse_init_out));
	return 0;
}

static int teardown(void **state)
{
	fc_free(*state);
	return 0;
}

/* The canary as it was, and nothing else beside the share. */
static void outside_untouched(struct fc *c, const char *digest)
{
	char now[65];
	struct dirent *de;
	struct stat st;
	unsigned n = 0;
	DIR *d;

	fc_digest(c->canary, now);
	assert_string_equal(now, digest);
	assert_int_equal(lstat(c->canary, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_size, 13);
	d = opendir(c->top);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			assert_true(!strcmp(de->d_name, "canary") ||
				    !strcmp(de->d_name, "share"));
			n++;
		}
	closedir(d);
	assert_int_equal(n, 2);
}

static int empty(struct fc *c, uint32_t op, uint64_t node)
{
	return fc_call(c, op, node, NULL, 0, NULL, 0, NULL, 0);
}

static void test_malformed(void **state)
{
	struct fc *c = *state;
	struct fuse_in_header h = { .len = 40, .opcode = FUSE_GETATTR,
				    .unique = 5, .nodeid = FUSE_ROOT_ID };
	struct fuse_getattr_in ga = { 0 };
	struct fuse_setxattr_in sx = { 5, 0, 0, 0 };
	struct fuse_write_in w = { 0 };
	struct fuse_batch_forget_in bf = { 1u << 31, 0 };
	struct fuse_out_header oh = { 0 };
	struct iovec in = { &h, 39 }, out = { &oh, sizeof(oh) };
	uint32_t used = c->f.nodes_used;
	unsigned handles = c->sh.handles;
	char *big = malloc(100000);
	uint64_t fh;

	/* Too short to answer: no reply, nothing written. */
	assert_int_equal(fuse_serve(&c->f, &in, 1, &out, 1), 0);
	assert_int_equal(oh.len, 0);
	assert_int_equal(fuse_serve(&c->f, NULL, 0, &out, 1), 0);
	c->room = sizeof(oh) - 1;
	assert_int_equal(fc_call(c, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga),
				 NULL, 0, NULL, 0), FC_NOREPLY);
	c->room = FC_ROOM;
	/* The header's length must be the request's. */
	assert_int_equal(fc_raw(c, FUSE_GETATTR, FUSE_ROOT_ID, 40 + 16 + 1, &ga,
				sizeof(ga), NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(fc_raw(c, FUSE_GETATTR, FUSE_ROOT_ID, 40 + 16 - 1, &ga,
				sizeof(ga), NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(fc_raw(c, FUSE_GETATTR, FUSE_ROOT_ID, ~0u, &ga,
				sizeof(ga), NULL, 0, NULL, 0), -EINVAL);
	/* Extensions longer than the request; arguments shorter than fixed. */
	c->extlen = 3;
	assert_int_equal(fc_call(c, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga),
				 NULL, 0, NULL, 0), -EINVAL);
	c->extlen = 1;		/* 8 bytes of extension leave 8 of getattr_in */
	assert_int_equal(fc_call(c, FUSE_GETATTR, FUSE_ROOT_ID, &ga, sizeof(ga),
				 NULL, 0, NULL, 0), -EINVAL);
	c->extlen = 0;
	assert_int_equal(fc_call(c, FUSE_GETATTR, FUSE_ROOT_ID, &ga, 4, NULL, 0,
				 NULL, 0), -EINVAL);
	assert_int_equal(fc_call(c, FUSE_OPEN, FUSE_ROOT_ID, NULL, 0, NULL, 0,
				 NULL, 0), -EINVAL);

	/* Names: NUL-terminated inside the request, one component, short. */
	assert_int_equal(fc_call(c, FUSE_LOOKUP, FUSE_ROOT_ID, "abc", 3, NULL, 0,
				 NULL, 0), -EINVAL);
	assert_int_equal(empty(c, FUSE_LOOKUP, FUSE_ROOT_ID), -EINVAL);
	assert_int_equal(fc_call(c, FUSE_LOOKUP, FUSE_ROOT_ID, "", 1, NULL, 0,
				 NULL, 0), -EINVAL);
	memset(big, 'n', 100000);
	big[256] = '\0';
	assert_int_equal(fc_call(c, FUSE_LOOKUP, FUSE_ROOT_ID, big, 257, NULL, 0,
				 NULL, 0), -ENAMETOOLONG);
	big[99999] = '\0';
	assert_int_equal(fc_call(c, FUSE_LOOKUP, FUSE_ROOT_ID, big + 257, 100000 - 257,
				 NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(fc_call(c, FUSE_SYMLINK, FUSE_ROOT_ID, FC_STR("s"), NULL,
				 0, NULL, 0), -EINVAL);
	big[5000] = '\0';
	assert_int_equal(fc_call(c, FUSE_SYMLINK, FUSE_ROOT_ID, FC_STR("s"), big + 257,
				 5000 - 257 + 1, NULL, 0), -ENAMETOOLONG);
	assert_int_equal(fc_call(c, FUSE_RENAME, FUSE_ROOT_ID, &h.nodeid, 8,
				 FC_STR("a"), NULL, 0), -EINVAL);
	assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID, "x", 1, NULL, 0,
				 NULL, 0), -EINVAL);
	/* xattrs: the value's size as declared, bounded; names bounded. */
	write_at(c->dir, "f", "", 0, 0644);
	h.nodeid = fc_node(c, FUSE_ROOT_ID, "f");
	assert_int_equal(fc_call(c, FUSE_SETXATTR, h.nodeid, &sx, 8,
				 FC_STR("user.a"), "1234", 4), -EINVAL);
	sx.size = 70000;
	assert_int_equal(fc_call(c, FUSE_SETXATTR, h.nodeid, &sx, 8,
				 FC_STR("user.a"), big, 70000), -EINVAL);
	sx.size = 65537;
	assert_int_equal(fc_call(c, FUSE_SETXATTR, h.nodeid, &sx, 8,
				 FC_STR("user.a"), big, 65537), -E2BIG);
	sx = (struct fuse_setxattr_in){ 1, 0x10, 0, 0 };
	assert_int_equal(fc_call(c, FUSE_SETXATTR, h.nodeid, &sx, 8,
				 FC_STR("user.a"), "1", 1), -EINVAL);
	big[300] = '\0';
	sx.flags = 0;
	assert_int_equal(fc_call(c, FUSE_SETXATTR, h.nodeid, &sx, 8, big, 301,
				 "1", 1), -ERANGE);
	assert_int_equal(fc_call(c, FUSE_REMOVEXATTR, h.nodeid, big, 301, NULL, 0,
				 NULL, 0), -ERANGE);
	c->room = sizeof(oh) + 4;	/* not room for fuse_getxattr_out */
	assert_int_equal(fc_call(c, FUSE_LISTXATTR, h.nodeid, &ga, 8, NULL, 0,
				 NULL, 0), -EINVAL);
	c->room = FC_ROOM;

	/* WRITE: size as sent, at most max_write. */
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "w", O_RDWR, 0644,
				   (struct fuse_entry_out *)big, &fh), 0);
	w = (struct fuse_write_in){ .fh = fh, .size = 10 };
	assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), "12345", 5,
				 NULL, 0), -EINVAL);
	w.size = 4;
	assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), "12345", 5,
				 NULL, 0), -EINVAL);
	w.size = 4 * 4096 + 1;
	assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), big, w.size,
				 NULL, 0), -EINVAL);
	w.size = 4 * 4096;
	assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), big, w.size,
				 NULL, 0), sizeof(struct fuse_write_out));
	w = (struct fuse_write_in){ .fh = fh, .size = 1, .offset = 1ull << 63 };
	assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), "1", 1, NULL, 0),
			 -EINVAL);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 1ull << 63, 10), -EINVAL);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 1u << 31), 4 * 4096);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);

	/* No room for the reply's fixed part: refused before the lookup is
	 * counted. */
	used = c->f.nodes_used;
	handles = c->sh.handles;
	c->room = sizeof(oh) + sizeof(struct fuse_entry_out) - 1;
	assert_int_equal(fc_call(c, FUSE_LOOKUP, FUSE_ROOT_ID, FC_STR("w"), NULL,
				 0, NULL, 0), -EINVAL);
	c->room = FC_ROOM;
	assert_int_equal(c->f.nodes_used, used);
	assert_int_equal(c->sh.handles, handles);

	/* A batch longer than the request: no reply, nothing forgotten. */
	assert_int_equal(fc_call(c, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), NULL, 0,
				 NULL, 0), FC_NOREPLY);
	assert_int_equal(c->f.nodes_used, used);
	/* Nothing to interrupt, and no reply. */
	assert_int_equal(fc_call(c, FUSE_INTERRUPT, 0, &fh, 8, NULL, 0, NULL, 0),
			 FC_NOREPLY);
	/* Unknown and unoffered opcodes. */
	assert_int_equal(empty(c, 0, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(empty(c, 999, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(empty(c, CUSE_INIT, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(empty(c, FUSE_INIT_BSWAP_RESERVED, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(empty(c, ~0u, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(fc_call(c, FUSE_ACCESS, FUSE_ROOT_ID, &ga, 8, NULL, 0,
				 NULL, 0), -ENOSYS);
	assert_int_equal(fc_call(c, FUSE_GETLK, FUSE_ROOT_ID, big, 64, NULL, 0,
				 NULL, 0), -ENOSYS);
	assert_int_equal(fc_call(c, FUSE_IOCTL, FUSE_ROOT_ID, big, 64, NULL, 0,
				 NULL, 0), -ENOSYS);
	/* Still answering. */
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, (struct fuse_attr *)big), 0);
	free(big);
}

static void test_bad_ids(void **state)
{
	static const uint64_t nodes[] = {
		0, 2, 3, 0xffffffff, 1ull << 32 | 1, 0xdeadbeefcafef00dull, ~0ull,
	};
	struct fc *c = *state;
	struct fuse_link_in li;
	struct fuse_attr a;
	uint64_t fh, n, stale, gone;

	write_at(c->dir, "f", "x", 1, 0644);
	n = fc_node(c, FUSE_ROOT_ID, "f");
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		assert_int_not_equal(nodes[i], n);
		assert_int_equal(fc_getattr(c, nodes[i], &a), -ENOENT);
		assert_int_equal(fc_call(c, FUSE_LOOKUP, nodes[i], FC_STR("f"), NULL,
					 0, NULL, 0), -ENOENT);
		assert_int_equal(fc_open(c, FUSE_OPEN, nodes[i], O_RDONLY, &fh),
				 -ENOENT);
		assert_int_equal(fc_call(c, FUSE_UNLINK, nodes[i], FC_STR("f"),
					 NULL, 0, NULL, 0), -ENOENT);
		li.oldnodeid = nodes[i];
		assert_int_equal(fc_call(c, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li),
					 FC_STR("g"), NULL, 0), -ENOENT);
	}
	assert_int_equal(fc_stat(c, "f", &(struct stat){ 0 }), 0);
	/* A forgotten node, and its slot taken again. */
	stale = fc_node(c, FUSE_ROOT_ID, "f");
	{
		struct fuse_forget_in fin = { 2 };

		assert_int_equal(fc_call(c, FUSE_FORGET, stale, &fin, sizeof(fin),
					 NULL, 0, NULL, 0), FC_NOREPLY);
	}
	assert_int_equal(fc_getattr(c, stale, &a), -ENOENT);
	write_at(c->dir, "g", "y", 1, 0644);
	assert_int_not_equal(fc_node(c, FUSE_ROOT_ID, "g"), stale);
	assert_int_equal(fc_getattr(c, stale, &a), -ENOENT);

	/* File handles: made up, released, or of the other kind. */
	assert_int_equal(fc_open(c, FUSE_OPEN, fc_node(c, FUSE_ROOT_ID, "f"),
				 O_RDWR, &fh), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	gone = fh;
	assert_int_equal(fc_open(c, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &fh), 0);
	assert_int_equal((uint32_t)fh, (uint32_t)gone);		/* the slot again */
	for (uint64_t bad = 0; bad < 8; bad++) {
		uint64_t b = bad == 7 ? gone : bad < 4 ? bad : ~0ull - bad;
		struct fuse_flush_in fl = { .fh = b };
		struct fuse_fsync_in fs = { .fh = b };
		struct fuse_lseek_in ls = { .fh = b, .whence = SEEK_DATA };
		struct fuse_fallocate_in fa = { .fh = b, .length = 1 };
		struct fuse_write_in w = { .fh = b, .size = 1 };

		assert_int_equal(fc_read(c, FUSE_READ, b, 0, 1), -EBADF);
		assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), "1", 1,
					 NULL, 0), -EBADF);
		assert_int_equal(fc_call(c, FUSE_FLUSH, 0, &fl, sizeof(fl), NULL, 0,
					 NULL, 0), -EBADF);
		assert_int_equal(fc_call(c, FUSE_FSYNC, 0, &fs, sizeof(fs), NULL, 0,
					 NULL, 0), -EBADF);
		assert_int_equal(fc_call(c, FUSE_LSEEK, 0, &ls, sizeof(ls), NULL, 0,
					 NULL, 0), -EBADF);
		assert_int_equal(fc_call(c, FUSE_FALLOCATE, 0, &fa, sizeof(fa), NULL,
					 0, NULL, 0), -EBADF);
		assert_int_equal(fc_release(c, FUSE_RELEASE, b), -EBADF);
		if (b != fh) {
			assert_int_equal(fc_read(c, FUSE_READDIR, b, 0, 4096), -EBADF);
			assert_int_equal(fc_release(c, FUSE_RELEASEDIR, b), -EBADF);
		}
	}
	assert_int_equal(fc_release(c, FUSE_RELEASEDIR, fh), 0);
}

/* Names that are not one component of the share. */
static void test_escape_names(void **state)
{
	static const char *const bad[] = {
		"..", ".", "../canary", "/etc/passwd", "a/b", "share/../../canary",
	};
	struct fc *c = *state;
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_mknod_in mn = { S_IFREG | 0644, 0, 0, 0 };
	struct fuse_rename2_in rn = { FUSE_ROOT_ID, 0, 0 };
	struct fuse_link_in li;
	struct fuse_entry_out e;
	struct fuse_attr root;
	struct fuse_dirent *d;
	char digest[65];
	uint64_t fh, sub;
	int n;

	fc_digest(c->canary, digest);
	write_at(c->dir, "a", "A", 1, 0644);
	mkdir_at(c->dir, "sub");
	sub = fc_node(c, FUSE_ROOT_ID, "sub");
	li.oldnodeid = fc_node(c, FUSE_ROOT_ID, "a");
	/* ".." of the root is the root. */
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &root), 0);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "..", &e), 0);
	assert_int_equal(e.nodeid, FUSE_ROOT_ID);
	assert_int_equal(e.attr.ino, root.ino);
	assert_int_equal(fc_node(c, fc_node(c, sub, ".."), ".."), FUSE_ROOT_ID);
	/* So is its ".." in READDIR: no inode number from outside. */
	assert_int_equal(fc_open(c, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &fh), 0);
	n = fc_read(c, FUSE_READDIR, fh, 0, 4096);
	assert_true(n > 0);
	for (int at = 0; at < n; at += FUSE_DIRENT_SIZE(d)) {
		d = (struct fuse_dirent *)(c->out + at);
		if (d->namelen == 2 && !memcmp(d->name, "..", 2))
			assert_int_equal(d->ino, root.ino);
	}
	assert_int_equal(fc_release(c, FUSE_RELEASEDIR, fh), 0);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "canary", &e), -ENOENT);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *b = bad[i];
		bool dot = !strcmp(b, ".") || !strcmp(b, "..");

		if (!dot)
			assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, b, &e), -EINVAL);
		assert_int_equal(fc_create(c, FUSE_ROOT_ID, b, O_RDWR, 0644, &e, &fh),
				 -EINVAL);
		assert_int_equal(fc_call(c, FUSE_MKDIR, sub, &md, sizeof(md),
					 FC_STR(b), NULL, 0), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_MKNOD, sub, &mn, sizeof(mn),
					 FC_STR(b), NULL, 0), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_SYMLINK, sub, FC_STR(b),
					 FC_STR("a"), NULL, 0), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_LINK, sub, &li, sizeof(li),
					 FC_STR(b), NULL, 0), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_RENAME2, FUSE_ROOT_ID, &rn,
					 sizeof(rn), FC_STR("a"), FC_STR(b)), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_RENAME2, sub, &rn, sizeof(rn),
					 FC_STR(b), FC_STR("z")), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_RENAME, sub, &rn, 8, FC_STR(b),
					 FC_STR("z")), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_UNLINK, sub, FC_STR(b), NULL, 0,
					 NULL, 0), -EINVAL);
		assert_int_equal(fc_call(c, FUSE_RMDIR, sub, FC_STR(b), NULL, 0,
					 NULL, 0), -EINVAL);
	}
	assert_int_equal(fc_stat(c, "a", &(struct stat){ 0 }), 0);
	outside_untouched(c, digest);
}

/* Symlinks in the share that point out of it: the guest gets the links
 * and their text, never what they point to. */
static void test_escape_symlinks(void **state)
{
	struct fc *c = *state;
	char digest[65], *shadow = NULL;
	const char *names[] = { "abs", "rel", "shadow", "outdir" };
	const char *targets[] = { c->canary, "../canary", "/etc/shadow", c->top };
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE };
	struct fuse_setxattr_in sx = { 1, 0, 0, 0 };
	struct fuse_getxattr_in gx = { 64, 0 };
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_rename_in rn;
	struct fuse_link_in li;
	struct fuse_entry_out e;
	struct stat st;
	uint64_t fh, n;
	size_t len;

	fc_digest(c->canary, digest);
	if (!access("/etc/shadow", R_OK))
		shadow = run_capture("sha256sum /etc/shadow");
	write_at(c->dir, "a", "A", 1, 0644);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		symlink_at(c->dir, names[i], targets[i]);
		assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, names[i], &e), 0);
		n = e.nodeid;
		assert_int_equal(e.attr.mode & S_IFMT, S_IFLNK);
		assert_int_equal(e.attr.size, strlen(targets[i]));
		len = strlen(targets[i]);
		assert_int_equal(empty(c, FUSE_READLINK, n), (int)len);
		assert_memory_equal(c->out, targets[i], len);
		assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDONLY, &fh), -EPERM);
		assert_int_equal(fc_open(c, FUSE_OPEN, n, O_WRONLY | O_TRUNC, &fh),
				 -EPERM);
		assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDWR | O_APPEND, &fh),
				 -EPERM);
		assert_int_equal(fc_open(c, FUSE_OPENDIR, n, O_RDONLY, &fh), -EPERM);
		sa = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 0 };
		assert_int_equal(fc_call(c, FUSE_SETATTR, n, &sa, sizeof(sa), NULL, 0,
					 NULL, 0), -EINVAL);
		sa = (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 0777 };
		assert_int_equal(fc_call(c, FUSE_SETATTR, n, &sa, sizeof(sa), NULL, 0,
					 NULL, 0), -EOPNOTSUPP);
		assert_int_equal(fc_call(c, FUSE_SETXATTR, n, &sx, 8,
					 FC_STR("user.x"), "1", 1), -EOPNOTSUPP);
		assert_int_equal(fc_call(c, FUSE_GETXATTR, n, &gx, sizeof(gx),
					 FC_STR("user.x"), NULL, 0), -EOPNOTSUPP);
		/* Beneath a symlink is not beneath what it points to. */
		assert_true(fc_lookup(c, n, "canary", &e) < 0);
		assert_true(fc_lookup(c, n, "share", &e) < 0);
		assert_true(fc_create(c, n, "new", O_RDWR, 0644, &e, &fh) < 0);
		assert_true(fc_call(c, FUSE_MKDIR, n, &md, sizeof(md),
				    FC_STR("new"), NULL, 0) < 0);
		assert_true(fc_call(c, FUSE_SYMLINK, n, FC_STR("new"), FC_STR("a"),
				    NULL, 0) < 0);
		assert_true(fc_call(c, FUSE_UNLINK, n, FC_STR("canary"), NULL, 0,
				    NULL, 0) < 0);
		rn.newdir = n;
		assert_true(fc_call(c, FUSE_RENAME, FUSE_ROOT_ID, &rn, sizeof(rn),
				    FC_STR("a"), FC_STR("canary")) < 0);
		/* A hard link to the symlink is a symlink, not its target. */
		li.oldnodeid = n;
		if (fc_call(c, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li),
			    FC_STR("hard"), NULL, 0) >= 0) {
			assert_int_equal(fc_stat(c, "hard", &st), 0);
			assert_true(S_ISLNK(st.st_mode));
			assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID,
						 FC_STR("hard"), NULL, 0, NULL, 0), 0);
		}
	}
	assert_int_equal(fc_stat(c, "a", &st), 0);
	outside_untouched(c, digest);
	if (shadow) {
		char *now = run_capture("sha256sum /etc/shadow");

		assert_string_equal(now, shadow);
		free(now);
		free(shadow);
	}
}

/* FIFOs, sockets and devices in the share are not the guest's to open
 * (CVE-2020-35517): an open would hang or reach the host's device. */
static void test_special_files(void **state)
{
	struct fc *c = *state;
	struct fuse_mknod_in mn = { S_IFCHR | 0666, 1 << 8 | 3, 0, 0 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct fuse_entry_out e;
	struct stat st;
	uint64_t fh, n;
	char *p;
	int s;

	p = path_join(c->dir, "fifo");
	assert_int_equal(mkfifo(p, 0666), 0);
	free(p);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "fifo", &e), 0);
	assert_int_equal(e.attr.mode & S_IFMT, S_IFIFO);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDONLY, &fh), -EPERM);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_WRONLY, &fh), -EPERM);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDWR, &fh), -EPERM);
	assert_int_equal(fc_open(c, FUSE_OPENDIR, e.nodeid, O_RDONLY, &fh), -EPERM);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", c->dir);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	if (strlen(c->dir) + 6 < sizeof(sun.sun_path)) {
		assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
		n = fc_node(c, FUSE_ROOT_ID, "sock");
		assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDWR, &fh), -EPERM);
	}
	close(s);

	/* Device nodes: only with the share's ,dev, and never opened. */
	assert_int_equal(fc_call(c, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn),
				 FC_STR("null"), NULL, 0), -EPERM);
	mn.mode = S_IFBLK | 0666;
	assert_int_equal(fc_call(c, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn),
				 FC_STR("blk"), NULL, 0), -EPERM);
	mn.mode = S_IFDIR | 0755;
	assert_int_equal(fc_call(c, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn),
				 FC_STR("dir"), NULL, 0), -EINVAL);
	assert_int_equal(fc_stat(c, "null", &st), -ENOENT);
	if (geteuid() != 0) {
		print_message("SKIP device nodes in the share: not root\n");
		return;
	}
	p = path_join(c->dir, "hostnull");
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	free(p);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "hostnull", &e), 0);
	assert_int_equal(e.attr.mode, S_IFCHR | 0644);	/* umask 022 */
	assert_int_equal(e.attr.rdev, 1 << 8 | 3);	/* new_encode_dev */
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDWR, &fh), -EPERM);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDONLY, &fh), -EPERM);
	c->sh.dev = true;
	/* new_encode_dev(): major 0x123, minor 0x4567. */
	mn = (struct fuse_mknod_in){ S_IFCHR | 0600, 0x4512367, 0, 0 };
	assert_int_equal(fc_call(c, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn),
				 FC_STR("dev"), NULL, 0), sizeof(e));
	memcpy(&e, c->out, sizeof(e));
	assert_int_equal(e.attr.rdev, 0x4512367);
	assert_int_equal(fc_stat(c, "dev", &st), 0);
	assert_int_equal(major(st.st_rdev), 0x123);
	assert_int_equal(minor(st.st_rdev), 0x4567);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDWR, &fh), -EPERM);
}

static void test_read_only(void **state)
{
	struct fc *c = *state;
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_mknod_in mn = { S_IFIFO | 0644, 0, 0, 0 };
	struct fuse_rename2_in rn = { FUSE_ROOT_ID, 0, 0 };
	struct fuse_setxattr_in sx = { 1, 0, 0, 0 };
	struct fuse_setattr_in sa[] = {
		{ .valid = FATTR_MODE, .mode = 0777 },
		{ .valid = FATTR_SIZE, .size = 0 },
		{ .valid = FATTR_MTIME | FATTR_MTIME_NOW },
		{ .valid = FATTR_UID, .uid = 0 },
	};
	struct fuse_fallocate_in fa = { .length = 4096 };
	struct fuse_write_in w = { .size = 1 };
	struct fuse_link_in li;
	struct fuse_entry_out e;
	struct stat st;
	uint64_t f, d, fh;
	size_t len;
	char *s;

	f = fc_node(c, FUSE_ROOT_ID, "f");
	d = fc_node(c, FUSE_ROOT_ID, "d");
	li.oldnodeid = f;
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "new", O_RDWR, 0644, &e, &fh),
			 -EROFS);
	assert_int_equal(fc_call(c, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn),
				 FC_STR("new"), NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_MKDIR, FUSE_ROOT_ID, &md, sizeof(md),
				 FC_STR("new"), NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_SYMLINK, FUSE_ROOT_ID, FC_STR("new"),
				 FC_STR("f"), NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li),
				 FC_STR("new"), NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID, FC_STR("f"), NULL,
				 0, NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_UNLINK, FUSE_ROOT_ID, FC_STR("l"), NULL,
				 0, NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_RMDIR, FUSE_ROOT_ID, FC_STR("d"), NULL,
				 0, NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_RENAME, FUSE_ROOT_ID, &rn, 8, FC_STR("f"),
				 FC_STR("new")), -EROFS);
	assert_int_equal(fc_call(c, FUSE_RENAME2, FUSE_ROOT_ID, &rn, sizeof(rn),
				 FC_STR("f"), FC_STR("new")), -EROFS);
	for (size_t i = 0; i < ARRAY_SIZE(sa); i++)
		assert_int_equal(fc_call(c, FUSE_SETATTR, f, &sa[i], sizeof(sa[i]),
					 NULL, 0, NULL, 0), -EROFS);
	assert_int_equal(fc_call(c, FUSE_SETXATTR, f, &sx, 8, FC_STR("user.x"),
				 "1", 1), -EROFS);
	assert_int_equal(fc_call(c, FUSE_REMOVEXATTR, f, FC_STR("user.x"), NULL, 0,
				 NULL, 0), -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, f, O_WRONLY, &fh), -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, f, O_RDWR, &fh), -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, f, O_RDONLY | O_TRUNC, &fh), -EROFS);
	/* Reading is fine; a read handle does not write. */
	assert_int_equal(fc_open(c, FUSE_OPEN, f, O_RDONLY, &fh), 0);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 100), 4);
	assert_memory_equal(c->out, "data", 4);
	w.fh = fa.fh = fh;
	assert_int_equal(fc_call(c, FUSE_WRITE, 0, &w, sizeof(w), "x", 1, NULL, 0),
			 -EROFS);
	assert_int_equal(fc_call(c, FUSE_FALLOCATE, 0, &fa, sizeof(fa), NULL, 0,
				 NULL, 0), -EROFS);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_open(c, FUSE_OPENDIR, d, O_RDONLY, &fh), 0);
	assert_true(fc_read(c, FUSE_READDIRPLUS, fh, 0, 4096) > 0);
	assert_int_equal(fc_release(c, FUSE_RELEASEDIR, fh), 0);
	/* The host saw nothing. */
	s = fc_slurp(c, "f", &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "data", 4);
	free(s);
	assert_int_equal(fc_stat(c, "f", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(fc_stat(c, "new", &st), -ENOENT);
	assert_int_equal(fc_stat(c, "d/g", &st), 0);
}

/* Not root: every file shows as the guest's root's, what the guest
 * creates is ours, and a chown can only say "root". */
static void test_mapped_owner(void **state)
{
	struct fc *c = *state;
	struct fuse_setattr_in sa = { .valid = FATTR_UID | FATTR_GID,
				      .uid = 1234, .gid = 1234 };
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_entry_out e;
	struct fuse_attr a;
	struct stat st;
	uint64_t n, fh;
	char *p;

	c->sh.mapped = true;
	write_at(c->dir, "f", "x", 1, 0644);
	if (geteuid() == 0) {
		p = path_join(c->dir, "f");
		assert_int_equal(chown(p, 4242, 4343), 0);
		free(p);
	}
	n = fc_node(c, FUSE_ROOT_ID, "f");
	assert_int_equal(fc_getattr(c, n, &a), 0);
	assert_int_equal(a.uid, 0);
	assert_int_equal(a.gid, 0);
	assert_int_equal(fc_call(c, FUSE_SETATTR, n, &sa, sizeof(sa), NULL, 0,
				 NULL, 0), -EPERM);
	sa.uid = sa.gid = 0;
	assert_int_equal(fc_call(c, FUSE_SETATTR, n, &sa, sizeof(sa), NULL, 0,
				 NULL, 0), sizeof(struct fuse_attr_out));
	c->uid = c->gid = 4321;
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "new", O_RDWR, 0644, &e, &fh), 0);
	assert_int_equal(e.attr.uid, 0);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_stat(c, "new", &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(fc_call(c, FUSE_MKDIR, FUSE_ROOT_ID, &md, sizeof(md),
				 FC_STR("dir"), NULL, 0), sizeof(e));
	assert_int_equal(fc_stat(c, "dir", &st), 0);
	assert_int_equal(st.st_uid, geteuid());
}

/* As root, owners pass through: the guest's caller owns what it makes,
 * but a set-group-ID directory gives its group, as on the host. */
static void test_root_owner(void **state)
{
	struct fc *c = *state;
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_mknod_in mn = { S_IFIFO | 0644, 0, 0, 0 };
	struct fuse_entry_out e;
	struct stat st;
	uint64_t fh, sg;
	char *p;

	if (geteuid() != 0) {
		print_message("SKIP owners passed through: not root\n");
		return;
	}
	c->uid = 1234;
	c->gid = 5678;
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "f", O_RDWR, 0644, &e, &fh), 0);
	assert_int_equal(e.attr.uid, 1234);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_call(c, FUSE_MKDIR, FUSE_ROOT_ID, &md, sizeof(md),
				 FC_STR("d"), NULL, 0), sizeof(e));
	assert_int_equal(fc_call(c, FUSE_MKNOD, FUSE_ROOT_ID, &mn, sizeof(mn),
				 FC_STR("p"), NULL, 0), sizeof(e));
	assert_int_equal(fc_call(c, FUSE_SYMLINK, FUSE_ROOT_ID, FC_STR("l"),
				 FC_STR("f"), NULL, 0), sizeof(e));
	for (const char *const *n = (const char *const[]){ "f", "d", "p", "l", NULL };
	     *n; n++) {
		assert_int_equal(fc_stat(c, *n, &st), 0);
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
	}
	mkdir_at(c->dir, "sg");
	p = path_join(c->dir, "sg");
	assert_int_equal(chown(p, 0, 999), 0);
	assert_int_equal(chmod(p, 02775), 0);
	free(p);
	sg = fc_node(c, FUSE_ROOT_ID, "sg");
	assert_int_equal(fc_create(c, sg, "f", O_RDWR, 0644, &e, &fh), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_stat(c, "sg/f", &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 999);
}

static void test_limits(void **state)
{
	struct fc *c = *state;
	struct fuse_entry_out e;
	uint64_t n, fh[3];
	unsigned handles;

	write_at(c->dir, "f", "x", 1, 0644);
	n = fc_node(c, FUSE_ROOT_ID, "f");
	c->f.files_max = 2;
	assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDONLY, &fh[0]), 0);
	assert_int_equal(fc_open(c, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &fh[1]), 0);
	assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDONLY, &fh[2]), -EMFILE);
	assert_int_equal(fc_open(c, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &fh[2]),
			 -EMFILE);
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "g", O_RDWR, 0644, &e, &fh[2]),
			 -EMFILE);
	assert_int_equal(fc_stat(c, "g", &(struct stat){ 0 }), -ENOENT);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh[0]), 0);
	assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDONLY, &fh[2]), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh[2]), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASEDIR, fh[1]), 0);
	/* Handles: the share's SHARE_NODES_MAX. */
	handles = c->sh.handles;
	c->sh.handles = SHARE_NODES_MAX;
	write_at(c->dir, "g", "y", 1, 0644);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "g", &e), -ENFILE);
	c->sh.handles = handles;
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "g", &e), 0);
}

/* DESTROY: every node but the root and every file let go; a new INIT. */
static void test_destroy(void **state)
{
	struct fc *c = *state;
	struct fuse_attr a;
	uint64_t n, fh;

	write_at(c->dir, "f", "x", 1, 0644);
	mkdir_at(c->dir, "d");
	n = fc_node(c, FUSE_ROOT_ID, "f");
	assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDONLY, &fh), 0);
	assert_int_equal(fc_open(c, FUSE_OPENDIR, fc_node(c, FUSE_ROOT_ID, "d"),
				 O_RDONLY, &fh), 0);
	assert_int_equal(empty(c, FUSE_DESTROY, 0), 0);
	assert_int_equal(c->f.nodes_used, 1);
	assert_int_equal(c->f.files_used, 0);
	assert_int_equal(c->sh.handles, 1);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), -EIO);
	assert_int_equal(fc_init_minor(c, 7, 37, NULL), sizeof(struct fuse_init_out));
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_malformed),
		T(test_bad_ids),
		T(test_escape_names),
		T(test_escape_symlinks),
		T(test_special_files),
		cmocka_unit_test_setup_teardown(test_read_only, setup_ro, teardown),
		T(test_mapped_owner),
		T(test_root_owner),
		T(test_limits),
		T(test_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
