// SPDX-License-Identifier: MIT
/*
 * vqfuzz: a hostile virtio driver for the nested harness. Runs in an L2
 * guest as root, takes a virtio-pci function away from its driver and
 * drives it from user space (vdrv.c). Each case resets the device,
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
#include <stdio.h>
#include <string.h>

#include "vdrv.h"

static struct vdev dev;
static uint64_t page_pa;
static uint8_t *page;
static int failed;

static void set(unsigned off, uint64_t addr, uint32_t len, uint16_t flags,
		uint16_t next)
{
	vdrv_set(&dev, off, addr, len, flags, next);
}

static int setup(int indirect)
{
	return vdrv_setup(&dev, 0, indirect);
}

static void post(uint16_t head, uint16_t idx)
{
	vdrv_post(&dev, head, idx);
}

/* Wait up to 5 s for the device to use a buffer or ask for a reset. */
static int outcome(void)
{
	int r = vdrv_wait(&dev, 1, 5000);

	/* Any use counts, the index 1000 ahead included. */
	return r == 'T' && *vdrv_used_idx(&dev) ? 'U' : r;
}

static void expect(const char *name, int want)
{
	int got = dev.refused ? 'S' : outcome();

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
	if (*vdrv_used_idx(&dev) && (*(volatile uint32_t *)(page + USED + 8) != 64 ||
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
	vdrv_open(&dev, argv[1]);
	page = dev.ring.p;
	page_pa = dev.ring.pa;

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

	if (dev.offered & (1ULL << INDIRECT_DESC)) {
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
	vdrv_reset(&dev);
	return failed;
}
