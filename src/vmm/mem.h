/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MEM_H
#define TINYRD_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Guest RAM: one anonymous mapping, seen by the guest as up to two ranges
 * where the arch puts them (struct gmem_layout: on x86 below the MMIO
 * hole, and from 4 GiB). gmem_ptr() is the only translation from a
 * guest-physical address to a host pointer; it checks the whole range,
 * so a guest-supplied (address, length) can never reach outside guest RAM.
 */
struct sync;

struct gmem_layout {
	uint64_t base;		/* the first range starts here */
	uint64_t hole;		/* and ends here at the latest (0: no end) */
	uint64_t high_base;	/* where the rest of RAM goes */
};

struct gmem {
	uint8_t *host;		/* the mapping */
	uint64_t size;		/* bytes of RAM */
	uint64_t base;		/* guest-physical start of the first range */
	uint64_t low;		/* its bytes */
	uint64_t high_base;	/* guest-physical start of the second */
	uint64_t high;		/* its bytes */
	bool mapped;		/* host came from mmap (not the caller) */
	/* Every byte still reads zero, never written: set by gmem_init,
	 * cleared by the kernel's loader (x86/boot.c), the first to write,
	 * which leaves zero pages of the kernel unwritten while it holds. */
	bool fresh;
	uint64_t map_len;	/* bytes mapped (whole huge pages) */
	/* How the VMM keeps its view of this RAM coherent with the
	 * guest's (virtio/sync.h); NULL: mode none. Set by the launcher
	 * before devices start, read by every queue. */
	const struct sync *sync;
};

/* Map size bytes of RAM laid out as lay says (MAP_NORESERVE; or 2 MiB huge
 * pages if asked, reserved now: too few is -ENOMEM, said in one line). */
int gmem_init(struct gmem *g, uint64_t size, bool hugepages,
	      const struct gmem_layout *lay);
/* For tests: RAM over a buffer the caller owns; lay NULL: one range at 0. */
void gmem_wrap(struct gmem *g, void *buf, uint64_t size,
	       const struct gmem_layout *lay);
void gmem_free(struct gmem *g);

/* Host pointer for [gpa, gpa + len), or NULL when any of it is not RAM. */
void *gmem_ptr(const struct gmem *g, uint64_t gpa, uint64_t len);

#endif
