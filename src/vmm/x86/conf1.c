// SPDX-License-Identifier: MIT
/* PCI configuration access of type 1 (conf1.h). */
#include <string.h>

#include "conf1.h"

#define CF8_ENABLE	0x80000000u

static void conf1_io(void *dev, uint64_t port, uint8_t *data, unsigned len,
		     bool write)
{
	struct pci_conf1 *c = dev;
	struct pci_dev *d;
	uint32_t cf8;
	unsigned off;

	if (port < 4) {
		if (port || len != 4) {
			if (!write)
				memset(data, 0xff, len);
			return;
		}
		if (write) {
			memcpy(&cf8, data, 4);
			__atomic_store_n(&c->cf8, cf8, __ATOMIC_SEQ_CST);
		} else {
			cf8 = __atomic_load_n(&c->cf8, __ATOMIC_SEQ_CST);
			memcpy(data, &cf8, 4);
		}
		return;
	}
	cf8 = __atomic_load_n(&c->cf8, __ATOMIC_SEQ_CST);
	off = (cf8 & 0xfc) + (unsigned)(port - 4);
	d = (cf8 & CF8_ENABLE) && !(cf8 & 0x00ff0700)
	    ? pci_slot(c->bus, (cf8 >> 11) & 0x1f) : NULL;
	if (!d || off + len > 256) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	pci_cfg_access(d, off, data, len, write);
}

const struct bus_ops pci_conf1_ops = { .name = "pci-conf1", .io = conf1_io };
