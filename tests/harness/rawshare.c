// SPDX-License-Identifier: MIT
/*
 * rawshare: 9P2000.L and FUSE spoken from user space in an L2 guest to
 * the launcher's share servers, with what a kernel client never sends:
 * huge msize, counts and sizes, more than 16 names in a walk, strings
 * and lengths past the message, names without their NUL, ".." walked from
 * the root, names with a slash that lead out, opens of a FIFO, a device
 * node and a socket, setattr and xattrs on the share's root. The
 * function is taken from its driver (the share unmounted first) and
 * driven through vdrv.c.
 *
 *   rawshare 9p|fs       (the share's directory holds data, a 64 KiB
 *                         file; fifo, zero (char 1:5) and sock; beside
 *                         it out-dotdot and out-link, each with a canary)
 *
 * One line per check, "rawshare: FS: [CASE] WHAT: ok" or "...: FAILED
 * (why)"; CASE is msize, dotdot, walk, strings, counts, special, links,
 * rootattr, serving. The status is 0 only when every check passed. The
 * host checks its canaries itself: these lines only say how the server
 * answered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdrv.h"

static struct vdev dev;
static struct vpage req, rep;
static const char *fs;
static int failed;
static uint32_t qoff;
static uint32_t used;

static void result(const char *c, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("rawshare: %s: [%s] %s: ", fs, c, what);
	if (!fmt) {
		printf("ok\n");
	} else {
		failed = 1;
		printf("FAILED (");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf(")\n");
	}
	fflush(stdout);
}

/* --- building a message ----------------------------------------------- */

static void p8(uint8_t v) { req.p[qoff++] = v; }
static void p16(uint16_t v) { p8((uint8_t)v); p8((uint8_t)(v >> 8)); }
static void p32(uint32_t v) { p16((uint16_t)v); p16((uint16_t)(v >> 16)); }
static void p64(uint64_t v) { p32((uint32_t)v); p32((uint32_t)(v >> 32)); }
static void pbytes(const void *b, uint32_t n) { memcpy(req.p + qoff, b, n); qoff += n; }

static void pstr(const char *s)
{
	p16((uint16_t)strlen(s));
	pbytes(s, (uint32_t)strlen(s));
}

static uint32_t g32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t g64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint16_t g16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* Send req[0, len) (the descriptor says dlen) with a 4 KiB reply buffer:
 * 'U' answered, 'R' the device asked for a reset, 'T' nothing in 5 s. */
static int send(uint32_t dlen)
{
	struct seg s[2] = { { req.pa, dlen, 0 }, { rep.pa, 4096, 1 } };

	memset(rep.p, 0, 4096);
	return vdrv_call(&dev, s, 2, 5000, &used);
}

static const char *outcome(int r)
{
	return r == 'R' ? "the device asked for a reset" :
	       r == 'T' ? "no answer in 5 s" :
	       r == 'S' ? "the device refused the setup" : "answered";
}

/* --- 9P ------------------------------------------------------------------ */

enum {
	RLERROR = 7, TLOPEN = 12, TSYMLINK = 16, TMKNOD = 18, TGETATTR = 24,
	TSETATTR = 26, TXATTRCREATE = 32, TREADDIR = 40, TLINK = 70,
	TMKDIR = 72, TRENAMEAT = 74, TVERSION = 100, TATTACH = 104,
	TWALK = 110, TREAD = 116, TWRITE = 118, TCLUNK = 120,
};
#define NOFID 0xffffffffu

static void t(uint8_t type)
{
	memset(req.p, 0, 4096);
	qoff = 7;
	req.p[4] = type;
	req.p[5] = 1;
}

/* The size field says what was built; sent as it is. */
static int t_send(void)
{
	memcpy(req.p, &qoff, 4);
	return send(qoff);
}

static uint8_t rtype(void) { return rep.p[4]; }

/* The request is answered with Rlerror. */
static void want_error(const char *c, const char *what, int r)
{
	if (r != 'U')
		result(c, what, "%s", outcome(r));
	else if (rtype() != RLERROR)
		result(c, what, "answered with message type %u", rtype());
	else
		result(c, what, NULL);
}

/* ... with EINVAL: the server refused the name itself, whatever a second
 * layer (Landlock) would have done with it. */
static void want_einval(const char *c, const char *what, int r)
{
	if (r == 'U' && rtype() == RLERROR && g32(rep.p + 7) != EINVAL)
		result(c, what, "refused with errno %u, not by the server's own check (EINVAL)",
		       g32(rep.p + 7));
	else
		want_error(c, what, r);
}

static void want_type(const char *c, const char *what, int r, uint8_t type)
{
	if (r != 'U')
		result(c, what, "%s", outcome(r));
	else if (rtype() != type)
		result(c, what, "answered with message type %u, error %u",
		       rtype(), rtype() == RLERROR ? g32(rep.p + 7) : 0);
	else
		result(c, what, NULL);
}

static int walk(uint32_t fid, uint32_t newfid, int n, const char *const *names)
{
	t(TWALK);
	p32(fid);
	p32(newfid);
	p16((uint16_t)n);
	for (int i = 0; i < n; i++)
		pstr(names[i]);
	return t_send();
}

static int lopen(uint32_t fid, uint32_t flags)
{
	t(TLOPEN);
	p32(fid);
	p32(flags);
	return t_send();
}

static int getattr(uint32_t fid)
{
	t(TGETATTR);
	p32(fid);
	p64(0x3fff);
	return t_send();
}

static int clunk(uint32_t fid)
{
	t(TCLUNK);
	p32(fid);
	return t_send();
}

static int version(uint32_t msize)
{
	t(TVERSION);
	p32(msize);
	pstr("9P2000.L");
	return t_send();
}

static void serving(const char *c)
{
	want_type(c, "a Tgetattr of the root is still answered", getattr(0),
		  TGETATTR + 1);
}

static void setattr(uint32_t fid, uint32_t valid, uint32_t mode, uint64_t size)
{
	t(TSETATTR);
	p32(fid);
	p32(valid);
	p32(mode);
	p32(1);		/* uid */
	p32(1);		/* gid */
	p64(size);
	p64(0);		/* atime */
	p64(0);
	p64(0);		/* mtime */
	p64(0);
}

static void p9_msize(void)
{
	int r = version(0xffffffffu);
	uint32_t m = g32(rep.p + 7);

	if (r != 'U' || rtype() != TVERSION + 1)
		result("msize", "Tversion msize 0xffffffff", "%s, type %u",
		       outcome(r), rtype());
	else if (m > (1u << 20))
		result("msize", "Tversion msize 0xffffffff", "the server agreed to %u", m);
	else
		result("msize", "Tversion msize 0xffffffff is cut to the server's", NULL);
	r = version(8192);
	if (r != 'U' || rtype() != TVERSION + 1 || g32(rep.p + 7) != 8192)
		result("msize", "Tversion 8192", "%s, type %u, msize %u", outcome(r),
		       rtype(), g32(rep.p + 7));
}

static uint64_t root_path;

static void p9_attach(void)
{
	int r;

	t(TATTACH);
	p32(0);
	p32(NOFID);
	pstr("root");
	pstr("");
	p32(0);
	r = t_send();
	if (r != 'U' || rtype() != TATTACH + 1) {
		result("serving", "Tattach", "%s, type %u", outcome(r), rtype());
		exit(1);
	}
	root_path = g64(rep.p + 12);
}

static void p9_dotdot(void)
{
	static const char *const up[] = { "..", "out-dotdot", "canary" };
	static const char *const top[] = { ".." };
	int r;

	r = walk(0, 1, 1, top);
	if (r != 'U' || rtype() != TWALK + 1 || g16(rep.p + 7) != 1)
		result("dotdot", "Twalk .. from the root", "%s, type %u", outcome(r), rtype());
	else if (g64(rep.p + 9 + 5) != root_path)
		result("dotdot", "Twalk .. from the root", "ESCAPED: not the root's qid");
	else
		result("dotdot", "Twalk .. from the root stays at the root", NULL);
	r = walk(0, 2, 3, up);
	if (r != 'U')
		result("dotdot", "Twalk .. out-dotdot canary", "%s", outcome(r));
	else if (rtype() == TWALK + 1 && g16(rep.p + 7) == 3)
		result("dotdot", "Twalk .. out-dotdot canary", "ESCAPED: walked out of the share");
	else
		result("dotdot", "Twalk .. out-dotdot canary stops at the root", NULL);
	/* Should the walk have led out, the host finds the canary cut. */
	if (lopen(2, 01001) == 'U' && rtype() == TLOPEN + 1) {
		t(TWRITE);
		p32(2);
		p64(0);
		p32(8);
		pbytes("ESCAPED\n", 8);
		t_send();
	}
	clunk(2);
	serving("dotdot");
}

static void p9_walk16(void)
{
	static const char *dots[1000];
	int r;

	for (int i = 0; i < 1000; i++)
		dots[i] = ".";
	r = walk(0, 3, 17, dots);
	want_error("walk", "Twalk with 17 names", r);
	r = walk(0, 3, 1000, dots);
	want_error("walk", "Twalk with 1000 names", r);
	clunk(3);
	serving("walk");
}

static void p9_strings(void)
{
	int r;

	/* A name of 200 bytes with 3 in the message. */
	t(TWALK);
	p32(0);
	p32(4);
	p16(1);
	p16(200);
	pbytes("abc", 3);
	want_error("strings", "Twalk with a name longer than the message", t_send());
	/* An aname of 3000 bytes with 4 in the message. */
	t(TATTACH);
	p32(5);
	p32(NOFID);
	pstr("root");
	p16(3000);
	pbytes("data", 4);
	want_error("strings", "Tattach with an aname longer than the message", t_send());
	/* A size field past the descriptor. */
	t(TGETATTR);
	p32(0);
	p64(0x3fff);
	memcpy(req.p, &(uint32_t){ 4000 }, 4);
	r = send(qoff);
	want_error("strings", "a size field past the buffer", r);
	/* A size field of 0xffffffff. */
	memcpy(req.p, &(uint32_t){ 0xffffffffu }, 4);
	want_error("strings", "a size field of 0xffffffff", send(qoff));
	serving("strings");
}

static void p9_counts(void)
{
	static const char *const data[] = { "data" };
	int r;

	walk(0, 6, 1, data);
	r = lopen(6, 2);
	want_type("counts", "Tlopen data", r, TLOPEN + 1);
	t(TREAD);
	p32(6);
	p64(0);
	p32(0xffffffffu);
	r = t_send();
	if (r != 'U' || rtype() != TREAD + 1)
		result("counts", "Tread count 0xffffffff", "%s, type %u", outcome(r), rtype());
	else if (g32(rep.p + 7) > 4096 - 11 || used > 4096 || g32(rep.p) > 4096)
		result("counts", "Tread count 0xffffffff", "count %u in a 4 KiB buffer",
		       g32(rep.p + 7));
	else
		result("counts", "Tread count 0xffffffff fills the buffer only", NULL);
	t(TREAD);
	p32(6);
	p64(0xfffffffffffff000ull);
	p32(4096);
	want_error("counts", "Tread at offset 2^64 - 4096", t_send());
	t(TWRITE);
	p32(6);
	p64(0);
	p32(0xffffffffu);
	pbytes("0123456789", 10);
	want_error("counts", "Twrite count 0xffffffff with 10 bytes", t_send());
	t(TWRITE);
	p32(6);
	p64(0x8000000000000000ull);
	p32(10);
	pbytes("0123456789", 10);
	want_error("counts", "Twrite at offset 2^63", t_send());
	clunk(6);
	walk(0, 7, 0, NULL);
	lopen(7, 0200000);	/* O_DIRECTORY */
	t(TREADDIR);
	p32(7);
	p64(0);
	p32(0xffffffffu);
	r = t_send();
	if (r != 'U' || rtype() != TREADDIR + 1)
		result("counts", "Treaddir count 0xffffffff", "%s, type %u", outcome(r), rtype());
	else if (g32(rep.p + 7) > 4096 - 11 || g32(rep.p) > 4096)
		result("counts", "Treaddir count 0xffffffff", "count %u in a 4 KiB buffer",
		       g32(rep.p + 7));
	else
		result("counts", "Treaddir count 0xffffffff fills the buffer only", NULL);
	clunk(7);
	serving("counts");
}

static void p9_special(void)
{
	static const char *const names[] = { "zero", "sock", "fifo" };
	char what[64];

	for (int i = 0; i < 3; i++) {
		const char *n[] = { names[i] };

		int r, opened;

		walk(0, 8, 1, n);
		snprintf(what, sizeof(what), "Tlopen of %s", names[i]);
		r = lopen(8, i == 0 ? 2 : 0);
		opened = r == 'U' && rtype() == TLOPEN + 1;
		want_error("special", what, r);
		if (opened) {	/* what a device would give */
			t(TREAD);
			p32(8);
			p64(0);
			p32(64);
			t_send();
		}
		serving("special");
		clunk(8);
	}
	t(TMKNOD);
	p32(0);
	pstr("mem");
	p32(020666);	/* S_IFCHR */
	p32(1);
	p32(1);
	p32(0);
	want_error("special", "Tmknod of a char device", t_send());
}

static void p9_links(void)
{
	static const char *const data[] = { "data" };

	walk(0, 9, 1, data);
	t(TLINK);
	p32(0);
	p32(9);
	pstr("../out-link/hl");
	want_einval("links", "Tlink to ../out-link/hl", t_send());
	t(TLINK);
	p32(0);
	p32(9);
	pstr("..");
	want_einval("links", "Tlink to ..", t_send());
	t(TRENAMEAT);
	p32(0);
	pstr("data");
	p32(0);
	pstr("../out-link/moved");
	want_einval("links", "Trenameat data to ../out-link/moved", t_send());
	t(TRENAMEAT);
	p32(0);
	pstr("../out-link/canary");
	p32(0);
	pstr("stolen");
	want_einval("links", "Trenameat ../out-link/canary in", t_send());
	t(TSYMLINK);
	p32(0);
	pstr("../out-link/sl");
	pstr("/");
	p32(0);
	want_einval("links", "Tsymlink ../out-link/sl", t_send());
	t(TMKDIR);
	p32(0);
	pstr("../out-link/d");
	p32(0755);
	p32(0);
	want_einval("links", "Tmkdir ../out-link/d", t_send());
	clunk(9);
	serving("links");
}

static void p9_rootattr(void)
{
	static const char *const top[] = { ".." };

	setattr(0, 0x1, 0777, 0);
	want_error("rootattr", "Tsetattr mode 0777 on the root", t_send());
	setattr(0, 0x2 | 0x4, 0, 0);
	want_error("rootattr", "Tsetattr owner 1:1 on the root", t_send());
	setattr(0, 0x10 | 0x20 | 0x80 | 0x100, 0, 0);
	want_error("rootattr", "Tsetattr times 0 on the root", t_send());
	setattr(0, 0x8, 0, 0);
	want_error("rootattr", "Tsetattr size 0 on the root", t_send());
	walk(0, 10, 1, top);
	setattr(10, 0x1, 0700, 0);
	want_error("rootattr", "Tsetattr mode 0700 on .. of the root", t_send());
	clunk(10);
	walk(0, 11, 0, NULL);
	t(TXATTRCREATE);
	p32(11);
	pstr("user.esc");
	p64(1);
	p32(0);
	if (t_send() == 'U' && rtype() == TXATTRCREATE + 1) {
		t(TWRITE);
		p32(11);
		p64(0);
		p32(1);
		p8('x');
		t_send();
		want_error("rootattr", "Txattrcreate user.esc on the root", clunk(11));
	} else {
		result("rootattr", "Txattrcreate user.esc on the root", NULL);
		clunk(11);
	}
	serving("rootattr");
}

static void p9(void)
{
	if (vdrv_setup(&dev, 0, 0)) {
		result("serving", "setup", "the device refused the setup");
		return;
	}
	p9_msize();
	p9_attach();
	p9_dotdot();
	p9_walk16();
	p9_strings();
	p9_counts();
	p9_links();
	p9_rootattr();
	/* Last: a FIFO opened on the host would hold the server. */
	p9_special();
}

/* --- FUSE ------------------------------------------------------------------ */

enum {
	LOOKUP = 1, GETATTR = 3, SETATTR = 4, SYMLINK = 6, MKNOD = 8, MKDIR = 9,
	RENAME = 12, LINK = 13, OPEN = 14, READ = 15, WRITE = 16,
	SETXATTR = 21, INIT = 26, OPENDIR = 27, READDIR = 28,
};
#define FUSE_OUT 16

static uint64_t unique;

static void f(uint32_t op, uint64_t node)
{
	memset(req.p, 0, 4096);
	qoff = 0;
	p32(0);
	p32(op);
	p64(++unique);
	p64(node);
	p32(0);
	p32(0);
	p32(1);
	p32(0);
}

static int f_send(void)
{
	memcpy(req.p, &qoff, 4);
	return send(qoff);
}

static int ferror_(void) { return (int)g32(rep.p + 4); }

static void f_want_error(const char *c, const char *what, int r)
{
	if (r != 'U')
		result(c, what, "%s", outcome(r));
	else if (!ferror_())
		result(c, what, "succeeded");
	else
		result(c, what, NULL);
}

static void f_want_einval(const char *c, const char *what, int r)
{
	if (r == 'U' && ferror_() && ferror_() != -EINVAL)
		result(c, what, "refused with %d, not by the server's own check (EINVAL)",
		       ferror_());
	else
		f_want_error(c, what, r);
}

static void f_want_ok(const char *c, const char *what, int r)
{
	if (r != 'U')
		result(c, what, "%s", outcome(r));
	else if (ferror_())
		result(c, what, "error %d", ferror_());
	else
		result(c, what, NULL);
}

static int f_lookup(uint64_t dir, const char *name, uint64_t *node)
{
	int r;

	f(LOOKUP, dir);
	pbytes(name, (uint32_t)strlen(name) + 1);
	r = f_send();
	*node = r == 'U' && !ferror_() ? g64(rep.p + FUSE_OUT) : 0;
	return r;
}

static int f_open(uint32_t op, uint64_t node, uint32_t flags, uint64_t *fh)
{
	int r;

	f(op, node);
	p32(flags);
	p32(0);
	r = f_send();
	*fh = r == 'U' && !ferror_() ? g64(rep.p + FUSE_OUT) : ~0ull;
	return r;
}

static void f_serving(const char *c)
{
	f(GETATTR, 1);
	p32(0);
	p32(0);
	p64(0);
	f_want_ok(c, "a GETATTR of the root is still answered", f_send());
}

static void f_rw(uint32_t op, uint64_t fh, uint64_t off, uint32_t size)
{
	f(op, 0);
	p64(fh);
	p64(off);
	p32(size);
	p32(0);
	p64(0);
	p32(0);
	p32(0);
}

static uint64_t root_ino;

static void fuse_init(void)
{
	int r;

	f(INIT, 0);
	p32(7);
	p32(38);
	p32(0xffffffffu);	/* max_readahead */
	p32(0xffffffffu);	/* flags: all, FUSE_MAX_PAGES with them */
	p32(0xffffffffu);	/* flags2 */
	for (int i = 0; i < 11; i++)
		p32(0xffffffffu);
	r = f_send();
	if (r != 'U' || ferror_())
		result("msize", "INIT with every flag", "%s, error %d", outcome(r), ferror_());
	else if (g32(rep.p + FUSE_OUT + 20) > (1u << 20) ||
		 g16(rep.p + FUSE_OUT + 28) > 256)
		result("msize", "INIT with every flag", "max_write %u, max_pages %u",
		       g32(rep.p + FUSE_OUT + 20), g16(rep.p + FUSE_OUT + 28));
	else
		result("msize", "INIT with every flag: the server's max_write and max_pages", NULL);
	f(INIT, 0);
	p32(7);
	p32(38);
	for (int i = 0; i < 14; i++)
		p32(0xffffffffu);
	f_want_error("msize", "a second INIT", f_send());
	f(GETATTR, 1);
	p32(0);
	p32(0);
	p64(0);
	r = f_send();
	if (r != 'U' || ferror_()) {
		result("serving", "GETATTR of the root", "%s, error %d", outcome(r), ferror_());
		exit(1);
	}
	root_ino = g64(rep.p + FUSE_OUT + 16);
}

static void fuse_dotdot(void)
{
	uint64_t up, out, canary, fh;
	int r = f_lookup(1, "..", &up);

	if (r != 'U' || !up)
		result("dotdot", "LOOKUP .. of the root", "%s, error %d", outcome(r), ferror_());
	else if (g64(rep.p + FUSE_OUT + 40) != root_ino)
		result("dotdot", "LOOKUP .. of the root", "ESCAPED: not the root's inode");
	else
		result("dotdot", "LOOKUP .. of the root is the root", NULL);
	r = f_lookup(up ? up : 1, "out-dotdot", &out);
	if (r == 'U' && out) {
		result("dotdot", "LOOKUP out-dotdot beside the root", "ESCAPED: found");
		if (f_lookup(out, "canary", &canary) == 'U' && canary &&
		    f_open(OPEN, canary, 01001, &fh) == 'U' && fh != ~0ull) {
			f_rw(WRITE, fh, 0, 8);
			pbytes("ESCAPED\n", 8);
			f_send();
		}
	} else {
		f_want_error("dotdot", "LOOKUP out-dotdot beside the root fails", r);
	}
	f_serving("dotdot");
}

static void fuse_strings(void)
{
	uint64_t node;

	f_lookup(1, "data", &node);
	/* The same name again without its NUL; the last one is still in
	 * the server's argument buffer. */
	f(LOOKUP, 1);
	pbytes("data", 4);
	f_want_error("strings", "LOOKUP of a name without its NUL", f_send());
	f(LOOKUP, 1);
	pbytes("data", 5);
	memcpy(req.p, &(uint32_t){ 4000 }, 4);
	f_want_error("strings", "a length field past the buffer", send(qoff));
	f(LOOKUP, 1);
	pbytes("data", 5);
	req.p[36] = 0xff;	/* total_extlen: 0xffff * 8 bytes */
	req.p[37] = 0xff;
	f_want_error("strings", "extensions longer than the message", f_send());
	f(SYMLINK, 1);
	pbytes("name", 5);
	pbytes("target", 6);
	f_want_error("strings", "SYMLINK with an unterminated target", f_send());
	f_serving("strings");
}

static void fuse_counts(void)
{
	uint64_t node, fh, dir;
	int r;

	f_lookup(1, "data", &node);
	r = f_open(OPEN, node, 2, &fh);
	f_want_ok("counts", "OPEN data", r);
	f_rw(READ, fh, 0, 0xffffffffu);
	r = f_send();
	if (r != 'U' || ferror_())
		result("counts", "READ size 0xffffffff", "%s, error %d", outcome(r), ferror_());
	else if (g32(rep.p) > 4096 || used > 4096)
		result("counts", "READ size 0xffffffff", "reply of %u bytes in 4 KiB", g32(rep.p));
	else
		result("counts", "READ size 0xffffffff fills the buffer only", NULL);
	f_rw(READ, fh, 0x8000000000000000ull, 4096);
	f_want_error("counts", "READ at offset 2^63", f_send());
	f_rw(WRITE, fh, 0, 0xffffffffu);
	pbytes("0123456789", 10);
	f_want_error("counts", "WRITE size 0xffffffff with 10 bytes", f_send());
	f_rw(WRITE, fh, 0, 4000);
	pbytes("0123456789", 10);
	f_want_error("counts", "WRITE size 4000 with 10 bytes", f_send());
	f_open(OPENDIR, 1, 0, &dir);
	f_rw(READDIR, dir, 0, 0xffffffffu);
	r = f_send();
	if (r != 'U' || ferror_())
		result("counts", "READDIR size 0xffffffff", "%s, error %d", outcome(r), ferror_());
	else if (g32(rep.p) > 4096)
		result("counts", "READDIR size 0xffffffff", "reply of %u bytes", g32(rep.p));
	else
		result("counts", "READDIR size 0xffffffff fills the buffer only", NULL);
	f_serving("counts");
}

static void fuse_special(void)
{
	static const char *const names[] = { "zero", "sock", "fifo" };
	char what[64];
	uint64_t node, fh;

	for (int i = 0; i < 3; i++) {
		f_lookup(1, names[i], &node);
		snprintf(what, sizeof(what), "OPEN of %s", names[i]);
		f_want_error("special", what, f_open(OPEN, node ? node : 1,
						      i == 0 ? 2 : 0, &fh));
		f_serving("special");
		if (fh != ~0ull) {
			f_rw(READ, fh, 0, 64);
			f_send();
		}
	}
	f(MKNOD, 1);
	p32(020666);
	p32(0x101);	/* 1:1 */
	p32(0);
	p32(0);
	pbytes("mem", 4);
	f_want_error("special", "MKNOD of a char device", f_send());
}

static void fuse_links(void)
{
	uint64_t node;

	f_lookup(1, "data", &node);
	f(LINK, 1);
	p64(node);
	pbytes("../out-link/hl", 15);
	f_want_einval("links", "LINK to ../out-link/hl", f_send());
	f(RENAME, 1);
	p64(1);
	pbytes("data", 5);
	pbytes("../out-link/moved", 18);
	f_want_einval("links", "RENAME data to ../out-link/moved", f_send());
	f(RENAME, 1);
	p64(1);
	pbytes("../out-link/canary", 19);
	pbytes("stolen", 7);
	f_want_einval("links", "RENAME ../out-link/canary in", f_send());
	f(SYMLINK, 1);
	pbytes("../out-link/sl", 15);
	pbytes("/", 2);
	f_want_einval("links", "SYMLINK ../out-link/sl", f_send());
	f(MKDIR, 1);
	p32(0755);
	p32(0);
	pbytes("../out-link/d", 14);
	f_want_einval("links", "MKDIR ../out-link/d", f_send());
	f_serving("links");
}

static void f_setattr(uint64_t node, uint32_t valid, uint32_t mode)
{
	f(SETATTR, node);
	p32(valid);
	p32(0);
	p64(0);		/* fh */
	p64(0);		/* size */
	p64(0);		/* lock_owner */
	p64(0);		/* atime */
	p64(0);		/* mtime */
	p64(0);		/* ctime */
	p32(0);
	p32(0);
	p32(0);
	p32(mode);
	p32(0);
	p32(1);		/* uid */
	p32(1);		/* gid */
	p32(0);
}

static void fuse_rootattr(void)
{
	uint64_t up;

	f_setattr(1, 0x1, 0777);
	f_want_error("rootattr", "SETATTR mode 0777 on the root", f_send());
	f_setattr(1, 0x2 | 0x4, 0);
	f_want_error("rootattr", "SETATTR owner 1:1 on the root", f_send());
	f_setattr(1, 0x10 | 0x20, 0);
	f_want_error("rootattr", "SETATTR times 0 on the root", f_send());
	f_setattr(1, 0x8, 0);
	f_want_error("rootattr", "SETATTR size 0 on the root", f_send());
	f_lookup(1, "..", &up);
	f_setattr(up ? up : 1, 0x1, 0700);
	f_want_error("rootattr", "SETATTR mode 0700 on .. of the root", f_send());
	f(SETXATTR, 1);
	p32(1);
	p32(0);
	pbytes("user.esc", 9);
	p8('x');
	f_want_error("rootattr", "SETXATTR user.esc on the root", f_send());
	f_serving("rootattr");
}

static void fuse(void)
{
	/* Queue 1 is the first request queue; 0 is hiprio. */
	if (vdrv_setup(&dev, 1, 0)) {
		result("serving", "setup", "the device refused the setup");
		return;
	}
	fuse_init();
	fuse_dotdot();
	fuse_strings();
	fuse_counts();
	fuse_links();
	fuse_rootattr();
	fuse_special();
}

int main(int argc, char **argv)
{
	char addr[32];

	if (argc != 2 || (strcmp(argv[1], "9p") && strcmp(argv[1], "fs"))) {
		fprintf(stderr, "usage: rawshare 9p|fs\n");
		return 2;
	}
	fs = argv[1];
	if (vdrv_find(!strcmp(fs, "9p") ? 9 : 26, addr)) {
		errno = ENODEV;
		vdrv_die("no virtio function for", fs);
	}
	vdrv_open(&dev, addr);
	req = vdrv_page();
	rep = vdrv_page();
	if (!strcmp(fs, "9p"))
		p9();
	else
		fuse();
	vdrv_reset(&dev);
	printf("rawshare: %s: done\n", fs);
	return failed;
}
