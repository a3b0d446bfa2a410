// SPDX-License-Identifier: MIT
/* The 9P2000.L server fed bytes over a temp dir: every message, large
 * reads and writes over many small buffers, malformed messages, and
 * escape attempts that must fail and leave a canary outside the share
 * unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/p9/p9.h"

#define MSIZE 65536
#define NOFID 0xffffffffu

enum {
	RLERROR = 7, TSTATFS = 8, TLOPEN = 12, TLCREATE = 14, TSYMLINK = 16,
	TMKNOD = 18, TRENAME = 20, TREADLINK = 22, TGETATTR = 24,
	TSETATTR = 26, TXATTRWALK = 30, TXATTRCREATE = 32, TREADDIR = 40,
	TFSYNC = 50, TLOCK = 52, TGETLOCK = 54, TLINK = 70, TMKDIR = 72,
	TRENAMEAT = 74, TUNLINKAT = 76, TVERSION = 100, TAUTH = 102,
	TATTACH = 104, TFLUSH = 108, TWALK = 110, TREAD = 116, TWRITE = 118,
	TCLUNK = 120, TREMOVE = 122,
};

static struct {
	char *top, *dir;		/* top/share is the share, top/canary outside */
	struct share sh;
	struct p9_server srv;
	uint8_t req[2 << 20], rep[2 << 20];
	uint32_t n, rn;			/* request being built, reply length */
	unsigned split;			/* buffer size to cut messages into */
} t;

/* --- a tiny client ------------------------------------------------- */

static void m_u8(uint8_t v) { t.req[t.n++] = v; }
static void m_u16(uint16_t v) { m_u8((uint8_t)v); m_u8((uint8_t)(v >> 8)); }
static void m_u32(uint32_t v) { m_u16((uint16_t)v); m_u16((uint16_t)(v >> 16)); }
static void m_u64(uint64_t v) { m_u32((uint32_t)v); m_u32((uint32_t)(v >> 32)); }
static void m_str(const char *s)
{
	size_t n = strlen(s);

	m_u16((uint16_t)n);
	memcpy(t.req + t.n, s, n);
	t.n += (uint32_t)n;
}
static void m_start(uint8_t type)
{
	t.n = 4;
	m_u8(type);
	m_u16(1);
}

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* Send the request (its size field set to len, normally t.n) over
 * buffers of t.split bytes; returns the reply type, 0 for none. */
static unsigned send_len(uint32_t len, uint64_t repcap)
{
	static struct iovec in[1 << 15], out[1 << 15];
	unsigned ni = 0, no = 0, k = t.split ? t.split : 1u << 30;

	t.req[0] = (uint8_t)len, t.req[1] = (uint8_t)(len >> 8);
	t.req[2] = (uint8_t)(len >> 16), t.req[3] = (uint8_t)(len >> 24);
	for (uint32_t o = 0; o < t.n; o += k)
		in[ni++] = (struct iovec){ t.req + o, t.n - o < k ? t.n - o : k };
	for (uint64_t o = 0; o < repcap; o += k)
		out[no++] = (struct iovec){ t.rep + o, repcap - o < k ? repcap - o : k };
	memset(t.rep, 0xee, repcap);
	t.rn = p9_serve(&t.srv, in, ni, out, no);
	if (!t.rn)
		return 0;
	assert_int_equal(get32(t.rep), t.rn);
	assert_int_equal(t.rep[5] | t.rep[6] << 8, 1);	/* the tag */
	return t.rep[4];
}

static unsigned send(void) { return send_len(t.n, MSIZE); }

/* An Rlerror's errno, 0 for a success of the expected type. */
static int rpc(uint8_t rtype)
{
	unsigned r = send();

	if (r == RLERROR)
		return -(int)get32(t.rep + 7);
	assert_int_equal(r, rtype);
	return 0;
}

static void version(uint32_t msize)
{
	m_start(TVERSION);
	m_u32(msize);
	m_str("9P2000.L");
	assert_int_equal(rpc(TVERSION + 1), 0);
}

static void attach(uint32_t fid)
{
	m_start(TATTACH);
	m_u32(fid);
	m_u32(NOFID);
	m_str("root");
	m_str("");
	m_u32(0);
	assert_int_equal(rpc(TATTACH + 1), 0);
}

static int walk(uint32_t fid, uint32_t newfid, int n, const char **names)
{
	m_start(TWALK);
	m_u32(fid);
	m_u32(newfid);
	m_u16((uint16_t)n);
	for (int i = 0; i < n; i++)
		m_str(names[i]);
	return rpc(TWALK + 1);
}

static int walk1(uint32_t fid, uint32_t newfid, const char *name)
{
	return walk(fid, newfid, 1, &name);
}

static uint64_t qid_path(const uint8_t *q) { return get64(q + 5); }

static int lopen(uint32_t fid, uint32_t flags)
{
	m_start(TLOPEN);
	m_u32(fid);
	m_u32(flags);
	return rpc(TLOPEN + 1);
}

static int clunk(uint32_t fid)
{
	m_start(TCLUNK);
	m_u32(fid);
	return rpc(TCLUNK + 1);
}

static int lcreate(uint32_t fid, const char *name, uint32_t flags, uint32_t mode)
{
	m_start(TLCREATE);
	m_u32(fid);
	m_str(name);
	m_u32(flags);
	m_u32(mode);
	m_u32(0);
	return rpc(TLCREATE + 1);
}

static int p9write(uint32_t fid, uint64_t off, const void *data, uint32_t len)
{
	m_start(TWRITE);
	m_u32(fid);
	m_u64(off);
	m_u32(len);
	memcpy(t.req + t.n, data, len);
	t.n += len;
	return rpc(TWRITE + 1);
}

/* Read into t.rep; returns the count or -errno. */
static int p9read(uint32_t fid, uint64_t off, uint32_t count)
{
	int r;

	m_start(TREAD);
	m_u32(fid);
	m_u64(off);
	m_u32(count);
	r = rpc(TREAD + 1);
	return r ? r : (int)get32(t.rep + 7);
}

static char *host(const char *rel)
{
	static char p[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", t.dir, rel);
	return p[i];
}

static bool exists(const char *rel)
{
	struct stat st;

	return !lstat(host(rel), &st);
}

static char *canary_sum(void)
{
	char *cmd = xasprintf("cd %s && sha256sum canary secret/* && ls -la . secret", t.top);
	char *out = run_capture(cmd);

	free(cmd);
	return out;
}

/* --- fixtures ------------------------------------------------------ */

static void open_share(bool ro)
{
	assert_int_equal(share_open(&t.sh, t.dir, ro, false), 0);
	p9_server_init(&t.srv, &t.sh);
	version(MSIZE);
	attach(0);
}

static int setup(void **state)
{
	(void)state;
	log_level = LOG_QUIET;
	t.top = mktemp_dir();
	t.dir = path_join(t.top, "share");
	mkdir_at(t.top, "share");
	write_at(t.top, "canary", "do not touch\n", 13, 0644);
	write_at(t.top, "secret/passwd", "root:x:0:0\n", 11, 0600);
	write_at(t.dir, "hello", "hello, world\n", 13, 0644);
	mkdir_at(t.dir, "sub");
	write_at(t.dir, "sub/inner", "inner\n", 6, 0644);
	symlink_at(t.dir, "abs", t.top);
	symlink_at(t.dir, "rel", "../secret");
	symlink_at(t.dir, "shadow", "/etc/shadow");
	t.split = 0;
	open_share(false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	p9_server_free(&t.srv);
	share_close(&t.sh);
	rm_rf(t.top);
	free(t.top);
	free(t.dir);
	return 0;
}

/* --- the session --------------------------------------------------- */

static void test_version(void **state)
{
	(void)state;
	m_start(TVERSION);
	m_u32(16u << 20);
	m_str("9P2000.L");
	assert_int_equal(rpc(TVERSION + 1), 0);
	assert_int_equal(get32(t.rep + 7), P9_MSIZE_MAX);
	/* A new session: the old fids are gone. */
	m_start(TGETATTR);
	m_u32(0);
	m_u64(0x7ff);
	assert_int_equal(rpc(TGETATTR + 1), -EBADF);
	m_start(TVERSION);
	m_u32(8192);
	m_str("9P2000.u");
	assert_int_equal(rpc(TVERSION + 1), 0);
	assert_memory_equal(t.rep + 13, "unknown", 7);
	/* No session now: everything else is refused. */
	m_start(TATTACH);
	m_u32(0);
	m_u32(NOFID);
	m_str("");
	m_str("");
	m_u32(0);
	assert_int_equal(rpc(TATTACH + 1), -EPROTO);
	version(8192);
	attach(0);
	assert_int_equal(p9read(0, 0, 1), -EBADF);	/* not open */
}

static void test_walk_getattr_read(void **state)
{
	const char *path[] = { "sub", "inner" };
	struct stat st;

	(void)state;
	assert_int_equal(walk(0, 1, 2, path), 0);
	assert_int_equal(t.rep[7], 2);			/* nwqid */
	m_start(TGETATTR);
	m_u32(1);
	m_u64(0x7ff);
	assert_int_equal(rpc(TGETATTR + 1), 0);
	assert_int_equal(get64(t.rep + 7), 0x7ff);
	stat(host("sub/inner"), &st);
	assert_int_equal(get32(t.rep + 7 + 8 + 13), st.st_mode);
	assert_int_equal(get64(t.rep + 7 + 8 + 13 + 4 + 4 + 4 + 8 + 8), 6);
	assert_int_equal(lopen(1, 0), 0);
	assert_int_equal(p9read(1, 0, 100), 6);
	assert_memory_equal(t.rep + 11, "inner\n", 6);
	assert_int_equal(p9read(1, 6, 100), 0);	/* the end: a real EOF */
	assert_int_equal(lopen(1, 0), -EBADF);	/* open twice */
	/* A partial walk: Rwalk with one qid, no new fid. */
	path[1] = "missing";
	assert_int_equal(walk(0, 2, 2, path), 0);
	assert_int_equal(t.rep[7], 1);
	assert_int_equal(clunk(2), -EBADF);
	/* The first name fails: Rlerror. */
	assert_int_equal(walk1(0, 2, "missing"), -ENOENT);
	/* Clone, and a walk onto a fid in use. */
	assert_int_equal(walk(0, 2, 0, NULL), 0);
	assert_int_equal(walk(0, 2, 0, NULL), -EBADF);
	assert_int_equal(walk1(2, 2, "sub"), 0);	/* newfid == fid */
	assert_int_equal(clunk(2), 0);
	assert_int_equal(clunk(1), 0);
	assert_int_equal(clunk(1), -EBADF);
}

static void test_create_write(void **state)
{
	char buf[64];
	int fd;

	(void)state;
	assert_int_equal(walk(0, 1, 0, NULL), 0);
	assert_int_equal(lcreate(1, "new", 2 /* RDWR */, 0640), 0);
	assert_int_equal(p9write(1, 0, "abcdef", 6), 0);
	assert_int_equal(get32(t.rep + 7), 6);
	assert_int_equal(p9write(1, 3, "XY", 2), 0);
	assert_int_equal(p9read(1, 0, 64), 6);
	assert_memory_equal(t.rep + 11, "abcXYf", 6);
	m_start(TFSYNC);
	m_u32(1);
	m_u32(1);
	assert_int_equal(rpc(TFSYNC + 1), 0);
	assert_int_equal(clunk(1), 0);
	fd = open(host("new"), O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	assert_int_equal(lcreate(0, "new", 2 | 0200 /* O_EXCL */, 0640), -EEXIST);
	/* Without O_EXCL an existing file is opened, as open(2) does. */
	assert_int_equal(walk(0, 1, 0, NULL), 0);
	assert_int_equal(lcreate(1, "new", 0, 0640), 0);
	assert_int_equal(p9read(1, 0, 64), 6);
	assert_int_equal(clunk(1), 0);
	/* Twrite's count must be what follows. */
	assert_int_equal(walk1(0, 1, "new"), 0);
	assert_int_equal(lopen(1, 1), 0);
	m_start(TWRITE);
	m_u32(1);
	m_u64(0);
	m_u32(100);
	memcpy(t.req + t.n, "zz", 2);
	t.n += 2;
	assert_int_equal(rpc(TWRITE + 1), -EINVAL);
	assert_int_equal(p9read(1, 0, 6), -EBADF);	/* open write-only */
	assert_int_equal(clunk(1), 0);
}

/* A 1 MiB file read and written through buffers of 4 KiB and of 7
 * bytes; reads clamp to msize - 24 and to the reply's room. */
static void test_large_io(void **state)
{
	size_t len = 1 << 20;
	uint8_t *data = malloc(len);
	uint32_t chunk = MSIZE - 24;
	int fd;

	(void)state;
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + i / 4096);
	assert_int_equal(walk(0, 1, 0, NULL), 0);
	assert_int_equal(lcreate(1, "big", 2, 0644), 0);
	t.split = 4096;
	for (size_t o = 0; o < len; o += chunk) {
		uint32_t n = len - o < chunk ? (uint32_t)(len - o) : chunk;

		assert_int_equal(p9write(1, o, data + o, n), 0);
		assert_int_equal(get32(t.rep + 7), n);
	}
	assert_int_equal(p9read(1, 0, 1 << 20), (int)chunk);
	assert_memory_equal(t.rep + 11, data, chunk);
	t.split = 7;
	assert_int_equal(p9read(1, 12345, 5000), 5000);
	assert_memory_equal(t.rep + 11, data + 12345, 5000);
	/* The reply's buffers hold less: the count says so. */
	m_start(TREAD);
	m_u32(1);
	m_u64(100);
	m_u32(1000);
	assert_int_equal(send_len(t.n, 11 + 50), TREAD + 1);
	assert_int_equal(get32(t.rep + 7), 50);
	assert_memory_equal(t.rep + 11, data + 100, 50);
	assert_int_equal(clunk(1), 0);
	fd = open(host("big"), O_RDONLY);
	assert_int_equal(read(fd, t.req, len), (ssize_t)len);
	assert_memory_equal(t.req, data, len);
	close(fd);
	free(data);
}

static void test_dirs_links(void **state)
{
	char target[64];
	struct stat st;
	uint64_t dotdot = 0;
	int found = 0;

	(void)state;
	m_start(TMKDIR);
	m_u32(0);
	m_str("d");
	m_u32(0750);
	m_u32(0);
	assert_int_equal(rpc(TMKDIR + 1), 0);
	assert_int_equal(t.rep[7], 0x80);		/* QTDIR */
	assert_true(!stat(host("d"), &st) && S_ISDIR(st.st_mode));
	m_start(TSYMLINK);
	m_u32(0);
	m_str("ln");
	m_str("hello");
	m_u32(0);
	assert_int_equal(rpc(TSYMLINK + 1), 0);
	assert_int_equal(readlink(host("ln"), target, sizeof(target)), 5);
	assert_int_equal(walk1(0, 1, "ln"), 0);
	m_start(TREADLINK);
	m_u32(1);
	assert_int_equal(rpc(TREADLINK + 1), 0);
	assert_memory_equal(t.rep + 9, "hello", 5);
	assert_int_equal(clunk(1), 0);
	m_start(TMKNOD);
	m_u32(0);
	m_str("fifo");
	m_u32(S_IFIFO | 0600);
	m_u32(0);
	m_u32(0);
	m_u32(0);
	assert_int_equal(rpc(TMKNOD + 1), 0);
	assert_true(!lstat(host("fifo"), &st) && S_ISFIFO(st.st_mode));
	/* Never opened on the host (it would block, and is not ours). */
	assert_int_equal(walk1(0, 1, "fifo"), 0);
	assert_int_equal(lopen(1, 0), -EPERM);
	assert_int_equal(clunk(1), 0);
	/* link, renameat, rename, unlinkat, remove */
	assert_int_equal(walk1(0, 1, "hello"), 0);
	m_start(TLINK);
	m_u32(0);
	m_u32(1);
	m_str("hello2");
	assert_int_equal(rpc(TLINK + 1), 0);
	assert_true(!stat(host("hello2"), &st) && st.st_nlink == 2);
	m_start(TRENAMEAT);
	m_u32(0);
	m_str("hello2");
	m_u32(0);
	m_str("hello3");
	assert_int_equal(rpc(TRENAMEAT + 1), 0);
	assert_true(exists("hello3") && !exists("hello2"));
	assert_int_equal(walk1(0, 2, "d"), 0);
	m_start(TRENAME);
	m_u32(1);
	m_u32(2);
	m_str("moved");
	assert_int_equal(rpc(TRENAME + 1), 0);
	assert_true(exists("d/moved") && !exists("hello"));
	/* The fid follows its file. */
	assert_int_equal(lopen(1, 0), 0);
	assert_int_equal(p9read(1, 0, 5), 5);
	assert_int_equal(clunk(1), 0);
	m_start(TUNLINKAT);
	m_u32(0);
	m_str("hello3");
	m_u32(0);
	assert_int_equal(rpc(TUNLINKAT + 1), 0);
	assert_false(exists("hello3"));
	m_start(TUNLINKAT);
	m_u32(0);
	m_str("d");
	m_u32(0x200);
	assert_int_equal(rpc(TUNLINKAT + 1), -ENOTEMPTY);
	assert_int_equal(walk1(2, 1, "moved"), 0);
	m_start(TREMOVE);
	m_u32(1);
	assert_int_equal(rpc(TREMOVE + 1), 0);
	assert_false(exists("d/moved"));
	assert_int_equal(clunk(1), -EBADF);		/* remove clunks */
	m_start(TREMOVE);
	m_u32(2);
	assert_int_equal(rpc(TREMOVE + 1), 0);
	assert_false(exists("d"));
	/* readdir: every name, in as many calls as it takes */
	for (int i = 0; i < 40; i++) {
		char name[64];

		snprintf(name, sizeof(name), "f%02d-%s", i,
			 "padding-padding-padding-padding");
		write_at(t.dir, name, "", 0, 0644);
	}
	assert_int_equal(walk(0, 1, 0, NULL), 0);
	assert_int_equal(lopen(1, 0200000), 0);		/* O_DIRECTORY */
	for (uint64_t off = 0;;) {
		uint32_t count, p;

		m_start(TREADDIR);
		m_u32(1);
		m_u64(off);
		m_u32(400);
		assert_int_equal(rpc(TREADDIR + 1), 0);
		count = get32(t.rep + 7);
		assert_true(count <= 400);
		if (!count)
			break;
		for (p = 11; p < 11 + count;) {
			uint16_t n = (uint16_t)(t.rep[p + 22] | t.rep[p + 23] << 8);

			if (n == 2 && !memcmp(t.rep + p + 24, "..", 2))
				dotdot = qid_path(t.rep + p);
			off = get64(t.rep + p + 13);
			found += !memcmp(t.rep + p + 24, "f", 1) && n > 10;
			p += 24 + n;
		}
	}
	assert_int_equal(found, 40);
	/* The root's ".." is the root, not the host's directory above. */
	m_start(TGETATTR);
	m_u32(0);
	m_u64(0x7ff);
	assert_int_equal(rpc(TGETATTR + 1), 0);
	assert_int_equal(dotdot, qid_path(t.rep + 15));
	m_start(TREADDIR);				/* too small for one */
	m_u32(1);
	m_u64(0);
	m_u32(10);
	assert_int_equal(rpc(TREADDIR + 1), -EINVAL);
	assert_int_equal(clunk(1), 0);
}

static void test_setattr_statfs(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(walk1(0, 1, "hello"), 0);
	m_start(TSETATTR);
	m_u32(1);
	m_u32(0x1 | 0x8 | 0x20 | 0x100);	/* mode, size, mtime set */
	m_u32(0600);
	m_u32(0);
	m_u32(0);
	m_u64(5);
	m_u64(0);
	m_u64(0);
	m_u64(1000000);
	m_u64(5);
	assert_int_equal(rpc(TSETATTR + 1), 0);
	assert_int_equal(stat(host("hello"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_mtim.tv_sec, 1000000);
	assert_int_equal(st.st_mtim.tv_nsec, 5);
	m_start(TSETATTR);				/* a bad nsec */
	m_u32(1);
	m_u32(0x20 | 0x100);
	m_u32(0);
	m_u32(0);
	m_u32(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(2000000000);
	assert_int_equal(rpc(TSETATTR + 1), -EINVAL);
	m_start(TSTATFS);
	m_u32(1);
	assert_int_equal(rpc(TSTATFS + 1), 0);
	assert_int_equal(get32(t.rep + 7), 0x01021997);
	assert_int_equal(clunk(1), 0);
}

static void test_xattr_lock(void **state)
{
	(void)state;
	assert_int_equal(walk1(0, 1, "hello"), 0);
	m_start(TXATTRCREATE);
	m_u32(1);
	m_str("user.tinyrd");
	m_u64(5);
	m_u32(0);
	if (setxattr(host("hello"), "user.probe", "x", 1, 0)) {
		print_message("SKIP xattrs: %s does not take user.* (%s)\n", t.dir,
			      strerror(errno));
	} else {
		assert_int_equal(rpc(TXATTRCREATE + 1), 0);
		assert_int_equal(p9write(1, 0, "value", 5), 0);
		assert_int_equal(p9write(1, 3, "toolong", 7), -ERANGE);
		assert_int_equal(clunk(1), 0);
		assert_int_equal(walk1(0, 1, "hello"), 0);
		m_start(TXATTRWALK);
		m_u32(1);
		m_u32(2);
		m_str("user.tinyrd");
		assert_int_equal(rpc(TXATTRWALK + 1), 0);
		assert_int_equal(get64(t.rep + 7), 5);
		assert_int_equal(p9read(2, 0, 100), 5);
		assert_memory_equal(t.rep + 11, "value", 5);
		assert_int_equal(clunk(2), 0);
		m_start(TXATTRWALK);			/* the list */
		m_u32(1);
		m_u32(2);
		m_str("");
		assert_int_equal(rpc(TXATTRWALK + 1), 0);
		assert_int_equal(get64(t.rep + 7), sizeof("user.probe") + sizeof("user.tinyrd"));
		assert_int_equal(clunk(2), 0);
		m_start(TXATTRWALK);
		m_u32(1);
		m_u32(2);
		m_str("user.none");
		assert_int_equal(rpc(TXATTRWALK + 1), -ENODATA);
	}
	/* Two opens of one file: their locks conflict. */
	assert_int_equal(walk1(0, 2, "hello"), 0);
	assert_int_equal(lopen(1, 2), 0);
	assert_int_equal(lopen(2, 2), 0);
	for (int fid = 1; fid <= 2; fid++) {
		m_start(TLOCK);
		m_u32((uint32_t)fid);
		m_u8(1);			/* write lock */
		m_u32(0);
		m_u64(0);
		m_u64(0);
		m_u32(42);
		m_str("guest");
		assert_int_equal(rpc(TLOCK + 1), 0);
		assert_int_equal(t.rep[7], fid == 1 ? 0 : 1);	/* ok, blocked */
	}
	m_start(TGETLOCK);
	m_u32(2);
	m_u8(1);
	m_u64(0);
	m_u64(0);
	m_u32(42);
	m_str("guest");
	assert_int_equal(rpc(TGETLOCK + 1), 0);
	assert_int_equal(t.rep[7], 1);			/* held: a write lock */
	assert_int_equal(clunk(1), 0);			/* and it goes with the open */
	m_start(TGETLOCK);
	m_u32(2);
	m_u8(1);
	m_u64(0);
	m_u64(0);
	m_u32(42);
	m_str("guest");
	assert_int_equal(rpc(TGETLOCK + 1), 0);
	assert_int_equal(t.rep[7], 2);			/* unlocked */
	assert_int_equal(clunk(2), 0);
	m_start(TFLUSH);
	m_u16(7);
	assert_int_equal(rpc(TFLUSH + 1), 0);
	assert_int_equal(t.rn, 7);
}

static void test_malformed(void **state)
{
	static const char zeros[8];

	(void)state;
	memcpy(t.req, zeros, 5);			/* shorter than a header */
	t.n = 5;
	assert_int_equal(send_len(5, MSIZE), 0);
	m_start(TCLUNK);				/* size past the buffers */
	m_u32(0);
	assert_int_equal(send_len(t.n + 10, MSIZE), RLERROR);
	assert_int_equal(get32(t.rep + 7), EMSGSIZE);
	m_start(TCLUNK);				/* size past msize */
	m_u32(0);
	memset(t.req + t.n, 0, MSIZE);
	t.n += MSIZE;
	assert_int_equal(send_len(t.n, MSIZE), RLERROR);
	assert_int_equal(get32(t.rep + 7), EMSGSIZE);
	m_start(TCLUNK);				/* trailing bytes */
	m_u32(0);
	m_u8(0);
	assert_int_equal(rpc(TCLUNK + 1), -EINVAL);
	m_start(TCLUNK);				/* short */
	m_u16(0);
	assert_int_equal(rpc(TCLUNK + 1), -EINVAL);
	m_start(TGETATTR);				/* a bad fid */
	m_u32(99);
	m_u64(0x7ff);
	assert_int_equal(rpc(TGETATTR + 1), -EBADF);
	m_start(TWALK);					/* a string past the end */
	m_u32(0);
	m_u32(1);
	m_u16(1);
	m_u16(200);
	m_u8('x');
	assert_int_equal(rpc(TWALK + 1), -EINVAL);
	m_start(TWALK);					/* a NUL inside a name */
	m_u32(0);
	m_u32(1);
	m_u16(1);
	m_u16(5);
	memcpy(t.req + t.n, "ab\0cd", 5);
	t.n += 5;
	assert_int_equal(rpc(TWALK + 1), -EINVAL);
	m_start(TWALK);					/* too many names */
	m_u32(0);
	m_u32(1);
	m_u16(17);
	for (int i = 0; i < 17; i++)
		m_str("sub");
	assert_int_equal(rpc(TWALK + 1), -EINVAL);
	m_start(200);					/* unknown */
	assert_int_equal(rpc(201), -EOPNOTSUPP);
	m_start(TAUTH);
	m_u32(5);
	m_str("u");
	m_str("");
	m_u32(0);
	assert_int_equal(rpc(TAUTH + 1), -EOPNOTSUPP);
	m_start(TREAD);					/* Tread with a tail */
	m_u32(0);
	m_u64(0);
	m_u32(1);
	m_u8(0);
	assert_int_equal(rpc(TREAD + 1), -EINVAL);
	m_start(TCLUNK);				/* no room for a reply */
	m_u32(0);
	assert_int_equal(send_len(t.n, 10), 0);
	/* Room for an error but not for the walk's qids: refused before
	 * the new fid exists (Linux sizes reply buffers per type). */
	m_start(TWALK);
	m_u32(0);
	m_u32(7);
	m_u16(2);
	m_str("sub");
	m_str("inner");
	assert_int_equal(send_len(t.n, 20), RLERROR);
	assert_int_equal(get32(t.rep + 7), EMSGSIZE);
	assert_int_equal(clunk(7), -EBADF);
	m_start(TCLUNK);				/* a header-sized reply */
	m_u32(0);
	assert_int_equal(send_len(t.n, 11), TCLUNK + 1);
	attach(0);
	assert_int_equal(walk1(0, 1, "hello"), 0);	/* and fid 0 lives */
}

/* Escapes: each fails, the canary outside is untouched. */
static void test_escapes(void **state)
{
	const char *through[] = { "abs", "canary" };
	const char *rel[] = { "rel", "passwd" };
	char *before = canary_sum(), *after;
	uint64_t root;

	(void)state;
	assert_int_equal(walk(0, 1, 0, NULL), 0);
	m_start(TGETATTR);
	m_u32(1);
	m_u64(0x7ff);
	assert_int_equal(rpc(TGETATTR + 1), 0);
	root = qid_path(t.rep + 15);
	/* ".." at the root stays at the root. */
	assert_int_equal(walk1(0, 2, ".."), 0);
	assert_int_equal(qid_path(t.rep + 9), root);
	assert_int_equal(walk1(2, 2, ".."), 0);
	assert_int_equal(qid_path(t.rep + 9), root);
	assert_int_equal(walk1(2, 2, "canary"), -ENOENT);
	/* A name with a slash. */
	assert_int_equal(walk1(0, 3, "../canary"), -EINVAL);
	assert_int_equal(walk1(0, 3, "sub/inner"), -EINVAL);
	/* Symlinks out: walks stop at the link, which cannot be opened. */
	assert_int_equal(walk(0, 3, 2, through), 0);
	assert_int_equal(t.rep[7], 1);			/* only the link */
	assert_int_equal(t.rep[9], 0x02);		/* QTSYMLINK */
	assert_int_equal(walk(0, 3, 2, rel), 0);
	assert_int_equal(t.rep[7], 1);
	assert_int_equal(walk1(0, 3, "shadow"), 0);
	assert_int_equal(lopen(3, 0), -EPERM);
	m_start(TREADLINK);
	m_u32(3);
	assert_int_equal(rpc(TREADLINK + 1), 0);
	assert_memory_equal(t.rep + 9, "/etc/shadow", 11);
	assert_int_equal(lcreate(3, "x", 2, 0644), -ENOTDIR);
	assert_int_equal(clunk(3), 0);
	/* Creating, renaming and linking across the boundary. */
	assert_int_equal(lcreate(1, "../evil", 2, 0644), -EINVAL);
	m_start(TRENAMEAT);
	m_u32(0);
	m_str("hello");
	m_u32(0);
	m_str("../canary");
	assert_int_equal(rpc(TRENAMEAT + 1), -EINVAL);
	m_start(TRENAMEAT);
	m_u32(0);
	m_str("..");
	m_u32(0);
	m_str("x");
	assert_int_equal(rpc(TRENAMEAT + 1), -EINVAL);
	assert_int_equal(walk1(0, 3, "hello"), 0);
	m_start(TLINK);
	m_u32(0);
	m_u32(3);
	m_str("../hardlink");
	assert_int_equal(rpc(TLINK + 1), -EINVAL);
	m_start(TLINK);					/* a link of the root */
	m_u32(3);
	m_u32(0);
	m_str("rootlink");
	assert_int_equal(rpc(TLINK + 1), -EPERM);
	m_start(TRENAME);				/* the root has no parent */
	m_u32(0);
	m_u32(0);
	m_str("x");
	assert_int_equal(rpc(TRENAME + 1), -ENOENT);
	m_start(TUNLINKAT);
	m_u32(0);
	m_str("..");
	m_u32(0x200);
	assert_int_equal(rpc(TUNLINKAT + 1), -EINVAL);
	/* A device node without ,dev. */
	m_start(TMKNOD);
	m_u32(0);
	m_str("null");
	m_u32(S_IFCHR | 0666);
	m_u32(1);
	m_u32(3);
	m_u32(0);
	assert_int_equal(rpc(TMKNOD + 1), -EPERM);
	assert_false(exists("null"));
	after = canary_sum();
	assert_string_equal(before, after);
	free(before);
	free(after);
}


/* The same escapes where openat2 is missing: one O_NOFOLLOW step per
 * checked component. */
static void test_escapes_without_openat2(void **state)
{
	t.sh.no_openat2 = true;
	test_escapes(state);
}

/* Inode numbers of different host file systems never meet: each device
 * its own range, and inodes past 48 bits numbers of their own. */
static void test_ino_remap(void **state)
{
	uint64_t a, b, c, big1, big2;

	(void)state;
	a = share_ino(&t.sh, 100, 5);
	b = share_ino(&t.sh, 200, 5);
	c = share_ino(&t.sh, 100, 5);
	assert_true(a != b);
	assert_int_equal(a, c);
	assert_int_equal(a & 0xffffffffffffull, 5);
	big1 = share_ino(&t.sh, 100, (ino_t)1 << 50);
	big2 = share_ino(&t.sh, 200, (ino_t)1 << 50);
	assert_true(big1 != big2 && big1 != a && big2 != b);
	assert_int_equal(big1 >> 48, 0);
	assert_int_equal(share_ino(&t.sh, 100, (ino_t)1 << 50), big1);
}

/* Magic links: a share of /proc/self. Its links are walked to, never
 * through, and never opened. */
static void test_magic_links(void **state)
{
	const char *through[] = { "root", "etc" };
	const char *fd0[] = { "fd", "0" };

	(void)state;
	p9_server_free(&t.srv);
	share_close(&t.sh);
	assert_int_equal(share_open(&t.sh, "/proc/self", true, false), 0);
	p9_server_init(&t.srv, &t.sh);
	version(MSIZE);
	attach(0);
	assert_int_equal(walk(0, 1, 2, through), 0);
	assert_int_equal(t.rep[7], 1);			/* partial: no fid 1 */
	assert_int_equal(walk1(0, 1, "root"), 0);
	assert_int_equal(lopen(1, 0), -EPERM);
	assert_true(walk1(1, 5, "etc") < 0);
	assert_int_equal(walk1(0, 2, "cwd"), 0);
	assert_int_equal(lopen(2, 0), -EPERM);
	assert_int_equal(walk(0, 3, 2, fd0), 0);
	assert_int_equal(lopen(3, 0), -EPERM);
	assert_true(walk1(3, 4, "x") < 0);
}

/* What a guest's root must not leave on the host: set-id bits,
 * security.* attributes; and an open fid does not walk. */
static void test_host_safety(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(walk(0, 1, 0, NULL), 0);
	assert_int_equal(lcreate(1, "suid", 2, 06755), 0);
	assert_int_equal(stat(host("suid"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	m_start(TSETATTR);
	m_u32(1);
	m_u32(0x1);
	m_u32(04711);
	m_u32(0);
	m_u32(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	assert_int_equal(rpc(TSETATTR + 1), 0);
	assert_int_equal(stat(host("suid"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	assert_int_equal(walk1(1, 1, "x"), -EBADF);	/* opened: no walk */
	m_start(TXATTRCREATE);
	m_u32(1);
	m_str("security.capability");
	m_u64(4);
	m_u32(0);
	assert_int_equal(rpc(TXATTRCREATE + 1), -EBADF);	/* opened */
	assert_int_equal(clunk(1), 0);
	assert_int_equal(walk1(0, 1, "suid"), 0);
	m_start(TXATTRCREATE);
	m_u32(1);
	m_str("security.capability");
	m_u64(4);
	m_u32(0);
	assert_int_equal(rpc(TXATTRCREATE + 1), 0);
	assert_int_equal(p9write(1, 0, "abcd", 4), 0);
	assert_int_equal(clunk(1), -EPERM);	/* refused when it is set */
	/* A pseudo file system's files are never opened (/proc/self/mem). */
	p9_server_free(&t.srv);
	share_close(&t.sh);
	assert_int_equal(share_open(&t.sh, "/proc/self", true, false), 0);
	p9_server_init(&t.srv, &t.sh);
	version(MSIZE);
	attach(0);
	assert_int_equal(walk1(0, 1, "mem"), 0);
	assert_int_equal(lopen(1, 0), -EPERM);
	assert_int_equal(walk1(0, 2, "status"), 0);
	assert_int_equal(lopen(2, 0), -EPERM);
}

/* The share's own directory keeps its mode, owner, times and xattrs,
 * whether reached as the attach's fid or as ".." of it. */
static void setattr_root(uint32_t fid, uint32_t valid, int want)
{
	m_start(TSETATTR);
	m_u32(fid);
	m_u32(valid);
	m_u32(0777);
	m_u32(1);
	m_u32(1);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	assert_int_equal(rpc(TSETATTR + 1), want);
}

static void test_root_attrs(void **state)
{
	struct stat before, after;

	(void)state;
	assert_int_equal(stat(t.dir, &before), 0);
	assert_int_equal(walk1(0, 1, ".."), 0);
	for (uint32_t fid = 0; fid < 2; fid++) {
		setattr_root(fid, 0x1, -EPERM);			/* mode */
		setattr_root(fid, 0x2 | 0x4, -EPERM);		/* owner */
		setattr_root(fid, 0x10 | 0x20 | 0x80 | 0x100, -EPERM);	/* times */
		setattr_root(fid, 0x40, -EPERM);		/* ctime */
		setattr_root(fid, 0x8, -EISDIR);		/* size */
	}
	assert_int_equal(walk(0, 2, 0, NULL), 0);
	m_start(TXATTRCREATE);
	m_u32(2);
	m_str("user.x");
	m_u64(1);
	m_u32(0);
	assert_int_equal(rpc(TXATTRCREATE + 1), 0);
	assert_int_equal(p9write(2, 0, "x", 1), 0);
	assert_int_equal(clunk(2), -EPERM);
	assert_int_equal(stat(t.dir, &after), 0);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_gid, before.st_gid);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(getxattr(t.dir, "user.x", NULL, 0), -1);
	/* What lies in it is the guest's. */
	assert_int_equal(walk1(0, 3, "sub"), 0);
	setattr_root(3, 0x1, 0);
	assert_int_equal(stat(host("sub"), &after), 0);
	assert_int_equal(after.st_mode & 07777, 0777);
}

/* A read-only share: every mutation is EROFS, reads work. */
static void test_read_only(void **state)
{
	char *cmd = xasprintf("cd %s && ls -laR && cat hello", t.dir);
	char *before = run_capture(cmd), *after;

	(void)state;
	p9_server_free(&t.srv);
	share_close(&t.sh);
	open_share(true);
	assert_int_equal(walk1(0, 1, "hello"), 0);
	assert_int_equal(lopen(1, 1), -EROFS);
	assert_int_equal(lopen(1, 01000), -EROFS);	/* O_TRUNC */
	assert_int_equal(lopen(1, 0), 0);
	assert_int_equal(p9read(1, 0, 5), 5);
	assert_int_equal(p9write(1, 0, "x", 1), -EBADF);
	assert_int_equal(walk(0, 2, 0, NULL), 0);
	assert_int_equal(lcreate(2, "new", 2, 0644), -EROFS);
	m_start(TMKDIR);
	m_u32(0);
	m_str("d");
	m_u32(0755);
	m_u32(0);
	assert_int_equal(rpc(TMKDIR + 1), -EROFS);
	m_start(TSYMLINK);
	m_u32(0);
	m_str("s");
	m_str("x");
	m_u32(0);
	assert_int_equal(rpc(TSYMLINK + 1), -EROFS);
	m_start(TMKNOD);
	m_u32(0);
	m_str("f");
	m_u32(S_IFIFO | 0644);
	m_u32(0);
	m_u32(0);
	m_u32(0);
	assert_int_equal(rpc(TMKNOD + 1), -EROFS);
	m_start(TLINK);
	m_u32(0);
	m_u32(1);
	m_str("l");
	assert_int_equal(rpc(TLINK + 1), -EROFS);
	m_start(TRENAMEAT);
	m_u32(0);
	m_str("hello");
	m_u32(0);
	m_str("x");
	assert_int_equal(rpc(TRENAMEAT + 1), -EROFS);
	m_start(TRENAME);
	m_u32(1);
	m_u32(0);
	m_str("x");
	assert_int_equal(rpc(TRENAME + 1), -EROFS);
	m_start(TUNLINKAT);
	m_u32(0);
	m_str("hello");
	m_u32(0);
	assert_int_equal(rpc(TUNLINKAT + 1), -EROFS);
	m_start(TSETATTR);
	m_u32(1);
	m_u32(0x8);
	m_u32(0);
	m_u32(0);
	m_u32(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	assert_int_equal(rpc(TSETATTR + 1), -EROFS);
	m_start(TXATTRCREATE);
	m_u32(1);
	m_str("user.x");
	m_u64(1);
	m_u32(0);
	assert_int_equal(rpc(TXATTRCREATE + 1), -EROFS);
	m_start(TREMOVE);
	m_u32(1);
	assert_int_equal(rpc(TREMOVE + 1), -EROFS);
	after = run_capture(cmd);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(cmd);
}

/* Not root: everything appears owned by the guest's root, and a chown
 * to anyone else is refused. */
static void test_owner_mapping(void **state)
{
	(void)state;
	t.sh.mapped = true;
	assert_int_equal(walk1(0, 1, "hello"), 0);
	chown(host("hello"), 1234, 5678);
	m_start(TGETATTR);
	m_u32(1);
	m_u64(0x7ff);
	assert_int_equal(rpc(TGETATTR + 1), 0);
	assert_int_equal(get32(t.rep + 7 + 8 + 13 + 4), 0);
	assert_int_equal(get32(t.rep + 7 + 8 + 13 + 8), 0);
	m_start(TSETATTR);
	m_u32(1);
	m_u32(0x2);
	m_u32(0);
	m_u32(1000);
	m_u32(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	m_u64(0);
	assert_int_equal(rpc(TSETATTR + 1), -EPERM);
	t.req[19] = t.req[20] = 0;	/* uid 0: the mapping's identity */
	assert_int_equal(rpc(TSETATTR + 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_getattr_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirs_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setattr_statfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattr_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes_without_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ino_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_safety, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_mapping, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
