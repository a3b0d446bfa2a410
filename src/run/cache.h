/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CACHE_H
#define TINYRD_CACHE_H

#include "../image/build.h"

/*
 * Built images, kept in $XDG_CACHE_HOME/tinyrd (~/.cache/tinyrd) under a
 * hash of everything that makes their bytes: the resolved manifest, the
 * identity of every source file (device, inode, size, mtime, ctime), the
 * compression, SOURCE_DATE_EPOCH and tinyrd itself. A repeated run (a
 * bisect loop) resolves again in milliseconds and reuses the image; a
 * changed input makes another key. The images together stay under a
 * size cap, $TINYRD_CACHE_MAX (a size: 512M, 2G; 0 for none), else
 * CACHE_MAX_DEFAULT: the least recently used go first, never the one in
 * use. The bzImages' vmlinux files that QEMU boots (unpack.c, under the
 * bzImage's SHA-256, .vmlinux) share the cache and its cap.
 */
#define CACHE_MAX_DEFAULT (1ULL << 30)

/* The cache directory, created; NULL when there is no home for it. */
char *cache_dir(void);
/* The key of a resolved build, 64 hex digits. */
void cache_key(struct build *b, char key[65]);
/* Mark an image used, and keep the cache under its cap (cache_prune). */
void cache_touch(const char *dir, const char *path);

/* The cap: $TINYRD_CACHE_MAX, else the default; 0 for none. -EINVAL,
 * with the default in *max, when the variable is not a size. */
int cache_max(uint64_t *max);

/* The images and vmlinux files, most recently used first. */
struct cache_entry {
	char *path;
	uint64_t size;
	struct timespec used;
};
struct cache_list {
	struct cache_entry *v;
	size_t n;
	uint64_t bytes;
};
int cache_list(const char *dir, struct cache_list *l);
void cache_list_free(struct cache_list *l);

/* Remove the least recently used images until the rest fit in max bytes
 * (0: remove them all), sparing keep (NULL: none). Returns how many went;
 * *freed gets their bytes. */
size_t cache_prune(const char *dir, uint64_t max, const char *keep,
		   uint64_t *freed);

#endif
