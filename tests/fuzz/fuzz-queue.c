// SPDX-License-Identifier: MIT
/*
 * The split virtqueue's device side (src/vmm/virtio/queue.c) against a
 * driver that writes anything anywhere in guest RAM: descriptor tables,
 * indirect tables, loops, ranges, indices.
 *
 * Input: a header byte (bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 RAM in
 * two ranges as on x86, bit 3 the civac sync mode, bits 4-7 log2 of the
 * queue size), the three ring addresses (16 bits each), then operations,
 * each a byte whose low 3 bits pick it:
 *
 *   0 poke      u16 gpa, u8 len, len bytes into RAM
 *   1 pop       and when a chain comes: read and write some of it, slice
 *               it, push it back with a u32 length
 *   2 notify?   vq_should_notify
 *   3 arm       vq_arm
 *   4 enable    again, with u16 x3 ring addresses and a u8 size
 *   5 idx       u16: the avail index
 *   6 desc      u8 table (0 the ring, else an indirect table at
 *               0x4000 + 0x100 * n), u8 index, u64 addr, u32 len,
 *               u16 flags, u16 next
 *   7 publish   u16 head into the avail ring, the index moved on
 *
 * Checked beyond the sanitizers: every buffer of a chain lies in guest
 * RAM, the counts add up, a broken queue stays broken.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "fuzz.h"
#include "../../src/vmm/virtio/queue.h"
#include "../../src/vmm/virtio/sync.h"

#define RAM		(64u << 10)
#define HIGH_BASE	(1ULL << 32)

static uint8_t ram[RAM] __attribute__((aligned(4096)));
static struct vq_chain chain;

struct q {
	struct gmem mem;
	struct vq vq;
	uint64_t features;
	uint64_t desc, avail, used;
	uint16_t size;
	uint16_t avail_idx;
};

/* Host pointer of a guest address, for the harness's own writes. */
static uint8_t *at(struct q *q, uint64_t gpa, uint64_t len)
{
	return gmem_ptr(&q->mem, gpa, len);
}

static bool in_ram(const void *p, size_t len)
{
	const uint8_t *b = p;

	return b >= ram && b <= ram + RAM && len <= (size_t)(ram + RAM - b);
}

static void enable(struct q *q)
{
	vq_enable(&q->vq, &q->mem, q->size, q->desc, q->avail, q->used,
		  q->features);
}

static void check_chain(const struct vq_chain *c)
{
	uint64_t out = 0, in = 0;

	fz_check(c->nout + c->nin <= VQ_SIZE_MAX, "chain longer than the limit");
	for (unsigned i = 0; i < c->nout + c->nin; i++) {
		fz_check(in_ram(c->iov[i].iov_base, c->iov[i].iov_len),
			 "a buffer outside guest RAM");
		fz_check(c->iov[i].iov_len, "an empty buffer in the chain");
		if (i < c->nout)
			out += c->iov[i].iov_len;
		else
			in += c->iov[i].iov_len;
	}
	fz_check(out == c->out_len && in == c->in_len, "lengths do not add up");
}

static void pop(struct q *q, struct fz *f)
{
	uint8_t scratch[512];
	struct iovec sl[8];
	uint64_t got, skip;
	bool broken = q->vq.broken;
	int r = vq_pop(&q->vq, &chain);

	fz_check(!broken || r == -EIO, "a broken queue gave a chain");
	if (r != 1)
		return;
	fz_check(!q->vq.broken, "broken, yet it gave a chain");
	check_chain(&chain);
	skip = fz_u16(f);
	vq_read(&chain, skip, scratch, sizeof(scratch));
	memset(scratch, 0xa5, sizeof(scratch));
	vq_write(&chain, fz_u16(f), scratch, fz_u8(f));
	vq_slice(&chain, fz_u8(f) & 1, skip, fz_u32(f), sl, 8, &got);
	vq_push(&q->vq, &chain, fz_u32(f));
}

static void put_desc(struct q *q, struct fz *f)
{
	uint8_t table = fz_u8(f), i = fz_u8(f);
	struct vring_desc d;
	uint64_t base = table ? 0x4000 + 0x100ULL * (table % 32) : q->desc;
	uint8_t *p;

	d.addr = htole64(fz_u64(f));
	d.len = htole32(fz_u32(f));
	d.flags = htole16(fz_u16(f));
	d.next = htole16(fz_u16(f));
	p = at(q, base + 16ULL * (table ? i % 16 : i), sizeof(d));
	if (p)
		memcpy(p, &d, sizeof(d));
}

static void publish(struct q *q, uint16_t head)
{
	uint16_t n = q->size ? q->size : 1;
	uint8_t *slot = at(q, q->avail + 4 + 2ULL * (q->avail_idx % n), 2);
	uint8_t *idx = at(q, q->avail + 2, 2);

	q->avail_idx++;
	if (slot)
		memcpy(slot, &(uint16_t){ htole16(head) }, 2);
	if (idx)
		memcpy(idx, &(uint16_t){ htole16(q->avail_idx) }, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gmem_layout two = {
		.base = 0, .hole = RAM / 2, .high_base = HIGH_BASE,
	};
	static struct sync civac;
	struct fz f = { data, size };
	struct q q = { 0 };
	uint8_t h = fz_u8(&f);
	unsigned ops = 0;

	fz_quiet(false);
	memset(ram, 0, sizeof(ram));
	gmem_wrap(&q.mem, ram, RAM, h & 4 ? &two : NULL);
	if (h & 8) {
		if (!civac.line)
			sync_init(&civac, SYNC_CIVAC, false);
		q.mem.sync = &civac;
	}
	q.features = (h & 1 ? 1ULL << VIRTIO_RING_F_INDIRECT_DESC : 0) |
		     (h & 2 ? 1ULL << VIRTIO_RING_F_EVENT_IDX : 0);
	q.size = (uint16_t)(1u << ((h >> 4) % 10));
	q.desc = fz_u16(&f);
	q.avail = fz_u16(&f);
	q.used = fz_u16(&f);
	enable(&q);
	while (f.n && ops++ < 256) {
		uint8_t op = fz_u8(&f);

		switch (op & 7) {
		case 0: {
			uint16_t gpa = fz_u16(&f);
			const uint8_t *bytes;
			size_t n = fz_take(&f, fz_u8(&f), &bytes);
			uint8_t *p = at(&q, gpa, n);

			if (p)
				memcpy(p, bytes, n);
			break;
		}
		case 1:
			pop(&q, &f);
			break;
		case 2:
			vq_should_notify(&q.vq);
			break;
		case 3:
			vq_arm(&q.vq);
			break;
		case 4:
			q.desc = fz_u16(&f);
			q.avail = fz_u16(&f);
			q.used = fz_u16(&f);
			q.size = fz_u8(&f);
			q.avail_idx = 0;
			enable(&q);
			break;
		case 5: {
			uint8_t *p = at(&q, q.avail + 2, 2);

			q.avail_idx = fz_u16(&f);
			if (p)
				memcpy(p, &(uint16_t){ htole16(q.avail_idx) }, 2);
			break;
		}
		case 6:
			put_desc(&q, &f);
			break;
		case 7:
			publish(&q, fz_u16(&f));
			break;
		}
	}
	vq_disable(&q.vq);
	return 0;
}
