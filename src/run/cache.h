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
 * changed input makes another key. The 32 most recently used stay.
 */
#define CACHE_KEEP 32

/* The cache directory, created; NULL when there is no home for it. */
char *cache_dir(void);
/* The key of a resolved build, 64 hex digits. */
void cache_key(struct build *b, char key[65]);
/* Mark an image used, and remove the least recently used beyond
 * CACHE_KEEP. */
void cache_touch(const char *dir, const char *path);

#endif
