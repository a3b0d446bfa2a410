// SPDX-License-Identifier: MIT
/* virtio-pci and virtio-console, driven the way Linux's virtio_pci_modern
 * and virtio_console drive them, on malloc'ed guest memory: the
 * capabilities, feature negotiation, queue setup, a transmit that reaches
 * the host descriptor byte-exact with an MSI-X interrupt, and a malformed
 * ring that ends in DEVICE_NEEDS_RESET with one warning. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/virtio/console.h"
#include "../../src/vmm/virtio/mmio.h"
#include "../../src/vmm/virtio/pci.h"
#include "../../src/vmm/watch.h"

#define RAM	(1 << 20)
#define QSZ	16
#define WIN	0xc0000000u

static struct t {
	uint8_t *ram;
	struct gmem mem;
	struct pci_bus bus;
	struct bus mmio;
	struct virtio_console con;
	struct virtio_pci vp;
	int pipe[2], in[2];		/* the console's output and input */
	unsigned msis;
	uint32_t last_data;
	uint32_t common, notify, device, isr;	/* guest addresses */
} *t;

static int msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)addr;
	__atomic_fetch_add(&t->msis, 1, __ATOMIC_SEQ_CST);
	t->last_data = data;
	return 0;
}

static void wr(uint64_t gpa, uint64_t v, unsigned len)
{
	uint8_t d[8];

	memcpy(d, &v, len);
	bus_access(&t->mmio, gpa, d, len, true);
}

static uint64_t rd(uint64_t gpa, unsigned len)
{
	uint8_t d[8] = { 0 };
	uint64_t v = 0;

	bus_access(&t->mmio, gpa, d, len, false);
	memcpy(&v, d, len);
	return v;
}

static uint32_t cfg32(unsigned off)
{
	uint8_t d[4];

	pci_cfg_access(&t->vp.pci, off, d, 4, false);
	return (uint32_t)d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
}

static void cfg16w(unsigned off, uint16_t v)
{
	uint8_t d[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	pci_cfg_access(&t->vp.pci, off, d, 2, true);
}

/* What virtio_pci_find_capability() does: walk the list for each type. */
static void find_caps(void)
{
	unsigned p = cfg32(PCI_CAPABILITY_LIST) & 0xff, types = 0;
	uint32_t bar = cfg32(PCI_BASE_ADDRESS_4) & ~0xfu;

	while (p) {
		uint32_t w = cfg32(p);

		if ((w & 0xff) == PCI_CAP_ID_VNDR) {
			unsigned type = w >> 24, b = cfg32(p + 4) & 0xff;
			uint32_t off = cfg32(p + 8), len = cfg32(p + 12);

			assert_int_equal(b, 4);
			assert_true(len > 0);
			types |= 1u << type;
			if (type == VIRTIO_PCI_CAP_COMMON_CFG)
				t->common = bar + off;
			else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
				t->notify = bar + off;
				assert_int_equal(cfg32(p + 16), 4);	/* multiplier */
			} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG)
				t->device = bar + off;
			else if (type == VIRTIO_PCI_CAP_ISR_CFG)
				t->isr = bar + off;
		}
		p = (w >> 8) & 0xfc;
	}
	assert_int_equal(types, 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4);
}

static int setup(void **state)
{
	(void)state;
	log_level = LOG_QUIET;
	t = calloc(1, sizeof(*t));
	t->ram = calloc(1, RAM);
	gmem_wrap(&t->mem, t->ram, RAM, NULL);
	assert_int_equal(pipe2(t->pipe, O_CLOEXEC), 0);
	pci_init(&t->bus, WIN, WIN + 0x100000, 16, msi, NULL, NULL);
	assert_int_equal(pci_attach(&t->bus, &t->mmio), 0);
	assert_int_equal(pipe2(t->in, O_CLOEXEC), 0);
	assert_int_equal(virtio_console_init(&t->con, &t->mem, t->pipe[1], NULL,
					     NULL), 0);
	virtio_console_input(&t->con, t->in[0]);
	assert_int_equal(virtio_pci_add(&t->bus, &t->vp, &t->con.dev, NULL, NULL, NULL), 0);
	assert_int_equal(virtio_start(&t->con.dev), 0);
	cfg16w(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	find_caps();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	virtio_pci_remove(&t->vp);
	virtio_destroy(&t->con.dev);
	close(t->pipe[0]);
	close(t->pipe[1]);
	close(t->in[0]);
	if (t->in[1] >= 0)
		close(t->in[1]);
	free(t->ram);
	free(t);
	return 0;
}

/* Queue q's rings at 0x1000 * (1 + 3q). */
static uint64_t ring(unsigned q, unsigned which)
{
	return 0x1000ULL * (1 + 3 * q + which);
}

/* Linux's vp_modern setup: reset, features, FEATURES_OK, queues with an
 * MSI-X vector each, DRIVER_OK. */
static void driver_init(uint64_t features)
{
	uint8_t s;

	wr(t->common + 20, 0, 1);	/* reset */
	wr(t->common + 20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	wr(t->common + 0, 1, 4);
	assert_true(rd(t->common + 4, 4) & 1);	/* VERSION_1 is bit 32 */
	wr(t->common + 8, 0, 4);
	wr(t->common + 12, (uint32_t)features, 4);
	wr(t->common + 8, 1, 4);
	wr(t->common + 12, (uint32_t)(features >> 32), 4);
	wr(t->common + 20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	   VIRTIO_CONFIG_S_FEATURES_OK, 1);
	s = (uint8_t)rd(t->common + 20, 1);
	if (!(s & VIRTIO_CONFIG_S_FEATURES_OK))
		return;
	/* MSI-X on, vectors 0 (config), 1 and 2 (queues). */
	cfg16w(t->vp.pci.msix_cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE);
	for (unsigned v = 0; v < 3; v++) {
		uint32_t at = (cfg32(PCI_BASE_ADDRESS_4) & ~0xfu) + 0x4000 + 16 * v;

		wr(at, 0xfee00000, 4);
		wr(at + 4, 0, 4);
		wr(at + 8, 0x30 + v, 4);
		wr(at + 12, 0, 4);
	}
	wr(t->common + 16, 0, 2);
	assert_int_equal(rd(t->common + 18, 2), 2);	/* num_queues */
	for (unsigned q = 0; q < 2; q++) {
		wr(t->common + 22, q, 2);
		assert_int_equal(rd(t->common + 24, 2), VQ_SIZE_MAX);
		wr(t->common + 24, QSZ, 2);
		wr(t->common + 26, q + 1, 2);
		assert_int_equal(rd(t->common + 26, 2), q + 1);
		wr(t->common + 32, ring(q, 0), 8);
		wr(t->common + 40, ring(q, 1), 4);
		wr(t->common + 44, 0, 4);
		wr(t->common + 48, ring(q, 2), 4);
		wr(t->common + 52, 0, 4);
		wr(t->common + 28, 1, 2);
		assert_int_equal(rd(t->common + 28, 2), 1);
	}
	wr(t->common + 20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
	   VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

/* Put one readable buffer on the transmit queue and notify. */
static void send(unsigned slot, const void *data, uint32_t len, uint16_t flags)
{
	struct vring_desc *d = (struct vring_desc *)(t->ram + ring(1, 0));
	uint16_t *avail = (uint16_t *)(t->ram + ring(1, 1));
	uint64_t buf = 0x40000 + 0x1000 * slot;

	memcpy(t->ram + buf, data, len);
	d[slot] = (struct vring_desc){ buf, len, flags, 0 };
	avail[2 + avail[1] % QSZ] = (uint16_t)slot;
	__atomic_store_n(&avail[1], (uint16_t)(avail[1] + 1), __ATOMIC_RELEASE);
	wr(t->notify + 4 * 1, 1, 2);		/* queue 1's notify address */
}

static uint16_t used_idx(unsigned q)
{
	return __atomic_load_n((uint16_t *)(t->ram + ring(q, 2) + 2),
			       __ATOMIC_ACQUIRE);
}

static void wait_used(unsigned q, uint16_t want)
{
	for (int i = 0; i < 2000 && used_idx(q) != want; i++)
		usleep(1000);
	assert_int_equal(used_idx(q), want);
}

static void test_transmit(void **state)
{
	char got[64];
	ssize_t n;

	(void)state;
	driver_init(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_EVENT_IDX);
	assert_true(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_DRIVER_OK);
	send(0, "hello, \0world\n", 14, 0);
	wait_used(1, 1);
	n = read(t->pipe[0], got, sizeof(got));
	assert_int_equal(n, 14);
	assert_memory_equal(got, "hello, \0world\n", 14);
	/* used_event 0 asked for an interrupt on the first entry: vector 2. */
	for (int i = 0; i < 1000 && !t->msis; i++)
		usleep(1000);
	assert_int_equal(t->msis, 1);
	assert_int_equal(t->last_data, 0x32);
	send(1, "more", 4, 0);
	wait_used(1, 2);
	assert_int_equal(read(t->pipe[0], got, sizeof(got)), 4);
	/* Device config: max_nr_ports and the rest read as 0. */
	assert_int_equal(rd(t->device + 4, 4), 0);
}

/* Forwarded input: the host's bytes framed (0xff doubled as 0xff 0x00),
 * then the end mark 0xff 0x01, into the guest's receive buffers. */
static void test_input(void **state)
{
	struct vring_desc *d = (struct vring_desc *)(t->ram + ring(0, 0));
	uint16_t *avail = (uint16_t *)(t->ram + ring(0, 1));
	uint32_t *used = (uint32_t *)(t->ram + ring(0, 2) + 4);

	(void)state;
	driver_init(1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(write(t->in[1], "a\xff" "b", 3), 3);
	for (unsigned i = 0; i < 2; i++)
		d[i] = (struct vring_desc){ 0x50000 + 0x1000 * i, 64,
					    VRING_DESC_F_WRITE, 0 };
	avail[2] = 0;
	avail[3] = 1;
	__atomic_store_n(&avail[1], 2, __ATOMIC_RELEASE);
	wr(t->notify, 0, 2);			/* queue 0: receive buffers */
	/* Nothing before the guest says it reads (port 0x502). */
	usleep(50000);
	assert_int_equal(used_idx(0), 0);
	virtio_console_open_input(&t->con);
	wait_used(0, 1);
	assert_int_equal(used[1], 4);
	assert_memory_equal(t->ram + 0x50000, "a\xff\x00" "b", 4);
	/* More input than buffers: the device asks (avail_event) to be
	 * kicked when the next buffer comes, since with EVENT_IDX the
	 * driver kicks only then. */
	assert_int_equal(write(t->in[1], "cd", 2), 2);
	wait_used(0, 2);
	assert_memory_equal(t->ram + 0x51000, "cd", 2);
	assert_int_equal(write(t->in[1], "e", 1), 1);
	close(t->in[1]);
	t->in[1] = -1;
	for (int i = 0; i < 1000 && *(uint16_t *)(t->ram + ring(0, 2) + 4 + 8 * QSZ) != 2; i++)
		usleep(1000);
	assert_int_equal(*(uint16_t *)(t->ram + ring(0, 2) + 4 + 8 * QSZ), 2);
	d[2] = (struct vring_desc){ 0x52000, 64, VRING_DESC_F_WRITE, 0 };
	avail[4] = 2;
	__atomic_store_n(&avail[1], 3, __ATOMIC_RELEASE);
	wr(t->notify, 0, 2);
	wait_used(0, 3);
	/* The rest, and the end in the same read's buffer or the next. */
	assert_int_equal(t->ram[0x52000], 'e');
}

static void test_features_refused(void **state)
{
	(void)state;
	/* Without VERSION_1 (a legacy driver), FEATURES_OK does not stick. */
	driver_init(0);
	assert_false(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* Nor with a bit the device never offered. */
	driver_init(1ULL << VIRTIO_F_VERSION_1 | 1ULL << 5);
	assert_false(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_FEATURES_OK);
}

static void test_malformed_ring(void **state)
{
	struct capture c;
	char *err;

	(void)state;
	log_level = LOG_NORMAL;
	driver_init(1ULL << VIRTIO_F_VERSION_1);
	capture_begin(&c);
	/* A descriptor far outside RAM. */
	{
		struct vring_desc *d = (struct vring_desc *)(t->ram + ring(1, 0));
		uint16_t *avail = (uint16_t *)(t->ram + ring(1, 1));

		d[3] = (struct vring_desc){ 0x7fff00000000ULL, 100, 0, 0 };
		avail[2] = 3;
		__atomic_store_n(&avail[1], 1, __ATOMIC_RELEASE);
		wr(t->notify + 4, 1, 2);
	}
	for (int i = 0; i < 2000 && !(rd(t->common + 20, 1) &
				      VIRTIO_CONFIG_S_NEEDS_RESET); i++)
		usleep(1000);
	/* A second bad kick adds no second warning. */
	wr(t->notify + 4, 1, 2);
	usleep(20000);
	err = capture_end(&c);
	log_level = LOG_QUIET;
	assert_true(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_non_null(strstr(err, "virtio-console: queue 1: descriptor outside guest RAM"));
	assert_null(strstr(strstr(err, "outside") + 1, "outside"));
	free(err);
	assert_int_equal(used_idx(1), 0);
	/* The config-change vector (0) told the driver. */
	assert_int_equal(t->last_data, 0x30);
	/* A reset clears it; with fresh rings the device works again. */
	memset(t->ram + ring(1, 1), 0, 0x1000);
	memset(t->ram + ring(1, 2), 0, 0x1000);
	driver_init(1ULL << VIRTIO_F_VERSION_1);
	assert_false(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	send(0, "ok", 2, 0);
	wait_used(1, 1);
}

/* A guest that breaks a ring and resets, over and over: one warning per
 * episode up to VIRTIO_WARNINGS_MAX, then one line saying the rest are
 * not reported; the device still asks for a reset every time. */
static void test_warning_flood(void **state)
{
	struct capture c;
	char *err, *p;
	unsigned lines = 0, resets = 0;

	(void)state;
	log_level = LOG_NORMAL;
	capture_begin(&c);
	for (int round = 0; round < 10; round++) {
		struct vring_desc *d = (struct vring_desc *)(t->ram + ring(1, 0));
		uint16_t *avail = (uint16_t *)(t->ram + ring(1, 1));

		memset(t->ram + ring(1, 1), 0, 0x1000);
		memset(t->ram + ring(1, 2), 0, 0x1000);
		driver_init(1ULL << VIRTIO_F_VERSION_1);
		d[0] = (struct vring_desc){ 0, 16, VRING_DESC_F_NEXT, 0 };	/* a loop */
		avail[2] = 0;
		__atomic_store_n(&avail[1], 1, __ATOMIC_RELEASE);
		wr(t->notify + 4, 1, 2);
		for (int i = 0; i < 2000 && !(rd(t->common + 20, 1) &
					      VIRTIO_CONFIG_S_NEEDS_RESET); i++)
			usleep(1000);
		resets += !!(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_NEEDS_RESET);
	}
	err = capture_end(&c);
	log_level = LOG_QUIET;
	for (p = err; (p = strstr(p, "descriptor chain longer than the queue")); p++)
		lines++;
	assert_int_equal(resets, 10);
	assert_int_equal(lines, VIRTIO_WARNINGS_MAX);
	assert_non_null(strstr(err, "virtio-console: more broken rings; not reported"));
	assert_null(strstr(strstr(err, "not reported") + 1, "not reported"));
	free(err);
}

static void test_garbage_registers(void **state)
{
	(void)state;
	/* Odd sizes, offsets past the structures, absurd queue numbers and
	 * sizes: nothing breaks, nothing is enabled. */
	for (unsigned off = 0; off < 0x8000; off += 3)
		wr((cfg32(PCI_BASE_ADDRESS_4) & ~0xfu) + off, 0xffffffffffffffffULL,
		   1 + off % 8);
	wr(t->common + 22, 1000, 2);
	wr(t->common + 28, 1, 2);
	assert_int_equal(rd(t->common + 24, 2), 0);
	wr(t->common + 22, 0, 2);
	wr(t->common + 24, 3, 2);		/* not a power of two */
	wr(t->common + 28, 1, 2);
	assert_true(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_NEEDS_RESET ||
		    !(rd(t->common + 20, 1) & VIRTIO_CONFIG_S_DRIVER_OK));
}

/* The same console over virtio-mmio (version 2), as virtio_mmio.c
 * drives it: 32-bit registers, the ISR acknowledged, an IRQ pulse. */
static unsigned pulses;

static void pulse(void *ctx, unsigned irq)
{
	(void)ctx;
	assert_int_equal(irq, 5);
	__atomic_fetch_add(&pulses, 1, __ATOMIC_SEQ_CST);
}

static void test_mmio(void **state)
{
	struct bus mmio = { 0 };
	struct virtio_console con;
	struct virtio_mmio vm;
	char arg[80], got[16];
	const uint64_t B = 0xd0000000;
	struct vring_desc *d = (struct vring_desc *)(t->ram + 0x10000);
	uint16_t *avail = (uint16_t *)(t->ram + 0x11000);
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(virtio_console_init(&con, &t->mem, p[1], NULL, NULL), 0);
	assert_int_equal(virtio_mmio_add(&mmio, &vm, &con.dev, B, 5, pulse, NULL), 0);
	assert_int_equal(virtio_start(&con.dev), 0);
	virtio_mmio_cmdline(&vm, arg, sizeof(arg));
	assert_string_equal(arg, "virtio_mmio.device=4K@0xd0000000:5");
#define R(off) ({ uint8_t b_[4]; uint32_t v_; bus_access(&mmio, B + (off), b_, 4, false); \
		  memcpy(&v_, b_, 4); v_; })
#define W(off, v) do { uint32_t v_ = (v); uint8_t b_[4]; memcpy(b_, &v_, 4); \
		       bus_access(&mmio, B + (off), b_, 4, true); } while (0)
	assert_int_equal(R(0x000), 0x74726976);
	assert_int_equal(R(0x004), 2);
	assert_int_equal(R(0x008), 3);			/* console */
	W(0x070, 0);
	W(0x070, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	W(0x014, 1);
	assert_true(R(0x010) & 1);			/* VERSION_1 */
	W(0x024, 1);
	W(0x020, 1);
	W(0x070, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		 VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(R(0x070) & VIRTIO_CONFIG_S_FEATURES_OK);
	W(0x030, 1);					/* transmitq */
	assert_int_equal(R(0x034), VQ_SIZE_MAX);
	W(0x038, QSZ);
	W(0x080, 0x10000);
	W(0x084, 0);
	W(0x090, 0x11000);
	W(0x0a0, 0x12000);
	assert_int_equal(R(0x090), 0x11000);
	W(0x044, 1);
	assert_int_equal(R(0x044), 1);
	W(0x080, 0x20000);				/* fixed once ready */
	assert_int_equal(R(0x080), 0x10000);
	W(0x070, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	memcpy(t->ram + 0x30000, "mmio!", 5);
	d[0] = (struct vring_desc){ 0x30000, 5, 0, 0 };
	avail[2] = 0;
	__atomic_store_n(&avail[1], 1, __ATOMIC_RELEASE);
	W(0x050, 1);					/* QueueNotify */
	assert_int_equal(read(p[0], got, sizeof(got)), 5);
	assert_memory_equal(got, "mmio!", 5);
	for (int i = 0; i < 1000 && !pulses; i++)
		usleep(1000);
	assert_int_equal(pulses, 1);
	assert_int_equal(R(0x060), 1);			/* a used buffer */
	W(0x064, 1);
	assert_int_equal(R(0x060), 0);
	/* 16-bit register accesses are not the driver's: ignored. */
	{
		uint8_t b[2] = { 0, 0 };

		bus_access(&mmio, B + 0x070, b, 2, true);
		assert_true(R(0x070) & VIRTIO_CONFIG_S_DRIVER_OK);
	}
#undef R
#undef W
	virtio_destroy(&con.dev);
	close(p[0]);
	close(p[1]);
}

/* A device whose request never ends: its notify reads a pipe that only
 * the test writes. */
static int wedge_pipe[2];

static void wedge_notify(struct virtio_dev *d, unsigned q)
{
	char c;

	(void)d;
	(void)q;
	while (read(wedge_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
}

/* The launcher's stop by a deadline (stop_threads): a worker inside a
 * request past it is given up on, promptly, and the device is left as
 * it is, its descriptors open (the worker still polls them); a second
 * stop, or a destroy, does not wait for it. A worker that is not inside
 * a request is joined. */
static void test_stop_wedged(void **state)
{
	static const struct virtio_ops ops = { .name = "wedge", .nqueues = 1,
					       .notify = wedge_notify };
	struct virtio_dev d, idle;
	struct timespec by;
	long long t0;

	(void)state;
	assert_int_equal(pipe(wedge_pipe), 0);
	assert_int_equal(virtio_init(&d, &ops, NULL, NULL), 0);
	d.status = VIRTIO_CONFIG_S_DRIVER_OK;
	d.qr[0].enabled = true;
	assert_int_equal(virtio_start(&d), 0);
	virtio_kick(&d, 0);
	usleep(50000);			/* the worker is in wedge_notify */

	t0 = vm_now_ms();
	by = deadline_in(200);
	assert_int_equal(virtio_stop(&d, &by), -ETIMEDOUT);
	assert_true(vm_now_ms() - t0 >= 190 && vm_now_ms() - t0 < 2000);
	assert_true(d.wedged);
	by = deadline_in(0);
	assert_int_equal(virtio_stop(&d, &by), -ETIMEDOUT);
	virtio_destroy(&d);		/* leaves it */
	assert_true(fcntl(d.stop_fd, F_GETFD) >= 0);
	assert_true(fcntl(d.kick[0], F_GETFD) >= 0);

	/* Let it go, and end it as the process would not have to. */
	assert_int_equal(write(wedge_pipe[1], "x", 1), 1);
	assert_int_equal(pthread_join(d.worker, NULL), 0);
	d.running = d.wedged = false;
	virtio_destroy(&d);
	close(wedge_pipe[0]);
	close(wedge_pipe[1]);

	assert_int_equal(virtio_init(&idle, &ops, NULL, NULL), 0);
	assert_int_equal(virtio_start(&idle), 0);
	by = deadline_in(2000);
	assert_int_equal(virtio_stop(&idle, &by), 0);
	assert_false(idle.running);
	virtio_destroy(&idle);
	assert_int_equal(idle.stop_fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_transmit),
		T(test_input),
		T(test_features_refused),
		T(test_malformed_ring),
		T(test_warning_flood),
		T(test_garbage_registers),
		T(test_mmio),
		cmocka_unit_test(test_stop_wedged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
