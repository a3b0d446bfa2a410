// SPDX-License-Identifier: MIT
/*
 * vqfuzz: a hostile virtio driver for the nested harness. Runs in an L2
 * guest as root, takes a virtio-pci function away from its driver and
 * drives it from user space: the capabilities found by walking the
 * function's config space (sysfs), the common configuration through
 * /dev/mem on the BAR, the rings in a locked page whose guest-physical
 * address comes from /proc/self/pagemap. Each case resets the device,
 * sets up queue 0 and either posts a good request (the device must use
 * it) or a malformed ring (the device must set DEVICE_NEEDS_RESET and use
 * nothing). The launcher must live through all of it.
 *
 *   vqfuzz 0000:00:03.0      (a virtio-rng function: its queue takes
 *                             device-writable buffers)
 *
 * One line per case, "vqfuzz: CASE: ok" or "vqfuzz: CASE: FAILED ...";
 * the status is 0 only when every case behaved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define QSIZE		8
#define F_NEXT		1
#define F_WRITE		2
#define F_INDIRECT	4
#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40
#define INDIRECT_DESC	28	/* feature bits */
#define VERSION_1	32

/* virtio 1.x struct virtio_pci_common_cfg offsets */
enum {
	DFSELECT = 0, DF = 4, GFSELECT = 8, GF = 12, MSIX_CONFIG = 16,
	STATUS = 20, QSELECT = 22, QSIZE_REG = 24, QMSIX = 26, QENABLE = 28,
	QNOTIFY_OFF = 30, QDESC = 32, QDRIVER = 40, QDEVICE = 48,
};

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static volatile uint8_t *common, *notify;
static uint32_t notify_mult;
static uint8_t *page;		/* the rings, tables and buffers */
static uint64_t page_pa;
static uint64_t offered;
static int failed, refused;

/* Offsets in the page. */
#define DESC	0
#define AVAIL	512
#define USED	1024
#define TABLE	2048
#define BUF	3072

static void die(const char *what, const char *obj)
{
	fprintf(stderr, "vqfuzz: %s: %s: %s\n", what, obj, strerror(errno));
	exit(2);
}

static void w8(unsigned off, uint8_t v) { *(volatile uint8_t *)(common + off) = v; }
static void w16(unsigned off, uint16_t v) { *(volatile uint16_t *)(common + off) = v; }
static void w32(unsigned off, uint32_t v) { *(volatile uint32_t *)(common + off) = v; }
static uint8_t r8(unsigned off) { return *(volatile uint8_t *)(common + off); }
static uint16_t r16(unsigned off) { return *(volatile uint16_t *)(common + off); }
static uint32_t r32(unsigned off) { return *(volatile uint32_t *)(common + off); }

static void w64(unsigned off, uint64_t v)
{
	w32(off, (uint32_t)v);
	w32(off + 4, (uint32_t)(v >> 32));
}

static uint64_t bar_address(const char *dev, unsigned bar)
{
	char path[256];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", dev);
	f = fopen(path, "r");
	if (!f)
		die("open", path);
	for (unsigned i = 0; i <= bar; i++)
		if (fscanf(f, "%llx %*x %*x", &start) != 1) {
			errno = EINVAL;
			die("parse", path);
		}
	fclose(f);
	return start;
}

static volatile uint8_t *map_bar(int mem, uint64_t at, uint32_t len)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t base = at & ~(uint64_t)(ps - 1);
	uint8_t *p = mmap(NULL, len + (at - base), PROT_READ | PROT_WRITE,
			  MAP_SHARED, mem, (off_t)base);

	if (p == MAP_FAILED)
		die("mmap", "/dev/mem");
	return p + (at - base);
}

/* Walk the function's capability list for the virtio structures. */
static void find_caps(const char *dev)
{
	char path[256];
	uint8_t cfg[256];
	int fd, mem;
	unsigned at, hops = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		die("read", path);
	close(fd);
	mem = open("/dev/mem", O_RDWR | O_SYNC);
	if (mem < 0)
		die("open", "/dev/mem");
	for (at = cfg[0x34] & 0xfc; at && hops++ < 48; at = cfg[at + 1] & 0xfc) {
		uint32_t off, len;

		if (at > 256 - 16 || cfg[at] != 0x09)	/* vendor-specific */
			continue;
		memcpy(&off, &cfg[at + 8], 4);
		memcpy(&len, &cfg[at + 12], 4);
		switch (cfg[at + 3]) {
		case 1:
			common = map_bar(mem, bar_address(dev, cfg[at + 4]) + off, len);
			break;
		case 2:
			notify = map_bar(mem, bar_address(dev, cfg[at + 4]) + off, len);
			memcpy(&notify_mult, &cfg[at + 16], 4);
			break;
		}
	}
	if (!common || !notify) {
		errno = ENOENT;
		die("virtio capabilities", dev);
	}
}

static void alloc_page(void)
{
	uint64_t e;
	int fd;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (page == MAP_FAILED)
		die("mmap", "ring page");
	memset(page, 0, 4096);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)page / 4096 * 8)) != 8)
		die("read", "/proc/self/pagemap");
	close(fd);
	if (!(e >> 63) || !(e & ((1ULL << 55) - 1))) {
		errno = EPERM;
		die("physical address", "/proc/self/pagemap");
	}
	page_pa = (e & ((1ULL << 55) - 1)) * 4096;
}

static struct desc *d_at(unsigned off) { return (struct desc *)(page + off); }

static void set(unsigned off, uint64_t addr, uint32_t len, uint16_t flags,
		uint16_t next)
{
	*d_at(off) = (struct desc){ addr, len, flags, next };
}

static volatile uint16_t *avail_idx(void) { return (volatile uint16_t *)(page + AVAIL + 2); }
static volatile uint16_t *used_idx(void) { return (volatile uint16_t *)(page + USED + 2); }

/* Reset, negotiate, set up queue 0; 0 when the device took it. */
static int setup(int indirect)
{
	uint64_t want = 1ULL << VERSION_1;

	w8(STATUS, 0);
	for (int i = 0; i < 1000 && r8(STATUS); i++)
		usleep(1000);
	refused = 1;
	if (r8(STATUS))
		return -1;
	memset(page, 0, 4096);
	w8(STATUS, S_ACK);
	w8(STATUS, S_ACK | S_DRIVER);
	w32(DFSELECT, 0);
	offered = r32(DF);
	w32(DFSELECT, 1);
	offered |= (uint64_t)r32(DF) << 32;
	if (indirect)
		want |= offered & (1ULL << INDIRECT_DESC);
	w32(GFSELECT, 0);
	w32(GF, (uint32_t)want);
	w32(GFSELECT, 1);
	w32(GF, (uint32_t)(want >> 32));
	w8(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(r8(STATUS) & S_FEATURES_OK))
		return -1;
	w16(MSIX_CONFIG, 0xffff);
	w16(QSELECT, 0);
	w16(QSIZE_REG, QSIZE);
	w16(QMSIX, 0xffff);
	w64(QDESC, page_pa + DESC);
	w64(QDRIVER, page_pa + AVAIL);
	w64(QDEVICE, page_pa + USED);
	w16(QENABLE, 1);
	w8(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	refused = !(r8(STATUS) & S_DRIVER_OK);
	return refused ? -1 : 0;
}

static void post(uint16_t head, uint16_t idx)
{
	((volatile uint16_t *)(page + AVAIL + 4))[0] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*avail_idx() = idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*(volatile uint16_t *)(notify + r16(QNOTIFY_OFF) * notify_mult) = 0;
}

/* Wait up to 5 s for the device to use a buffer or ask for a reset. */
static int outcome(void)
{
	for (int i = 0; i < 5000; i++) {
		if (r8(STATUS) & S_NEEDS_RESET)
			return 'R';
		if (*used_idx())
			return 'U';
		usleep(1000);
	}
	return 'T';
}


static void expect(const char *name, int want)
{
	int got = refused ? 'S' : outcome();

	if (got == want) {
		printf("vqfuzz: %s: ok\n", name);
	} else {
		failed = 1;
		printf("vqfuzz: %s: FAILED (%s)\n", name,
		       got == 'R' ? "the device asked for a reset" :
		       got == 'U' ? "the device used the buffer" :
		       got == 'S' ? "the device refused the setup" :
				    "nothing happened in 5 s");
	}
	fflush(stdout);
}

/* A good request: the device fills 64 bytes and says so. */
static void good(const char *name)
{
	uint8_t zero[64] = { 0 };

	if (!setup(0)) {
		set(DESC, page_pa + BUF, 64, F_WRITE, 0);
		post(0, 1);
	}
	expect(name, 'U');
	if (*used_idx() && (*(volatile uint32_t *)(page + USED + 8) != 64 ||
			    !memcmp(page + BUF, zero, 64))) {
		printf("vqfuzz: %s: FAILED (used length %u, buffer %s)\n", name,
		       *(volatile uint32_t *)(page + USED + 8),
		       memcmp(page + BUF, zero, 64) ? "filled" : "zero");
		failed = 1;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vqfuzz PCI-ADDRESS\n");
		return 2;
	}
	find_caps(argv[1]);
	alloc_page();

	good("good request");

	/* A descriptor loop: 0 -> 1 -> 0. */
	if (!setup(0)) {
		set(DESC, page_pa + BUF, 16, F_WRITE | F_NEXT, 1);
		set(DESC + 16, page_pa + BUF + 16, 16, F_WRITE | F_NEXT, 0);
		post(0, 1);
	}
	expect("descriptor loop", 'R');

	/* A descriptor pointing far outside guest RAM. */
	if (!setup(0)) {
		set(DESC, 0xfff000000000ULL, 64, F_WRITE, 0);
		post(0, 1);
	}
	expect("descriptor outside RAM", 'R');

	/* A length that wraps the address space. */
	if (!setup(0)) {
		set(DESC, 0xffffffffffff0000ULL, 0x20000, F_WRITE, 0);
		post(0, 1);
	}
	expect("length overflowing the address space", 'R');

	/* next beyond the queue. */
	if (!setup(0)) {
		set(DESC, page_pa + BUF, 16, F_WRITE | F_NEXT, 200);
		post(0, 1);
	}
	expect("next beyond the queue", 'R');

	/* The avail index far ahead of the device. */
	if (!setup(0)) {
		set(DESC, page_pa + BUF, 16, F_WRITE, 0);
		post(0, 1000);
	}
	expect("avail index 1000 ahead", 'R');

	/* An avail ring entry naming a descriptor beyond the queue. */
	if (!setup(0)) {
		set(DESC, page_pa + BUF, 16, F_WRITE, 0);
		post(QSIZE + 3, 1);
	}
	expect("avail entry beyond the queue", 'R');

	if (offered & (1ULL << INDIRECT_DESC)) {
		/* An indirect table that loops on itself. */
		if (!setup(1)) {
			set(TABLE, page_pa + BUF, 16, F_WRITE | F_NEXT, 1);
			set(TABLE + 16, page_pa + BUF, 16, F_WRITE | F_NEXT, 0);
			set(DESC, page_pa + TABLE, 32, F_INDIRECT, 0);
			post(0, 1);
		}
		expect("indirect loop", 'R');

		/* An indirect table 24 bytes long. */
		if (!setup(1)) {
			set(TABLE, page_pa + BUF, 16, F_WRITE, 0);
			set(DESC, page_pa + TABLE, 24, F_INDIRECT, 0);
			post(0, 1);
		}
		expect("indirect table not a multiple of 16", 'R');

		/* An indirect table inside an indirect table. */
		if (!setup(1)) {
			set(TABLE, page_pa + TABLE, 16, F_INDIRECT, 0);
			set(DESC, page_pa + TABLE, 16, F_INDIRECT, 0);
			post(0, 1);
		}
		expect("nested indirect table", 'R');

		/* Indirect without negotiating it. */
		if (!setup(0)) {
			set(TABLE, page_pa + BUF, 16, F_WRITE, 0);
			set(DESC, page_pa + TABLE, 16, F_INDIRECT, 0);
			post(0, 1);
		}
		expect("indirect not negotiated", 'R');
	} else {
		printf("vqfuzz: the device does not offer indirect descriptors\n");
		failed = 1;
	}

	/* After all that, a reset brings the device back. */
	good("good request after the resets");
	w8(STATUS, 0);
	return failed;
}
