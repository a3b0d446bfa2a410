// SPDX-License-Identifier: MIT
/* The FUSE server against malformed requests: short or lying headers,
 * arguments short of their fixed part, names unterminated or too long,
 * sizes past the limits, made-up or stale nodeids and file handles,
 * unknown opcodes, no room for the reply; and its limits on open files
 * and handles. Each is an error reply (or none), never a crash, a read
 * outside the buffers or a write past the reply. */
#include "fuse-client.h"

static int setup(void **state)
{
	umask(022);
	*state = fc_new(false, 4);		/* max_write 16 KiB */
	return 0;
}

static int teardown(void **state)
{
	fc_free(*state);
	return 0;
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
	assert_int_equal(fc_empty(c, FUSE_LOOKUP, FUSE_ROOT_ID), -EINVAL);
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
	assert_int_equal(fc_empty(c, 0, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(fc_empty(c, 999, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(fc_empty(c, CUSE_INIT, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(fc_empty(c, FUSE_INIT_BSWAP_RESERVED, FUSE_ROOT_ID), -ENOSYS);
	assert_int_equal(fc_empty(c, ~0u, FUSE_ROOT_ID), -ENOSYS);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_malformed),
		T(test_bad_ids),
		T(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
