// SPDX-License-Identifier: MIT
/* PCI configuration by ECAM (ecam.h). */
#include <string.h>

#include "ecam.h"

static void ecam_io(void *dev, uint64_t off, uint8_t *data, unsigned len,
		    bool write)
{
	struct pci_bus *b = dev;
	unsigned slot = (unsigned)(off >> 15) & 0x1f, reg = (unsigned)off & 0xfff;
	struct pci_dev *d = off < (1u << 20) && !(off & 0x7000)
			    ? pci_slot(b, slot) : NULL;

	if (!d || (len != 1 && len != 2 && len != 4) || reg % len) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	if (reg >= 256) {
		if (!write)
			memset(data, 0, len);
		return;
	}
	pci_cfg_access(d, reg, data, len, write);
}

const struct bus_ops pci_ecam_ops = { .name = "pci-ecam", .io = ecam_io };
