// SPDX-License-Identifier: MIT
/* Seeds of the share servers' targets (seed.h): p9, fuse. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/fuse.h>

#include "seed.h"

/* --- 9P (fuzz-p9.c) --------------------------------------------------- */

enum {
	TSTATFS = 8, TLOPEN = 12, TLCREATE = 14, TSYMLINK = 16, TMKNOD = 18,
	TRENAME = 20, TREADLINK = 22, TGETATTR = 24, TSETATTR = 26,
	TXATTRWALK = 30, TXATTRCREATE = 32, TREADDIR = 40, TFSYNC = 50,
	TLOCK = 52, TGETLOCK = 54, TLINK = 70, TMKDIR = 72, TRENAMEAT = 74,
	TUNLINKAT = 76, TVERSION = 100, TAUTH = 102, TATTACH = 104,
	TFLUSH = 108, TWALK = 110, TREAD = 116, TWRITE = 118, TCLUNK = 120,
	TREMOVE = 122,
};

static size_t msg_at;

static void m_begin(struct buf *b, uint8_t type)
{
	msg_at = b->len;
	u32(b, 0);
	u8(b, type);
	u16(b, 1);
}

static void m_end(struct buf *b)
{
	put32(b, msg_at, (uint32_t)(b->len - msg_at));
}

static void m_str(struct buf *b, const char *s)
{
	u16(b, (uint16_t)strlen(s));
	buf_adds(b, s);
}

static void walk(struct buf *b, uint32_t fid, uint32_t newfid, int n, ...)
{
	va_list ap;

	m_begin(b, TWALK);
	u32(b, fid);
	u32(b, newfid);
	u16(b, (uint16_t)n);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		m_str(b, va_arg(ap, const char *));
	va_end(ap);
	m_end(b);
}

static void fid_op(struct buf *b, uint8_t type, uint32_t fid)
{
	m_begin(b, type);
	u32(b, fid);
	m_end(b);
}

static void lopen(struct buf *b, uint32_t fid, uint32_t flags)
{
	m_begin(b, TLOPEN);
	u32(b, fid);
	u32(b, flags);
	m_end(b);
}

static void io(struct buf *b, uint8_t type, uint32_t fid, uint64_t off,
	       uint32_t count, const char *data)
{
	m_begin(b, type);
	u32(b, fid);
	u64(b, off);
	u32(b, count);
	if (data)
		buf_add(b, data, count);
	m_end(b);
}

static void p9_save(const char *name, struct buf *b)
{
	seed_save("p9", name, b);
	buf_reset(b);
	u8(b, 0x11);		/* the session first, msize 65536 */
}

void seed_p9(void)
{
	struct buf b = { 0 };

	u8(&b, 0x11);
	walk(&b, 0, 1, 1, "a");
	lopen(&b, 1, O_RDONLY);
	io(&b, TREAD, 1, 0, 100, NULL);
	m_begin(&b, TGETATTR);
	u32(&b, 1);
	u64(&b, 0x3fff);
	m_end(&b);
	fid_op(&b, TCLUNK, 1);
	p9_save("read", &b);

	walk(&b, 0, 2, 0);
	m_begin(&b, TLCREATE);
	u32(&b, 2);
	m_str(&b, "new");
	u32(&b, O_RDWR);
	u32(&b, 0644);
	u32(&b, 0);
	m_end(&b);
	io(&b, TWRITE, 2, 0, 5, "hello");
	fid_op(&b, TFSYNC, 2);
	m_begin(&b, TSETATTR);
	u32(&b, 2);
	u32(&b, 0x1 | 0x8);	/* mode, size */
	u32(&b, 0600);
	u32(&b, 0);
	u32(&b, 0);
	u64(&b, 2);
	u64(&b, 0);
	u64(&b, 0);
	u64(&b, 0);
	u64(&b, 0);
	m_end(&b);
	m_begin(&b, TLOCK);
	u32(&b, 2);
	u8(&b, 1);		/* write lock */
	u32(&b, 0);
	u64(&b, 0);
	u64(&b, 0);
	u32(&b, 1);
	m_str(&b, "client");
	m_end(&b);
	m_begin(&b, TGETLOCK);
	u32(&b, 2);
	u8(&b, 0);
	u64(&b, 0);
	u64(&b, 0);
	u32(&b, 1);
	m_str(&b, "client");
	m_end(&b);
	fid_op(&b, TREMOVE, 2);
	p9_save("create-write", &b);

	m_begin(&b, TMKDIR);
	u32(&b, 0);
	m_str(&b, "dd");
	u32(&b, 0755);
	u32(&b, 0);
	m_end(&b);
	walk(&b, 0, 3, 1, "dd");
	lopen(&b, 3, O_RDONLY | O_DIRECTORY);
	io(&b, TREADDIR, 3, 0, 4096, NULL);
	fid_op(&b, TCLUNK, 3);
	m_begin(&b, TRENAMEAT);
	u32(&b, 0);
	m_str(&b, "dd");
	u32(&b, 0);
	m_str(&b, "ee");
	m_end(&b);
	m_begin(&b, TUNLINKAT);
	u32(&b, 0);
	m_str(&b, "ee");
	u32(&b, 0x200);		/* AT_REMOVEDIR */
	m_end(&b);
	fid_op(&b, TSTATFS, 0);
	p9_save("dirs", &b);

	m_begin(&b, TSYMLINK);
	u32(&b, 0);
	m_str(&b, "s");
	m_str(&b, "a");
	u32(&b, 0);
	m_end(&b);
	walk(&b, 0, 4, 1, "s");
	fid_op(&b, TREADLINK, 4);
	walk(&b, 0, 5, 1, "a");
	m_begin(&b, TLINK);
	u32(&b, 0);
	u32(&b, 5);
	m_str(&b, "hard");
	m_end(&b);
	m_begin(&b, TRENAME);
	u32(&b, 5);
	u32(&b, 0);
	m_str(&b, "moved");
	m_end(&b);
	m_begin(&b, TMKNOD);
	u32(&b, 0);
	m_str(&b, "fifo");
	u32(&b, S_IFIFO | 0644);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	m_end(&b);
	p9_save("links", &b);

	walk(&b, 0, 6, 1, "a");
	m_begin(&b, TXATTRCREATE);
	u32(&b, 6);
	m_str(&b, "user.fuzz");
	u64(&b, 3);
	u32(&b, 0);
	m_end(&b);
	io(&b, TWRITE, 6, 0, 3, "xyz");
	fid_op(&b, TCLUNK, 6);
	walk(&b, 0, 7, 1, "a");
	m_begin(&b, TXATTRWALK);
	u32(&b, 7);
	u32(&b, 8);
	m_str(&b, "user.fuzz");
	m_end(&b);
	io(&b, TREAD, 8, 0, 100, NULL);
	m_begin(&b, TXATTRWALK);
	u32(&b, 7);
	u32(&b, 9);
	m_str(&b, "");
	m_end(&b);
	io(&b, TREAD, 9, 0, 100, NULL);
	m_begin(&b, TFLUSH);
	u16(&b, 1);
	m_end(&b);
	p9_save("xattr", &b);

	/* The way out: "..", symlinks out, a FIFO. */
	walk(&b, 0, 10, 2, "..", "..");
	walk(&b, 0, 11, 1, "l");
	lopen(&b, 11, O_RDWR);
	walk(&b, 0, 12, 1, "abs");
	fid_op(&b, TREADLINK, 12);
	walk(&b, 0, 13, 1, "p");
	lopen(&b, 13, O_RDONLY);
	walk(&b, 0, 14, 2, "d", "..");
	m_begin(&b, TLCREATE);
	u32(&b, 14);
	m_str(&b, "../x");
	u32(&b, O_RDWR);
	u32(&b, 0644);
	u32(&b, 0);
	m_end(&b);
	p9_save("escape", &b);

	/* No session: a version of another protocol, Tauth, a short one. */
	buf_reset(&b);
	u8(&b, 0);
	m_begin(&b, TVERSION);
	u32(&b, 8192);
	m_str(&b, "9P2000.u");
	m_end(&b);
	m_begin(&b, TVERSION);
	u32(&b, 4096);
	m_str(&b, "9P2000.L");
	m_end(&b);
	m_begin(&b, TAUTH);
	u32(&b, 1);
	m_str(&b, "root");
	m_str(&b, "");
	m_end(&b);
	m_begin(&b, TATTACH);
	u32(&b, 0);
	u32(&b, ~0u);
	m_str(&b, "root");
	m_str(&b, "");
	u32(&b, 0);
	m_end(&b);
	u32(&b, 5);
	seed_save("p9", "version", &b);
	buf_free(&b);
}

/* --- FUSE (fuzz-fuse.c) ---------------------------------------------- */

#define NODE1	0x100000002ULL	/* the first node a lookup makes */
#define FH1	0x100000001ULL	/* the first file opened */

static uint64_t unique;

static void r_begin(struct buf *b, uint32_t opcode, uint64_t nodeid)
{
	msg_at = b->len;
	u32(b, 0);
	u32(b, opcode);
	u64(b, ++unique);
	u64(b, nodeid);
	u32(b, 0);		/* uid */
	u32(b, 0);		/* gid */
	u32(b, 1);		/* pid */
	u16(b, 0);		/* total_extlen */
	u16(b, 0);
}

static void r_end(struct buf *b)
{
	put32(b, msg_at, (uint32_t)(b->len - msg_at));
}

static void r_name(struct buf *b, uint32_t opcode, uint64_t nodeid,
		   const char *name)
{
	r_begin(b, opcode, nodeid);
	buf_add(b, name, strlen(name) + 1);
	r_end(b);
}

static void r_open(struct buf *b, uint32_t opcode, uint64_t nodeid,
		   uint32_t flags)
{
	r_begin(b, opcode, nodeid);
	u32(b, flags);
	u32(b, 0);
	r_end(b);
}

static void r_rw(struct buf *b, uint32_t opcode, uint64_t nodeid,
		 uint64_t fh, uint64_t off, uint32_t size, const char *data)
{
	r_begin(b, opcode, nodeid);
	u64(b, fh);
	u64(b, off);
	u32(b, size);
	u32(b, 0);		/* read_flags / write_flags */
	u64(b, 0);		/* lock_owner */
	u32(b, O_RDWR);		/* flags */
	u32(b, 0);
	if (data)
		buf_add(b, data, size);
	r_end(b);
}

static void r_release(struct buf *b, uint32_t opcode, uint64_t nodeid,
		      uint64_t fh)
{
	r_begin(b, opcode, nodeid);
	u64(b, fh);
	u32(b, 0);
	u32(b, 0);
	u64(b, 0);
	r_end(b);
}

static void fuse_save(const char *name, struct buf *b, uint8_t flags)
{
	seed_save("fuse", name, b);
	buf_reset(b);
	u8(b, flags);
	unique = 0;
}

void seed_fuse(void)
{
	struct buf b = { 0 };
	const uint8_t flags = 0x11;	/* INIT first, max_pages 32 */

	u8(&b, flags);
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "a");
	r_begin(&b, FUSE_GETATTR, NODE1);
	u32(&b, 0);
	u32(&b, 0);
	u64(&b, 0);
	r_end(&b);
	r_open(&b, FUSE_OPEN, NODE1, O_RDONLY);
	r_rw(&b, FUSE_READ, NODE1, FH1, 0, 4096, NULL);
	r_begin(&b, FUSE_LSEEK, NODE1);
	u64(&b, FH1);
	u64(&b, 0);
	u32(&b, 3);		/* SEEK_DATA */
	u32(&b, 0);
	r_end(&b);
	r_release(&b, FUSE_RELEASE, NODE1, FH1);
	r_begin(&b, FUSE_FORGET, NODE1);
	u64(&b, 1);
	r_end(&b);
	fuse_save("read", &b, flags);

	r_begin(&b, FUSE_CREATE, FUSE_ROOT_ID);
	u32(&b, O_RDWR);
	u32(&b, 0644);
	u32(&b, 022);
	u32(&b, 0);
	buf_add(&b, "new", 4);
	r_end(&b);
	r_rw(&b, FUSE_WRITE, NODE1, FH1, 0, 5, "hello");
	r_begin(&b, FUSE_FLUSH, NODE1);
	u64(&b, FH1);
	u32(&b, 0);
	u32(&b, 0);
	u64(&b, 0);
	r_end(&b);
	r_begin(&b, FUSE_FSYNC, NODE1);
	u64(&b, FH1);
	u32(&b, 1);
	u32(&b, 0);
	r_end(&b);
	r_begin(&b, FUSE_SETATTR, NODE1);
	u32(&b, FATTR_MODE | FATTR_SIZE);
	u32(&b, 0);
	u64(&b, 0);		/* fh */
	u64(&b, 2);		/* size */
	u64(&b, 0);		/* lock_owner */
	u64(&b, 0);
	u64(&b, 0);
	u64(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 0600);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	r_end(&b);
	r_release(&b, FUSE_RELEASE, NODE1, FH1);
	r_name(&b, FUSE_UNLINK, FUSE_ROOT_ID, "new");
	fuse_save("create-write", &b, flags);

	r_begin(&b, FUSE_MKDIR, FUSE_ROOT_ID);
	u32(&b, 0755);
	u32(&b, 022);
	buf_add(&b, "dd", 3);
	r_end(&b);
	r_open(&b, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY);
	r_rw(&b, FUSE_READDIRPLUS, FUSE_ROOT_ID, FH1, 0, 4096, NULL);
	r_rw(&b, FUSE_READDIR, FUSE_ROOT_ID, FH1, 0, 4096, NULL);
	r_release(&b, FUSE_RELEASEDIR, FUSE_ROOT_ID, FH1);
	r_name(&b, FUSE_RMDIR, FUSE_ROOT_ID, "dd");
	r_begin(&b, FUSE_STATFS, FUSE_ROOT_ID);
	r_end(&b);
	fuse_save("dirs", &b, flags);

	r_begin(&b, FUSE_SYMLINK, FUSE_ROOT_ID);
	buf_add(&b, "s", 2);
	buf_add(&b, "a", 2);
	r_end(&b);
	r_begin(&b, FUSE_READLINK, NODE1);
	r_end(&b);
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "a");
	r_begin(&b, FUSE_LINK, FUSE_ROOT_ID);
	u64(&b, NODE1 + 1);
	buf_add(&b, "hard", 5);
	r_end(&b);
	r_begin(&b, FUSE_RENAME2, FUSE_ROOT_ID);
	u64(&b, FUSE_ROOT_ID);
	u32(&b, 0);
	u32(&b, 0);
	buf_add(&b, "hard", 5);
	buf_add(&b, "moved", 6);
	r_end(&b);
	r_begin(&b, FUSE_MKNOD, FUSE_ROOT_ID);
	u32(&b, S_IFIFO | 0644);
	u32(&b, 0);
	u32(&b, 022);
	u32(&b, 0);
	buf_add(&b, "fifo", 5);
	r_end(&b);
	r_begin(&b, FUSE_BATCH_FORGET, 0);
	u32(&b, 2);
	u32(&b, 0);
	u64(&b, NODE1);
	u64(&b, 1);
	u64(&b, NODE1 + 1);
	u64(&b, 1);
	r_end(&b);
	fuse_save("links", &b, flags);

	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "a");
	r_begin(&b, FUSE_SETXATTR, NODE1);
	u32(&b, 3);
	u32(&b, 0);
	u32(&b, 0);
	u32(&b, 0);
	buf_add(&b, "user.fuzz", 10);
	buf_add(&b, "xyz", 3);
	r_end(&b);
	r_begin(&b, FUSE_GETXATTR, NODE1);
	u32(&b, 100);
	u32(&b, 0);
	buf_add(&b, "user.fuzz", 10);
	r_end(&b);
	r_begin(&b, FUSE_LISTXATTR, NODE1);
	u32(&b, 100);
	u32(&b, 0);
	r_end(&b);
	r_name(&b, FUSE_REMOVEXATTR, NODE1, "user.fuzz");
	r_begin(&b, FUSE_INTERRUPT, 0);
	u64(&b, 1);
	r_end(&b);
	r_begin(&b, 4242, FUSE_ROOT_ID);
	r_end(&b);
	fuse_save("xattr", &b, flags);

	/* A DAX window: a file's first chunk mapped, then taken out. */
	buf_reset(&b);
	u8(&b, flags | 0x40);
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "a");
	r_open(&b, FUSE_OPEN, NODE1, O_RDWR);
	r_begin(&b, FUSE_SETUPMAPPING, NODE1);
	u64(&b, FH1);
	u64(&b, 0);		/* foffset */
	u64(&b, 4096);		/* len */
	u64(&b, 3);		/* FUSE_SETUPMAPPING_FLAG_READ | WRITE */
	u64(&b, 0);		/* moffset */
	r_end(&b);
	r_begin(&b, FUSE_REMOVEMAPPING, NODE1);
	u32(&b, 1);
	u64(&b, 0);
	u64(&b, 4096);
	r_end(&b);
	r_begin(&b, FUSE_DESTROY, 0);
	r_end(&b);
	fuse_save("dax", &b, flags);

	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "..");
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "l");
	r_open(&b, FUSE_OPEN, NODE1, O_RDWR);
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "abs");
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "p");
	r_open(&b, FUSE_OPEN, NODE1 + 1, O_RDONLY);
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "d/b");
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "d");
	r_name(&b, FUSE_LOOKUP, NODE1 + 2, "..");
	fuse_save("escape", &b, flags);

	/* INIT by hand, of an old minor, then requests before and after. */
	buf_reset(&b);
	u8(&b, 0);
	r_begin(&b, FUSE_GETATTR, FUSE_ROOT_ID);
	u64(&b, 0);
	u64(&b, 0);
	r_end(&b);
	r_begin(&b, FUSE_INIT, 0);
	u32(&b, 7);
	u32(&b, 31);
	u32(&b, 65536);
	u32(&b, 0xffffffff);
	r_end(&b);
	r_name(&b, FUSE_LOOKUP, FUSE_ROOT_ID, "a");
	seed_save("fuse", "init", &b);
	buf_free(&b);
}

