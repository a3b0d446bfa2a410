// SPDX-License-Identifier: MIT
#include <string.h>

#include "bus.h"
#include "../common/log.h"

int bus_register(struct bus *b, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *dev)
{
	if (!len || base + len < base)
		return error("%s: bad range %#llx+%#llx", ops->name,
			     (unsigned long long)base, (unsigned long long)len);
	for (unsigned i = 0; i < b->n; i++)
		if (base < b->r[i].base + b->r[i].len &&
		    b->r[i].base < base + len)
			return error("%s: range %#llx+%#llx overlaps %s", ops->name,
				     (unsigned long long)base,
				     (unsigned long long)len, b->r[i].ops->name);
	if (b->n == BUS_MAX_RANGES)
		return error("%s: too many ranges on the bus", ops->name);
	b->r[b->n++] = (struct bus_range){ base, len, ops, dev };
	return 0;
}

bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned len,
		bool write)
{
	for (unsigned i = 0; i < b->n; i++) {
		const struct bus_range *r = &b->r[i];

		if (addr >= r->base && addr - r->base < r->len &&
		    len <= r->len - (addr - r->base)) {
			r->ops->io(r->dev, addr - r->base, data, len, write);
			return true;
		}
	}
	__atomic_fetch_add(&b->unclaimed, 1, __ATOMIC_RELAXED);
	/* Which ones, for -vv; racy between vCPUs, which statistics can be. */
	for (unsigned i = 0; i < BUS_TRACK; i++) {
		if (b->top[i].count && b->top[i].addr != addr)
			continue;
		b->top[i].addr = addr;
		__atomic_fetch_add(&b->top[i].count, 1, __ATOMIC_RELAXED);
		break;
	}
	if (!write)
		memset(data, 0xff, len);
	return false;
}
