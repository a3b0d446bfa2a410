/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_PCI_H
#define TINYRD_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

/*
 * PCI bus 0 behind a host bridge at 00:00.0 (Linux's pci_sanity_check()
 * looks for one). How the guest reaches configuration space is the
 * arch's (x86: type-1 access, x86/conf1.c), through pci_cfg_access(). Each function has
 * 256 bytes of configuration space with a mask of the bits the driver may
 * write; memory BARs are 32-bit, sized and placed by the launcher in the
 * MMIO window the arch gives pci_init, or 64-bit and prefetchable above RAM (shared
 * memory that the launcher backs with a KVM memory slot), and may be moved
 * by the guest. The memory window
 * is one bus range; pci.c sends each access to the BAR that decodes it,
 * so a BAR that the guest moves or disables needs nothing re-registered.
 *
 * MSI-X: the table and PBA live in a BAR at offsets the device chooses;
 * pci_msix_signal() delivers a vector through the callback (KVM_SIGNAL_MSI
 * in the launcher), or keeps it pending while masked. Without MSI-X the
 * function's INTx line (INTA#) goes to an interrupt line from the arch's
 * base (pci_intx_pin(); on x86 an IOAPIC pin, as the MP table says).
 */

/* Class codes (the kernel's pci_ids.h, not in its UAPI). */
#ifndef PCI_CLASS_BRIDGE_HOST
#define PCI_CLASS_BRIDGE_HOST	0x0600
#endif

#define PCI_SLOTS	32
#define PCI_BARS	6
#define PCI_MSIX_MAX	64

struct pci_dev;

/* Accesses to a BAR: off is into the BAR. */
typedef void (*pci_bar_fn)(struct pci_dev *d, unsigned bar, uint64_t off,
			   uint8_t *data, unsigned len, bool write);
/* Deliver an MSI; returns 0 or -errno. */
typedef int (*pci_msi_fn)(void *ctx, uint64_t addr, uint32_t data);
/* Set an interrupt line's level. */
typedef void (*pci_irq_fn)(void *ctx, unsigned pin, int level);

struct pci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct pci_dev {
	uint8_t cfg[256];
	uint8_t wmask[256];		/* bits the guest may change */
	uint64_t bar_size[PCI_BARS];	/* power of two, 0 when absent (and
					 * for a 64-bit BAR's upper half) */
	pci_bar_fn bar_io;
	/* A BAR or memory decoding changed (re-register ioeventfds). */
	void (*bar_moved)(struct pci_dev *d);
	void *priv;			/* the transport's */
	struct pci_bus *bus;
	unsigned slot;
	uint8_t cap_next;		/* where the next capability goes */
	/* MSI-X */
	uint8_t msix_cap;		/* config offset, 0 when none */
	unsigned msix_n;
	unsigned msix_bar;
	uint32_t msix_table, msix_pba;	/* offsets into msix_bar */
	struct pci_msix_entry msix[PCI_MSIX_MAX];
	uint64_t msix_pending;
	bool intx;			/* INTA# asserted */
};

struct pci_bus {
	struct pci_dev *dev[PCI_SLOTS];
	struct pci_dev bridge;
	pthread_mutex_t lock;		/* config, MSI-X state */
	uint32_t window;		/* the memory window's start */
	uint32_t mmio_next, mmio_end;	/* BAR space left in the hole */
	uint64_t mmio64_next, mmio64_end; /* and above RAM (0: none) */
	uint64_t mmio64_start;		/* where that room began */
	unsigned intx_base;		/* slot s's INTA#: line base + s % 8 */
	pci_msi_fn msi;
	pci_irq_fn irq;
	void *ctx;
};

/* The bus with its host bridge; BARs go in [mmio_start, mmio_end). */
void pci_init(struct pci_bus *b, uint32_t mmio_start, uint32_t mmio_end,
	      unsigned intx_base, pci_msi_fn msi, pci_irq_fn irq, void *ctx);
/* Room for 64-bit BARs: [start, end). */
void pci_set_mmio64(struct pci_bus *b, uint64_t start, uint64_t end);
/* Register the memory window on the host's MMIO bus. */
int pci_attach(struct pci_bus *b, struct bus *mmio);
/* The function in slot of bus 0 (function 0), or NULL. */
struct pci_dev *pci_slot(struct pci_bus *b, unsigned slot);

/* A function with vendor/device/class/subsystem ids in the next free
 * slot; returns the slot or -ENOSPC. */
int pci_add(struct pci_bus *b, struct pci_dev *d, uint16_t vendor,
	    uint16_t device, uint32_t class, uint16_t subsys_vendor,
	    uint16_t subsys);
/* A 32-bit memory BAR of size bytes (a power of two, at least 4 KiB). */
int pci_add_bar(struct pci_dev *d, unsigned bar, uint32_t size);
/* A 64-bit prefetchable memory BAR (bar and bar + 1) of size bytes (a
 * power of two, at least 4 KiB) above RAM; -ENOSPC without room. */
int pci_add_bar64(struct pci_dev *d, unsigned bar, uint64_t size);
/* Append a capability of len bytes (id and next filled in); returns its
 * config offset, or -ENOSPC. The caller fills the body and sets wmask. */
int pci_add_cap(struct pci_dev *d, uint8_t id, unsigned len);
/* An MSI-X capability with n vectors, table and PBA in bar. */
int pci_add_msix(struct pci_dev *d, unsigned n, unsigned bar,
		 uint32_t table, uint32_t pba);

/* The guest-physical address a memory BAR decodes, or 0 when memory
 * decoding is off or the BAR is unassigned. */
uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar);


/* Config space accesses (what 0xcfc reaches); for tests too. */
void pci_cfg_access(struct pci_dev *d, unsigned off, uint8_t *data,
		    unsigned len, bool write);

bool pci_msix_enabled(const struct pci_dev *d);
/* Signal vector v: delivered, or pending while masked. Out of range or
 * MSI-X off: nothing. */
void pci_msix_signal(struct pci_dev *d, unsigned v);
/* INTx level (INTA#), for when MSI-X is off; honours the command
 * register's interrupt-disable bit. */
void pci_intx(struct pci_dev *d, bool level);
/* The interrupt line of slot's INTA# (on x86 the IOAPIC pin the MP
 * table has). */
unsigned pci_intx_pin(const struct pci_bus *b, unsigned slot);

#endif
