/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_UTIL_H
#define TINYRD_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Allocation failure is not an error a caller can handle usefully in a
 * program this size, so the x* helpers print one line and abort() (as git's
 * xmalloc dies). Everything else returns -errno.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/* A growable byte buffer, always NUL-terminated past len. */
struct buf {
	char *p;
	size_t len;
	size_t alloc;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hands the bytes to the caller; the buffer is empty afterwards. */
char *buf_detach(struct buf *b, size_t *len);

/* A NULL-terminated vector of owned strings. */
struct strv {
	char **v;
	size_t n;
	size_t alloc;
};
void strv_push(struct strv *s, const char *str);
void strv_push_owned(struct strv *s, char *str);
bool strv_contains(const struct strv *s, const char *str);
void strv_free(struct strv *s);

/* String map with insertion-independent lookup (open addressing). */
struct hmap_slot {
	char *key;
	void *val;
};
struct hmap {
	struct hmap_slot *slots;
	size_t n;
	size_t cap;
};
void *hmap_get(const struct hmap *h, const char *key);
/* Returns the previous value (or NULL). The key is copied. */
void *hmap_put(struct hmap *h, const char *key, void *val);
void hmap_free(struct hmap *h);

bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
/* Is w one of the words of s (NULL: none), words being separated by any
 * of the characters in seps? */
bool str_has_word(const char *s, const char *w, const char *seps);

/* Lexically normalise an absolute path in place: "//" and "/./" collapse,
 * ".." pops a component (never above "/"), no trailing slash. A relative
 * path is made absolute against "/". Returns its argument (reallocated). */
char *path_normalize(char *path);
char *path_join(const char *a, const char *b);
/* The first DIR/name, for the absolute DIRs of the colon-separated list in
 * order, that found() accepts: malloc'ed, or NULL. */
char *path_search(const char *list, const char *name,
		  bool (*found)(const char *path, void *ctx), void *ctx);
/* An executable name in $PATH (else /usr/bin:/bin): malloc'ed, or NULL. */
char *path_which(const char *name);
/* A path walked one component at a time: push its components onto a
 * stack, last first (empty ones skipped), so that path_pop gives them in
 * order; path_drop_last takes the last component off a path being built. */
void path_push_components(struct strv *todo, const char *path);
char *path_pop(struct strv *todo);
void path_drop_last(struct buf *cur);
char *path_dirname(const char *path);
const char *path_basename(const char *path);
/* Symlinks followed in one path before it is a loop: the kernel's
 * MAXSYMLINKS. */
#define PATH_SYMLINK_HOPS 40
/* The absolute path that path (absolute, or taken from "/") leads to in a
 * tree whose symlinks link() gives (the target at a path, or NULL), every
 * component followed, the last too, ".." lexical as the kernel's lookup
 * does at each step: malloc'ed, or NULL for a loop. */
char *path_resolve(const char *path,
		   const char *(*link)(const char *path, void *ctx), void *ctx);

/* Read a whole file; -errno on failure (nothing logged). */
int read_file(const char *path, struct buf *out);
int read_fd(int fd, struct buf *out);

/* A file mapped read-only, or read into memory when it cannot be mapped
 * (a pipe): p and len. file_view_open returns 0 or -errno. */
struct file_view {
	const uint8_t *p;
	size_t len;
	bool mapped;
	struct buf copy;
};
int file_view_open(int fd, struct file_view *v);
void file_view_close(struct file_view *v);
int write_all(int fd, const void *data, size_t n);

/* Parse an unsigned number in the given base, the whole string. */
int parse_ulong(const char *s, int base, unsigned long *out);
/* A size: digits with an optional K, M, G or T (powers of 1024); 0 or
 * -EINVAL when it is not one or does not fit 64 bits. */
int parse_size(const char *s, uint64_t *out);

/*
 * pthread_create with a 1 MiB stack: the default 8 MiB one lets THP back
 * it with a 2 MiB page at the first touch, which is most of the memory a
 * launcher thread would cost. Returns pthread_create's error number.
 */
#define THREAD_STACK (1u << 20)
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
/* The CLOCK_MONOTONIC time ms from now, for thread_join_by. */
struct timespec deadline_in(unsigned ms);
/* Join t if it ends by the CLOCK_MONOTONIC time by (NULL: whenever it
 * does). Returns 0, ETIMEDOUT (t still runs and may be joined later) or
 * pthread's error number. */
int thread_join_by(pthread_t t, const struct timespec *by);

#endif
