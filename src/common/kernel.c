// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "util.h"

#define SETUP_HDR_MAGIC_OFF 0x202	/* "HdrS" */
#define SETUP_VERSION_OFF 0x206
#define SETUP_KVER_OFF 0x20e
#define SETUP_KVER_BASE 0x200

static char *release_word(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] && s[n] != ' ' && s[n] != '\n' &&
	       (unsigned char)s[n] > 0x20 && (unsigned char)s[n] < 0x7f)
		n++;
	return n ? xstrndup(s, n) : NULL;
}

static char *from_setup_header(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->p;
	unsigned version, off;

	if (b->len < 0x210 || memcmp(p + SETUP_HDR_MAGIC_OFF, "HdrS", 4))
		return NULL;
	version = p[SETUP_VERSION_OFF] | p[SETUP_VERSION_OFF + 1] << 8;
	off = p[SETUP_KVER_OFF] | p[SETUP_KVER_OFF + 1] << 8;
	if (version < 0x200 || !off)
		return NULL;
	off += SETUP_KVER_BASE;
	if (off >= b->len)
		return NULL;
	return release_word(b->p + off, b->len - off);
}

static char *from_banner(const struct buf *b)
{
	static const char banner[] = "Linux version ";
	const char *p = b->p, *end = b->p + b->len;

	while ((p = memmem(p, (size_t)(end - p), banner, sizeof(banner) - 1))) {
		char *r;

		p += sizeof(banner) - 1;
		r = release_word(p, (size_t)(end - p));
		/* The banner is "Linux version %s (%s@%s) ...". */
		if (r && p + strlen(r) + 2 < end && p[strlen(r)] == ' ' &&
		    p[strlen(r) + 1] == '(')
			return r;
		free(r);
	}
	return NULL;
}

int kernel_release(const char *path, char **out)
{
	struct buf b = { 0 };
	int r = read_file(path, &b);

	if (r) {
		buf_free(&b);
		return error_errno(r, "%s", path);
	}
	*out = from_setup_header(&b);
	if (!*out)
		*out = from_banner(&b);
	buf_free(&b);
	if (!*out)
		return error("%s: not a Linux kernel image (no setup header or "
			     "version banner)", path);
	return 0;
}

char *kernel_host_release(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return xstrdup("unknown");
	return xstrdup(u.release);
}
