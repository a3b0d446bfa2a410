// SPDX-License-Identifier: MIT
/* The FUSE server against a guest that tries to leave the share: names
 * that are not one component, symlinks pointing out, FIFOs, sockets and
 * devices, a read-only share. Every attempt must fail and leave
 * <top>/canary, beside the share, as it was. */
#include <dirent.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

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
		assert_int_equal(fc_empty(c, FUSE_READLINK, n), (int)len);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_escape_names),
		T(test_escape_symlinks),
		T(test_special_files),
		cmocka_unit_test_setup_teardown(test_read_only, setup_ro, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
