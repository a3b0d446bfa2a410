// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "../common/sha256.h"

char *cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base, *dir;

	if (xdg && xdg[0] == '/')
		base = xstrdup(xdg);
	else if (home && home[0] == '/')
		base = path_join(home, ".cache");
	else
		return NULL;
	dir = path_join(base, "tinyrd");
	if ((mkdir(base, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
		debug("no image cache: %s: %s", dir, strerror(errno));
		free(dir);
		dir = NULL;
	}
	free(base);
	return dir;
}

static void add_stat(struct sha256 *h, const char *what, const char *path)
{
	struct stat st;
	char line[256];

	if (stat(path, &st) < 0)
		memset(&st, 0, sizeof(st));
	snprintf(line, sizeof(line), "%s %lx %lx %lld %lld.%09ld %lld.%09ld\n",
		 what, (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		 st.st_ctim.tv_nsec);
	sha256_update(h, line, strlen(line));
}

void cache_key(struct build *b, char key[65])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct sha256 h;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	char head[256];

	sha256_init(&h);
	snprintf(head, sizeof(head), "tinyrd image v1 %s %s %d %s\n",
		 TINYRD_VERSION, compress_name(b->o->comp), b->o->level,
		 sde ? sde : "");
	sha256_update(&h, head, strlen(head));
	/* tinyrd itself: another build may write other bytes. */
	add_stat(&h, "exe", "/proc/self/exe");
	sha256_update(&h, tinyrd_init_start,
		      (size_t)(tinyrd_init_end - tinyrd_init_start));
	f = open_memstream(&text, &len);
	if (f) {
		manifest_print(&b->m, f);
		fclose(f);
		sha256_update(&h, text, len);
		free(text);
	}
	for (size_t i = 0; i < b->m.n; i++)
		if (b->m.v[i]->type == ENTRY_FILE && b->m.v[i]->source)
			add_stat(&h, b->m.v[i]->source, b->m.v[i]->source);
	sha256_hex(&h, key);
}

struct aged {
	char *path;
	struct timespec t;
};

static int newest_first(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	if (x->t.tv_sec != y->t.tv_sec)
		return x->t.tv_sec < y->t.tv_sec ? 1 : -1;
	return x->t.tv_nsec < y->t.tv_nsec ? 1 : x->t.tv_nsec > y->t.tv_nsec ? -1 : 0;
}

void cache_touch(const char *dir, const char *path)
{
	struct aged *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dh;

	utimensat(AT_FDCWD, path, NULL, 0);
	dh = opendir(dir);
	if (!dh)
		return;
	while ((d = readdir(dh))) {
		struct stat st;
		char *p;

		if (!str_ends(d->d_name, ".img"))
			continue;
		p = path_join(dir, d->d_name);
		if (stat(p, &st) < 0) {
			free(p);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].path = p;
		v[n++].t = st.st_mtim;
	}
	closedir(dh);
	if (n)
		qsort(v, n, sizeof(*v), newest_first);
	for (size_t i = 0; i < n; i++) {
		if (i >= CACHE_KEEP) {
			debug("cache: dropping %s", v[i].path);
			unlink(v[i].path);
		}
		free(v[i].path);
	}
	free(v);
}
