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
#include "../common/target.h"

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
	const char *sde = getenv("SOURCE_DATE_EPOCH"), *init;
	struct sha256 h;
	char *text = NULL;
	size_t len = 0, init_len;
	FILE *f;
	char head[256];

	sha256_init(&h);
	snprintf(head, sizeof(head), "tinyrd image v1 %s %s %d %s\n",
		 TINYRD_VERSION, compress_name(b->o->comp), b->o->level,
		 sde ? sde : "");
	sha256_update(&h, head, strlen(head));
	/* tinyrd itself: another build may write other bytes. */
	add_stat(&h, "exe", "/proc/self/exe");
	/* The image's arch, and the init this tinyrd has for it. */
	sha256_update(&h, b->target->name, strlen(b->target->name) + 1);
	init = build_init_blob(b->target, &init_len);
	if (init)
		sha256_update(&h, init, init_len);
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

static int newest_first(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? 1 : -1;
	return x->used.tv_nsec < y->used.tv_nsec ? 1 :
	       x->used.tv_nsec > y->used.tv_nsec ? -1 : 0;
}

int cache_list(const char *dir, struct cache_list *l)
{
	size_t cap = 0;
	struct dirent *d;
	DIR *dh;

	memset(l, 0, sizeof(*l));
	dh = opendir(dir);
	if (!dh)
		return errno == ENOENT ? 0 : error_errno(errno, "%s", dir);
	while ((d = readdir(dh))) {
		struct stat st;
		char *p;

		if (!str_ends(d->d_name, ".img") &&
		    !str_ends(d->d_name, ".vmlinux"))
			continue;
		p = path_join(dir, d->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			l->v = xrealloc(l->v, cap * sizeof(*l->v));
		}
		l->v[l->n++] = (struct cache_entry){ p, (uint64_t)st.st_size,
						     st.st_mtim };
		l->bytes += (uint64_t)st.st_size;
	}
	closedir(dh);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), newest_first);
	return 0;
}

void cache_list_free(struct cache_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

size_t cache_prune(const char *dir, uint64_t max, const char *keep,
		   uint64_t *freed)
{
	struct cache_list l;
	uint64_t kept = 0;
	size_t gone = 0;

	*freed = 0;
	if (cache_list(dir, &l))
		return 0;
	/* Newest first: what fits stays, the rest goes. */
	for (size_t i = 0; i < l.n; i++) {
		struct cache_entry *e = &l.v[i];

		if ((keep && !strcmp(e->path, keep)) ||
		    (max && kept + e->size <= max)) {
			kept += e->size;
			continue;
		}
		debug("cache: dropping %s", e->path);
		if (unlink(e->path) == 0) {
			gone++;
			*freed += e->size;
		}
	}
	cache_list_free(&l);
	return gone;
}

int cache_max(uint64_t *max)
{
	const char *env = getenv("TINYRD_CACHE_MAX");

	*max = CACHE_MAX_DEFAULT;
	if (!env || !*env)
		return 0;
	if (parse_size(env, max)) {
		*max = CACHE_MAX_DEFAULT;
		return -EINVAL;
	}
	return 0;
}

void cache_touch(const char *dir, const char *path)
{
	uint64_t max, freed;

	utimensat(AT_FDCWD, path, NULL, 0);
	if (cache_max(&max))
		warn("TINYRD_CACHE_MAX=%s: not a size (512M, 2G; 0: no cap); "
		     "the cache keeps %llu MiB", getenv("TINYRD_CACHE_MAX"),
		     (unsigned long long)(max >> 20));
	if (max)
		cache_prune(dir, max, path, &freed);
}
