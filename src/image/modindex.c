// SPDX-License-Identifier: MIT
/*
 * kmod's binary module index (format in modindex.h), written from a
 * sorted list of entries: the keys sharing a prefix are a contiguous
 * range, so each node is a range and its children are the sub-ranges
 * split by the next character. Written post-order, as depmod does, so
 * the same entries give depmod's bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "modindex.h"

struct modindex_ent {
	char *key;
	char *value;
	unsigned priority;
	size_t seq;		/* order of addition */
};

void modindex_init(struct modindex *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void modindex_free(struct modindex *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->v[i].key);
		free(ix->v[i].value);
	}
	free(ix->v);
	modindex_init(ix);
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= MODINDEX_CHILDMAX)
			return false;
	return true;
}

int modindex_add(struct modindex *ix, const char *key, const char *value,
		 unsigned priority)
{
	struct modindex_ent *e;

	if (!ascii(key) || !ascii(value)) {
		warn("module index: %s %s: not 7-bit ASCII, skipped", key, value);
		return -EINVAL;
	}
	if (ix->n == ix->alloc) {
		ix->alloc = ix->alloc ? ix->alloc * 2 : 64;
		ix->v = xrealloc(ix->v, ix->alloc * sizeof(*ix->v));
	}
	e = &ix->v[ix->n];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->priority = priority;
	e->seq = ix->n++;
	return 0;
}

/* By key; a key's values by priority, the later added first among equal
 * ones (depmod inserts each value before the first of no lower priority). */
static int cmp_ent(const void *pa, const void *pb)
{
	const struct modindex_ent *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return a->seq < b->seq ? 1 : -1;
}

static void put32(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_add(out, b, sizeof(b));
}

struct writer {
	const struct modindex_ent *v;
	struct buf *out;
	bool big;		/* an offset no longer fits */
};

/*
 * The node for entries [lo, hi), whose keys all share their first depth
 * characters; its offset with flags in *off. The root (depth 0, root)
 * keeps an empty prefix, as depmod's does.
 */
static void node(struct writer *w, size_t lo, size_t hi, size_t depth,
		 bool root, uint32_t *off)
{
	const struct modindex_ent *v = w->v;
	const char *a = v[lo].key + depth, *z = v[hi - 1].key + depth;
	size_t plen = 0, p, vend = lo;
	uint32_t *child = NULL, flags = 0;
	unsigned first = 0, last = 0;
	size_t at;

	/* Sorted: what the first and the last key share, all share. */
	while (!root && a[plen] && a[plen] == z[plen])
		plen++;
	p = depth + plen;
	while (vend < hi && !v[vend].key[p])
		vend++;
	if (vend < hi) {
		first = (unsigned char)v[vend].key[p];
		last = (unsigned char)v[hi - 1].key[p];
		child = xcalloc(last - first + 1, sizeof(*child));
		for (size_t g = vend; g < hi; ) {
			unsigned char c = (unsigned char)v[g].key[p];
			size_t e = g;

			while (e < hi && (unsigned char)v[e].key[p] == c)
				e++;
			node(w, g, e, p + 1, false, &child[c - first]);
			g = e;
		}
	}
	at = w->out->len;
	if (plen) {
		buf_add(w->out, v[lo].key + depth, plen);
		buf_addc(w->out, '\0');
		flags |= MODINDEX_NODE_PREFIX;
	}
	if (child) {
		buf_addc(w->out, (char)first);
		buf_addc(w->out, (char)last);
		for (unsigned i = 0; i <= last - first; i++)
			put32(w->out, child[i]);
		flags |= MODINDEX_NODE_CHILDS;
		free(child);
	}
	if (vend > lo) {
		put32(w->out, (uint32_t)(vend - lo));
		for (size_t i = lo; i < vend; i++) {
			put32(w->out, v[i].priority);
			buf_adds(w->out, v[i].value);
			buf_addc(w->out, '\0');
		}
		flags |= MODINDEX_NODE_VALUES;
	}
	if (at > MODINDEX_NODE_MASK)
		w->big = true;
	*off = (uint32_t)(at & MODINDEX_NODE_MASK) | flags;
}

int modindex_write(struct modindex *ix, struct buf *out)
{
	struct writer w = { ix->v, out, false };
	uint32_t root = 12;	/* an empty root: no prefix, child or value */
	unsigned char *p;

	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_ent);
	buf_reset(out);
	put32(out, MODINDEX_MAGIC);
	put32(out, MODINDEX_VERSION);
	put32(out, 0);		/* the root's offset, once known */
	if (ix->n)
		node(&w, 0, ix->n, 0, true, &root);
	if (w.big)
		return error("module index: larger than its format's %u bytes",
			     MODINDEX_NODE_MASK);
	p = (unsigned char *)out->p + 8;
	p[0] = root >> 24;
	p[1] = root >> 16;
	p[2] = root >> 8;
	p[3] = root;
	return 0;
}

char *modindex_alias_key(const char *alias)
{
	char *k = xstrdup(alias);

	for (char *c = k; *c; c++) {
		if (*c == ']') {
			free(k);
			return NULL;
		}
		if (*c == '-') {
			*c = '_';
		} else if (*c == '[') {
			c = strchr(c, ']');
			if (!c) {
				free(k);
				return NULL;
			}
		}
	}
	return k;
}
