// SPDX-License-Identifier: MIT
/* The sync layer's barriers and cache maintenance, and the stale-line
 * model for tests. See sync.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"
#include "../../common/log.h"

#if defined(__aarch64__)
/* Arm ARM D7.5.6 (DSB), C5.3.16 (DC CIVAC); Linux sets SCTLR_EL1.UCI,
 * so user space may clean and invalidate by address. */
static void barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static unsigned line_size(void)
{
	uint64_t ctr;

	/* CTR_EL0.DminLine: log2 of the smallest data line, in words. */
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return 4u << ((ctr >> 16) & 0xf);
}

static void flush(uintptr_t a, uintptr_t end, unsigned line)
{
	for (; a < end; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
}

#define HAVE_CACHE_OPS 1
#elif defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* x86's caches are coherent with every agent, so these only cost time;
 * they stand for the arm64 instructions where the same paths are tested
 * (SDM vol. 2: MFENCE, CLFLUSHOPT, CLFLUSH). */
static void barrier(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static unsigned line_size(void)
{
	unsigned a, b, c, d;

	/* CPUID.1:EBX[15:8], the CLFLUSH line size in 8-byte units. */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !((b >> 8) & 0xff))
		return 64;
	return ((b >> 8) & 0xff) * 8;
}

static bool clflushopt(void)
{
	unsigned a, b, c, d;

	/* CPUID.(EAX=7,ECX=0):EBX[23] */
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 23 & 1);
}

static void flush(uintptr_t a, uintptr_t end, unsigned line)
{
	static int opt = -1;

	if (opt < 0)
		__atomic_store_n(&opt, clflushopt(), __ATOMIC_RELAXED);
	for (; a < end; a += line) {
		if (opt)
			__asm__ volatile("clflushopt %0" : "+m"(*(volatile char *)a));
		else
			__asm__ volatile("clflush %0" : "+m"(*(volatile char *)a));
	}
}

#define HAVE_CACHE_OPS 1
#else
static void barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static unsigned line_size(void)
{
	return 64;
}

static void flush(uintptr_t a, uintptr_t end, unsigned line)
{
	(void)a;
	(void)end;
	(void)line;
}

#define HAVE_CACHE_OPS 0
#endif

static const char *const names[] = { "none", "dsb", "civac" };

const char *sync_mode_name(enum sync_mode m)
{
	return (unsigned)m < 3 ? names[m] : "?";
}

int sync_init(struct sync *s, enum sync_mode m, bool order_platform)
{
	memset(s, 0, sizeof(*s));
	if (m != SYNC_NONE && !HAVE_CACHE_OPS)
		return -ENOTSUP;
	s->mode = m;
	s->order_platform = order_platform;
	s->line = line_size();
	if (!s->line || (s->line & (s->line - 1)))
		s->line = 64;
	return 0;
}

static void trace(const struct sync *s, enum sync_op op, enum sync_what w,
		  const void *p, size_t len)
{
	if (s->test && s->test->trace)
		s->test->trace(s->test->ctx, op, w, p, len);
}

void sync_dsb(const struct sync *s)
{
	barrier();
	if (s)
		trace(s, SYNC_OP_DSB, SYNC_RING, NULL, 0);
}

/* The stale line goes when an invalidation touches any of it. */
static void invalidate(struct sync_test *t, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, end = a + len;

	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; t->present && i < t->npieces; i++) {
		uintptr_t b = (uintptr_t)t->piece[i].iov_base;

		if (a < b + t->piece[i].iov_len && b < end) {
			t->present = false;
			warn("test: the stale line was invalidated (civac) "
			     "before the device read it");
		}
	}
	pthread_mutex_unlock(&t->lock);
}

static void civac(const struct sync *s, enum sync_op op, enum sync_what w,
		  const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	if (!s || s->mode != SYNC_CIVAC || !len)
		return;
	flush(a & ~(uintptr_t)(s->line - 1), a + len, s->line);
	barrier();
	if (s->test) {
		invalidate(s->test, p, len);
		trace(s, op, w, p, len);
	}
}

void sync_from_guest(const struct sync *s, enum sync_what w, const void *p,
		     size_t len)
{
	civac(s, SYNC_OP_FROM_GUEST, w, p, len);
}

void sync_to_guest(const struct sync *s, enum sync_what w, const void *p,
		   size_t len)
{
	civac(s, SYNC_OP_TO_GUEST, w, p, len);
}

/* The stale line. */

static int size_word(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		n <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		n <<= 20, end++;
	if (*end && *end != ',')
		return -EINVAL;
	*out = n;
	return 0;
}

int sync_stale_parse(const char *spec, struct sync_stale *st)
{
	bool have_min = false, have_off = false, have_len = false;

	memset(st, 0, sizeof(*st));
	for (const char *p = spec; p && *p; p = strchr(p, ','), p = p ? p + 1 : p) {
		uint64_t v;

		if (!strncmp(p, "fill=zero", 9) && (!p[9] || p[9] == ','))
			st->prev = false;
		else if (!strncmp(p, "fill=prev", 9) && (!p[9] || p[9] == ','))
			st->prev = true;
		else if (!strncmp(p, "min=", 4) && !size_word(p + 4, &st->min))
			have_min = true;
		else if (!strncmp(p, "off=", 4) && !size_word(p + 4, &st->off))
			have_off = true;
		else if (!strncmp(p, "len=", 4) && !size_word(p + 4, &st->len))
			have_len = true;
		else if (!strncmp(p, "skip=", 5) && !size_word(p + 5, &v) &&
			 v < 1u << 20)
			st->skip = (unsigned)v;
		else
			return -EINVAL;
	}
	return have_min && have_off && have_len ? 0 : -EINVAL;
}

int sync_stale_arm(struct sync_test *t, const struct sync_stale *st)
{
	if (!st->len || st->len > SYNC_STALE_MAX || st->off > st->min ||
	    st->len > st->min - st->off)
		return -EINVAL;
	pthread_mutex_init(&t->lock, NULL);
	t->stale = *st;
	t->bytes = calloc(1, st->len);
	t->prev = calloc(1, st->len);
	if (!t->bytes || !t->prev) {
		sync_test_free(t);
		return -ENOMEM;
	}
	t->armed = true;
	t->spent = t->present = t->served = t->have_prev = false;
	t->seen = 0;
	return 0;
}

void sync_test_free(struct sync_test *t)
{
	free(t->bytes);
	free(t->prev);
	t->bytes = t->prev = NULL;
	t->armed = false;
}

static uint64_t readable(const struct iovec *iov, unsigned n)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += iov[i].iov_len;
	return sum;
}

/* Bytes [off, off + len) of iov[0..n) into dst, and (pieces) where they
 * lie in guest RAM; the pieces found. */
static unsigned gather(const struct iovec *iov, unsigned n, uint64_t off,
		       uint64_t len, uint8_t *dst, struct iovec *pieces)
{
	unsigned np = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t l = iov[i].iov_len, take;

		if (off >= l) {
			off -= l;
			continue;
		}
		take = l - off < len ? l - off : len;
		if (dst) {
			memcpy(dst, (uint8_t *)iov[i].iov_base + off, take);
			dst += take;
		}
		if (pieces && np < SYNC_STALE_PIECES)
			pieces[np] = (struct iovec){ (uint8_t *)iov[i].iov_base + off,
						     take };
		np++;
		len -= take;
		off = 0;
	}
	return np;
}

bool sync_stale_install(struct sync_test *t, const struct iovec *iov,
			unsigned nout)
{
	const struct sync_stale *st = &t->stale;
	bool ok = false;

	if (!t->armed)
		return false;
	pthread_mutex_lock(&t->lock);
	if (t->spent || readable(iov, nout) < st->min)
		goto out;
	if (t->seen < st->skip) {
		t->seen++;
		if (st->prev) {
			gather(iov, nout, st->off, st->len, t->prev, NULL);
			t->have_prev = true;
		}
		goto out;
	}
	t->npieces = gather(iov, nout, st->off, st->len, NULL, t->piece);
	if (t->npieces > SYNC_STALE_PIECES)
		goto out;	/* too scattered to model: wait for another */
	if (st->prev && t->have_prev)
		memcpy(t->bytes, t->prev, st->len);
	else
		memset(t->bytes, 0, st->len);
	t->spent = t->present = ok = true;
out:
	pthread_mutex_unlock(&t->lock);
	return ok;
}

unsigned sync_stale_serve(struct sync_test *t, struct iovec *iov,
			  unsigned nout, unsigned nin, unsigned max)
{
	const struct sync_stale *st = &t->stale;
	struct iovec *out = NULL;
	unsigned n = 0, ret = nout;
	uint64_t pos = 0;

	pthread_mutex_lock(&t->lock);
	if (!t->present || !(out = calloc(nout + 3, sizeof(*out))))
		goto out;
	/* Before the line, the line, after it. */
	for (unsigned i = 0; i < nout; i++) {
		uint64_t b = pos, e = pos + iov[i].iov_len;
		uint8_t *base = iov[i].iov_base;

		pos = e;
		if (b < st->off)
			out[n++] = (struct iovec){ base, (e < st->off ? e : st->off) - b };
		if (b <= st->off && st->off < e)
			out[n++] = (struct iovec){ t->bytes, st->len };
		if (e > st->off + st->len) {
			uint64_t from = b > st->off + st->len ? b : st->off + st->len;

			out[n++] = (struct iovec){ base + (from - b), e - from };
		}
	}
	if (n + nin > max)
		goto out;	/* no room in the chain: nothing served */
	memmove(iov + n, iov + nout, nin * sizeof(*iov));
	memcpy(iov, out, n * sizeof(*iov));
	t->served = true;
	t->present = false;
	ret = n;
	warn("test: served %llu stale bytes (%s) at offset %llu of a "
	     "%llu-byte readable buffer", (unsigned long long)st->len,
	     st->prev && t->have_prev ? "the previous buffer's" : "zeros",
	     (unsigned long long)st->off, (unsigned long long)pos);
out:
	pthread_mutex_unlock(&t->lock);
	free(out);
	return ret;
}

int sync_test_env(struct sync_test *t)
{
#ifdef TINYRD_TESTING
	const char *spec = getenv("TINYRD_TEST_STALE");
	struct sync_stale st;

	if (!spec || !*spec)
		return 0;
	if (sync_stale_parse(spec, &st) || sync_stale_arm(t, &st))
		return error("TINYRD_TEST_STALE=%s: expected min=N,off=N,len=N"
			     "[,skip=N][,fill=zero|prev], off + len <= min, "
			     "len <= %u", spec, SYNC_STALE_MAX);
	warn("test: stale-data injection armed: bytes %llu-%llu of the %s "
	     "readable buffer of at least %llu bytes (%s)",
	     (unsigned long long)st.off, (unsigned long long)(st.off + st.len - 1),
	     st.skip ? "next" : "first", (unsigned long long)st.min,
	     st.prev ? "the previous one's bytes" : "zeros");
	return 1;
#else
	(void)t;
	return 0;
#endif
}
