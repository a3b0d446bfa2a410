/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_PCI_H
#define TINYRD_VIRTIO_PCI_H

#include "../pci.h"
#include "virtio.h"

/*
 * The virtio 1.x PCI transport (virtio 1.2 §4.1), modern only: common,
 * notify, ISR and device-configuration capabilities in BAR 4, MSI-X
 * (one vector per queue plus one for configuration changes) with INTx
 * as the fallback. Notifications arrive through ioeventfd when the
 * launcher can register one, else through the MMIO handler; both end in
 * the device's kick eventfd.
 */

/* Register (assign) or remove an ioeventfd for a 2-byte write at addr. */
typedef int (*virtio_pci_ioeventfd_fn)(void *ctx, uint64_t addr, int fd,
				       bool assign);

struct virtio_pci {
	struct pci_dev pci;
	struct virtio_dev *dev;
	uint8_t isr;
	uint16_t config_vector;
	uint32_t notify_at;		/* where ioeventfds are, 0: none */
	virtio_pci_ioeventfd_fn ioeventfd;
	void *ctx;
};

int virtio_pci_add(struct pci_bus *b, struct virtio_pci *vp,
		   struct virtio_dev *d, virtio_pci_ioeventfd_fn ioeventfd,
		   void *ctx);
/* Remove its ioeventfds (before the VM goes). */
void virtio_pci_remove(struct virtio_pci *vp);

#endif
