/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_SYNC_H
#define TINYRD_VIRTIO_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * The one place where the device side of a virtqueue orders its accesses
 * to guest memory (virtio 1.2 §2.7.7, §2.7.13, §2.7.14) and, where guest
 * writes are not coherent with the VMM, makes them so. queue.c and
 * virtio.c call these and nothing else:
 *
 *   sync_for_cpu()     after reading an index the driver published and
 *                      before reading what it covers (acquire);
 *   sync_for_device()  after writing ring entries and before publishing
 *                      the index that covers them (release);
 *   sync_full()        between a store the driver must see and a load
 *                      that depends on the driver having seen it (the
 *                      store-load case of EVENT_IDX and notification
 *                      suppression, which acquire/release cannot order);
 *   sync_kick()        a notification was taken, the rings come next;
 *   sync_signal()      an interrupt is about to be raised;
 *   sync_from_guest()  before the device reads a region the guest wrote
 *                      (a ring field, a descriptor, a readable buffer);
 *   sync_to_guest()    after the device wrote a region the guest will
 *                      read (a used entry, the used index, a writable
 *                      buffer), before it signals.
 *
 * Three modes, one per VM (struct sync, reached through the guest memory
 * every queue holds: gmem.sync):
 *
 *   none   the fences are acquire/release/seq_cst (x86-64: compiler
 *          barriers with TSO behind them, and MFENCE; arm64: DMB ISH);
 *          the rest does nothing. The default, and all that coherent
 *          hardware needs.
 *   dsb    every fence, kick and signal is DSB SY (x86: MFENCE): each
 *          ring access sits between full-system barriers.
 *   civac  dsb, and DC CIVAC (clean and invalidate to the point of
 *          coherence) over every region in sync_from_guest/_to_guest,
 *          then DSB SY: the VMM drops what it cached of a region before
 *          reading it, and writes back what it wrote before the guest is
 *          told. For hosts whose guest memory is not coherent with the
 *          VMM (Arm NV2 nested virtualization, where fcvm read zeros
 *          after ~1.3 MB). On x86 it is CLFLUSHOPT (or CLFLUSH) and
 *          MFENCE: x86 caches are coherent, so it only costs time there,
 *          but the same code runs and is tested on every host.
 *
 * A NULL struct sync is mode none. struct sync_test is for tests only: a
 * trace of every barrier and region, and a model of one stale cache line
 * (below) that only civac's invalidation clears.
 */
enum sync_mode { SYNC_NONE, SYNC_DSB, SYNC_CIVAC };

/* What a region is, for the trace. */
enum sync_what { SYNC_RING, SYNC_BUFFER };
enum sync_op { SYNC_OP_DSB, SYNC_OP_FROM_GUEST, SYNC_OP_TO_GUEST };

struct sync_test;

struct sync {
	enum sync_mode mode;
	bool order_platform;	/* offer VIRTIO_F_ORDER_PLATFORM (§6.1) */
	unsigned line;		/* the data cache line in bytes (civac) */
	struct sync_test *test;	/* NULL but in tests */
};

/* The mode's name ("none", "dsb", "civac"). */
const char *sync_mode_name(enum sync_mode m);
/* Set up s for mode m on this CPU (the cache line size: CTR_EL0's
 * DminLine on arm64, CPUID's CLFLUSH line size on x86). 0, or -ENOTSUP
 * for dsb and civac on an arch that has neither. */
int sync_init(struct sync *s, enum sync_mode m, bool order_platform);

/* The full-system barrier: DSB SY (arm64), MFENCE (x86). */
void sync_dsb(const struct sync *s);

static inline bool sync_strong(const struct sync *s)
{
	return s && s->mode != SYNC_NONE;
}

static inline void sync_for_cpu(const struct sync *s)
{
	if (sync_strong(s))
		sync_dsb(s);
	else
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void sync_for_device(const struct sync *s)
{
	if (sync_strong(s))
		sync_dsb(s);
	else
		__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void sync_full(const struct sync *s)
{
	if (sync_strong(s))
		sync_dsb(s);
	else
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void sync_kick(const struct sync *s)
{
	if (sync_strong(s))
		sync_dsb(s);
}

static inline void sync_signal(const struct sync *s)
{
	if (sync_strong(s))
		sync_dsb(s);
}

/* civac: DC CIVAC over [p, p + len) and DSB SY; else nothing. */
void sync_from_guest(const struct sync *s, enum sync_what w, const void *p,
		     size_t len);
void sync_to_guest(const struct sync *s, enum sync_what w, const void *p,
		   size_t len);

/*
 * The stale-data fault injection (tests only). It models one stale line
 * in the VMM's cache: the first chain whose device-readable part is at
 * least min bytes long (after skip such chains) has bytes [off, off + len)
 * of that part served from the line, not from guest RAM: zeros, or (prev)
 * what the same bytes of the previous such chain held, as a line left
 * over from the last request would. The line is put in place where the
 * device maps the chain (vq_pop), before the chain's readable buffers are
 * synced for the device; an invalidation (civac's sync_from_guest) that
 * touches it drops it, and the device then reads guest RAM. Once: after
 * that chain, served or dropped, the injection is spent. Guest RAM is
 * never changed; the chain's iovecs point at the line instead.
 */
#define SYNC_STALE_PIECES 32
#define SYNC_STALE_MAX (64u << 10)

struct sync_stale {
	uint64_t min, off, len;
	unsigned skip;
	bool prev;
};

struct sync_test {
	/* Called for every barrier and region synced, with the mode's
	 * instructions done (tests check where). */
	void (*trace)(void *ctx, enum sync_op op, enum sync_what w,
		      const void *p, size_t len);
	void *ctx;
	/* The injection: armed by sync_stale_arm. */
	pthread_mutex_t lock;
	bool armed, spent, present, served;
	struct sync_stale stale;
	unsigned seen;			/* matching chains let through */
	struct iovec piece[SYNC_STALE_PIECES];	/* the line, in guest RAM */
	unsigned npieces;
	uint8_t *bytes;			/* its stale contents (len) */
	uint8_t *prev;			/* the last matching chain's (len) */
	bool have_prev;
};

/*
 * The injection a test asked for in the environment, TINYRD_TEST_STALE
 * (sync_stale_parse's words): 1 armed (said on stderr), 0 none asked,
 * -EINVAL (said). Only builds with TINYRD_TESTING read it (the
 * sanitizer build, build/tinyrd-san, and the unit tests): in tinyrd
 * itself this returns 0 and no variable changes what a guest reads.
 */
int sync_test_env(struct sync_test *t);
/* Arm the injection (the parameters checked: 0 or -EINVAL). */
int sync_stale_arm(struct sync_test *t, const struct sync_stale *st);
void sync_test_free(struct sync_test *t);
/* Parse "min=N,off=N,len=N[,skip=N][,fill=zero|prev]" (bytes; K and M
 * suffixes). 0 or -EINVAL. */
int sync_stale_parse(const char *spec, struct sync_stale *st);
/*
 * For vq_pop: the chain's readable buffers (iov[0..nout)) are about to
 * be synced for the device. Returns true when the line was put over part
 * of them. After the sync, sync_stale_serve: when the line is still
 * there, iov is rewritten (at most max entries; the writable ones after
 * nout move along) so that the line's bytes are read from it. Returns the
 * new count of readable entries (nout when nothing was served).
 */
bool sync_stale_install(struct sync_test *t, const struct iovec *iov,
			unsigned nout);
unsigned sync_stale_serve(struct sync_test *t, struct iovec *iov,
			  unsigned nout, unsigned nin, unsigned max);

#endif
