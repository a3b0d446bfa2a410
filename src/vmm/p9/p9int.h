/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_P9INT_H
#define TINYRD_P9INT_H

/* Inside the 9P2000.L server: p9.c (session, dispatch), pdu.c (messages),
 * fid.c (the fid table) and ops.c (the operations). Numbers from Linux's include/net/9p/9p.h. */
#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "p9.h"

#define P9_HDR 7		/* size[4] type[1] tag[2] */
#define P9_IOHDRSZ 24		/* Twrite's header, rounded: reads clamp to msize - it */
#define P9_NOFID 0xffffffffu
#define P9_MAXWELEM 16

enum {
	P9_TLERROR = 6, P9_RLERROR,
	P9_TSTATFS = 8, P9_TLOPEN = 12, P9_TLCREATE = 14, P9_TSYMLINK = 16,
	P9_TMKNOD = 18, P9_TRENAME = 20, P9_TREADLINK = 22, P9_TGETATTR = 24,
	P9_TSETATTR = 26, P9_TXATTRWALK = 30, P9_TXATTRCREATE = 32,
	P9_TREADDIR = 40, P9_TFSYNC = 50, P9_TLOCK = 52, P9_TGETLOCK = 54,
	P9_TLINK = 70, P9_TMKDIR = 72, P9_TRENAMEAT = 74, P9_TUNLINKAT = 76,
	P9_TVERSION = 100, P9_RVERSION, P9_TAUTH = 102, P9_TATTACH = 104,
	P9_TFLUSH = 108, P9_TWALK = 110, P9_TREAD = 116, P9_TWRITE = 118,
	P9_TCLUNK = 120, P9_TREMOVE = 122,
};

#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02
#define P9_QTFILE 0x00

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A message being read or written: bounds-checked, sticky bad flag. */
struct pdu {
	uint8_t *p;
	uint32_t len, off;
	bool bad;
};

uint8_t pdu_get8(struct pdu *m);
uint16_t pdu_get16(struct pdu *m);
uint32_t pdu_get32(struct pdu *m);
uint64_t pdu_get64(struct pdu *m);
const char *pdu_getstr(struct pdu *m, char *dst, size_t max);
void pdu_put8(struct pdu *m, uint8_t v);
void pdu_put16(struct pdu *m, uint16_t v);
void pdu_put32(struct pdu *m, uint32_t v);
void pdu_put64(struct pdu *m, uint64_t v);
void pdu_putstr(struct pdu *m, const char *s, size_t n);
void pdu_putqid(struct pdu *m, const struct p9_qid *q);
/* Every argument taken, none left over, none short. */
bool p9_parsed(const struct pdu *m);

enum p9_fid_kind { FID_FILE, FID_XATTR_READ, FID_XATTR_WRITE };

struct p9_fid {
	uint32_t num;
	enum p9_fid_kind kind;
	int fd;			/* the share's O_PATH handle */
	int io;			/* open for I/O (Tlopen, Tlcreate), or -1 */
	uid_t uid;		/* Tattach's n_uname, inherited by walks */
	/* xattr fids: the value read (Txattrwalk) or being written
	 * (Txattrcreate, set on clunk) */
	char *xname;
	uint8_t *xval;
	uint64_t xsize;
	int xflags;
};

struct p9_fid *p9_fid_get(struct p9_server *s, uint32_t num);
int p9_fid_add(struct p9_server *s, uint32_t num, int fd, struct p9_fid **out);
struct p9_fid *p9_fid_take(struct p9_server *s, uint32_t num);
void p9_fid_free(struct p9_server *s, struct p9_fid *f);
/* Free every fid: a new session (Tversion) or the server's end. */
void p9_fid_clear(struct p9_server *s);

/* Handlers: arguments from in, the reply's body into out (the header is
 * the caller's); 0 or -errno (Rlerror). */
typedef int (*p9_handler)(struct p9_server *s, struct pdu *in, struct pdu *out);

int p9_statfs(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_lopen(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_lcreate(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_symlink(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_mknod(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_rename(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_readlink(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_getattr(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_setattr(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_xattrwalk(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_xattrcreate(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_fsync(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_lock(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_getlock(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_link(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_mkdir(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_renameat(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_unlinkat(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_attach(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_walk(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_clunk(struct p9_server *s, struct pdu *in, struct pdu *out);
int p9_remove(struct p9_server *s, struct pdu *in, struct pdu *out);

/* Tread, Twrite, Treaddir: the data goes straight between the file and
 * the buffers; returns the count placed after the reply's 11-byte
 * header (which the caller writes), or -errno. */
struct p9_io {
	const struct iovec *req;
	unsigned nreq;
	uint32_t size;			/* the request's */
	const struct iovec *rep;
	unsigned nrep;
	uint64_t cap;			/* the reply's room, at most msize */
};
int p9_data(struct p9_server *s, uint8_t type, const struct p9_io *io);

#endif
