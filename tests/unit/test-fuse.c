// SPDX-License-Identifier: MIT
/* The FUSE server's operations over a temporary share, as the guest's
 * kernel would send them: INIT, lookups and forgets, files created,
 * written and read (also in 1 MiB pieces over many buffers), attributes,
 * names, directories, xattrs, holes. Most run twice: with whole buffers
 * and with requests and replies cut into 5-byte pieces. The confinement
 * and the malformed requests: test-fuse-confine.c. */
#include <sys/xattr.h>

#include "fuse-client.h"

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

static void forget(struct fc *c, uint64_t node, uint64_t n)
{
	struct fuse_forget_in in = { n };

	assert_int_equal(fc_call(c, FUSE_FORGET, node, &in, sizeof(in), NULL, 0,
				 NULL, 0), FC_NOREPLY);
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
	forget(c, n, 1);
	assert_int_equal(fc_getattr(c, n, &a), 0);
	forget(c, n, 1);
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);
	assert_int_equal(c->f.nodes_used, used);
	assert_int_equal(c->sh.handles, handles);
	/* The slot comes back under another generation. */
	n2 = fc_node(c, FUSE_ROOT_ID, "a");
	assert_int_not_equal(n2, n);
	assert_int_equal(fc_getattr(c, n, &a), -ENOENT);
	forget(c, n, 1);			/* stale: ignored */
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
	forget(c, FUSE_ROOT_ID, ~0ull);
	assert_int_equal(fc_getattr(c, FUSE_ROOT_ID, &a), 0);
	/* A FORGET from the hiprio queue has no writable buffer at all. */
	h.nodeid = fc_node(c, FUSE_ROOT_ID, "a");
	assert_int_equal(fuse_serve(&c->f, req, 2, NULL, 0), 0);
	assert_int_equal(fc_getattr(c, h.nodeid, &a), -ENOENT);
	assert_int_equal(c->sh.handles, handles);
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

static void test_names(void **state)
{
	struct fc *c = *state;
	struct fuse_mkdir_in md = { 0755, 0 };
	struct fuse_mknod_in mn = { S_IFIFO | 0640, 0, 0, 0 };
	struct fuse_link_in li;
	struct fuse_rename_in rn = { FUSE_ROOT_ID };
	struct fuse_rename2_in rn2 = { FUSE_ROOT_ID, RENAME_NOREPLACE, 0 };
	struct fuse_entry_out *e = (struct fuse_entry_out *)0;
	struct stat st;
	uint64_t d, a;
	char buf[64];
	char *p;

	(void)e;
	assert_int_equal(fc_call(c, FUSE_MKDIR, FUSE_ROOT_ID, &md, sizeof(md),
				 FC_STR("d"), NULL, 0), sizeof(struct fuse_entry_out));
	e = (struct fuse_entry_out *)c->out;
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
	forget(c, n, 2);		/* list()'s LOOKUP, then READDIRPLUS' */
	assert_int_equal(fc_getattr(c, n, &a), 0);
	forget(c, n, 1);		/* and fc_node's */
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
	/* On a directory too. */
	in.flags = 0;
	assert_int_equal(fc_call(c, FUSE_SETXATTR, FUSE_ROOT_ID, &in,
				 FUSE_COMPAT_SETXATTR_IN_SIZE, FC_STR("user.d"),
				 "12345", 5), 0);
	assert_int_equal(xattr_get(c, FUSE_ROOT_ID, FUSE_GETXATTR, "user.d", 5), 5);
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
		T(test_init),
		T(test_init_max_pages),
		T(test_lookup),
		T(test_forget),
		T(test_create_read_write),
		T(test_large_io),
		T(test_setattr),
		T(test_names),
		T(test_readdir),
		T(test_statfs),
		T(test_xattr),
		T(test_lseek_fallocate),
		TS(test_init),
		TS(test_lookup),
		TS(test_forget),
		TS(test_create_read_write),
		TS(test_setattr),
		TS(test_names),
		TS(test_readdir),
		TS(test_xattr),
		TS(test_lseek_fallocate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
