// SPDX-License-Identifier: MIT
/*
 * The applets of a BusyBox binary and where each is installed, read from
 * the file itself, so that a busybox of any arch (a sysroot's) is listed
 * without running it. BusyBox keeps its applet names as one sorted run of
 * NUL-terminated strings (applet_names[], looked up by binary search),
 * and, where it was built with its installer, their directories as a
 * table of 4-bit codes, two per byte, one per applet in the same order
 * (applet_install_loc[]: 0 /, 1 /bin, 2 /sbin, 3 /usr/bin, 4 /usr/sbin).
 * The names are the longest sorted run of applet-like strings in the
 * file; the table is the one run of bytes whose nibbles are all codes
 * and whose length is exactly half the names, rounded up. Without such a
 * table every applet goes to /bin.
 */
#include <errno.h>
#include <string.h>

#include "busybox.h"
#include "../common/util.h"

#define NAME_MAX_LEN 32
#define MIN_APPLETS 8

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.' || c == '[';
}

/* The length of an applet-like string at p (NUL included), or 0. */
static size_t name_at(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && n <= NAME_MAX_LEN && name_char((unsigned char)p[n]))
		n++;
	return n && n <= NAME_MAX_LEN && p + n < end && !p[n] ? n + 1 : 0;
}

/* The sorted run starting at p: how many names, and its end. */
static size_t sorted_run(const char *p, const char *end, const char **stop)
{
	const char *prev = NULL;
	size_t count = 0, n;

	while ((n = name_at(p, end)) && (!prev || strcmp(prev, p) < 0)) {
		prev = p;
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

int busybox_applets(const char *host, struct strv *out, bool *located)
{
	static const char *const dirs[] = { "", "bin/", "sbin/", "usr/bin/",
					    "usr/sbin/" };
	const char *best = NULL, *end, *stop;
	const unsigned char *table;
	struct buf b = { 0 };
	size_t nbest = 0;
	int r = read_file(host, &b);

	if (r)
		return error_errno(r, "%s", host);
	end = b.p + b.len;
	for (const char *p = b.p; p < end; p++) {
		size_t n;

		if (p > b.p && p[-1])
			continue;
		n = sorted_run(p, end, &stop);
		if (n > nbest) {
			nbest = n;
			best = p;
		}
		if (n > 1)
			p = stop - 1;
	}
	if (nbest < MIN_APPLETS) {
		buf_free(&b);
		return error("%s: no list of applets found in it (not a busybox?)",
			     host);
	}
	table = install_table((const unsigned char *)b.p, b.len, nbest);
	*located = table != NULL;
	for (size_t i = 0; i < nbest; i++) {
		unsigned code = table ? (table[i / 2] >> (i % 2 * 4)) & 15 : 1;

		strv_push_owned(out, xasprintf("%s%s", dirs[code], best));
		best += strlen(best) + 1;
	}
	buf_free(&b);
	return 0;
}
