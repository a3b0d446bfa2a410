// SPDX-License-Identifier: MIT
/* Split virtqueues against a hostile driver, on malloc'ed guest memory:
 * good chains, indirect tables, loops, buffers outside RAM, overflowing
 * lengths, zero lengths, EVENT_IDX wrap, used ring updates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_ring.h>

#include "helpers.h"
#include "../../src/vmm/virtio/queue.h"

#define RAM	(1 << 20)
#define QSZ	8
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define TABLE	0x4000		/* an indirect table */
#define BUF	0x10000

#define FEAT_ALL (1ULL << VIRTIO_RING_F_INDIRECT_DESC | \
		  1ULL << VIRTIO_RING_F_EVENT_IDX)

struct t {
	uint8_t *ram;
	struct gmem mem;
	struct vq q;
	struct vq_chain c;
	uint16_t avail_idx;
};

static struct vring_desc *desc(struct t *t, uint64_t at, unsigned i)
{
	return (struct vring_desc *)(t->ram + at + 16 * i);
}

static void set(struct t *t, uint64_t at, unsigned i, uint64_t addr,
		uint32_t len, uint16_t flags, uint16_t next)
{
	*desc(t, at, i) = (struct vring_desc){ addr, len, flags, next };
}

/* The driver makes head available. */
static void publish(struct t *t, uint16_t head)
{
	uint16_t *ring = (uint16_t *)(t->ram + AVAIL + 4);

	ring[t->avail_idx % QSZ] = head;
	*(uint16_t *)(t->ram + AVAIL + 2) = ++t->avail_idx;
}

/* Return an empty chain with head 0. */
static void push(struct vq *q)
{
	static const struct vq_chain none;

	vq_push(q, &none, 0);
}

static uint16_t used_idx(struct t *t)
{
	return *(uint16_t *)(t->ram + USED + 2);
}

static int setup_features(void **state, uint64_t features)
{
	struct t *t = calloc(1, sizeof(*t));

	t->ram = calloc(1, RAM);
	gmem_wrap(&t->mem, t->ram, RAM, NULL);
	assert_int_equal(vq_enable(&t->q, &t->mem, QSZ, DESC, AVAIL, USED,
				   features), 0);
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_features(state, FEAT_ALL);
}

static int setup_plain(void **state)
{
	return setup_features(state, 0);
}

static int teardown(void **state)
{
	struct t *t = *state;

	free(t->ram);
	free(t);
	return 0;
}

/* Pop and expect a malformed ring. */
static void expect_broken(struct t *t, const char *why)
{
	assert_int_equal(vq_pop(&t->q, &t->c), -EIO);
	assert_true(t->q.broken);
	assert_string_equal(t->q.why, why);
	/* It stays broken. */
	assert_int_equal(vq_pop(&t->q, &t->c), -EIO);
}

static void test_good_chain(void **state)
{
	struct t *t = *state;
	char got[16];
	uint32_t *used;

	memcpy(t->ram + BUF, "head", 4);
	memcpy(t->ram + BUF + 0x100, "er-data", 7);
	set(t, DESC, 3, BUF, 4, VRING_DESC_F_NEXT, 5);
	set(t, DESC, 5, BUF + 0x100, 7, VRING_DESC_F_NEXT, 0);
	set(t, DESC, 0, BUF + 0x200, 32, VRING_DESC_F_WRITE, 0);
	assert_int_equal(vq_pop(&t->q, &t->c), 0);	/* nothing yet */
	publish(t, 3);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(t->c.head, 3);
	assert_int_equal(t->c.nout, 2);
	assert_int_equal(t->c.nin, 1);
	assert_int_equal(t->c.out_len, 11);
	assert_int_equal(t->c.in_len, 32);
	assert_ptr_equal(t->c.iov[0].iov_base, t->ram + BUF);
	assert_ptr_equal(t->c.iov[2].iov_base, t->ram + BUF + 0x200);
	/* Reads across segments, with a skip. */
	memset(got, 0, sizeof(got));
	assert_int_equal(vq_read(&t->c, 2, got, sizeof(got)), 9);
	assert_string_equal(got, "ader-data");
	assert_int_equal(vq_write(&t->c, 30, "xyz", 3), 2);	/* clipped */
	assert_memory_equal(t->ram + BUF + 0x200 + 30, "xy", 2);
	assert_int_equal(vq_pop(&t->q, &t->c), 0);
	vq_push(&t->q, &t->c, 32);
	assert_int_equal(used_idx(t), 1);
	used = (uint32_t *)(t->ram + USED + 4);
	assert_int_equal(used[0], 3);
	assert_int_equal(used[1], 32);
	/* used_event is 0: the driver wants to hear of entry 0. */
	assert_true(vq_should_notify(&t->q));
	assert_false(vq_should_notify(&t->q));	/* nothing new */
}

static void test_zero_length_allowed(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, BUF, 0, VRING_DESC_F_NEXT, 1);
	set(t, DESC, 1, BUF, 8, VRING_DESC_F_WRITE, 0);
	/* A zero-length buffer is never touched, wherever it points. */
	set(t, DESC, 2, 0xfee00000, 0, 0, 0);
	publish(t, 0);
	publish(t, 2);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(t->c.nout, 0);
	assert_int_equal(t->c.nin, 1);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(t->c.nout + t->c.nin, 0);
}

static void test_indirect(void **state)
{
	struct t *t = *state;

	set(t, TABLE, 0, BUF, 16, VRING_DESC_F_NEXT, 2);
	set(t, TABLE, 2, BUF + 64, 100, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set(t, TABLE, 1, BUF + 256, 50, VRING_DESC_F_WRITE, 0);
	set(t, DESC, 4, TABLE, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(t, 4);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(t->c.head, 4);
	assert_int_equal(t->c.nout, 1);
	assert_int_equal(t->c.nin, 2);
	assert_int_equal(t->c.in_len, 150);
	assert_false(t->q.broken);
}

static void test_indirect_after_direct(void **state)
{
	struct t *t = *state;

	/* A direct descriptor may lead into an indirect one (Linux does
	 * not, the spec allows it); the table ends the chain. */
	set(t, TABLE, 0, BUF, 8, VRING_DESC_F_WRITE, 0);
	set(t, DESC, 0, BUF + 64, 8, VRING_DESC_F_NEXT, 1);
	set(t, DESC, 1, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(t->c.nout, 1);
	assert_int_equal(t->c.nin, 1);
}

static void test_indirect_bad_lengths(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, TABLE, 0, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "indirect table not a multiple of 16 bytes");
	vq_enable(&t->q, &t->mem, QSZ, DESC, AVAIL, USED, FEAT_ALL);
	t->avail_idx = 0;
	set(t, DESC, 0, TABLE, 24, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "indirect table not a multiple of 16 bytes");
}

static void test_indirect_nested(void **state)
{
	struct t *t = *state;

	set(t, TABLE, 0, TABLE + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	set(t, DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "nested indirect table");
}

static void test_indirect_with_next(void **state)
{
	struct t *t = *state;

	set(t, TABLE, 0, BUF, 8, 0, 0);
	set(t, DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	publish(t, 0);
	expect_broken(t, "indirect descriptor with NEXT set");
}

static void test_indirect_not_negotiated(void **state)
{
	struct t *t = *state;

	set(t, TABLE, 0, BUF, 8, 0, 0);
	set(t, DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "indirect descriptor not negotiated");
}

static void test_indirect_outside(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, RAM - 16, 32, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "indirect table outside guest RAM");
}

static void test_indirect_next_beyond(void **state)
{
	struct t *t = *state;

	set(t, TABLE, 0, BUF, 8, VRING_DESC_F_NEXT, 2);	/* table has 2 */
	set(t, DESC, 0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "indirect next beyond its table");
}

/* Linux's virtio-blk fills a table with seg_max + 2 = queue size
 * entries: a full table is a good chain; one entry more is refused. */
static void test_indirect_full(void **state)
{
	struct t *t = *state;

	for (unsigned i = 0; i < QSZ; i++)
		set(t, TABLE, i, BUF + 16 * i, 16,
		    (i ? VRING_DESC_F_WRITE : 0) | (i + 1 < QSZ ? VRING_DESC_F_NEXT : 0),
		    (uint16_t)(i + 1));
	set(t, DESC, 0, TABLE, QSZ * 16, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(t->c.nout, 1);
	assert_int_equal(t->c.nin, QSZ - 1);
	vq_push(&t->q, &t->c, 0);
	set(t, TABLE, QSZ - 1, BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, QSZ);
	set(t, TABLE, QSZ, BUF, 16, VRING_DESC_F_WRITE, 0);
	set(t, DESC, 0, TABLE, (QSZ + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "descriptor chain longer than the queue");
}

static void test_indirect_loop(void **state)
{
	struct t *t = *state;

	set(t, TABLE, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
	set(t, TABLE, 1, BUF, 8, VRING_DESC_F_NEXT, 0);
	set(t, DESC, 0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	publish(t, 0);
	expect_broken(t, "descriptor chain longer than the queue");
}

static void test_chain_loop(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
	set(t, DESC, 1, BUF, 8, VRING_DESC_F_NEXT, 0);
	publish(t, 0);
	expect_broken(t, "descriptor chain longer than the queue");
}

static void test_self_loop(void **state)
{
	struct t *t = *state;

	set(t, DESC, 6, BUF, 8, VRING_DESC_F_NEXT, 6);
	publish(t, 6);
	expect_broken(t, "descriptor chain longer than the queue");
}

static void test_outside_ram(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, RAM, 1, 0, 0);
	publish(t, 0);
	expect_broken(t, "descriptor outside guest RAM");
}

static void test_straddles_end(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, RAM - 8, 9, VRING_DESC_F_WRITE, 0);
	publish(t, 0);
	expect_broken(t, "descriptor outside guest RAM");
}

static void test_length_overflows(void **state)
{
	struct t *t = *state;

	/* addr + len wraps around 2^64 to a small address. */
	set(t, DESC, 0, UINT64_MAX - 15, 0x1000, 0, 0);
	publish(t, 0);
	expect_broken(t, "descriptor outside guest RAM");
}

static void test_in_the_mmio_hole(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, 0xfee00000, 4, 0, 0);	/* the LAPIC */
	publish(t, 0);
	expect_broken(t, "descriptor outside guest RAM");
}

static void test_readable_after_writable(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set(t, DESC, 1, BUF, 8, 0, 0);
	publish(t, 0);
	expect_broken(t, "readable descriptor after a writable one");
}

static void test_next_beyond_queue(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, BUF, 8, VRING_DESC_F_NEXT, QSZ);
	publish(t, 0);
	expect_broken(t, "descriptor next beyond the queue");
}

static void test_head_beyond_queue(void **state)
{
	struct t *t = *state;

	publish(t, 200);
	expect_broken(t, "avail ring entry beyond the queue");
}

static void test_avail_idx_runaway(void **state)
{
	struct t *t = *state;

	set(t, DESC, 0, BUF, 8, 0, 0);
	*(uint16_t *)(t->ram + AVAIL + 2) = QSZ + 1;
	expect_broken(t, "avail index more than the queue size ahead");
}

static void test_full_queue_is_fine(void **state)
{
	struct t *t = *state;

	for (unsigned i = 0; i < QSZ; i++) {
		set(t, DESC, i, BUF + 16 * i, 16, 0, 0);
		publish(t, (uint16_t)i);
	}
	for (unsigned i = 0; i < QSZ; i++) {
		assert_int_equal(vq_pop(&t->q, &t->c), 1);
		assert_int_equal(t->c.head, i);
	}
	assert_int_equal(vq_pop(&t->q, &t->c), 0);
}

static void test_enable_checks(void **state)
{
	struct t *t = *state;
	struct vq q;

	assert_int_equal(vq_enable(&q, &t->mem, 6, DESC, AVAIL, USED, 0), -EINVAL);
	assert_int_equal(vq_enable(&q, &t->mem, 512, DESC, AVAIL, USED, 0), -EINVAL);
	assert_int_equal(vq_enable(&q, &t->mem, 0, DESC, AVAIL, USED, 0), -EINVAL);
	assert_int_equal(vq_enable(&q, &t->mem, 8, DESC + 8, AVAIL, USED, 0), -EINVAL);
	assert_string_equal(q.why, "misaligned ring");
	assert_int_equal(vq_enable(&q, &t->mem, 8, DESC, AVAIL, USED + 2, 0), -EINVAL);
	assert_int_equal(vq_enable(&q, &t->mem, 8, DESC, AVAIL, RAM - 16, 0), -EINVAL);
	assert_string_equal(q.why, "ring outside guest RAM");
	assert_int_equal(vq_enable(&q, &t->mem, 8, UINT64_MAX - 15, AVAIL, USED, 0),
			 -EINVAL);
	/* A disabled queue yields nothing and takes no pushes. */
	assert_int_equal(vq_pop(&q, &t->c), 0);
	push(&q);
	assert_false(vq_should_notify(&q));
}

/* EVENT_IDX across the 16-bit wrap: the device notifies exactly when
 * the used index passes used_event. */
static void test_event_idx_wrap(void **state)
{
	struct t *t = *state;
	uint16_t *used_event = (uint16_t *)(t->ram + AVAIL + 4 + 2 * QSZ);

	t->q.used_idx = t->q.signalled = 65533;
	*used_event = 65535;		/* wants to hear when entry 65535 is used */
	push(&t->q);		/* used idx 65534: entry 65533 */
	assert_false(vq_should_notify(&t->q));
	push(&t->q);		/* 65535: entry 65534 */
	assert_false(vq_should_notify(&t->q));
	push(&t->q);		/* 0: entry 65535 */
	assert_int_equal(used_idx(t), 0);
	assert_true(vq_should_notify(&t->q));
	*used_event = 1;
	push(&t->q);		/* entry 0 */
	assert_false(vq_should_notify(&t->q));
	push(&t->q);		/* 1 and 2 in one batch */
	push(&t->q);
	assert_true(vq_should_notify(&t->q));
}

static void test_avail_idx_wraps(void **state)
{
	struct t *t = *state;

	t->q.last_avail = t->avail_idx = 65534;
	set(t, DESC, 1, BUF, 8, 0, 0);
	publish(t, 1);
	publish(t, 1);
	publish(t, 1);
	assert_int_equal(t->avail_idx, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_int_equal(vq_pop(&t->q, &t->c), 0);
}

static void test_arm(void **state)
{
	struct t *t = *state;
	uint16_t *avail_event = (uint16_t *)(t->ram + USED + 4 + 8 * QSZ);

	set(t, DESC, 0, BUF, 8, 0, 0);
	publish(t, 0);
	assert_int_equal(vq_pop(&t->q, &t->c), 1);
	assert_false(vq_arm(&t->q));
	assert_int_equal(*avail_event, 1);
	publish(t, 0);			/* arrives after arming */
	assert_true(vq_arm(&t->q));
}

static void test_no_interrupt_flag(void **state)
{
	struct t *t = *state;

	*(uint16_t *)(t->ram + AVAIL) = VRING_AVAIL_F_NO_INTERRUPT;
	push(&t->q);
	assert_false(vq_should_notify(&t->q));
	*(uint16_t *)(t->ram + AVAIL) = 0;
	push(&t->q);
	assert_true(vq_should_notify(&t->q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define P(f) cmocka_unit_test_setup_teardown(f, setup_plain, teardown)
		T(test_good_chain),
		T(test_zero_length_allowed),
		T(test_indirect),
		T(test_indirect_after_direct),
		T(test_indirect_bad_lengths),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		P(test_indirect_not_negotiated),
		T(test_indirect_outside),
		T(test_indirect_next_beyond),
		T(test_indirect_full),
		T(test_indirect_loop),
		T(test_chain_loop),
		T(test_self_loop),
		T(test_outside_ram),
		T(test_straddles_end),
		T(test_length_overflows),
		T(test_in_the_mmio_hole),
		T(test_readable_after_writable),
		T(test_next_beyond_queue),
		T(test_head_beyond_queue),
		T(test_avail_idx_runaway),
		T(test_full_queue_is_fine),
		T(test_enable_checks),
		T(test_event_idx_wrap),
		T(test_avail_idx_wraps),
		T(test_arm),
		P(test_no_interrupt_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
