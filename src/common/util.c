// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void oom(size_t n)
{
	fprintf(stderr, "tinyrd: error: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	return p;
}

void buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->alloc)
		return;
	if (need < b->alloc * 2)
		need = b->alloc * 2;
	if (need < 64)
		need = 64;
	b->p = xrealloc(b->p, need);
	b->alloc = need;
	b->p[b->len] = '\0';
}

void buf_add(struct buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->alloc = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	buf_reserve(b, 0);
	p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->alloc = 0;
	return p;
}

void strv_push_owned(struct strv *s, char *str)
{
	if (s->n + 2 > s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 8;
		s->v = xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void strv_push(struct strv *s, const char *str)
{
	strv_push_owned(s, xstrdup(str));
}

bool strv_contains(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return true;
	return false;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->alloc = 0;
}

/* FNV-1a: short keys (paths), no adversary. */
static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct hmap_slot *hmap_find(const struct hmap *h, const char *key)
{
	size_t i;

	if (!h->cap)
		return NULL;
	for (i = hash(key) & (h->cap - 1);; i = (i + 1) & (h->cap - 1))
		if (!h->slots[i].key || !strcmp(h->slots[i].key, key))
			return &h->slots[i];
}

void *hmap_get(const struct hmap *h, const char *key)
{
	struct hmap_slot *s = hmap_find(h, key);

	return s && s->key ? s->val : NULL;
}

static void hmap_grow(struct hmap *h)
{
	struct hmap old = *h;

	h->cap = old.cap ? old.cap * 2 : 64;
	h->slots = xcalloc(h->cap, sizeof(*h->slots));
	h->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.slots[i].key)
			continue;
		*hmap_find(h, old.slots[i].key) = old.slots[i];
		h->n++;
	}
	free(old.slots);
}

void *hmap_put(struct hmap *h, const char *key, void *val)
{
	struct hmap_slot *s;
	void *prev;

	if ((h->n + 1) * 4 > h->cap * 3)
		hmap_grow(h);
	s = hmap_find(h, key);
	if (s->key) {
		prev = s->val;
		s->val = val;
		return prev;
	}
	s->key = xstrdup(key);
	s->val = val;
	h->n++;
	return NULL;
}

void hmap_free(struct hmap *h)
{
	for (size_t i = 0; i < h->cap; i++)
		free(h->slots[i].key);
	free(h->slots);
	h->slots = NULL;
	h->n = h->cap = 0;
}

bool str_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool str_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !memcmp(s + a - b, suffix, b);
}

bool str_has_word(const char *s, const char *w, const char *seps)
{
	size_t n = strlen(w);

	for (const char *p = s; n && p && (p = strstr(p, w)); p += n)
		if ((p == s || strchr(seps, p[-1])) && (!p[n] || strchr(seps, p[n])))
			return true;
	return false;
}

char *path_normalize(char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *p = path;

	out[o++] = '/';
	while (*p) {
		const char *e;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
		} else {
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	out[o] = '\0';
	free(path);
	return out;
}

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	while (la && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	return xasprintf("%.*s/%s", (int)la, a, b);
}

char *path_search(const char *list, const char *name,
		  bool (*found)(const char *path, void *ctx), void *ctx)
{
	char *copy = xstrdup(list), *save = NULL, *hit = NULL;

	for (char *dir = strtok_r(copy, ":", &save); dir && !hit;
	     dir = strtok_r(NULL, ":", &save)) {
		char *path;

		if (dir[0] != '/')
			continue;
		path = path_join(dir, name);
		if (found(path, ctx))
			hit = path;
		else
			free(path);
	}
	free(copy);
	return hit;
}

static bool executable(const char *path, void *ctx)
{
	(void)ctx;
	return !access(path, X_OK);
}

char *path_which(const char *name)
{
	const char *env = getenv("PATH");

	return path_search(env && *env ? env : "/usr/bin:/bin", name,
			   executable, NULL);
}

void path_push_components(struct strv *todo, const char *path)
{
	const char *end = path + strlen(path);

	while (end > path) {
		const char *s = end;

		while (s > path && s[-1] != '/')
			s--;
		if (s < end)
			strv_push_owned(todo, xstrndup(s, (size_t)(end - s)));
		end = s;
		while (end > path && end[-1] == '/')
			end--;
	}
}

char *path_pop(struct strv *todo)
{
	char *c = todo->v[--todo->n];

	todo->v[todo->n] = NULL;
	return c;
}

void path_drop_last(struct buf *cur)
{
	while (cur->len && cur->p[cur->len - 1] != '/')
		cur->len--;
	if (cur->len)
		cur->len--;
	cur->p[cur->len] = '\0';
}

char *path_dirname(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(s - path));
}

const char *path_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *path_resolve(const char *path,
		   const char *(*link)(const char *path, void *ctx), void *ctx)
{
	struct strv todo = { 0 };
	struct buf cur = { 0 };
	int hops = 0;

	buf_reserve(&cur, 0);
	path_push_components(&todo, path);
	while (todo.n) {
		char *c = path_pop(&todo);
		size_t save = cur.len;
		const char *target;

		if (!strcmp(c, ".") || !strcmp(c, "..")) {
			if (c[1])
				path_drop_last(&cur);
			free(c);
			continue;
		}
		buf_addc(&cur, '/');
		buf_adds(&cur, c);
		free(c);
		target = link(cur.p, ctx);
		if (!target)
			continue;
		if (++hops > PATH_SYMLINK_HOPS) {
			strv_free(&todo);
			buf_free(&cur);
			return NULL;
		}
		cur.len = target[0] == '/' ? 0 : save;
		cur.p[cur.len] = '\0';
		path_push_components(&todo, target);
	}
	strv_free(&todo);
	if (!cur.len) {
		buf_free(&cur);
		return xstrdup("/");
	}
	return buf_detach(&cur, NULL);
}

int read_fd(int fd, struct buf *out)
{
	for (;;) {
		ssize_t n;

		buf_reserve(out, 65536);
		n = read(fd, out->p + out->len, out->alloc - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			break;
		out->len += (size_t)n;
		out->p[out->len] = '\0';
	}
	return 0;
}

int read_file(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = read_fd(fd, out);
	close(fd);
	return r;
}

int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	unsigned shift = 0;
	const char *u;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
		shift = 10 * (unsigned)(u - units + 1);
		end++;
	}
	if (*end || (shift && n > (~0ULL >> shift)))
		return -EINVAL;
	*out = (uint64_t)n << shift;
	return 0;
}

int parse_ulong(const char *s, int base, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, base);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	return 0;
}

int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	int r = pthread_attr_init(&a);

	if (r)
		return r;
	r = pthread_attr_setstacksize(&a, THREAD_STACK);
	if (!r)
		r = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return r;
}

struct timespec deadline_in(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

int thread_join_by(pthread_t t, const struct timespec *by)
{
	return by ? pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, by)
		  : pthread_join(t, NULL);
}

int file_view_open(int fd, struct file_view *v)
{
	struct stat st;
	void *p;
	int r;

	memset(v, 0, sizeof(*v));
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		if (!st.st_size)
			return 0;
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			v->p = p;
			v->len = (size_t)st.st_size;
			v->mapped = true;
			return 0;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
		return -errno;
	r = read_fd(fd, &v->copy);
	if (r)
		return r;
	v->p = (const uint8_t *)v->copy.p;
	v->len = v->copy.len;
	return 0;
}

void file_view_close(struct file_view *v)
{
	if (v->mapped)
		munmap((void *)v->p, v->len);
	buf_free(&v->copy);
}
