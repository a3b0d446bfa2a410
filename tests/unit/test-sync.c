// SPDX-License-Identifier: MIT
/* The sync layer on malloc'ed guest memory, fed by a fake driver: where
 * each mode's barriers and cache maintenance land (a trace), the stale
 * line injection caught in the bytes a virtio-blk write puts in its file
 * and cleared by civac alone, and --coherence auto's facts. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/coherence.h"
#include "../../src/vmm/virtio/blk.h"
#include "../../src/vmm/virtio/sync.h"

#define RAM	(1 << 20)
#define QSZ	8
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define HDR	0x8000
#define STATUS	0x9000
#define OUT	0x10000		/* a readable buffer */
#define IN	0x20000		/* a writable one */
#define DATA	4096		/* a write's data bytes */

#define EVENTS_MAX 64

struct event {
	enum sync_op op;
	enum sync_what what;
	uintptr_t p;
	size_t len;
};

static struct {
	uint8_t *ram;
	struct gmem mem;
	struct sync sync;
	struct sync_test test;
	struct event ev[EVENTS_MAX];
	unsigned nev, ndsb;
	uint16_t avail;
	struct virtio_blk b;
	char *dir, path[512];
} s;

static void trace(void *ctx, enum sync_op op, enum sync_what w,
		  const void *p, size_t len)
{
	(void)ctx;
	if (op == SYNC_OP_DSB) {
		s.ndsb++;
		return;
	}
	assert_true(s.nev < EVENTS_MAX);
	s.ev[s.nev++] = (struct event){ op, w, (uintptr_t)p, len };
}

static void use_mode(enum sync_mode m)
{
	assert_int_equal(sync_init(&s.sync, m, false), 0);
	s.test.trace = trace;
	s.sync.test = &s.test;
	s.mem.sync = &s.sync;
	s.nev = s.ndsb = 0;
}

static int setup(void **state)
{
	(void)state;
	log_level = LOG_QUIET;
	memset(&s, 0, sizeof(s));
	s.ram = calloc(1, RAM);
	gmem_wrap(&s.mem, s.ram, RAM, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sync_test_free(&s.test);
	free(s.ram);
	return 0;
}

/* Did the trace see op over exactly [gpa, gpa + len)? */
static bool saw(enum sync_op op, enum sync_what w, uint64_t gpa, size_t len)
{
	for (unsigned i = 0; i < s.nev; i++)
		if (s.ev[i].op == op && s.ev[i].what == w &&
		    s.ev[i].p == (uintptr_t)(s.ram + gpa) && s.ev[i].len == len)
			return true;
	return false;
}

/* One chain through a bare queue: 100 readable bytes, 200 writable. */
static void one_chain(void)
{
	struct vring_desc *d = (struct vring_desc *)(s.ram + DESC);
	uint16_t *avail = (uint16_t *)(s.ram + AVAIL);
	struct vq q;
	struct vq_chain c;

	assert_int_equal(vq_enable(&q, &s.mem, QSZ, DESC, AVAIL, USED,
				   1ULL << VIRTIO_RING_F_EVENT_IDX), 0);
	d[0] = (struct vring_desc){ OUT, 100, VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ IN, 200, VRING_DESC_F_WRITE, 0 };
	avail[2] = 0;
	avail[1] = 1;
	assert_int_equal(vq_pop(&q, &c), 1);
	vq_push(&q, &c, 200);
	assert_true(vq_should_notify(&q));
}

static void test_none_does_nothing(void **state)
{
	(void)state;
	use_mode(SYNC_NONE);
	one_chain();
	assert_int_equal(s.nev, 0);
	assert_int_equal(s.ndsb, 0);
}

static void test_dsb_barriers_only(void **state)
{
	(void)state;
	use_mode(SYNC_DSB);
	one_chain();
	assert_int_equal(s.nev, 0);
	/* for_cpu after the index, for_device before used idx, full
	 * before reading used_event. */
	assert_int_equal(s.ndsb, 3);
}

static void test_civac_regions(void **state)
{
	(void)state;
	use_mode(SYNC_CIVAC);
	one_chain();
	/* What the device reads after the guest wrote it ... */
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, AVAIL + 2, 2));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, AVAIL + 4, 2));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, DESC, 16));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, DESC + 16, 16));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_BUFFER, OUT, 100));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, AVAIL + 4 + 2 * QSZ, 2));
	/* ... and what it wrote, before it signals. */
	assert_true(saw(SYNC_OP_TO_GUEST, SYNC_BUFFER, IN, 200));
	assert_true(saw(SYNC_OP_TO_GUEST, SYNC_RING, USED + 4, 8));
	assert_true(saw(SYNC_OP_TO_GUEST, SYNC_RING, USED + 2, 2));
	/* The writable buffer is not synced as one the device reads, nor
	 * the readable one as written. */
	assert_false(saw(SYNC_OP_FROM_GUEST, SYNC_BUFFER, IN, 200));
	assert_false(saw(SYNC_OP_TO_GUEST, SYNC_BUFFER, OUT, 100));
	assert_int_equal(s.nev, 9);
	/* The fences, as in dsb (each region carries its own DSB, traced
	 * with the region). */
	assert_int_equal(s.ndsb, 3);
}

static void test_civac_indirect(void **state)
{
	struct vring_desc *d = (struct vring_desc *)(s.ram + DESC);
	struct vring_desc *t = (struct vring_desc *)(s.ram + 0x4000);
	uint16_t *avail = (uint16_t *)(s.ram + AVAIL);
	struct vq q;
	struct vq_chain c;

	(void)state;
	use_mode(SYNC_CIVAC);
	assert_int_equal(vq_enable(&q, &s.mem, QSZ, DESC, AVAIL, USED,
				   1ULL << VIRTIO_RING_F_INDIRECT_DESC), 0);
	t[0] = (struct vring_desc){ OUT, 64, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ OUT + 4096, 64, 0, 0 };
	d[0] = (struct vring_desc){ 0x4000, 32, VRING_DESC_F_INDIRECT, 0 };
	avail[2] = 0;
	avail[1] = 1;
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, 0x4000, 32));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_BUFFER, OUT, 64));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_BUFFER, OUT + 4096, 64));
	/* Without EVENT_IDX, arming clears used->flags and makes it seen. */
	s.nev = 0;
	assert_false(vq_arm(&q));
	assert_true(saw(SYNC_OP_TO_GUEST, SYNC_RING, USED, 2));
	assert_true(saw(SYNC_OP_FROM_GUEST, SYNC_RING, AVAIL + 2, 2));
}

static void test_order_platform(void **state)
{
	struct virtio_dev d;

	(void)state;
	assert_int_equal(sync_init(&s.sync, SYNC_NONE, true), 0);
	s.mem.sync = &s.sync;
	assert_int_equal(virtio_init(&d, &(struct virtio_ops){ .name = "t",
				     .nqueues = 1 }, NULL, &s.mem), 0);
	assert_true(virtio_offered(&d) & 1ULL << VIRTIO_F_ORDER_PLATFORM);
	s.sync.order_platform = false;
	assert_false(virtio_offered(&d) & 1ULL << VIRTIO_F_ORDER_PLATFORM);
	virtio_destroy(&d);
}

static void test_stale_parse(void **state)
{
	struct sync_stale st;

	(void)state;
	assert_int_equal(sync_stale_parse("min=64K,off=4112,len=512", &st), 0);
	assert_int_equal(st.min, 65536);
	assert_int_equal(st.off, 4112);
	assert_int_equal(st.len, 512);
	assert_false(st.prev);
	assert_int_equal(sync_stale_parse("min=1M,off=0,len=1,skip=2,fill=prev",
					  &st), 0);
	assert_int_equal(st.min, 1 << 20);
	assert_int_equal(st.skip, 2);
	assert_true(st.prev);
	assert_int_equal(sync_stale_parse("min=64K,off=1", &st), -EINVAL);
	assert_int_equal(sync_stale_parse("min=64K,off=1,len=2,fill=ones", &st),
			 -EINVAL);
	assert_int_equal(sync_stale_parse("min=x,off=1,len=2", &st), -EINVAL);
	/* The range must fit in min, and the line in SYNC_STALE_MAX. */
	st = (struct sync_stale){ .min = 100, .off = 90, .len = 20 };
	assert_int_equal(sync_stale_arm(&s.test, &st), -EINVAL);
	st = (struct sync_stale){ .min = 1 << 20, .off = 0, .len = SYNC_STALE_MAX + 1 };
	assert_int_equal(sync_stale_arm(&s.test, &st), -EINVAL);
}

/* virtio-blk over a file of 'a's: a guest's write, its bytes read back
 * from the file. */
static void open_disk(void)
{
	int fd;
	uint8_t *zero = calloc(1, 64 * 512);

	s.dir = mktemp_dir();
	snprintf(s.path, sizeof(s.path), "%s/disk.img", s.dir);
	fd = open(s.path, O_CREAT | O_WRONLY, 0644);
	memset(zero, 'a', 64 * 512);
	assert_int_equal(write(fd, zero, 64 * 512), 64 * 512);
	close(fd);
	free(zero);
	assert_int_equal(virtio_blk_open(&s.b, &s.mem, s.path, false), 0);
	assert_int_equal(vq_enable(&s.b.dev.vq[0], &s.mem, QSZ, DESC, AVAIL, USED,
				   1ULL << VIRTIO_F_VERSION_1), 0);
	s.b.dev.qr[0].enabled = true;
	s.b.dev.status = VIRTIO_CONFIG_S_DRIVER_OK;
	s.avail = 0;
}

static void close_disk(void)
{
	virtio_destroy(&s.b.dev);
	virtio_blk_close(&s.b);
	rm_rf(s.dir);
	free(s.dir);
}

/* Write DATA bytes of fill (byte i: fill + i % 7) at sector. */
static void blk_write(uint64_t sector, uint8_t fill)
{
	struct vring_desc *d = (struct vring_desc *)(s.ram + DESC);
	struct virtio_blk_outhdr h = { VIRTIO_BLK_T_OUT, 0, sector };
	uint16_t *avail = (uint16_t *)(s.ram + AVAIL);

	memcpy(s.ram + HDR, &h, sizeof(h));
	for (unsigned i = 0; i < DATA; i++)
		s.ram[OUT + i] = (uint8_t)(fill + i % 7);
	s.ram[STATUS] = 0xee;
	d[0] = (struct vring_desc){ HDR, sizeof(h), VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ OUT, DATA, VRING_DESC_F_NEXT, 2 };
	d[2] = (struct vring_desc){ STATUS, 1, VRING_DESC_F_WRITE, 0 };
	avail[2 + s.avail % QSZ] = 0;
	avail[1] = ++s.avail;
	s.b.dev.ops->notify(&s.b.dev, 0);
	assert_int_equal(s.ram[STATUS], VIRTIO_BLK_S_OK);
}

static void file_bytes(uint64_t off, uint8_t *buf, size_t n)
{
	int fd = open(s.path, O_RDONLY);

	assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
	close(fd);
}

/* The first bad byte of the DATA bytes at sector, against fill; -1:
 * none. */
static long first_bad(uint64_t sector, uint8_t fill, uint8_t *got)
{
	file_bytes(sector * 512, got, DATA);
	for (unsigned i = 0; i < DATA; i++)
		if (got[i] != (uint8_t)(fill + i % 7))
			return i;
	return -1;
}

/* The line: 100 bytes at data offset 1000 (readable offset 1016, after
 * the 16-byte header) of the first readable part of 4 KiB or more. */
static void arm_line(bool prev, unsigned skip)
{
	struct sync_stale st = { .min = DATA, .off = 16 + 1000, .len = 100,
				 .skip = skip, .prev = prev };

	assert_int_equal(sync_stale_arm(&s.test, &st), 0);
}

static void test_stale_caught_without_civac(void **state)
{
	uint8_t got[DATA];
	enum sync_mode modes[] = { SYNC_NONE, SYNC_DSB };

	(void)state;
	for (unsigned m = 0; m < 2; m++) {
		use_mode(modes[m]);
		arm_line(false, 0);
		open_disk();
		blk_write(8, 'A');
		/* Zeros for exactly the line's bytes, and guest RAM intact. */
		assert_int_equal(first_bad(8, 'A', got), 1000);
		for (unsigned i = 1000; i < 1100; i++)
			assert_int_equal(got[i], 0);
		for (unsigned i = 1100; i < DATA; i++)
			assert_int_equal(got[i], (uint8_t)('A' + i % 7));
		assert_int_equal(s.ram[OUT + 1000], (uint8_t)('A' + 1000 % 7));
		assert_true(s.test.served);
		/* Once: the next write is whole. */
		blk_write(16, 'B');
		assert_int_equal(first_bad(16, 'B', got), -1);
		close_disk();
		sync_test_free(&s.test);
	}
}

static void test_stale_cleared_by_civac(void **state)
{
	uint8_t got[DATA];

	(void)state;
	use_mode(SYNC_CIVAC);
	arm_line(false, 0);
	open_disk();
	blk_write(8, 'A');
	assert_int_equal(first_bad(8, 'A', got), -1);
	assert_false(s.test.served);
	assert_false(s.test.present);
	/* Spent: it does not wait for a chain civac misses. */
	use_mode(SYNC_NONE);
	blk_write(16, 'B');
	assert_int_equal(first_bad(16, 'B', got), -1);
	close_disk();
}

static void test_stale_previous_contents(void **state)
{
	uint8_t got[DATA];

	(void)state;
	use_mode(SYNC_NONE);
	arm_line(true, 1);
	open_disk();
	blk_write(8, 'A');		/* let through, its bytes kept */
	assert_int_equal(first_bad(8, 'A', got), -1);
	blk_write(16, 'B');		/* served the first one's bytes */
	assert_int_equal(first_bad(16, 'B', got), 1000);
	for (unsigned i = 1000; i < 1100; i++)
		assert_int_equal(got[i], (uint8_t)('A' + i % 7));
	assert_int_equal(got[1100], (uint8_t)('B' + 1100 % 7));
	close_disk();
}

/* A readable part shorter than min is never touched. */
static void test_stale_small_chains_pass(void **state)
{
	uint8_t got[DATA];
	struct sync_stale st = { .min = DATA + 17, .off = 16, .len = 10 };

	(void)state;
	use_mode(SYNC_NONE);
	assert_int_equal(sync_stale_arm(&s.test, &st), 0);
	open_disk();
	blk_write(8, 'A');
	assert_int_equal(first_bad(8, 'A', got), -1);
	assert_false(s.test.spent);
	close_disk();
}

/* --coherence auto from a fake /sys. */
static const char *facts(const char *dir, const char *machine,
			 const char *const *files, char *why, size_t n,
			 enum sync_mode *m)
{
	struct coherence_facts f;

	write_at(dir, "machine", machine, strlen(machine), 0644);
	for (; files && files[0]; files += 2)
		write_at(dir, files[0], files[1], strlen(files[1]) + 1, 0644);
	coherence_probe(dir, &f);
	*m = coherence_auto(&f, why, n);
	return why;
}

static void test_coherence_auto(void **state)
{
	static const char *const psci[] = {
		"sys/firmware/devicetree/base/psci/method", "hvc", NULL };
	static const char *const virt[] = {
		"sys/firmware/devicetree/base/compatible", "linux,dummy-virt", NULL };
	static const char *const metal[] = {
		"sys/class/dmi/id/sys_vendor", "Amazon EC2\n",
		"sys/class/dmi/id/product_name", "c6g.metal\n", NULL };
	static const char *const ec2[] = {
		"sys/class/dmi/id/sys_vendor", "Amazon EC2\n",
		"sys/class/dmi/id/product_name", "c7g.large\n", NULL };
	char why[200], *dir;
	enum sync_mode m;

	(void)state;
	dir = mktemp_dir();
	facts(dir, "x86_64", psci, why, sizeof(why), &m);
	assert_int_equal(m, SYNC_NONE);
	assert_non_null(strstr(why, "x86_64"));
	rm_rf(dir);
	free(dir);

	dir = mktemp_dir();
	facts(dir, "aarch64", psci, why, sizeof(why), &m);
	assert_int_equal(m, SYNC_CIVAC);
	assert_non_null(strstr(why, "psci method is hvc"));
	rm_rf(dir);
	free(dir);

	dir = mktemp_dir();
	facts(dir, "aarch64", virt, why, sizeof(why), &m);
	assert_int_equal(m, SYNC_CIVAC);
	assert_non_null(strstr(why, "linux,dummy-virt"));
	rm_rf(dir);
	free(dir);

	dir = mktemp_dir();
	facts(dir, "aarch64", metal, why, sizeof(why), &m);
	assert_int_equal(m, SYNC_NONE);
	assert_non_null(strstr(why, "no sign of a hypervisor"));
	rm_rf(dir);
	free(dir);

	dir = mktemp_dir();
	facts(dir, "aarch64", ec2, why, sizeof(why), &m);
	assert_int_equal(m, SYNC_CIVAC);
	assert_non_null(strstr(why, "c7g.large"));
	rm_rf(dir);
	free(dir);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_none_does_nothing),
		T(test_dsb_barriers_only),
		T(test_civac_regions),
		T(test_civac_indirect),
		T(test_order_platform),
		T(test_stale_parse),
		T(test_stale_caught_without_civac),
		T(test_stale_cleared_by_civac),
		T(test_stale_previous_contents),
		T(test_stale_small_chains_pass),
		T(test_coherence_auto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
