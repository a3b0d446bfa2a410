// SPDX-License-Identifier: MIT
/*
 * 9P2000.L fids: an open-addressing table of the numbers the guest
 * picked, each holding a share handle (p9int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "p9int.h"
#include "../../common/util.h"

/* The fid number's hash: a guest picks the numbers, so all of their
 * bits count (a product's high half mixed down), not just the low ones. */
static size_t hash(uint32_t num, size_t cap)
{
	uint64_t h = num * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

static size_t slot(const struct p9_server *s, uint32_t num)
{
	return hash(num, s->cap);
}

struct p9_fid *p9_fid_get(struct p9_server *s, uint32_t num)
{
	if (!s->cap)
		return NULL;
	for (size_t i = slot(s, num); s->fids[i]; i = (i + 1) & (s->cap - 1))
		if (s->fids[i]->num == num)
			return s->fids[i];
	return NULL;
}

static void insert(struct p9_fid **t, size_t cap, struct p9_fid *f)
{
	size_t i = hash(f->num, cap);

	while (t[i])
		i = (i + 1) & (cap - 1);
	t[i] = f;
}

/* A new fid num holding handle fd (taken over); -EBADF when num is in
 * use or NOFID, -ENFILE past P9_FIDS_MAX. */
int p9_fid_add(struct p9_server *s, uint32_t num, int fd, struct p9_fid **out)
{
	struct p9_fid *f;

	if (num == P9_NOFID || p9_fid_get(s, num))
		return -EBADF;
	if (s->nfids >= P9_FIDS_MAX)
		return -ENFILE;
	if (2 * (s->nfids + 1) > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct p9_fid **t = xcalloc(cap, sizeof(*t));

		for (size_t i = 0; i < s->cap; i++)
			if (s->fids[i])
				insert(t, cap, s->fids[i]);
		free(s->fids);
		s->fids = t;
		s->cap = cap;
	}
	f = xcalloc(1, sizeof(*f));
	f->num = num;
	f->fd = fd;
	f->io = -1;
	f->uid = (uid_t)-1;
	insert(s->fids, s->cap, f);
	s->nfids++;
	*out = f;
	return 0;
}

static void fid_free(struct p9_server *s, struct p9_fid *f)
{
	if (f->kind != FID_FILE)
		s->xattr_bytes -= f->xsize;
	share_put(s->sh, f->fd);
	if (f->io >= 0)
		close(f->io);
	free(f->xname);
	free(f->xval);
	free(f);
}

/* Take num out of the table (backward-shift deletion keeps probing
 * right) and hand it to the caller, who frees it with p9_fid_free. */
struct p9_fid *p9_fid_take(struct p9_server *s, uint32_t num)
{
	struct p9_fid *f;
	size_t i, j;

	if (!s->cap)
		return NULL;
	for (i = slot(s, num); s->fids[i] && s->fids[i]->num != num;
	     i = (i + 1) & (s->cap - 1))
		;
	f = s->fids[i];
	if (!f)
		return NULL;
	s->fids[i] = NULL;
	for (j = (i + 1) & (s->cap - 1); s->fids[j]; j = (j + 1) & (s->cap - 1)) {
		struct p9_fid *g = s->fids[j];

		s->fids[j] = NULL;
		insert(s->fids, s->cap, g);
	}
	s->nfids--;
	return f;
}

void p9_fid_free(struct p9_server *s, struct p9_fid *f)
{
	fid_free(s, f);
}

void p9_fid_clear(struct p9_server *s)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->fids[i])
			fid_free(s, s->fids[i]);
	free(s->fids);
	s->fids = NULL;
	s->cap = s->nfids = 0;
}
