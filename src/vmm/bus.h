/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_BUS_H
#define TINYRD_BUS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Address-range dispatch: MMIO, and an arch's port I/O (x86). A device
 * registers ranges with a const ops
 * table; an access nobody claims reads as all ones and its writes are
 * dropped, as on a PC, so probing (PCI at 0xcf8, an absent i8042) finds
 * nothing.
 */
struct bus_ops {
	const char *name;
	/* addr is the offset into the range; data holds len bytes. */
	void (*io)(void *dev, uint64_t addr, uint8_t *data, unsigned len,
		   bool write);
};

#define BUS_MAX_RANGES 16

struct bus_range {
	uint64_t base, len;
	const struct bus_ops *ops;
	void *dev;
};

#define BUS_TRACK 8

struct bus {
	struct bus_range r[BUS_MAX_RANGES];
	unsigned n;
	unsigned long unclaimed;	/* accesses nobody took */
	struct {
		uint64_t addr;
		unsigned long count;
	} top[BUS_TRACK];		/* the first addresses nobody took */
};

int bus_register(struct bus *b, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *dev);
/* Returns true when a device took the access. */
bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned len,
		bool write);

#endif
