// SPDX-License-Identifier: MIT
/*
 * The applets of a BusyBox binary and where each is installed, read from
 * the file itself, so that a busybox of any arch (a sysroot's) is listed
 * without running it; and a copy of it with some applets hidden.
 *
 * BusyBox keeps its applet names as one sorted run of NUL-terminated
 * strings (applet_names[]), and, where it was built with its installer,
 * their directories as a table of 4-bit codes, two per byte, one per
 * applet in the same order (applet_install_loc[]: 0 /, 1 /bin, 2 /sbin,
 * 3 /usr/bin, 4 /usr/sbin). The names are the longest sorted run of
 * applet-like strings in the file; the table is the one run of bytes
 * whose nibbles are all codes and whose length is exactly half the names,
 * rounded up. Without such a table every applet goes to /bin.
 *
 * Hiding. Every lookup of an applet by name (the shell's standalone mode,
 * and xargs, env, find -exec with FEATURE_PREFER_APPLETS) goes through
 * find_applet_by_name(). With KNOWN_APPNAME_OFFSETS = K > 0 it compares
 * the name with K-1 "pivot" names (applet_nameofs[], 16-bit offsets of
 * the names at indexes (j+1)*N/K) to pick where to start, then scans
 * forward. BusyBox has done the scan two ways: up to 1.35 it runs to the
 * end of the list and stops early at the first name that sorts after the
 * one looked up (comparing plain chars, signed on x86); later versions
 * compare for equality up to the end of the pivot's bucket. A name is
 * hidden by changing its bytes to ones nobody types, the string keeping
 * its length so that every offset and index stays. For a name that is not
 * a pivot the first byte becomes ^A, which no scan ever stops at and no
 * name typed starts with. A pivot must keep its order against the names
 * still looked up; candidates are tried until a simulation of both ways
 * (and both signednesses) finds every kept name at its index and no
 * hidden one. Where none fits (Debian's "ip" sits between "ionice" and
 * "ipcalc": no other two bytes do) the name stays and is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "busybox.h"
#include "../common/util.h"

#define NAME_MAX_LEN 32
#define MIN_APPLETS 8
/* Below this many applets BusyBox's generator uses no pivots. */
#define MIN_PIVOTED 32
#define HIDE_SOH 0x01
#define HIDE_DEL 0x7f

static bool hidden_char(unsigned char c)
{
	return c == HIDE_SOH || c >= HIDE_DEL;
}

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.' || c == '[' || hidden_char(c);
}

static bool is_hidden(const char *name)
{
	for (; *name; name++)
		if (hidden_char((unsigned char)*name))
			return true;
	return false;
}

/* The length of an applet-like string at p (NUL included), or 0. A
 * hidden name starts with ^A or an applet's char, and keeps one of those
 * (names of one char are never hidden). */
static size_t name_at(const char *p, const char *end)
{
	size_t n = 0, plain = 0;
	unsigned char c0 = (unsigned char)*p;

	if (p >= end || (hidden_char(c0) && c0 != HIDE_SOH))
		return 0;
	while (p + n < end && n <= NAME_MAX_LEN && name_char((unsigned char)p[n]))
		plain += !hidden_char((unsigned char)p[n++]);
	return plain && n <= NAME_MAX_LEN && p + n < end && !p[n] ? n + 1 : 0;
}

/* The sorted run starting at p (hidden names are let through, since
 * hiding may unsort them): how many names, and its end. */
static size_t sorted_run(const char *p, const char *end, const char **stop)
{
	const char *prev = NULL;
	size_t count = 0, n;

	while ((n = name_at(p, end))) {
		if (!is_hidden(p)) {
			if (prev && strcmp(prev, p) >= 0)
				break;
			prev = p;
		}
		p += n;
		count++;
	}
	*stop = p;
	return count;
}

static bool codes(unsigned char b)
{
	return b && (b & 15) <= 4 && b >> 4 <= 4;
}

/* The install table for n applets, or NULL when there is not exactly
 * one. */
static const unsigned char *install_table(const unsigned char *p, size_t len,
					  size_t n)
{
	const unsigned char *found = NULL;
	size_t want = (n + 1) / 2;

	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && codes(p[j]))
			j++;
		if (j - i == want) {
			if (found)
				return NULL;
			found = p + i;
		}
		i = j + 1;
	}
	return found;
}

/* What find_applet_by_name() works on. */
struct table {
	const char *names;	/* applet_names[] in the buffer */
	size_t n;
	size_t *off;		/* offset of each name in names */
	unsigned k;		/* KNOWN_APPNAME_OFFSETS */
	const unsigned char *nameofs;	/* applet_nameofs[], k > 0 */
	bool le;
};

static unsigned nameof(const struct table *t, unsigned j)
{
	const unsigned char *p = t->nameofs + 2 * j;

	return t->le ? p[0] | p[1] << 8 : p[0] << 8 | p[1];
}

/* The applet_nameofs[] for k buckets, or NULL. */
static const unsigned char *find_nameofs(const struct table *t,
					 const char *buf, size_t len, unsigned k)
{
	unsigned char pat[2 * 64];
	size_t plen = 2 * (k - 1);

	for (unsigned j = 0; j + 1 < k; j++) {
		size_t o = t->off[(j + 1) * t->n / k];

		if (o > 0xffff)
			return NULL;
		pat[2 * j] = (unsigned char)(t->le ? o : o >> 8);
		pat[2 * j + 1] = (unsigned char)(t->le ? o >> 8 : o);
	}
	/* ALIGN2: only a match at an even offset is the table. */
	for (const char *p = buf; (p = memmem(p, len - (size_t)(p - buf), pat,
					     plen)); p++)
		if (!((p - buf) & 1))
			return (const unsigned char *)p;
	return NULL;
}

/* Where find_applet_by_name() starts: the name and index of the first
 * applet of a bucket, and the index past its end. */
static const char *lookup_start(const struct table *t, const char *name,
				unsigned *i, unsigned *max)
{
	*i = 0;
	*max = (unsigned)(t->k ? t->n / t->k : t->n);
	for (int j = (int)t->k - 2; t->k && j >= 0; j--) {
		const char *pp = t->names + nameof(t, (unsigned)j);

		if (strcmp(name, pp) >= 0) {
			*i = (unsigned)((size_t)(j + 1) * t->n / t->k);
			*max = (unsigned)((size_t)(j + 2) * t->n / t->k);
			return pp;
		}
	}
	return t->names;
}

/* find_applet_by_name() of BusyBox 1.36 and later: equality up to the
 * end of the bucket. */
static int lookup_bucket(const struct table *t, const char *name)
{
	unsigned i, max;
	const char *p = lookup_start(t, name, &i, &max);

	for (; i < max; i++) {
		if (!strcmp(p, name))
			return (int)i;
		p += strlen(p) + 1;
	}
	return -1;
}

/* find_applet_by_name() up to BusyBox 1.35: to the end of the list,
 * stopping at a name that sorts after it, chars signed or not. */
static int lookup_sorted(const struct table *t, const char *name,
			 bool sign)
{
	unsigned i, max;
	const char *p = lookup_start(t, name, &i, &max);

	for (; i < t->n; i++) {
		size_t j = 0;
		int a, b;

		while (p[j] == name[j]) {
			if (!p[j])
				return (int)i;
			j++;
		}
		a = sign ? (signed char)p[j] : (unsigned char)p[j];
		b = sign ? (signed char)name[j] : (unsigned char)name[j];
		if (a > b)
			return -1;
		p += strlen(p) + 1;
	}
	return -1;
}

static void table_free(struct table *t)
{
	free(t->off);
}

/* Find the names in buf (as many as visible + hidden). -EINVAL: not a
 * busybox; -ENOTSUP: its lookup layout is not one tinyrd knows. */
static int table_read(const char *buf, size_t len, struct table *t)
{
	static const unsigned ks[] = { 64, 32, 16, 8, 4 };
	const char *end = buf + len, *stop, *best = NULL;
	size_t nbest = 0, o = 0;

	memset(t, 0, sizeof(*t));
	for (const char *p = buf; p < end; p++) {
		size_t n;

		if (p > buf && p[-1])
			continue;
		n = sorted_run(p, end, &stop);
		if (n > nbest) {
			nbest = n;
			best = p;
		}
		if (n > 1)
			p = stop - 1;
	}
	if (nbest < MIN_APPLETS)
		return -EINVAL;
	t->names = best;
	t->n = nbest;
	t->off = xcalloc(nbest, sizeof(*t->off));
	for (size_t i = 0; i < nbest; i++) {
		t->off[i] = o;
		o += strlen(t->names + o) + 1;
	}
	/* The ELF header says the byte order; anything else is taken as
	 * little-endian. */
	t->le = !(len > 5 && !memcmp(buf, "\177ELF", 4) && buf[5] == 2);
	for (size_t i = 0; i < ARRAY_SIZE(ks) && !t->nameofs; i++) {
		if (2 * ks[i] < nbest) {
			t->nameofs = find_nameofs(t, buf, len, ks[i]);
			t->k = t->nameofs ? ks[i] : 0;
		}
	}
	if (!t->nameofs && nbest >= MIN_PIVOTED)
		return -ENOTSUP;
	return 0;
}

int busybox_applets_buf(const char *buf, size_t len, struct strv *out,
			bool *located)
{
	static const char *const dirs[] = { "", "bin/", "sbin/", "usr/bin/",
					    "usr/sbin/" };
	const unsigned char *table;
	struct table t;

	/* -ENOTSUP only says that the names cannot be hidden. */
	if (table_read(buf, len, &t) == -EINVAL)
		return -EINVAL;
	table = install_table((const unsigned char *)buf, len, t.n);
	*located = table != NULL;
	for (size_t i = 0; i < t.n; i++) {
		unsigned code = table ? (table[i / 2] >> (i % 2 * 4)) & 15 : 1;
		const char *name = t.names + t.off[i];

		if (!is_hidden(name))
			strv_push_owned(out, xasprintf("%s%s", dirs[code], name));
	}
	table_free(&t);
	return 0;
}

bool busybox_banner(const char *buf, size_t len)
{
	static const char banner[] = "BusyBox v";

	return memmem(buf, len, banner, sizeof(banner) - 1) != NULL;
}

int busybox_applets(const char *host, struct strv *out, bool *located)
{
	struct buf b = { 0 };
	int r = read_file(host, &b);

	if (r)
		return error_errno(r, "%s", host);
	r = busybox_applets_buf(b.p, b.len, out, located);
	buf_free(&b);
	if (r)
		return error("%s: no list of applets found in it (not a busybox?)",
			     host);
	return 0;
}

/* Does every kept name still find its index, and no hidden one? */
static bool lookups_hold(const struct table *t, char *const *orig,
			 const bool *hidden)
{
	for (size_t i = 0; i < t->n; i++) {
		int want = hidden[i] ? -1 : (int)i;

		if (lookup_bucket(t, orig[i]) != want ||
		    lookup_sorted(t, orig[i], true) != want ||
		    lookup_sorted(t, orig[i], false) != want)
			return false;
	}
	return true;
}

static bool is_pivot(const struct table *t, size_t i)
{
	for (unsigned j = 0; t->k && j + 1 < t->k; j++)
		if ((j + 1) * t->n / t->k == i)
			return true;
	return false;
}

/* Try the ways of hiding pivot i, keeping the first the lookups take;
 * names is t->names, writable. */
static bool hide_pivot(struct table *t, char *names, size_t i,
		       char *const *orig, bool *hidden)
{
	static const unsigned char marks[] = { HIDE_SOH, HIDE_DEL, 0x80, 0xff };
	char *s = names + t->off[i];
	size_t len = strlen(s);

	hidden[i] = true;
	for (size_t pos = len; pos-- > 0;) {
		for (size_t m = 0; m < (pos ? ARRAY_SIZE(marks) : 1); m++) {
			for (int tail = 0; tail < 2; tail++) {
				memcpy(s, orig[i], len);
				for (size_t q = pos; q < (tail ? len : pos + 1); q++)
					s[q] = (char)marks[m];
				if (lookups_hold(t, orig, hidden))
					return true;
			}
		}
	}
	memcpy(s, orig[i], len);
	hidden[i] = false;
	return false;
}

int busybox_hide(char *buf, size_t len, const struct strv *names,
		 struct strv *left)
{
	struct table t;
	char **orig, *w;
	bool *hide, *hidden;
	int r = table_read(buf, len, &t);

	if (r) {
		table_free(&t);
		return r;
	}
	w = buf + (t.names - buf);	/* t.names, writable */
	orig = xcalloc(t.n, sizeof(*orig));
	hide = xcalloc(t.n, sizeof(*hide));
	hidden = xcalloc(t.n, sizeof(*hidden));
	for (size_t i = 0; i < t.n; i++) {
		orig[i] = xstrdup(t.names + t.off[i]);
		hide[i] = strv_contains(names, orig[i]);
	}
	/* Plain names first: their bytes are only compared for equality.
	 * Then each pivot, the ones not reached yet still found. */
	for (size_t i = 0; i < t.n; i++) {
		if (hide[i] && !orig[i][1]) {
			hide[i] = false;	/* one char: nothing left to see */
			if (left)
				strv_push(left, orig[i]);
		} else if (hide[i] && !is_pivot(&t, i)) {
			w[t.off[i]] = (char)HIDE_SOH;
			hidden[i] = true;
		}
	}
	for (size_t i = 0; i < t.n; i++) {
		if (hide[i] && is_pivot(&t, i) &&
		    !hide_pivot(&t, w, i, orig, hidden) && left)
			strv_push(left, orig[i]);
	}
	if (!lookups_hold(&t, orig, hidden))
		r = -ENOTSUP;	/* cannot happen: each step was checked */
	for (size_t i = 0; i < t.n; i++)
		free(orig[i]);
	free(orig);
	free(hide);
	free(hidden);
	table_free(&t);
	return r;
}
