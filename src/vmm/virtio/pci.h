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
 *
 * A device with a shared-memory region gets it as a 64-bit prefetchable
 * BAR 2 with a VIRTIO_PCI_CAP_SHARED_MEMORY_CFG capability; the launcher
 * backs the BAR with the region's memory wherever the guest puts it.
 */

/* Register (assign) or remove an ioeventfd for a 2-byte write at addr. */
typedef int (*virtio_pci_ioeventfd_fn)(void *ctx, uint64_t addr, int fd,
				       bool assign);

/* Map the shared-memory region at gpa, or unmap it (gpa 0); 0 or -errno. */
struct virtio_pci;
typedef int (*virtio_pci_shm_fn)(void *ctx, struct virtio_pci *vp,
				 uint64_t gpa);

struct virtio_pci {
	struct pci_dev pci;
	struct virtio_dev *dev;
	uint8_t isr;
	uint16_t config_vector;
	uint32_t notify_at;		/* where ioeventfds are, 0: none */
	virtio_pci_ioeventfd_fn ioeventfd;
	virtio_pci_shm_fn shm_map;
	uint64_t shm_at;		/* where the region is mapped, 0: not */
	void *ctx;
};

int virtio_pci_add(struct pci_bus *b, struct virtio_pci *vp,
		   struct virtio_dev *d, virtio_pci_ioeventfd_fn ioeventfd,
		   virtio_pci_shm_fn shm_map, void *ctx);
/* Remove its ioeventfds and shared memory (before the VM goes). */
void virtio_pci_remove(struct virtio_pci *vp);

#endif
