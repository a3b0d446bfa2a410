// SPDX-License-Identifier: MIT
/*
 * vqescape: hostile rings on the devices that move data, driven from
 * user space in an L2 guest (vdrv.c): the virtio-9p, virtio-fs and
 * virtio-blk functions, taken from their drivers.
 *
 *   vqescape chains 9p|fs|blk     descriptors whose buffers lie at MMIO
 *       (the function's own BAR, the local APIC), past the end of RAM,
 *       and across it: each must end in DEVICE_NEEDS_RESET, with a good
 *       request before and after (a Tversion, a FUSE INIT, a read of
 *       sector 0)
 *   vqescape toctou 9p|fs|blk SECS   a thread rewrites the descriptors
 *       (addresses, lengths, flags), the avail ring's entries and the
 *       request itself (9P size and type, FUSE length and opcode, the
 *       disk's sector and direction) in a tight loop for SECS seconds,
 *       one field wrong at a time, while the device serves request after
 *       request; then a good request must be served
 *
 * One line per check, "vqescape: DEV: WHAT: ok" or "...: FAILED (why)";
 * the status is 0 only when every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vdrv.h"

static struct vdev dev;
static struct vpage req, rep;
static const char *kind;
static unsigned qn;
static uint64_t ram_end;	/* the first byte past the guest's RAM */
static int failed;

static void result(const char *what, const char *why)
{
	printf("vqescape: %s: %s: %s%s%s\n", kind, what, why ? "FAILED (" : "ok",
	       why ? why : "", why ? ")" : "");
	fflush(stdout);
	if (why)
		failed = 1;
}

static const char *outcome(int r)
{
	return r == 'R' ? "the device asked for a reset" :
	       r == 'U' ? "the device used the buffers" :
	       r == 'S' ? "the device refused the setup" : "nothing happened in 5 s";
}

static void find_ram_end(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];

	if (!f)
		vdrv_die("open", "/proc/iomem");
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (line[0] != ' ' && strstr(line, "System RAM") &&
		    sscanf(line, "%llx-%llx", &a, &b) == 2 && b + 1 > ram_end)
			ram_end = b + 1;
	}
	fclose(f);
	if (!ram_end) {
		errno = ENOENT;
		vdrv_die("System RAM", "/proc/iomem");
	}
}

/* The good request of each device, in req and rep; its segments. */
static unsigned good_request(struct seg *s)
{
	memset(req.p, 0, 256);
	memset(rep.p, 0xee, 4096);
	if (!strcmp(kind, "9p")) {
		static const uint8_t tversion[] = {
			21, 0, 0, 0, 100, 0xff, 0xff, 0, 0x20, 0, 0,
			8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L',
		};

		memcpy(req.p, tversion, sizeof(tversion));
		s[0] = (struct seg){ req.pa, sizeof(tversion), 0 };
		s[1] = (struct seg){ rep.pa, 4096, 1 };
		return 2;
	}
	if (!strcmp(kind, "fs")) {
		uint32_t h[26] = { 104, 26, 1, 0, 0, 0, 0, 0, 0, 0, 7, 31 };

		memcpy(req.p, h, sizeof(h));
		s[0] = (struct seg){ req.pa, 104, 0 };
		s[1] = (struct seg){ rep.pa, 4096, 1 };
		return 2;
	}
	/* virtio-blk: IN of sector 0, 512 bytes, then the status byte. */
	s[0] = (struct seg){ req.pa, 16, 0 };
	s[1] = (struct seg){ rep.pa, 512, 1 };
	s[2] = (struct seg){ rep.pa + 512, 1, 1 };
	return 3;
}

/* The device's answer to its good request was a good one. */
static const char *answered(void)
{
	if (!strcmp(kind, "9p"))
		return rep.p[4] == 101 ? NULL : "no Rversion";
	if (!strcmp(kind, "fs"))
		return rep.p[0] == 80 && !rep.p[4] ? NULL : "no INIT reply";
	return !rep.p[512] ? NULL : "status not OK";
}

/* The good request, its buffer number i moved to addr (length len) when
 * i is not -1: vdrv_call's outcome, or 0 when the setup was refused. */
static int call(const char *what, int i, uint64_t addr, uint32_t len)
{
	struct seg s[3];
	unsigned n;

	if (vdrv_setup(&dev, qn, 0)) {
		result(what, "the device refused the setup");
		return 0;
	}
	n = good_request(s);
	if (i >= 0) {
		s[i].pa = addr;
		if (len)
			s[i].len = len;
	}
	return vdrv_call(&dev, s, n, 5000, NULL);
}

static void good(const char *what)
{
	int r = call(what, -1, 0, 0);

	if (r)
		result(what, r != 'U' ? outcome(r) : answered());
}

/* Buffer number i of the good request moved to addr (length len). */
static void bad(const char *what, unsigned i, uint64_t addr, uint32_t len)
{
	int r = call(what, (int)i, addr, len);

	if (r)
		result(what, r == 'R' ? NULL : outcome(r));
}

static uint64_t mmio(void)
{
	for (unsigned b = 0; b < 6; b++)
		if (dev.bar[b])
			return dev.bar[b];
	return 0xfebf0000ull;
}

static void chains(void)
{
	good("a good request");
	bad("the request at the function's own BAR", 0, mmio(), 0);
	bad("the reply at the local APIC", 1, 0xfee00000ull, 0);
	bad("the reply past the end of RAM", 1, ram_end, 0);
	bad("the reply across the end of RAM", 1, ram_end - 2048, 4096);
	bad("the request across the end of RAM", 0, ram_end - 8, 0);
	bad("the reply at 2^64 - 4096", 1, 0xfffffffffffff000ull, 0);
	good("a good request after the resets");
}

/* --- a ring that changes under the device ------------------------------ */

static volatile int stop;
static struct seg gs[3];	/* the good request's segments */
static unsigned gn;
static uint8_t greq[32];	/* and its first bytes */

/*
 * In turns of 4096 rounds: the ring and the request as they should be,
 * then one thing in them wrong (or none), over and over, so that a pop
 * finds a chain it can serve and the device goes deep, and one that
 * reads a field twice sees it change between its reads; then the same
 * wrongs without the repairs, piling up. On blk the request is a read or
 * a write (its data then readable) of a sector in the disk, at its end,
 * past it or at 2^40: a write that lands outside the disk grows it.
 */
static void *flipper(void *arg)
{
	struct desc *d = (struct desc *)(dev.ring.p + DESC);
	volatile uint16_t *ring = vdrv_avail_ring(&dev);
	static const uint64_t sectors[] = { 0, 2047, 2048, 1ull << 40 };
	bool blk = !strcmp(kind, "blk");
	unsigned i = 0;

	(void)arg;
	while (!stop) {
		bool wr = blk && ((++i >> 4) & 1);

		for (unsigned k = 0; k < gn && (i >> 12 & 1); k++) {
			d[k].addr = gs[k].pa;
			d[k].len = gs[k].len;
			d[k].flags = (uint16_t)((gs[k].write ? F_WRITE : 0) |
						(k + 1 < gn ? F_NEXT : 0));
		}
		for (unsigned k = 0; k < QSIZE && (i >> 12 & 1); k++)
			ring[k] = 0;		/* the driver's only head */
		if (i >> 12 & 1)
			memcpy(req.p, greq, sizeof(greq));
		if (blk) {
			req.p[0] = wr;		/* VIRTIO_BLK_T_OUT or _IN */
			memcpy(req.p + 8, &sectors[(i >> 5) % 4], 8);
			if (wr)
				d[1].flags = F_NEXT;
		}
		switch (i % 9) {
		case 1: d[0].len = 0xfffffff0u; break;
		case 2: d[1].addr = ram_end - 64; break;
		case 3: d[1].len = 0x7fffffffu; break;
		case 4: d[i % gn].flags ^= F_INDIRECT; break;
		case 5: d[i % gn].flags ^= F_NEXT; break;
		case 6: ring[i % QSIZE] = 200; break;
		case 7:	/* the 9P size, the FUSE length, the disk's type */
			if (blk)
				req.p[0] = 8;		/* VIRTIO_BLK_T_GET_ID */
			else
				memcpy(req.p, (uint32_t[]){ i & 16 ? 0xffffffffu : 4000 }, 4);
			break;
		case 8:	/* the 9P type (Tread), the FUSE opcode (READ) */
			if (!blk)
				req.p[4] = !strcmp(kind, "9p") ? 116 : 15;
			break;
		}
	}
	return NULL;
}

static void toctou(int secs)
{
	unsigned used = 0, resets = 0, quiet = 0, reqs = 0;
	time_t end = time(NULL) + secs;
	pthread_t th;
	struct seg s[3];
	char line[160];
	unsigned n;

	if (vdrv_setup(&dev, qn, 0)) {
		result("a ring that changes under the device", "setup refused");
		return;
	}
	gn = good_request(gs);
	memcpy(greq, req.p, sizeof(greq));
	stop = 0;
	pthread_create(&th, NULL, flipper, NULL);
	while (time(NULL) < end) {
		int r;

		n = good_request(s);
		reqs++;
		r = vdrv_call(&dev, s, n, 300, NULL);
		if (r == 'U') {
			used++;
		} else if (r == 'R') {
			resets++;
			vdrv_setup(&dev, qn, 0);
		} else {
			quiet++;
			vdrv_setup(&dev, qn, 0);
		}
	}
	stop = 1;
	pthread_join(th, NULL);
	snprintf(line, sizeof(line), "%u requests: %u used, %u reset, %u unanswered",
		 reqs, used, resets, quiet);
	printf("vqescape: %s: rewritten under the device: %s\n", kind, line);
	good("a good request after the ring was rewritten under the device");
}

int main(int argc, char **argv)
{
	char addr[32];
	unsigned id;

	if (argc < 3 || (strcmp(argv[2], "9p") && strcmp(argv[2], "fs") &&
			 strcmp(argv[2], "blk"))) {
		fprintf(stderr, "usage: vqescape chains|toctou 9p|fs|blk [SECS]\n");
		return 2;
	}
	kind = argv[2];
	id = !strcmp(kind, "9p") ? 9 : !strcmp(kind, "fs") ? 26 : 2;
	qn = !strcmp(kind, "fs") ? 1 : 0;
	if (vdrv_find(id, addr)) {
		errno = ENODEV;
		vdrv_die("no virtio function for", kind);
	}
	vdrv_open(&dev, addr);
	req = vdrv_page();
	rep = vdrv_page();
	find_ram_end();
	if (!strcmp(argv[1], "chains"))
		chains();
	else
		toctou(argc > 3 ? atoi(argv[3]) : 3);
	vdrv_reset(&dev);
	return failed;
}
