/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MEM_H
#define TINYRD_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Guest RAM: one anonymous mapping, seen by the guest as up to two ranges
 * (below the MMIO hole, and from 4 GiB). gmem_ptr() is the only
 * translation from a guest-physical address to a host pointer; it checks
 * the whole range, so a guest-supplied (address, length) can never reach
 * outside guest RAM.
 */
struct gmem {
	uint8_t *host;		/* the mapping */
	uint64_t size;		/* bytes of RAM */
	uint64_t low;		/* bytes mapped at 0 */
	uint64_t high;		/* bytes mapped at HIGH_RAM_START */
	bool mapped;		/* host came from mmap (not the caller) */
	uint64_t map_len;	/* bytes mapped (whole huge pages) */
};

/* Map size bytes of RAM (MAP_NORESERVE; or 2 MiB huge pages if asked,
 * reserved now: too few is -ENOMEM, said in one line). */
int gmem_init(struct gmem *g, uint64_t size, bool hugepages);
/* For tests: RAM over a buffer the caller owns. */
void gmem_wrap(struct gmem *g, void *buf, uint64_t size);
void gmem_free(struct gmem *g);

/* Host pointer for [gpa, gpa + len), or NULL when any of it is not RAM. */
void *gmem_ptr(const struct gmem *g, uint64_t gpa, uint64_t len);

/* The e820 map of this RAM: usable ranges with the PC's reserved low
 * area. Returns the number of entries written (at most max). */
struct e820_range {
	uint64_t addr, size;
	uint32_t type;		/* 1 RAM, 2 reserved */
};
unsigned gmem_e820(const struct gmem *g, struct e820_range *out, unsigned max);

#endif
