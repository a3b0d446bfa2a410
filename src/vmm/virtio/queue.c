// SPDX-License-Identifier: MIT
/* Split virtqueues, device side (virtio 1.2 §2.7). See queue.h. */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "queue.h"
#include "../../common/iov.h"
#include "sync.h"

/* Offsets in the avail and used areas (§2.7.6, §2.7.8). */
#define AVAIL_FLAGS	0
#define AVAIL_IDX	2
#define AVAIL_RING(i)	(4 + 2 * (i))
#define USED_FLAGS	0
#define USED_IDX	2
#define USED_RING(i)	(4 + 8 * (i))

/* Single loads and stores of the shared fields: the driver may change
 * them under us, and each must be read exactly once where it is used. */
static uint16_t load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

uint64_t vq_features(void)
{
	return 1ULL << VIRTIO_RING_F_INDIRECT_DESC | 1ULL << VIRTIO_RING_F_EVENT_IDX;
}

static const struct sync *qsync(const struct vq *q)
{
	return q->mem ? q->mem->sync : NULL;
}

/* A shared field of the driver's, read once after the sync layer made
 * what the guest wrote there visible. */
static uint16_t fetch16(const struct vq *q, const uint8_t *p)
{
	sync_from_guest(qsync(q), SYNC_RING, p, 2);
	return load16(p);
}

/* ... and one of ours, stored and made visible to the guest. */
static void put16(const struct vq *q, uint8_t *p, uint16_t v)
{
	store16(p, v);
	sync_to_guest(qsync(q), SYNC_RING, p, 2);
}

static int fail(struct vq *q, const char *why)
{
	if (!q->broken) {
		q->broken = true;
		q->why = why;
	}
	return -EIO;
}

int vq_enable(struct vq *q, const struct gmem *mem, uint16_t size,
	      uint64_t desc, uint64_t avail, uint64_t used, uint64_t features)
{
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	if (!size || size > VQ_SIZE_MAX || (size & (size - 1))) {
		q->why = "queue size not a power of two up to 256";
		return -EINVAL;
	}
	/* §2.7: descriptor table 16-aligned, avail 2, used 4. */
	if (desc % 16 || avail % 2 || used % 4) {
		q->why = "misaligned ring";
		return -EINVAL;
	}
	q->desc = gmem_ptr(mem, desc, 16ULL * size);
	q->avail = gmem_ptr(mem, avail, 6ULL + 2ULL * size);
	q->used = gmem_ptr(mem, used, 6ULL + 8ULL * size);
	if (!q->desc || !q->avail || !q->used) {
		q->why = "ring outside guest RAM";
		q->desc = q->avail = q->used = NULL;
		return -EINVAL;
	}
	q->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	q->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	/* The driver starts both indices at 0 (§2.7.6, §2.7.8). */
	q->size = size;
	return 0;
}

void vq_disable(struct vq *q)
{
	const struct gmem *mem = q->mem;

	memset(q, 0, sizeof(*q));
	q->mem = mem;
}

/* Add one descriptor's buffer (already copied out) to the chain. */
static int add(struct vq *q, struct vq_chain *c, const struct vring_desc *d)
{
	uint64_t addr = le64toh(d->addr);
	uint32_t len = le32toh(d->len);
	uint16_t flags = le16toh(d->flags);
	void *p;

	if (c->nout + c->nin >= VQ_SIZE_MAX)
		return fail(q, "descriptor chain longer than the queue");
	if (!(flags & VRING_DESC_F_WRITE) && c->nin)
		return fail(q, "readable descriptor after a writable one");
	if (!len)
		return 0;	/* never touched, wherever it points */
	p = gmem_ptr(q->mem, addr, len);
	if (!p)
		return fail(q, "descriptor outside guest RAM");
	c->iov[c->nout + c->nin] = (struct iovec){ p, len };
	if (flags & VRING_DESC_F_WRITE) {
		c->nin++;
		c->in_len += len;
	} else {
		c->nout++;
		c->out_len += len;
	}
	return 0;
}

/* An indirect table (§2.7.5.3): its own chain, numbered from 0. */
static int walk_indirect(struct vq *q, struct vq_chain *c,
			 const struct vring_desc *d, unsigned *budget)
{
	uint64_t addr = le64toh(d->addr);
	uint32_t len = le32toh(d->len);
	const uint8_t *table;
	unsigned n, i = 0;

	if (!q->indirect)
		return fail(q, "indirect descriptor not negotiated");
	if (le16toh(d->flags) & VRING_DESC_F_NEXT)
		return fail(q, "indirect descriptor with NEXT set");
	if (!len || len % 16)
		return fail(q, "indirect table not a multiple of 16 bytes");
	n = len / 16;
	table = gmem_ptr(q->mem, addr, len);
	if (!table)
		return fail(q, "indirect table outside guest RAM");
	sync_from_guest(qsync(q), SYNC_RING, table, len);
	for (;;) {
		struct vring_desc e;
		uint16_t flags;
		int r;

		if (!*budget)
			return fail(q, "descriptor chain longer than the queue");
		(*budget)--;
		memcpy(&e, table + 16 * i, sizeof(e));	/* fetched once */
		flags = le16toh(e.flags);
		if (flags & VRING_DESC_F_INDIRECT)
			return fail(q, "nested indirect table");
		r = add(q, c, &e);
		if (r)
			return r;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16toh(e.next);
		if (i >= n)
			return fail(q, "indirect next beyond its table");
	}
}

/* The chain's readable buffers, made visible to the device: where the
 * device maps what it will read (sync.h), and where a test's stale line
 * is put in place, to be served unless the sync dropped it. */
static void buffers_from_guest(struct vq *q, struct vq_chain *c)
{
	const struct sync *s = qsync(q);
	bool stale = s && s->test && sync_stale_install(s->test, c->iov, c->nout);

	for (unsigned i = 0; i < c->nout; i++)
		sync_from_guest(s, SYNC_BUFFER, c->iov[i].iov_base, c->iov[i].iov_len);
	if (stale)
		c->nout = sync_stale_serve(s->test, c->iov, c->nout, c->nin,
					   VQ_SIZE_MAX);
}

int vq_pop(struct vq *q, struct vq_chain *c)
{
	uint16_t avail_idx, pending, idx;
	unsigned budget;

	if (!q->size || q->broken)
		return q->broken ? -EIO : 0;
	avail_idx = fetch16(q, q->avail + AVAIL_IDX);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (!pending)
		return 0;
	if (pending > q->size)
		return fail(q, "avail index more than the queue size ahead");
	/* §2.7.13.3: the ring entries are read after the index. */
	sync_for_cpu(qsync(q));
	idx = fetch16(q, q->avail + AVAIL_RING(q->last_avail & (q->size - 1)));
	if (idx >= q->size)
		return fail(q, "avail ring entry beyond the queue");
	c->head = idx;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	budget = q->size;
	for (;;) {
		struct vring_desc d;
		uint16_t flags;
		int r;

		sync_from_guest(qsync(q), SYNC_RING, q->desc + 16 * idx, sizeof(d));
		memcpy(&d, q->desc + 16 * idx, sizeof(d));	/* fetched once */
		flags = le16toh(d.flags);
		/* The bound is on buffers: an indirect descriptor ends the
		 * chain and only points at its table, whose entries count.
		 * Linux fills a table with seg_max + 2 = queue size entries. */
		if (!(flags & VRING_DESC_F_INDIRECT)) {
			if (!budget)
				return fail(q, "descriptor chain longer than the queue");
			budget--;
		}
		r = flags & VRING_DESC_F_INDIRECT ? walk_indirect(q, c, &d, &budget)
						  : add(q, c, &d);
		if (r)
			return r;
		if (!(flags & VRING_DESC_F_NEXT) || (flags & VRING_DESC_F_INDIRECT))
			break;
		idx = le16toh(d.next);
		if (idx >= q->size)
			return fail(q, "descriptor next beyond the queue");
	}
	q->last_avail++;
	buffers_from_guest(q, c);
	return 1;
}

void vq_push(struct vq *q, const struct vq_chain *c, uint32_t len)
{
	const struct sync *s = qsync(q);
	uint8_t *e;

	if (!q->size)
		return;
	/* What the device wrote, visible before the driver hears of it:
	 * the whole writable part (a status byte sits at its end). */
	for (unsigned i = c->nout; i < c->nout + c->nin; i++)
		sync_to_guest(s, SYNC_BUFFER, c->iov[i].iov_base, c->iov[i].iov_len);
	e = q->used + USED_RING(q->used_idx & (q->size - 1));
	store32(e, c->head);
	store32(e + 4, len);
	sync_to_guest(s, SYNC_RING, e, 8);
	/* §2.7.14: the entry is visible before the index that covers it. */
	sync_for_device(s);
	put16(q, q->used + USED_IDX, ++q->used_idx);
}

bool vq_should_notify(struct vq *q)
{
	uint16_t old = q->signalled, now = q->used_idx;

	if (!q->size || old == now)
		return false;
	q->signalled = now;
	/* §2.7.10: the used idx store must be visible before we read what
	 * the driver asked for, or both sides may wait for each other. */
	sync_full(qsync(q));
	if (q->event_idx) {
		uint16_t event = fetch16(q, q->avail + AVAIL_RING(q->size));

		/* vring_need_event(): did [old, now) pass event? Wraps at
		 * 65535 by 16-bit arithmetic. */
		return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
	}
	return !(fetch16(q, q->avail + AVAIL_FLAGS) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool vq_arm(struct vq *q)
{
	if (!q->size || q->broken)
		return false;
	if (q->event_idx)
		put16(q, q->used + USED_RING(q->size), q->last_avail);
	else
		put16(q, q->used + USED_FLAGS, 0);
	/* §2.7.10: avail_event visible before avail idx is read again. */
	sync_full(qsync(q));
	return fetch16(q, q->avail + AVAIL_IDX) != q->last_avail;
}

uint64_t vq_read(const struct vq_chain *c, uint64_t skip, void *dst,
		 uint64_t len)
{
	return iov_to_buf(c->iov, c->nout, skip, dst, len);
}

uint64_t vq_write(const struct vq_chain *c, uint64_t skip, const void *src,
		  uint64_t len)
{
	return iov_from_buf(c->iov + c->nout, c->nin, skip, src, len);
}

unsigned vq_slice(const struct vq_chain *c, bool in, uint64_t skip,
		  uint64_t len, struct iovec *out, unsigned max, uint64_t *got)
{
	return in ? iov_slice(c->iov + c->nout, c->nin, skip, len, out, max, got)
		  : iov_slice(c->iov, c->nout, skip, len, out, max, got);
}
