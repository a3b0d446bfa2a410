// SPDX-License-Identifier: MIT
/*
 * The guest's reading of the verify manifest (src/common/abi.h, "THE
 * DATA-PATH CHECK", 1.).
 * The host wrote it, but a bad one must still give -EINVAL, not a crash
 * in PID 1: every field is checked against the file's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify-manifest.h"
#include "../src/common/verify.h"

#define MSIZE_MIN	4096u
#define MSIZE_MAX	(64u << 20)

static int num_word(char **p, int base, uint64_t *out)
{
	char *w = verify_word(p);

	return w ? verify_parse_u64(w, base, out) : -EINVAL;
}

static int parse_map(char *s, struct vfile *f)
{
	size_t n = 1;

	if (!strcmp(s, "-"))
		return 0;
	for (char *c = s; *c; c++)
		n += *c == ',';
	f->map = calloc(n, sizeof(*f->map));
	if (!f->map)
		return -ENOMEM;
	for (char *item = strtok(s, ","); item; item = strtok(NULL, ",")) {
		char *plus = strchr(item, '+');
		struct extent *e = &f->map[f->nmap];

		if (!plus || f->nmap == n)
			return -EINVAL;
		*plus = '\0';
		if (verify_parse_u64(item, 10, &e->off) ||
		    verify_parse_u64(plus + 1, 10, &e->len) || !e->len ||
		    e->off > f->size || e->len > f->size - e->off ||
		    (f->nmap && e->off < e[-1].off + e[-1].len))
			return -EINVAL;
		f->nmap++;
	}
	return f->nmap ? 0 : -EINVAL;
}

static int parse_crcs(char *s, struct vfile *f)
{
	uint64_t n = div_up(f->size, VERIFY_BLOCK), i = 0;

	if (!strcmp(s, "-"))
		return n ? -EINVAL : 0;
	if (strlen(s) != n * 9 - 1)
		return -EINVAL;
	f->crcs = calloc(n, sizeof(*f->crcs));
	if (!f->crcs)
		return -ENOMEM;
	for (char *item = strtok(s, ","); item; item = strtok(NULL, ",")) {
		uint64_t v;

		if (i == n || strlen(item) != 8 || verify_parse_u64(item, 16, &v))
			return -EINVAL;
		f->crcs[i++] = (uint32_t)v;
	}
	return i == n ? 0 : -EINVAL;
}

static int parse_tags(char *s, struct vfile *f)
{
	uint64_t n = div_up(f->size, VERIFY_PAGE);

	if (!strcmp(s, "-"))
		return 0;
	if (strlen(s) != n * 4)
		return -EINVAL;
	f->tags = calloc(n ? n : 1, sizeof(*f->tags));
	if (!f->tags)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		char hex[5];
		uint64_t v;

		memcpy(hex, s + 4 * i, 4);
		hex[4] = '\0';
		if (verify_parse_u64(hex, 16, &v))
			return -EINVAL;
		f->tags[i] = (uint16_t)v;
	}
	return 0;
}

static int parse_file(char *p, struct vfile *f)
{
	char *map, *crcs, *tags;
	uint64_t crc;
	int r;

	if (!verify_path_word(&p, &f->path) || num_word(&p, 10, &f->size) ||
	    num_word(&p, 16, &crc) || crc > UINT32_MAX ||
	    num_word(&p, 10, &f->blocks) || !(map = verify_word(&p)) ||
	    !(crcs = verify_word(&p)) || !(tags = verify_word(&p)) || p)
		return -EINVAL;
	f->crc = (uint32_t)crc;
	r = parse_map(map, f);
	if (!r)
		r = parse_crcs(crcs, f);
	if (!r)
		r = parse_tags(tags, f);
	return r;
}

static int parse_line(char *line, struct vmanifest *m)
{
	char *p = line, *key = verify_word(&p);
	void *grown;
	int r = 0;

	if (!key)
		return line[0] ? -EINVAL : 0;	/* blank lines are fine */
	if (!strcmp(key, "msize")) {
		r = num_word(&p, 10, &m->msize);
		if (!r && (m->msize < MSIZE_MIN || m->msize > MSIZE_MAX))
			r = -EINVAL;
		m->have_msize = true;
	} else if (!strcmp(key, "seed")) {
		r = num_word(&p, 16, &m->seed);
		m->have_seed = true;
	} else if (!strcmp(key, "quick")) {
		uint64_t q;

		r = num_word(&p, 10, &q);
		if (!r && q > 1)
			r = -EINVAL;
		m->quick = !r && q;
		m->have_quick = true;
	} else if (!strcmp(key, "sweepdir")) {
		r = verify_path_word(&p, &m->sweepdir) ? 0 : -EINVAL;
	} else if (!strcmp(key, "sweep")) {
		for (char *w; (w = verify_word(&p));) {
			uint64_t size;

			r = verify_parse_u64(w, 10, &size);
			if (r || !size || size % VERIFY_PAGE)
				return -EINVAL;
			grown = realloc(m->sweep, (m->nsweep + 1) * sizeof(*m->sweep));
			if (!grown)
				return -ENOMEM;
			m->sweep = grown;
			m->sweep[m->nsweep++] = size;
		}
	} else if (!strcmp(key, "file")) {
		grown = realloc(m->files, (m->nfiles + 1) * sizeof(*m->files));
		if (!grown)
			return -ENOMEM;
		m->files = grown;
		memset(&m->files[m->nfiles], 0, sizeof(*m->files));
		r = parse_file(p, &m->files[m->nfiles++]);
		p = NULL;
	} else {
		return -EINVAL;
	}
	return r ? r : p ? -EINVAL : 0;
}

void vmanifest_free(struct vmanifest *m)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		free(m->files[i].map);
		free(m->files[i].crcs);
		free(m->files[i].tags);
	}
	free(m->files);
	free(m->sweep);
	free(m->text);
}

int vmanifest_read(const char *path, struct vmanifest *m)
{
	size_t len = 0, cap = 0;
	char *line, *next;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *t = realloc(m->text, cap = cap * 2 + 65536);

			if (!t) {
				r = -ENOMEM;
				break;
			}
			m->text = t;
		}
		n = read(fd, m->text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r)
		return r;
	m->text[len] = '\0';
	if (strlen(m->text) != len)
		return -EINVAL;		/* a NUL inside */
	line = m->text;
	next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	if (strcmp(line, VERIFY_MAGIC " " TINYRD_XSTR(VERIFY_VERSION)))
		return -EINVAL;
	while ((line = next) && !r) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = parse_line(line, m);
	}
	if (!r && (!m->have_msize || !m->have_seed || !m->have_quick ||
		   (m->nsweep && !m->sweepdir)))
		r = -EINVAL;
	return r;
}
