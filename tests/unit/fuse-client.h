/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_TEST_FUSE_CLIENT_H
#define TINYRD_TEST_FUSE_CLIENT_H

/*
 * A FUSE client for the server's unit tests (test-fuse*.c): requests
 * built as the guest's kernel builds them, fed through fuse_serve() as
 * iovecs, whole or cut into small pieces scattered with gaps between
 * them (the gaps are checked untouched), and the reply gathered back.
 *
 * The share is <top>/share; <top>/canary lies outside it, for the tests
 * of escapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/fuse.h>

#include "helpers.h"
#include "../../src/common/iov.h"
#include "../../src/common/sha256.h"
#include "../../src/vmm/share.h"
#include "../../src/vmm/fuse/fuse.h"

#define FC_NOREPLY	1000000		/* fc_call: the server did not reply */
#define FC_ROOM		((1u << 20) + 4096)	/* writable bytes, by default */
#define FC_GAP		8
#define FC_FILL		0xa5

struct fc {
	struct share sh;
	struct fuse_server f;
	char *top, *dir, *canary;
	unsigned split;		/* 0: one iovec each way; else pieces of split bytes */
	uint32_t uid, gid;	/* the caller in fuse_in_header */
	uint16_t extlen;	/* fuse_in_header.total_extlen */
	uint64_t room;		/* writable bytes offered */
	uint64_t unique;
	struct fuse_out_header oh;
	uint8_t *out;		/* the reply after its header (FC_ROOM) */
	uint8_t *req, *rep;
	struct iovec *iov;
	uint64_t rep_cap, iov_cap;
};

static inline bool fc_untouched(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != FC_FILL)
			return false;
	return true;
}

/* Cut [p, p + n) into pieces of split bytes at stride split + FC_GAP. */
static inline unsigned fc_cut(uint8_t *p, uint64_t n, unsigned split,
			      struct iovec *iov)
{
	unsigned k = 0;

	if (!split) {
		iov[0] = (struct iovec){ p, n };
		return 1;
	}
	for (uint64_t at = 0; at < n; at += split, k++)
		iov[k] = (struct iovec){ p + at / split * (split + FC_GAP),
					 n - at < split ? n - at : split };
	return k;
}

static inline uint64_t fc_span(uint64_t n, unsigned split)
{
	return split ? (n / split + 1) * (split + FC_GAP) : n;
}

/*
 * Send opcode on nodeid with up to three argument parts; a raw header
 * length, when len is not 0. Returns the reply's error (negative) or the
 * length after its header, in c->out; FC_NOREPLY for no reply.
 */
static inline int fc_raw(struct fc *c, uint32_t opcode, uint64_t nodeid,
			 uint32_t len, const void *a, size_t an, const void *b,
			 size_t bn, const void *d, size_t dn)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = ++c->unique,
				    .nodeid = nodeid, .uid = c->uid,
				    .gid = c->gid, .pid = 1,
				    .total_extlen = c->extlen };
	uint64_t n = sizeof(h) + an + bn + dn, span = fc_span(n, c->split);
	uint64_t rspan = fc_span(c->room, c->split);
	uint8_t *flat = malloc(n);
	unsigned nreq, nrep;
	uint32_t got;

	assert_true(c->room <= FC_ROOM);
	h.len = len ? len : (uint32_t)n;
	memcpy(flat, &h, sizeof(h));
	if (an)
		memcpy(flat + sizeof(h), a, an);
	if (bn)
		memcpy(flat + sizeof(h) + an, b, bn);
	if (dn)
		memcpy(flat + sizeof(h) + an + bn, d, dn);
	c->req = realloc(c->req, span);
	if (rspan > c->rep_cap)
		c->rep = realloc(c->rep, c->rep_cap = rspan);
	memset(c->rep, FC_FILL, rspan);
	if ((n + c->room) / (c->split ? c->split : 1) + 4 > c->iov_cap) {
		c->iov_cap = (n + c->room) / (c->split ? c->split : 1) + 4;
		c->iov = realloc(c->iov, c->iov_cap * sizeof(*c->iov));
	}
	nreq = fc_cut(c->req, n, c->split, c->iov);
	iov_from_buf(c->iov, nreq, 0, flat, n);
	free(flat);
	nrep = fc_cut(c->rep, c->room, c->split, c->iov + nreq);
	got = fuse_serve(&c->f, c->iov, nreq, c->iov + nreq, nrep);
	if (!got) {
		/* Nothing written anywhere. */
		assert_true(fc_untouched(c->rep, rspan));
		return FC_NOREPLY;
	}
	assert_true(got >= sizeof(c->oh) && got <= c->room);
	iov_to_buf(c->iov + nreq, nrep, 0, &c->oh, sizeof(c->oh));
	iov_to_buf(c->iov + nreq, nrep, sizeof(c->oh), c->out,
		   got - sizeof(c->oh));
	assert_int_equal(c->oh.len, got);
	assert_int_equal(c->oh.unique, c->unique);
	/* Not a byte past the reply, nor in the gaps. */
	if (!c->split)
		assert_true(fc_untouched(c->rep + got, c->room - got));
	for (uint64_t i = 0, stride = c->split + FC_GAP; c->split && i < rspan;
	     i += stride) {
		uint64_t used = i / stride * c->split;
		uint64_t keep = got > used ? got - used : 0;

		keep = keep < c->split ? keep : c->split;
		assert_true(fc_untouched(c->rep + i + keep,
					 (i + stride < rspan ? stride : rspan - i) - keep));
	}
	if (c->oh.error) {
		assert_true(c->oh.error < 0);
		assert_int_equal(got, sizeof(c->oh));
		return c->oh.error;
	}
	return (int)(got - sizeof(c->oh));
}

static inline int fc_call(struct fc *c, uint32_t opcode, uint64_t nodeid,
			  const void *a, size_t an, const void *b, size_t bn,
			  const void *d, size_t dn)
{
	return fc_raw(c, opcode, nodeid, 0, a, an, b, bn, d, dn);
}

#define FC_STR(s) (s), strlen(s) + 1

static inline int fc_init_minor(struct fc *c, uint32_t major, uint32_t minor,
				struct fuse_init_out *out)
{
	struct fuse_init_in in = { .major = major, .minor = minor,
				   .max_readahead = 131072, .flags = ~0u,
				   .flags2 = ~0u };
	int r = fc_call(c, FUSE_INIT, 0, &in, sizeof(in), NULL, 0, NULL, 0);

	if (r > 0 && out)
		memcpy(out, c->out, sizeof(*out));
	return r;
}

/* A share over a fresh <top>/share, a server on it, INIT done. */
static inline struct fc *fc_new(bool ro, unsigned max_pages)
{
	struct fc *c = calloc(1, sizeof(*c));

	log_level = LOG_QUIET;
	c->top = mktemp_dir();
	c->dir = path_join(c->top, "share");
	c->canary = path_join(c->top, "canary");
	mkdir_at(c->top, "share");
	write_at(c->top, "canary", "do not touch\n", 13, 0644);
	c->room = FC_ROOM;
	c->out = malloc(FC_ROOM);
	c->uid = getuid();
	c->gid = getgid();
	assert_int_equal(share_open(&c->sh, c->dir, ro, false), 0);
	assert_int_equal(fuse_server_init(&c->f, &c->sh, max_pages), 0);
	assert_int_equal(fc_init_minor(c, 7, FUSE_KERNEL_MINOR_VERSION, NULL),
			 sizeof(struct fuse_init_out));
	return c;
}

static inline void fc_free(struct fc *c)
{
	fuse_server_free(&c->f);
	assert_int_equal(c->sh.handles, 0);
	share_close(&c->sh);
	rm_rf(c->top);
	free(c->top);
	free(c->dir);
	free(c->canary);
	free(c->req);
	free(c->rep);
	free(c->out);
	free(c->iov);
	free(c);
}

static inline int fc_lookup(struct fc *c, uint64_t parent, const char *name,
			    struct fuse_entry_out *e)
{
	int r = fc_call(c, FUSE_LOOKUP, parent, FC_STR(name), NULL, 0, NULL, 0);

	if (r >= 0) {
		assert_int_equal(r, sizeof(*e));
		memcpy(e, c->out, sizeof(*e));
	}
	return r < 0 ? r : 0;
}

/* The nodeid of name, which must be there. */
static inline uint64_t fc_node(struct fc *c, uint64_t parent, const char *name)
{
	struct fuse_entry_out e;

	assert_int_equal(fc_lookup(c, parent, name, &e), 0);
	return e.nodeid;
}

static inline int fc_getattr(struct fc *c, uint64_t node, struct fuse_attr *a)
{
	struct fuse_getattr_in in = { 0 };
	int r = fc_call(c, FUSE_GETATTR, node, &in, sizeof(in), NULL, 0, NULL, 0);

	if (r >= 0) {
		assert_int_equal(r, sizeof(struct fuse_attr_out));
		memcpy(a, c->out + offsetof(struct fuse_attr_out, attr), sizeof(*a));
	}
	return r < 0 ? r : 0;
}

static inline int fc_open(struct fc *c, uint32_t opcode, uint64_t node,
			  uint32_t flags, uint64_t *fh)
{
	struct fuse_open_in in = { .flags = flags };
	int r = fc_call(c, opcode, node, &in, sizeof(in), NULL, 0, NULL, 0);

	if (r >= 0) {
		assert_int_equal(r, sizeof(struct fuse_open_out));
		*fh = ((struct fuse_open_out *)c->out)->fh;
	}
	return r < 0 ? r : 0;
}

static inline int fc_release(struct fc *c, uint32_t opcode, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };

	return fc_call(c, opcode, 0, &in, sizeof(in), NULL, 0, NULL, 0);
}

static inline int fc_create(struct fc *c, uint64_t parent, const char *name,
			    uint32_t flags, uint32_t mode,
			    struct fuse_entry_out *e, uint64_t *fh)
{
	struct fuse_create_in in = { .flags = flags | O_CREAT, .mode = mode };
	int r = fc_call(c, FUSE_CREATE, parent, &in, sizeof(in), FC_STR(name),
			NULL, 0);

	if (r >= 0) {
		assert_int_equal(r, sizeof(*e) + sizeof(struct fuse_open_out));
		memcpy(e, c->out, sizeof(*e));
		*fh = ((struct fuse_open_out *)(c->out + sizeof(*e)))->fh;
	}
	return r < 0 ? r : 0;
}

static inline int fc_write(struct fc *c, uint64_t fh, uint64_t off,
			   const void *data, uint32_t n)
{
	struct fuse_write_in in = { .fh = fh, .offset = off, .size = n };
	int r = fc_call(c, FUSE_WRITE, 0, &in, sizeof(in), data, n, NULL, 0);

	if (r < 0)
		return r;
	assert_int_equal(r, sizeof(struct fuse_write_out));
	return (int)((struct fuse_write_out *)c->out)->size;
}

/* Returns the bytes read (in c->out) or the error. */
static inline int fc_read(struct fc *c, uint32_t opcode, uint64_t fh,
			  uint64_t off, uint32_t size)
{
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = size };

	return fc_call(c, opcode, 0, &in, sizeof(in), NULL, 0, NULL, 0);
}

static inline int fc_empty(struct fc *c, uint32_t opcode, uint64_t node)
{
	return fc_call(c, opcode, node, NULL, 0, NULL, 0, NULL, 0);
}

/* FORGET has no reply. */
static inline void fc_forget(struct fc *c, uint64_t node, uint64_t n)
{
	struct fuse_forget_in in = { n };

	assert_int_equal(fc_call(c, FUSE_FORGET, node, &in, sizeof(in), NULL, 0,
				 NULL, 0), FC_NOREPLY);
}

/* A host file's digest, as hex; "" when it cannot be read. */
static inline void fc_digest(const char *path, char out[65])
{
	struct buf b = { 0 };
	struct sha256 s;

	out[0] = '\0';
	if (read_file(path, &b))
		return;
	sha256_init(&s);
	sha256_update(&s, b.p, b.len);
	sha256_hex(&s, out);
	buf_free(&b);
}

/* The host file's contents under the share, or NULL. */
static inline char *fc_slurp(struct fc *c, const char *rel, size_t *len)
{
	char *p = path_join(c->dir, rel);
	struct buf b = { 0 };
	int r = read_file(p, &b);

	free(p);
	if (r)
		return NULL;
	buf_reserve(&b, 0);
	return buf_detach(&b, len);
}

static inline int fc_stat(struct fc *c, const char *rel, struct stat *st)
{
	char *p = path_join(c->dir, rel);
	int r = lstat(p, st) ? -errno : 0;

	free(p);
	return r;
}

#endif
