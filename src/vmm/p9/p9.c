// SPDX-License-Identifier: MIT
/*
 * 9P2000.L: the session and the dispatch. Messages are read and written
 * in pdu.c, fids kept in fid.c, the file-system operations are in ops.c. See p9.h, and the
 * protocol as Linux speaks it (Documentation/filesystems/9p.rst,
 * include/net/9p/9p.h, the 9P2000.L wiki of the diod project).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "p9.h"
#include "p9int.h"
#include "../../common/iov.h"
#include "../../common/util.h"

void p9_server_init(struct p9_server *s, struct share *sh)
{
	memset(s, 0, sizeof(*s));
	s->sh = sh;
}

void p9_server_free(struct p9_server *s)
{
	p9_fid_clear(s);
	free(s->in);
	free(s->out);
	s->in = s->out = NULL;
	s->msize = 0;
}

/* --- the session --------------------------------------------------- */

/* Tversion: msize, version. Anything but 9P2000.L is "unknown"; either
 * way every fid of the old session is gone. */
static int version(struct p9_server *s, struct pdu *in, struct pdu *out)
{
	char v[32];
	uint32_t msize = pdu_get32(in);

	pdu_getstr(in, v, sizeof(v));
	if (in->bad)
		return -EINVAL;
	p9_fid_clear(s);
	if (msize > P9_MSIZE_MAX)
		msize = P9_MSIZE_MAX;
	if (strcmp(v, "9P2000.L") || msize < P9_MSIZE_MIN) {
		s->msize = 0;
		pdu_put32(out, msize);
		pdu_putstr(out, "unknown", 7);
		return 0;
	}
	if (msize != s->msize) {
		free(s->in);
		free(s->out);
		s->in = xmalloc(msize);
		s->out = xmalloc(msize);
	}
	s->msize = msize;
	pdu_put32(out, msize);
	pdu_putstr(out, v, strlen(v));
	return 0;
}

static const struct {
	p9_handler fn;
} handlers[256] = {
	[P9_TSTATFS] = { p9_statfs },	[P9_TLOPEN] = { p9_lopen },
	[P9_TLCREATE] = { p9_lcreate },	[P9_TSYMLINK] = { p9_symlink },
	[P9_TMKNOD] = { p9_mknod },	[P9_TRENAME] = { p9_rename },
	[P9_TREADLINK] = { p9_readlink }, [P9_TGETATTR] = { p9_getattr },
	[P9_TSETATTR] = { p9_setattr },	[P9_TXATTRWALK] = { p9_xattrwalk },
	[P9_TXATTRCREATE] = { p9_xattrcreate },
	[P9_TFSYNC] = { p9_fsync },	[P9_TLOCK] = { p9_lock },
	[P9_TGETLOCK] = { p9_getlock },	[P9_TLINK] = { p9_link },
	[P9_TMKDIR] = { p9_mkdir },	[P9_TRENAMEAT] = { p9_renameat },
	[P9_TUNLINKAT] = { p9_unlinkat }, [P9_TATTACH] = { p9_attach },
	[P9_TWALK] = { p9_walk },	[P9_TCLUNK] = { p9_clunk },
	[P9_TREMOVE] = { p9_remove },
};

static uint32_t finish(uint8_t *hdr, uint32_t len, uint8_t type, uint16_t tag)
{
	hdr[0] = (uint8_t)len;
	hdr[1] = (uint8_t)(len >> 8);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 24);
	hdr[4] = type;
	hdr[5] = (uint8_t)tag;
	hdr[6] = (uint8_t)(tag >> 8);
	return len;
}

static uint32_t lerror(const struct iovec *rep, unsigned nrep, uint64_t cap,
		       uint16_t tag, int err)
{
	uint8_t m[P9_HDR + 4];
	uint32_t e = (uint32_t)(err < 0 ? -err : err);

	if (cap < sizeof(m))
		return 0;
	finish(m, sizeof(m), P9_RLERROR, tag);
	memcpy(m + P9_HDR, &(uint32_t){ htole32(e) }, 4);
	iov_from_buf(rep, nrep, 0, m, sizeof(m));
	return sizeof(m);
}

/* The room a successful reply of a state-changing message takes (Linux
 * sizes each reply buffer to its type since 6.0); the others change
 * nothing before their reply, or reply with the header alone. */
static uint32_t reply_room(uint8_t type, const struct pdu *in)
{
	struct pdu m = *in;

	switch (type) {
	case P9_TWALK:
		pdu_get32(&m);
		pdu_get32(&m);
		return P9_HDR + 2 + 13u * pdu_get16(&m);
	case P9_TLOPEN:
	case P9_TLCREATE:
		return P9_HDR + 13 + 4;
	case P9_TATTACH:
	case P9_TMKDIR:
	case P9_TSYMLINK:
	case P9_TMKNOD:
		return P9_HDR + 13;
	case P9_TXATTRWALK:
		return P9_HDR + 8;
	default:
		return P9_HDR;
	}
}

uint32_t p9_serve(struct p9_server *s, const struct iovec *req, unsigned nreq,
		  const struct iovec *rep, unsigned nrep)
{
	uint64_t len = iov_length(req, nreq), cap = iov_length(rep, nrep);
	uint8_t hdr[P9_HDR];
	uint32_t size, max = s->msize ? s->msize : P9_MSIZE_MIN;
	uint8_t type;
	uint16_t tag;
	struct pdu in, out;
	int r;

	/* Without a header there is no tag to answer; without room for an
	 * Rlerror nothing may be done that cannot be reported. */
	if (iov_to_buf(req, nreq, 0, hdr, sizeof(hdr)) < sizeof(hdr) ||
	    cap < P9_HDR + 4)
		return 0;
	size = le32toh(*(uint32_t *)hdr);
	type = hdr[4];
	tag = (uint16_t)(hdr[5] | hdr[6] << 8);
	if (size < P9_HDR || size > len || size > max)
		return lerror(rep, nrep, cap, tag, EMSGSIZE);
	if (cap > max)
		cap = max;
	if (type == P9_TVERSION) {
		uint8_t vin[64], vout[64];

		if (size > sizeof(vin))
			return lerror(rep, nrep, cap, tag, EMSGSIZE);
		iov_to_buf(req, nreq, 0, vin, size);
		in = (struct pdu){ vin, size, P9_HDR, false };
		out = (struct pdu){ vout, sizeof(vout) < cap ? sizeof(vout) : (uint32_t)cap,
				    P9_HDR, false };
		if (version(s, &in, &out) || out.bad)
			return lerror(rep, nrep, cap, tag, EINVAL);
		iov_from_buf(rep, nrep, 0, vout,
			     finish(vout, out.off, P9_RVERSION, tag));
		return out.off;
	}
	if (!s->msize)
		return lerror(rep, nrep, cap, tag, EPROTO);
	/* Data-carrying messages go between the file and the buffers. */
	if (type == P9_TREAD || type == P9_TWRITE || type == P9_TREADDIR) {
		struct p9_io io = { req, nreq, size, rep, nrep, cap };
		uint8_t h[P9_HDR + 4];

		r = p9_data(s, type, &io);
		if (r < 0)
			return lerror(rep, nrep, cap, tag, r);
		/* size[4] type[1] tag[2] count[4], the data already placed */
		finish(h, P9_HDR + 4 + (uint32_t)r, (uint8_t)(type + 1), tag);
		memcpy(h + P9_HDR, &(uint32_t){ htole32((uint32_t)r) }, 4);
		iov_from_buf(rep, nrep, 0, h, sizeof(h));
		return P9_HDR + 4 + (uint32_t)r;
	}
	iov_to_buf(req, nreq, 0, s->in, size);
	in = (struct pdu){ s->in, size, P9_HDR, false };
	out = (struct pdu){ s->out, (uint32_t)cap, P9_HDR, false };
	if (type == P9_TFLUSH) {
		/* Requests are answered in order: the old tag is done. */
		pdu_get16(&in);
		r = in.bad ? -EINVAL : 0;
	} else if (cap < reply_room(type, &in)) {
		/* Known before acting: a walk, open or create whose reply
		 * could not be sent would leave the two sides apart. */
		r = -EMSGSIZE;
	} else if (handlers[type].fn) {
		/* Each handler takes its arguments and checks them with
		 * p9_parsed() before it acts. */
		r = handlers[type].fn(s, &in, &out);
	} else {
		r = -EOPNOTSUPP;	/* Tauth, 9P2000(.u), unknown */
	}
	if (!r && out.bad)
		r = -ERANGE;	/* the reply does not fit the buffers */
	if (r)
		return lerror(rep, nrep, cap, tag, r);
	iov_from_buf(rep, nrep, 0, s->out, finish(s->out, out.off,
						    (uint8_t)(type + 1), tag));
	return out.off;
}
