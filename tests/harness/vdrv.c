// SPDX-License-Identifier: MIT
/* A virtio-pci driver in user space for hostile guest programs. See vdrv.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdrv.h"

/* virtio 1.x struct virtio_pci_common_cfg offsets */
enum {
	DFSELECT = 0, DF = 4, GFSELECT = 8, GF = 12, MSIX_CONFIG = 16,
	STATUS = 20, QSELECT = 22, QSIZE_REG = 24, QMSIX = 26, QENABLE = 28,
	QNOTIFY_OFF = 30, QDESC = 32, QDRIVER = 40, QDEVICE = 48,
};

void vdrv_die(const char *what, const char *obj)
{
	fprintf(stderr, "vdrv: %s: %s: %s\n", what, obj, strerror(errno));
	exit(2);
}

static void w8(struct vdev *d, unsigned off, uint8_t v) { *(volatile uint8_t *)(d->common + off) = v; }
static void w16(struct vdev *d, unsigned off, uint16_t v) { *(volatile uint16_t *)(d->common + off) = v; }
static void w32(struct vdev *d, unsigned off, uint32_t v) { *(volatile uint32_t *)(d->common + off) = v; }
static uint8_t r8(struct vdev *d, unsigned off) { return *(volatile uint8_t *)(d->common + off); }
static uint16_t r16(struct vdev *d, unsigned off) { return *(volatile uint16_t *)(d->common + off); }
static uint32_t r32(struct vdev *d, unsigned off) { return *(volatile uint32_t *)(d->common + off); }

static void w64(struct vdev *d, unsigned off, uint64_t v)
{
	w32(d, off, (uint32_t)v);
	w32(d, off + 4, (uint32_t)(v >> 32));
}

static unsigned read_hex(const char *dir, const char *name)
{
	char path[512];
	unsigned v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int vdrv_find(unsigned id, char addr[32])
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int r = -1;

	if (!dir)
		vdrv_die("open", "/sys/bus/pci/devices");
	while (r && (e = readdir(dir))) {
		char at[512], path[600];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(at, sizeof(at), "/sys/bus/pci/devices/%s", e->d_name);
		if (read_hex(at, "vendor") != 0x1af4 ||
		    read_hex(at, "device") != 0x1040 + id)
			continue;
		snprintf(addr, 32, "%.31s", e->d_name);
		r = 0;
		snprintf(path, sizeof(path), "%s/driver/unbind", at);
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%s\n", addr);
			fclose(f);
		}
	}
	closedir(dir);
	return r;
}

static uint64_t bar_address(const char *dev, unsigned bar)
{
	char path[256];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", dev);
	f = fopen(path, "r");
	if (!f)
		vdrv_die("open", path);
	for (unsigned i = 0; i <= bar; i++)
		if (fscanf(f, "%llx %*x %*x", &start) != 1) {
			errno = EINVAL;
			vdrv_die("parse", path);
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
		vdrv_die("mmap", "/dev/mem");
	return p + (at - base);
}

struct vpage vdrv_page(void)
{
	struct vpage pg;
	uint64_t e;
	int fd;

	pg.p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (pg.p == MAP_FAILED)
		vdrv_die("mmap", "a locked page");
	memset(pg.p, 0, 4096);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)pg.p / 4096 * 8)) != 8)
		vdrv_die("read", "/proc/self/pagemap");
	close(fd);
	if (!(e >> 63) || !(e & ((1ULL << 55) - 1))) {
		errno = EPERM;
		vdrv_die("physical address", "/proc/self/pagemap");
	}
	pg.pa = (e & ((1ULL << 55) - 1)) * 4096;
	return pg;
}

/* Walk the function's capability list for the virtio structures. */
void vdrv_open(struct vdev *d, const char *dev)
{
	char path[256];
	uint8_t cfg[256];
	int fd, mem;
	unsigned at, hops = 0;

	memset(d, 0, sizeof(*d));
	snprintf(d->addr, sizeof(d->addr), "%s", dev);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev);
	fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		vdrv_die("read", path);
	close(fd);
	mem = open("/dev/mem", O_RDWR | O_SYNC);
	if (mem < 0)
		vdrv_die("open", "/dev/mem");
	for (unsigned b = 0; b < 6; b++)
		d->bar[b] = bar_address(dev, b);
	for (at = cfg[0x34] & 0xfc; at && hops++ < 48; at = cfg[at + 1] & 0xfc) {
		uint32_t off, len;

		if (at > 256 - 16 || cfg[at] != 0x09)	/* vendor-specific */
			continue;
		memcpy(&off, &cfg[at + 8], 4);
		memcpy(&len, &cfg[at + 12], 4);
		switch (cfg[at + 3]) {
		case 1:
			d->common = map_bar(mem, d->bar[cfg[at + 4] % 6] + off, len);
			break;
		case 2:
			d->notify = map_bar(mem, d->bar[cfg[at + 4] % 6] + off, len);
			memcpy(&d->notify_mult, &cfg[at + 16], 4);
			break;
		}
	}
	if (!d->common || !d->notify) {
		errno = ENOENT;
		vdrv_die("virtio capabilities", dev);
	}
	d->ring = vdrv_page();
}

uint8_t vdrv_status(struct vdev *d)
{
	return r8(d, STATUS);
}

void vdrv_reset(struct vdev *d)
{
	w8(d, STATUS, 0);
	for (int i = 0; i < 1000 && r8(d, STATUS); i++)
		usleep(1000);
}

int vdrv_setup(struct vdev *d, unsigned qn, int indirect)
{
	uint64_t want = 1ULL << VERSION_1;

	vdrv_reset(d);
	d->refused = 1;
	if (r8(d, STATUS))
		return -1;
	memset(d->ring.p, 0, 4096);
	d->qn = qn;
	d->next = 0;
	w8(d, STATUS, S_ACK);
	w8(d, STATUS, S_ACK | S_DRIVER);
	w32(d, DFSELECT, 0);
	d->offered = r32(d, DF);
	w32(d, DFSELECT, 1);
	d->offered |= (uint64_t)r32(d, DF) << 32;
	if (indirect)
		want |= d->offered & (1ULL << INDIRECT_DESC);
	w32(d, GFSELECT, 0);
	w32(d, GF, (uint32_t)want);
	w32(d, GFSELECT, 1);
	w32(d, GF, (uint32_t)(want >> 32));
	w8(d, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(r8(d, STATUS) & S_FEATURES_OK))
		return -1;
	w16(d, MSIX_CONFIG, 0xffff);
	w16(d, QSELECT, (uint16_t)qn);
	w16(d, QSIZE_REG, QSIZE);
	w16(d, QMSIX, 0xffff);
	w64(d, QDESC, d->ring.pa + DESC);
	w64(d, QDRIVER, d->ring.pa + AVAIL);
	w64(d, QDEVICE, d->ring.pa + USED);
	w16(d, QENABLE, 1);
	w8(d, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	d->refused = !(r8(d, STATUS) & S_DRIVER_OK);
	return d->refused ? -1 : 0;
}

void vdrv_set(struct vdev *d, unsigned off, uint64_t addr, uint32_t len,
	      uint16_t flags, uint16_t next)
{
	*(struct desc *)(d->ring.p + off) = (struct desc){ addr, len, flags, next };
}

volatile uint16_t *vdrv_avail_idx(struct vdev *d) { return (volatile uint16_t *)(d->ring.p + AVAIL + 2); }
volatile uint16_t *vdrv_used_idx(struct vdev *d) { return (volatile uint16_t *)(d->ring.p + USED + 2); }
volatile uint16_t *vdrv_avail_ring(struct vdev *d) { return (volatile uint16_t *)(d->ring.p + AVAIL + 4); }

uint32_t vdrv_used_len(struct vdev *d, unsigned i)
{
	return *(volatile uint32_t *)(d->ring.p + USED + 4 + 8 * (i % QSIZE) + 4);
}

void vdrv_kick(struct vdev *d)
{
	w16(d, QSELECT, (uint16_t)d->qn);
	*(volatile uint16_t *)(d->notify + r16(d, QNOTIFY_OFF) * d->notify_mult) =
		(uint16_t)d->qn;
}

void vdrv_post(struct vdev *d, uint16_t head, uint16_t idx)
{
	vdrv_avail_ring(d)[(uint16_t)(idx - 1) % QSIZE] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*vdrv_avail_idx(d) = idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vdrv_kick(d);
}

/*
 * The used index is read in guest memory; the status register only every
 * STATUS_EVERY ms and at the end. Each read of it is an exit to the
 * launcher, whose vCPU thread then waits for the device's lock: a guest
 * that read it in a loop would stand still, every thread of it, for as
 * long as the device is inside a request, and so never change the ring
 * under the device (vqescape toctou) while the device reads it.
 */
#define STATUS_EVERY 10

int vdrv_wait(struct vdev *d, uint16_t want, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		if (*vdrv_used_idx(d) == want)
			return 'U';
		if (i % STATUS_EVERY == STATUS_EVERY - 1 &&
		    r8(d, STATUS) & S_NEEDS_RESET)
			return 'R';
		usleep(1000);
	}
	if (*vdrv_used_idx(d) == want)
		return 'U';
	return r8(d, STATUS) & S_NEEDS_RESET ? 'R' : 'T';
}

int vdrv_call(struct vdev *d, const struct seg *s, unsigned n, unsigned ms,
	      uint32_t *len)
{
	int r;

	if (d->refused)
		return 'S';
	for (unsigned i = 0; i < n; i++)
		vdrv_set(d, DESC + 16 * i, s[i].pa, s[i].len,
			 (uint16_t)((s[i].write ? F_WRITE : 0) | (i + 1 < n ? F_NEXT : 0)),
			 (uint16_t)(i + 1));
	d->next++;
	vdrv_post(d, 0, d->next);
	r = vdrv_wait(d, d->next, ms);
	if (len)
		*len = r == 'U' ? vdrv_used_len(d, (uint16_t)(d->next - 1)) : 0;
	return r;
}
