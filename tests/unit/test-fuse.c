// SPDX-License-Identifier: MIT
/* The FUSE server's session and files over a temporary share, as the
 * guest's kernel would send them: INIT, lookups and forgets, DESTROY,
 * files created, written and read (also a megabyte over many buffers),
 * attributes, owners. Most run twice: with whole buffers and with
 * requests and replies cut into 5-byte pieces. Directories, names,
 * xattrs and holes: test-fuse-dir.c; a hostile guest:
 * test-fuse-confine.c and test-fuse-malformed.c. */
#include "fuse-client.h"
#include "../../src/vmm/dax.h"

#define MAX_PAGES 256

static int setup(void **state)
{
	umask(022);
	*state = fc_new(false, MAX_PAGES);
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

static void test_init(void **state)
{
	struct fc *c = *state;
	struct fuse_init_out out;
	struct fuse_init_in old = { .major = 7, .minor = 31, .max_readahead = 65536,
				    .flags = FUSE_ASYNC_READ | FUSE_POSIX_LOCKS };
	struct fuse_attr a;
	uint32_t want = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_EXPORT_SUPPORT |
			FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA | FUSE_DO_READDIRPLUS |
			FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES;

	/* Once per session. */
	assert_int_equal(fc_init_minor(c, 7, 37, NULL), -EIO);
	assert_int_equal(fc_call(c, FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), -EIO);
	/* A newer major: ours and nothing else, and still no session. */
	assert_int_equal(fc_init_minor(c, 8, 1, NULL), FUSE_COMPAT_INIT_OUT_SIZE);
	assert_int_equal(((uint32_t *)c->out)[0], 7);
	assert_int_equal(((uint32_t *)c->out)[1], FUSE_KERNEL_MINOR_VERSION);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), -EIO);
	assert_int_equal(fc_init_minor(c, 6, 99, NULL), -EPROTO);
	assert_int_equal(fc_init_minor(c, 7, 30, NULL), -EPROTO);
	/* Linux 6.1 (7.37), asking for everything. */
	assert_int_equal(fc_init_minor(c, 7, 37, &out), sizeof(out));
	assert_int_equal(out.major, 7);
	assert_int_equal(out.minor, 37);
	assert_int_equal(out.flags, want);
	assert_int_equal(out.flags2, 0);
	assert_int_equal(out.max_readahead, 131072);
	assert_int_equal(out.max_write, MAX_PAGES * 4096);
	assert_int_equal(out.max_pages, MAX_PAGES);
	assert_int_equal(out.time_gran, 1);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), 0);
	assert_true(S_ISDIR(a.mode));
	/* A newer minor gets ours; the old 16-byte fuse_init_in; only the
	 * flags the kernel offered come back. */
	assert_int_equal(fc_call(c, FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_init_minor(c, 7, 99, &out), sizeof(out));
	assert_int_equal(out.minor, FUSE_KERNEL_MINOR_VERSION);
	assert_int_equal(fc_call(c, FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_call(c, FUSE_INIT, 0, &old, 16, NULL, 0, NULL, 0),
			 sizeof(out));
	memcpy(&out, c->out, sizeof(out));
	assert_int_equal(out.minor, 31);
	assert_int_equal(out.flags, FUSE_ASYNC_READ);
	assert_int_equal(out.max_readahead, 65536);
}

static void test_init_max_pages(void **state)
{
	struct fuse_server f;
	struct fc *c = *state;

	(void)c;
	assert_int_equal(fuse_server_init(&f, &c->sh, 0), -EINVAL);
	fuse_server_free(&f);
	assert_int_equal(fuse_server_init(&f, &c->sh, 1u << 20), 0);
	assert_int_equal(f.max_pages, 65535);
	assert_int_equal(f.max_write, 65535u * 4096);
	fuse_server_free(&f);
}

static void test_lookup(void **state)
{
	struct fc *c = *state;
	struct fuse_entry_out e, e2;
	struct fuse_attr a;
	struct stat st;
	uint64_t sub;
	uint32_t used;
	char *p, *q;

	write_at(c->dir, "a", "hello", 5, 0644);
	write_at(c->dir, "sub/x", "x", 1, 0600);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "a", &e), 0);
	assert_int_equal(fc_stat(c, "a", &st), 0);
	assert_int_not_equal(e.nodeid, FUSE_ROOT_ID);
	assert_true((uint32_t)e.nodeid < c->f.nodes_cap);
	assert_int_equal(e.attr.size, 5);
	assert_int_equal(e.attr.mode, S_IFREG | 0644);
	assert_int_equal(e.attr.ino, share_ino(&c->sh, st.st_dev, st.st_ino));
	assert_int_equal(e.attr.nlink, 1);
	assert_int_equal(e.attr.mtime, st.st_mtim.tv_sec);
	assert_int_equal(e.attr.mtimensec, st.st_mtim.tv_nsec);
	assert_int_equal(e.attr.blksize, st.st_blksize);
	assert_int_equal(e.entry_valid, 1);
	assert_int_equal(e.attr_valid, 1);
	/* The same inode, the same node; by another name too. */
	used = c->f.nodes_used;
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "a", &e2), 0);
	assert_int_equal(e2.nodeid, e.nodeid);
	p = path_join(c->dir, "a");
	q = path_join(c->dir, "b");
	assert_int_equal(link(p, q), 0);
	free(p);
	free(q);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "b", &e2), 0);
	assert_int_equal(e2.nodeid, e.nodeid);
	assert_int_equal(e2.attr.nlink, 2);
	assert_int_equal(c->f.nodes_used, used);
	/* "." and ".." (FUSE_EXPORT_SUPPORT). */
	sub = fc_node(c, FUSE_ROOT_ID, "sub");
	assert_int_equal(fc_node(c, sub, "."), sub);
	assert_int_equal(fc_node(c, sub, ".."), FUSE_ROOT_ID);
	assert_int_equal(fc_node(c, FUSE_ROOT_ID, "."), FUSE_ROOT_ID);
	assert_int_equal(fc_lookup(c, sub, "x", &e2), 0);
	assert_int_equal(e2.attr.mode, S_IFREG | 0600);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "nothing", &e2), -ENOENT);
	assert_int_equal(fc_lookup(c, sub, "a", &e2), -ENOENT);
	assert_int_equal(fc_getattr(c, sub, &a), 0);
	assert_true(S_ISDIR(a.mode));
	assert_int_equal(fc_getattr(c, e.nodeid, &a), 0);
	assert_int_equal(a.size, 5);
}

static void test_forget(void **state)
{
	struct fc *c = *state;
	struct {
		struct fuse_batch_forget_in in;
		struct fuse_forget_one one[3];
	} batch = { { 3, 0 }, { { 0, 1 }, { 0, 1 }, { 0xdead00000005ull, 7 } } };
	struct fuse_forget_in fin = { 1 };
	struct fuse_in_header h = { .len = sizeof(h) + sizeof(fin),
				    .opcode = FUSE_FORGET, .unique = 9 };
	struct iovec req[2] = { { &h, sizeof(h) }, { &fin, sizeof(fin) } };
	struct fuse_attr a;
	uint64_t n, n2;
	uint32_t used;
	unsigned handles;

	write_at(c->dir, "a", "1", 1, 0644);
	write_at(c->dir, "b", "2", 1, 0644);
	used = c->f.nodes_used;
	handles = c->sh.handles;
	n = fc_node(c, FUSE_ROOT_ID, "a");
	assert_int_equal(fc_node(c, FUSE_ROOT_ID, "a"), n);
	assert_int_equal(c->f.nodes_used, used + 1);
	assert_int_equal(c->sh.handles, handles + 1);
	fc_forget(c, n, 1);
	assert_int_equal(fc_getattr(c, n, &a), 0);
	fc_forget(c, n, 1);
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);
	assert_int_equal(c->f.nodes_used, used);
	assert_int_equal(c->sh.handles, handles);
	/* The slot comes back under another generation. */
	n2 = fc_node(c, FUSE_ROOT_ID, "a");
	assert_int_not_equal(n2, n);
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);
	fc_forget(c, n, 1);			/* stale: ignored */
	assert_int_equal(fc_getattr(c, n2, &a), 0);
	/* BATCH_FORGET, with a nodeid that means nothing. */
	batch.one[0].nodeid = n2;
	batch.one[1].nodeid = fc_node(c, FUSE_ROOT_ID, "b");
	assert_int_equal(fc_call(c, FUSE_BATCH_FORGET, 0, &batch, sizeof(batch),
				 NULL, 0, NULL, 0), FC_NOREPLY);
	assert_int_equal(fc_getattr(c, n2, &a), -ENOENT);
	assert_int_equal(fc_getattr(c, batch.one[1].nodeid, &a), -ENOENT);
	assert_int_equal(c->f.nodes_used, used);
	/* The root stays, whatever the count. */
	fc_forget(c, FUSE_ROOT_ID, ~0ull);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), 0);
	/* A FORGET from the hiprio queue has no writable buffer at all. */
	h.nodeid = fc_node(c, FUSE_ROOT_ID, "a");
	assert_int_equal(fuse_serve(&c->f, req, 2, NULL, 0), 0);
	assert_int_equal(fc_getattr(c, h.nodeid, &a), -ENOENT);
	assert_int_equal(c->sh.handles, handles);
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
	assert_int_equal(fc_empty(c, FUSE_DESTROY, 0), 0);
	assert_int_equal(c->f.nodes_used, 1);
	assert_int_equal(c->f.files_used, 0);
	assert_int_equal(c->sh.handles, 1);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), -EIO);
	assert_int_equal(fc_init_minor(c, 7, 37, NULL), sizeof(struct fuse_init_out));
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), 0);
}

static void test_create_read_write(void **state)
{
	struct fc *c = *state;
	struct fuse_entry_out e, e2;
	struct fuse_create_in cin = { O_RDWR | O_CREAT, S_IFREG | 0666, 077, 0 };
	struct fuse_flush_in fl = { 0 };
	struct fuse_fsync_in fs = { 0 };
	struct stat st;
	uint64_t fh, fh2;
	size_t len;
	char *s;

	/* The guest's mode, whatever our umask (022 here). */
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "new", O_RDWR, S_IFREG | 0666,
				   &e, &fh), 0);
	assert_int_equal(fc_stat(c, "new", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0666);
	assert_int_equal(e.attr.mode, S_IFREG | 0666);
	assert_int_equal(e.attr.size, 0);
	/* With FUSE_DONT_MASK semantics: the umask in the request applies. */
	assert_int_equal(fc_call(c, FUSE_CREATE, FUSE_ROOT_ID, &cin, sizeof(cin),
				 FC_STR("masked"), NULL, 0),
			 sizeof(e) + sizeof(struct fuse_open_out));
	assert_int_equal(fc_stat(c, "masked", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	fh2 = ((struct fuse_open_out *)(c->out + sizeof(e)))->fh;
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh2), 0);
	/* A read-only mode does not stop the creator writing (git's objects). */
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "ro", O_RDWR, S_IFREG | 0444,
				   &e2, &fh2), 0);
	assert_int_equal(fc_write(c, fh2, 0, "obj", 3), 3);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh2), 0);
	assert_int_equal(fc_stat(c, "ro", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0444);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(st.st_uid, geteuid());

	assert_int_equal(fc_write(c, fh, 0, "hello world", 11), 11);
	s = fc_slurp(c, "new", &len);
	assert_int_equal(len, 11);
	assert_memory_equal(s, "hello world", 11);
	free(s);
	assert_int_equal(fc_write(c, fh, 100, "x", 1), 1);
	assert_int_equal(fc_stat(c, "new", &st), 0);
	assert_int_equal(st.st_size, 101);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 11), 11);
	assert_memory_equal(c->out, "hello world", 11);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 95, 100), 6);
	assert_memory_equal(c->out, "\0\0\0\0\0x", 6);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 200, 10), 0);	/* EOF */
	fl.fh = fs.fh = fh;
	assert_int_equal(fc_call(c, FUSE_FLUSH, e.nodeid, &fl, sizeof(fl), NULL, 0,
				 NULL, 0), 0);
	assert_int_equal(fc_call(c, FUSE_FSYNC, e.nodeid, &fs, sizeof(fs), NULL, 0,
				 NULL, 0), 0);
	fs.fsync_flags = FUSE_FSYNC_FDATASYNC;
	assert_int_equal(fc_call(c, FUSE_FSYNC, e.nodeid, &fs, sizeof(fs), NULL, 0,
				 NULL, 0), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), -EBADF);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 11), -EBADF);
	assert_int_equal(c->f.files_used, 0);

	/* FUSE_ATOMIC_O_TRUNC: O_TRUNC comes with OPEN. */
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDWR | O_TRUNC, &fh), 0);
	assert_int_equal(fc_stat(c, "new", &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(fc_write(c, fh, 0, "abc", 3), 3);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_RDONLY, &fh), 0);
	assert_int_equal(fc_write(c, fh, 0, "no", 2), -EBADF);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 10), 3);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	assert_int_equal(fc_open(c, FUSE_OPEN, e.nodeid, O_ACCMODE, &fh), -EINVAL);

	/* CREATE of a name the host made meanwhile: O_EXCL fails, else it
	 * opens what is there. */
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "new", O_RDWR | O_EXCL, 0644,
				   &e, &fh), -EEXIST);
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "new", O_RDWR, 0644, &e, &fh), 0);
	assert_int_equal(e.attr.size, 3);
	assert_int_equal(fc_read(c, FUSE_READ, fh, 0, 10), 3);
	assert_memory_equal(c->out, "abc", 3);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
}

/* A megabyte in 4 KiB buffers that are not next to each other, as a
 * virtqueue chain of guest pages; and out again into 512-byte ones,
 * more than IOV_MAX of them. */
static void test_large_io(void **state)
{
	struct fc *c = *state;
	enum { MB = 1 << 20, PG = 4096, NPG = MB / PG, SMALL = 512 };
	struct fuse_write_in win = { .size = MB };
	struct fuse_read_in rin = { .size = MB };
	struct fuse_in_header h = { .opcode = FUSE_WRITE, .unique = 77 };
	struct iovec *req = calloc(NPG + 1, sizeof(*req));
	struct iovec *rep = calloc(MB / SMALL + 1, sizeof(*rep));
	uint8_t *pages = malloc(2 * MB), *data = malloc(MB), *hdr = malloc(128);
	struct fuse_out_header oh;
	struct fuse_entry_out e;
	size_t len;
	char *s;

	for (unsigned i = 0; i < MB; i++)
		data[i] = (uint8_t)(i * 7 + i / 4099);
	assert_int_equal(fc_create(c, FUSE_ROOT_ID, "big", O_RDWR, 0644, &e,
				   &win.fh), 0);
	h.len = sizeof(h) + sizeof(win) + MB;
	memcpy(hdr, &h, sizeof(h));
	memcpy(hdr + sizeof(h), &win, sizeof(win));
	req[0] = (struct iovec){ hdr, sizeof(h) + sizeof(win) };
	for (unsigned i = 0; i < NPG; i++) {
		memcpy(pages + 2 * PG * i, data + PG * i, PG);
		req[i + 1] = (struct iovec){ pages + 2 * PG * i, PG };
	}
	rep[0] = (struct iovec){ &oh, sizeof(oh) };
	rep[1] = (struct iovec){ hdr + 96, 8 };
	assert_int_equal(fuse_serve(&c->f, req, NPG + 1, rep, 2), sizeof(oh) + 8);
	assert_int_equal(oh.error, 0);
	assert_int_equal(*(uint32_t *)(hdr + 96), MB);
	s = fc_slurp(c, "big", &len);
	assert_int_equal(len, MB);
	assert_memory_equal(s, data, MB);
	free(s);

	/* Out: a header buffer, then 2048 buffers of 512 bytes. */
	h = (struct fuse_in_header){ .len = sizeof(h) + sizeof(rin),
				     .opcode = FUSE_READ, .unique = 78 };
	rin.fh = win.fh;
	memcpy(hdr, &h, sizeof(h));
	memcpy(hdr + sizeof(h), &rin, sizeof(rin));
	req[0] = (struct iovec){ hdr, sizeof(h) + sizeof(rin) };
	memset(pages, 0, 2 * MB);
	for (unsigned i = 0; i < MB / SMALL; i++)
		rep[i + 1] = (struct iovec){ pages + 2 * SMALL * i, SMALL };
	assert_int_equal(fuse_serve(&c->f, req, 1, rep, MB / SMALL + 1),
			 sizeof(oh) + MB);
	assert_int_equal(oh.error, 0);
	assert_int_equal(oh.unique, 78);
	for (unsigned i = 0; i < MB / SMALL; i++)
		assert_memory_equal(pages + 2 * SMALL * i, data + SMALL * i, SMALL);

	/* Clamped to max_write, and to the writable space. */
	assert_int_equal(fc_read(c, FUSE_READ, win.fh, 0, 2 * MB), MB);
	assert_memory_equal(c->out, data, MB);
	c->room = 1000;
	assert_int_equal(fc_read(c, FUSE_READ, win.fh, 4, 4096), 1000 - 16);
	assert_memory_equal(c->out, data + 4, 1000 - 16);
	c->room = FC_ROOM;
	assert_int_equal(fc_release(c, FUSE_RELEASE, win.fh), 0);
	free(req);
	free(rep);
	free(pages);
	free(data);
	free(hdr);
}

static int setattr(struct fc *c, uint64_t node, struct fuse_setattr_in *in,
		   struct fuse_attr *a)
{
	int r = fc_call(c, FUSE_SETATTR, node, in, sizeof(*in), NULL, 0, NULL, 0);

	if (r >= 0) {
		assert_int_equal(r, sizeof(struct fuse_attr_out));
		memcpy(a, c->out + offsetof(struct fuse_attr_out, attr), sizeof(*a));
	}
	return r < 0 ? r : 0;
}

static void test_setattr(void **state)
{
	struct fc *c = *state;
	struct fuse_setattr_in in = { .valid = FATTR_MODE, .mode = 0600 };
	struct fuse_attr a;
	struct stat st;
	uint64_t n, fh;

	write_at(c->dir, "f", "0123456789", 10, 0644);
	n = fc_node(c, FUSE_ROOT_ID, "f");
	assert_int_equal(setattr(c, n, &in, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0600);
	assert_int_equal(fc_stat(c, "f", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	in = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 3 };
	assert_int_equal(setattr(c, n, &in, &a), 0);
	assert_int_equal(a.size, 3);
	assert_int_equal(fc_stat(c, "f", &st), 0);
	assert_int_equal(st.st_size, 3);
	/* ftruncate on the guest's open file. */
	assert_int_equal(fc_open(c, FUSE_OPEN, n, O_RDWR, &fh), 0);
	in = (struct fuse_setattr_in){ .valid = FATTR_SIZE | FATTR_FH, .size = 1,
				       .fh = fh };
	assert_int_equal(setattr(c, n, &in, &a), 0);
	assert_int_equal(fc_stat(c, "f", &st), 0);
	assert_int_equal(st.st_size, 1);
	in.fh = fh + 1;
	assert_int_equal(setattr(c, n, &in, &a), -EBADF);
	assert_int_equal(fc_release(c, FUSE_RELEASE, fh), 0);
	/* Times, given and now. */
	in = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME,
				       .atime = 1000000000, .atimensec = 5,
				       .mtime = 1200000000, .mtimensec = 999999999 };
	assert_int_equal(setattr(c, n, &in, &a), 0);
	assert_int_equal(a.mtime, 1200000000);
	assert_int_equal(fc_stat(c, "f", &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	assert_int_equal(st.st_atim.tv_nsec, 5);
	assert_int_equal(st.st_mtim.tv_nsec, 999999999);
	in.valid |= FATTR_MTIME_NOW;
	assert_int_equal(setattr(c, n, &in, &a), 0);
	assert_true(a.mtime > 1600000000);
	assert_int_equal(a.atime, 1000000000);
	in = (struct fuse_setattr_in){ .valid = FATTR_MTIME, .mtimensec = 1000000000 };
	assert_int_equal(setattr(c, n, &in, &a), -EINVAL);
	in = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 1ull << 63 };
	assert_int_equal(setattr(c, n, &in, &a), -EFBIG);
	in = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 0 };
	assert_int_equal(setattr(c, FUSE_ROOT_ID, &in, &a), -EISDIR);
	/* Owners pass through as root (test-fuse-confine: mapped). */
	in = (struct fuse_setattr_in){ .valid = FATTR_UID | FATTR_GID,
				       .uid = 1234, .gid = 5678 };
	if (geteuid() == 0) {
		assert_int_equal(setattr(c, n, &in, &a), 0);
		assert_int_equal(a.uid, 1234);
		assert_int_equal(fc_stat(c, "f", &st), 0);
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
	} else {
		assert_int_equal(setattr(c, n, &in, &a), -EPERM);
	}
}

/* The share's own directory keeps its mode, owner, times and xattrs,
 * as the root node and as its "..": the host's, not the guest's. */
static void test_root_attrs(void **state)
{
	struct fc *c = *state;
	struct fuse_setattr_in in[] = {
		{ .valid = FATTR_MODE, .mode = 0777 },
		{ .valid = FATTR_UID | FATTR_GID, .uid = 1, .gid = 1 },
		{ .valid = FATTR_ATIME | FATTR_MTIME },
		{ .valid = FATTR_MTIME_NOW | FATTR_MTIME },
		{ .valid = FATTR_CTIME },
	};
	struct fuse_setxattr_in sx = { 1, 0, 0, 0 };
	struct fuse_setattr_in size = { .valid = FATTR_SIZE };
	struct fuse_entry_out e;
	struct fuse_attr a;
	struct stat before, after;
	uint64_t nodes[2] = { FUSE_ROOT_ID, 0 };

	assert_int_equal(stat(c->dir, &before), 0);
	assert_int_equal(fc_lookup(c, FUSE_ROOT_ID, "..", &e), 0);
	nodes[1] = e.nodeid;
	for (size_t n = 0; n < 2; n++) {
		for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
			assert_int_equal(setattr(c, nodes[n], &in[i], &a), -EPERM);
		assert_int_equal(setattr(c, nodes[n], &size, &a), -EISDIR);
		assert_int_equal(fc_call(c, FUSE_SETXATTR, nodes[n], &sx,
					 FUSE_COMPAT_SETXATTR_IN_SIZE,
					 FC_STR("user.x"), "1", 1), -EPERM);
		assert_int_equal(fc_call(c, FUSE_REMOVEXATTR, nodes[n],
					 FC_STR("user.x"), NULL, 0, NULL, 0), -EPERM);
	}
	assert_int_equal(stat(c->dir, &after), 0);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec);
	/* What lies in it is the guest's. */
	mkdir_at(c->dir, "d");
	assert_int_equal(setattr(c, fc_node(c, FUSE_ROOT_ID, "d"), &in[0], &a), 0);
	assert_int_equal(a.mode, S_IFDIR | 0777);
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

/* With a window: INIT says the alignment; SETUPMAPPING maps a file by
 * its node (fh -1, as Linux sends it), read-only or writable, and
 * REMOVEMAPPING a list; bad nodes, directories, misaligned or outside
 * ranges and short lists are errors; a ro share maps for reading only;
 * DESTROY empties the window. Without one, both are ENOSYS. */
static void test_dax(void **state)
{
	struct fc *c = *state;
	struct dax_window w;
	struct fuse_init_out out;
	struct fuse_setupmapping_in in = { .fh = UINT64_MAX, .len = 1 << 21,
					   .flags = FUSE_SETUPMAPPING_FLAG_READ };
	/* As Linux sends it: the count, then the list, unpadded. */
	struct fuse_removemapping_in rm = { 2 };
	struct fuse_removemapping_one one[2] = { { 0, 1 << 21 },
						 { 4 << 20, 1 << 21 } };
	uint64_t node, dir;
	char *text;

	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, FUSE_ROOT_ID, &in,
				 sizeof(in), NULL, 0, NULL, 0), -ENOSYS);
	assert_int_equal(fc_call(c, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, &rm,
				 sizeof(rm), one, sizeof(one), NULL, 0), -ENOSYS);
	write_at(c->dir, "f", "0123456789", 10, 0644);
	mkdir_at(c->dir, "d");
	assert_int_equal(dax_init(&w, 8 << 20), 0);
	c->f.dax = &w;
	assert_int_equal(fc_call(c, FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_init_minor(c, 7, 37, &out), sizeof(out));
	assert_true(out.flags & FUSE_MAP_ALIGNMENT);
	assert_int_equal(out.map_alignment, 21);
	node = fc_node(c, FUSE_ROOT_ID, "f");
	dir = fc_node(c, FUSE_ROOT_ID, "d");

	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), 0);
	assert_memory_equal(w.host, "0123456789", 10);
	assert_false(w.chunk[0].write);
	in.moffset = 4 << 20;
	in.flags |= FUSE_SETUPMAPPING_FLAG_WRITE;
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), 0);
	assert_true(w.chunk[2].write);
	w.host[(4 << 20) + 1] = 'x';
	text = fc_slurp(c, "f", NULL);
	assert_int_equal(text[1], 'x');
	free(text);
	/* Not a file, not a node, not a place in the window, too short. */
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, dir, &in, sizeof(in),
				 NULL, 0, NULL, 0), -EISDIR);
	in.flags = FUSE_SETUPMAPPING_FLAG_READ;
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, dir, &in, sizeof(in),
				 NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, 77, &in, sizeof(in),
				 NULL, 0, NULL, 0), -ENOENT);
	in.moffset = 8 << 20;
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), -EINVAL);
	in.moffset = 4096;
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in) - 1,
				 NULL, 0, NULL, 0), -EINVAL);
	/* A list longer than the request. */
	rm.count = 3;
	assert_int_equal(fc_call(c, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, &rm,
				 sizeof(rm), one, sizeof(one), NULL, 0), -EINVAL);
	rm.count = 2;
	assert_int_equal(fc_call(c, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, &rm,
				 sizeof(rm), one, sizeof(one), NULL, 0), 0);
	assert_int_equal(w.chunk[0].fd, -1);
	assert_int_equal(w.chunk[2].fd, -1);
	assert_int_equal(w.host[0], 0);
	one[1].moffset = 9 << 20;
	assert_int_equal(fc_call(c, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, &rm,
				 sizeof(rm), one, sizeof(one), NULL, 0), -EINVAL);
	/* DESTROY: the window is empty again. */
	in.moffset = 2 << 20;
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), 0);
	assert_int_equal(fc_call(c, FUSE_DESTROY, 0, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(w.chunk[1].fd, -1);
	c->f.dax = NULL;
	dax_free(&w);
}

/* A read-only share maps for reading only. */
static void test_dax_ro(void **state)
{
	struct fc *c = fc_new(true, MAX_PAGES);
	struct dax_window w;
	struct fuse_setupmapping_in in = { .fh = UINT64_MAX, .len = 1 << 21,
					   .flags = FUSE_SETUPMAPPING_FLAG_READ |
						    FUSE_SETUPMAPPING_FLAG_WRITE };
	uint64_t node;
	char *text;

	(void)state;
	write_at(c->dir, "f", "abc", 3, 0644);
	assert_int_equal(dax_init(&w, 4 << 20), 0);
	c->f.dax = &w;
	node = fc_node(c, FUSE_ROOT_ID, "f");
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), -EROFS);
	in.flags = FUSE_SETUPMAPPING_FLAG_READ;
	assert_int_equal(fc_call(c, FUSE_SETUPMAPPING, node, &in, sizeof(in),
				 NULL, 0, NULL, 0), 0);
	w.host[0] = 'z';	/* a private copy: the file stays */
	text = fc_slurp(c, "f", NULL);
	assert_memory_equal(text, "abc", 3);
	free(text);
	fc_free(c);
	dax_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_split, teardown)
		T(test_init),
		T(test_init_max_pages),
		T(test_lookup),
		T(test_forget),
		T(test_destroy),
		T(test_create_read_write),
		T(test_large_io),
		T(test_setattr),
		T(test_root_attrs),
		T(test_mapped_owner),
		T(test_root_owner),
		T(test_dax),
		cmocka_unit_test(test_dax_ro),
		TS(test_init),
		TS(test_lookup),
		TS(test_forget),
		TS(test_create_read_write),
		TS(test_setattr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
