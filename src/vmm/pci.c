// SPDX-License-Identifier: MIT
/* PCI bus 0, config space, BARs, capabilities, MSI-X. See pci.h. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "pci.h"

#define HOST_VENDOR	0x1b36		/* Red Hat's ids for virtual hardware: */
#define HOST_DEVICE	0x0008		/* a generic host bridge */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static void set_ids(struct pci_dev *d, uint16_t vendor, uint16_t device,
		    uint32_t class, uint16_t subsys_vendor, uint16_t subsys)
{
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->wmask, 0, sizeof(d->wmask));
	wr16(d->cfg + PCI_VENDOR_ID, vendor);
	wr16(d->cfg + PCI_DEVICE_ID, device);
	d->cfg[PCI_REVISION_ID] = 1;
	d->cfg[PCI_CLASS_PROG] = (uint8_t)class;
	wr16(d->cfg + PCI_CLASS_DEVICE, (uint16_t)(class >> 8));
	d->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	wr16(d->cfg + PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	wr16(d->cfg + PCI_SUBSYSTEM_ID, subsys);
	wr16(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				     PCI_COMMAND_MASTER |
				     PCI_COMMAND_INTX_DISABLE);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->cap_next = 0x40;
}

void pci_init(struct pci_bus *b, uint32_t mmio_start, uint32_t mmio_end,
	      unsigned intx_base, pci_msi_fn msi, pci_irq_fn irq, void *ctx)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	b->window = mmio_start;
	b->mmio_next = mmio_start;
	b->mmio_end = mmio_end;
	b->intx_base = intx_base;
	b->msi = msi;
	b->irq = irq;
	b->ctx = ctx;
	set_ids(&b->bridge, HOST_VENDOR, HOST_DEVICE, PCI_CLASS_BRIDGE_HOST << 8,
		0, 0);
	b->bridge.bus = b;
	b->dev[0] = &b->bridge;
}

int pci_add(struct pci_bus *b, struct pci_dev *d, uint16_t vendor,
	    uint16_t device, uint32_t class, uint16_t subsys_vendor,
	    uint16_t subsys)
{
	for (unsigned s = 1; s < PCI_SLOTS; s++) {
		if (b->dev[s])
			continue;
		set_ids(d, vendor, device, class, subsys_vendor, subsys);
		d->cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
		d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)pci_intx_pin(b, s);
		d->bus = b;
		d->slot = s;
		b->dev[s] = d;
		return (int)s;
	}
	return -ENOSPC;
}

int pci_add_bar(struct pci_dev *d, unsigned bar, uint32_t size)
{
	struct pci_bus *b = d->bus;
	uint32_t at;

	if (bar >= PCI_BARS || size < 4096 || (size & (size - 1)))
		return -EINVAL;
	at = (b->mmio_next + size - 1) & ~(size - 1);	/* naturally aligned */
	if (at < b->mmio_next || at + size > b->mmio_end || at + size < at)
		return -ENOSPC;
	b->mmio_next = at + size;
	d->bar_size[bar] = size;
	wr32(d->cfg + PCI_BASE_ADDRESS_0 + 4 * bar,
	     at | PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32);
	wr32(d->wmask + PCI_BASE_ADDRESS_0 + 4 * bar, ~(size - 1));
	return 0;
}

void pci_set_mmio64(struct pci_bus *b, uint64_t start, uint64_t end)
{
	b->mmio64_start = b->mmio64_next = start;
	b->mmio64_end = end;
}

int pci_add_bar64(struct pci_dev *d, unsigned bar, uint64_t size)
{
	struct pci_bus *b = d->bus;
	uint64_t at;

	if (bar + 1 >= PCI_BARS || size < 4096 || (size & (size - 1)))
		return -EINVAL;
	at = (b->mmio64_next + size - 1) & ~(size - 1);
	if (!b->mmio64_end || at < b->mmio64_next || at + size > b->mmio64_end ||
	    at + size < at)
		return -ENOSPC;
	b->mmio64_next = at + size;
	d->bar_size[bar] = size;
	d->bar_size[bar + 1] = 0;
	wr32(d->cfg + PCI_BASE_ADDRESS_0 + 4 * bar,
	     (uint32_t)at | PCI_BASE_ADDRESS_SPACE_MEMORY |
	     PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	wr32(d->cfg + PCI_BASE_ADDRESS_0 + 4 * (bar + 1), (uint32_t)(at >> 32));
	wr32(d->wmask + PCI_BASE_ADDRESS_0 + 4 * bar,
	     (uint32_t)~(size - 1) & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	wr32(d->wmask + PCI_BASE_ADDRESS_0 + 4 * (bar + 1),
	     (uint32_t)(~(size - 1) >> 32));
	return 0;
}

int pci_add_cap(struct pci_dev *d, uint8_t id, unsigned len)
{
	unsigned at = d->cap_next;

	if (len < 2 || at + len > sizeof(d->cfg))
		return -ENOSPC;
	d->cfg[at] = id;
	/* Linux walks from PCI_CAPABILITY_LIST, each next pointer with its
	 * low two bits ignored, until 0 (pci_find_next_cap_ttl). The new
	 * capability goes at the end of the list. */
	if (!(d->cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST)) {
		d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)at;
	} else {
		unsigned p = d->cfg[PCI_CAPABILITY_LIST];

		while (d->cfg[p + 1])
			p = d->cfg[p + 1];
		d->cfg[p + 1] = (uint8_t)at;
	}
	d->cap_next = (uint8_t)((at + len + 3) & ~3u);
	return (int)at;
}

int pci_add_msix(struct pci_dev *d, unsigned n, unsigned bar,
		 uint32_t table, uint32_t pba)
{
	int at;

	if (!n || n > PCI_MSIX_MAX || bar >= PCI_BARS || table % 8 || pba % 8)
		return -EINVAL;
	at = pci_add_cap(d, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (at < 0)
		return at;
	wr16(d->cfg + at + PCI_MSIX_FLAGS, (uint16_t)(n - 1));
	wr16(d->wmask + at + PCI_MSIX_FLAGS,
	     PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	wr32(d->cfg + at + PCI_MSIX_TABLE, table | bar);
	wr32(d->cfg + at + PCI_MSIX_PBA, pba | bar);
	d->msix_cap = (uint8_t)at;
	d->msix_n = n;
	d->msix_bar = bar;
	d->msix_table = table;
	d->msix_pba = pba;
	for (unsigned i = 0; i < n; i++)
		d->msix[i].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;	/* reset state */
	return 0;
}

uint64_t pci_bar_addr(const struct pci_dev *d, unsigned bar)
{
	uint32_t lo;

	if (bar >= PCI_BARS || !d->bar_size[bar] ||
	    !(d->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY))
		return 0;
	lo = rd32(d->cfg + PCI_BASE_ADDRESS_0 + 4 * bar);
	if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) != PCI_BASE_ADDRESS_MEM_TYPE_64)
		return lo & PCI_BASE_ADDRESS_MEM_MASK;
	return (uint64_t)rd32(d->cfg + PCI_BASE_ADDRESS_0 + 4 * (bar + 1)) << 32 |
	       (lo & PCI_BASE_ADDRESS_MEM_MASK);
}

static uint16_t msix_flags(const struct pci_dev *d)
{
	return (uint16_t)(d->cfg[d->msix_cap + PCI_MSIX_FLAGS] |
			  d->cfg[d->msix_cap + PCI_MSIX_FLAGS + 1] << 8);
}

bool pci_msix_enabled(const struct pci_dev *d)
{
	return d->msix_cap && (msix_flags(d) & PCI_MSIX_FLAGS_ENABLE);
}

static bool vector_masked(const struct pci_dev *d, unsigned v)
{
	return (msix_flags(d) & PCI_MSIX_FLAGS_MASKALL) ||
	       (d->msix[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void deliver(struct pci_dev *d, unsigned v)
{
	const struct pci_msix_entry *e = &d->msix[v];

	if (d->bus->msi)
		d->bus->msi(d->bus->ctx, (uint64_t)e->addr_hi << 32 | e->addr_lo,
			    e->data);
}

/* After an unmask: what was held back goes out (PCI 3.0 §6.8.2.9). */
static void flush_pending(struct pci_dev *d)
{
	if (!pci_msix_enabled(d))
		return;
	for (unsigned v = 0; v < d->msix_n; v++) {
		if (!(d->msix_pending & (1ULL << v)) || vector_masked(d, v))
			continue;
		d->msix_pending &= ~(1ULL << v);
		deliver(d, v);
	}
}

void pci_msix_signal(struct pci_dev *d, unsigned v)
{
	pthread_mutex_lock(&d->bus->lock);
	if (v < d->msix_n && pci_msix_enabled(d)) {
		if (vector_masked(d, v))
			__atomic_fetch_or(&d->msix_pending, 1ULL << v,
					  __ATOMIC_SEQ_CST);
		else
			deliver(d, v);
	}
	pthread_mutex_unlock(&d->bus->lock);
}

unsigned pci_intx_pin(const struct pci_bus *b, unsigned slot)
{
	return b->intx_base + slot % 8;
}

static void intx(struct pci_dev *d, bool level)
{
	bool on = level && !(d->cfg[PCI_COMMAND + 1] &
			     (PCI_COMMAND_INTX_DISABLE >> 8));

	if (level)
		d->cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		d->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	if (on == d->intx)
		return;
	d->intx = on;
	if (d->bus->irq)
		d->bus->irq(d->bus->ctx, pci_intx_pin(d->bus, d->slot), on);
}

void pci_intx(struct pci_dev *d, bool level)
{
	pthread_mutex_lock(&d->bus->lock);
	intx(d, level);
	pthread_mutex_unlock(&d->bus->lock);
}

static void cfg_access(struct pci_dev *d, unsigned off, uint8_t *data,
		       unsigned len, bool write)
{
	bool was_enabled = pci_msix_enabled(d);
	uint8_t bars[4 * PCI_BARS + 1];

	/* Memory decoding (the command register) counts as a move too. */
	memcpy(bars, d->cfg + PCI_BASE_ADDRESS_0, 4 * PCI_BARS);
	bars[4 * PCI_BARS] = d->cfg[PCI_COMMAND];

	for (unsigned i = 0; i < len; i++, off++) {
		if (off >= sizeof(d->cfg)) {
			if (!write)
				data[i] = 0xff;
			continue;
		}
		if (!write) {
			data[i] = d->cfg[off];
			continue;
		}
		d->cfg[off] = (uint8_t)((d->cfg[off] & ~d->wmask[off]) |
					(data[i] & d->wmask[off]));
	}
	if (!write || !d->bus)
		return;
	if (d->bar_moved &&
	    (memcmp(bars, d->cfg + PCI_BASE_ADDRESS_0, 4 * PCI_BARS) ||
	     bars[4 * PCI_BARS] != d->cfg[PCI_COMMAND]))
		d->bar_moved(d);
	/* The interrupt-disable bit may have changed INTx's level. */
	if (d->slot)
		intx(d, d->cfg[PCI_STATUS] & PCI_STATUS_INTERRUPT);
	if (d->msix_cap && (pci_msix_enabled(d) || was_enabled))
		flush_pending(d);
}

/* The MSI-X table and PBA, inside their BAR. Returns false when off is
 * neither. Accesses are 4 or 8 bytes, aligned (PCI 3.0 §6.8.2). */
static bool msix_io(struct pci_dev *d, uint64_t off, uint8_t *data,
		    unsigned len, bool write)
{
	uint64_t tlen = 16ULL * d->msix_n, plen = 8ULL * ((d->msix_n + 63) / 64);

	if (off >= d->msix_table && off - d->msix_table < tlen) {
		uint64_t o = off - d->msix_table;
		struct pci_msix_entry *e = &d->msix[o / 16];
		uint32_t *w = &e->addr_lo + (o % 16) / 4;

		if ((len != 4 && len != 8) || o % len)
			goto unsupported;
		for (unsigned i = 0; i < len / 4; i++, w++) {
			if (write)
				*w = rd32(data + 4 * i);
			else
				wr32(data + 4 * i, *w);
		}
		if (write)
			flush_pending(d);
		return true;
	}
	if (off >= d->msix_pba && off - d->msix_pba < plen) {
		uint64_t pending = __atomic_load_n(&d->msix_pending, __ATOMIC_SEQ_CST);

		/* Read-only; one qword covers our 64 vectors. */
		if (!write)
			for (unsigned i = 0; i < len; i++) {
				uint64_t b = off - d->msix_pba + i;

				data[i] = b < 8 ? (uint8_t)(pending >> (8 * b)) : 0;
			}
		return true;
	}
	return false;
unsupported:
	if (!write)
		memset(data, 0xff, len);
	return true;
}

static void window_io(void *dev, uint64_t addr, uint8_t *data, unsigned len,
		      bool write)
{
	struct pci_bus *b = dev;
	uint64_t gpa = b->window + addr;

	for (unsigned s = 1; s < PCI_SLOTS; s++) {
		struct pci_dev *d = b->dev[s];

		for (unsigned bar = 0; d && bar < PCI_BARS; bar++) {
			uint64_t at = pci_bar_addr(d, bar), off = gpa - at;
			bool done;

			if (!at || gpa < at || off >= d->bar_size[bar] ||
			    len > d->bar_size[bar] - off)
				continue;
			if (d->msix_cap && bar == d->msix_bar) {
				pthread_mutex_lock(&b->lock);
				done = msix_io(d, off, data, len, write);
				pthread_mutex_unlock(&b->lock);
				if (done)
					return;
			}
			if (d->bar_io)
				d->bar_io(d, bar, off, data, len, write);
			else if (!write)
				memset(data, 0xff, len);
			return;
		}
	}
	if (!write)
		memset(data, 0xff, len);	/* nothing decodes it */
}

static const struct bus_ops window_ops = { .name = "pci-mmio", .io = window_io };

int pci_attach(struct pci_bus *b, struct bus *mmio)
{
	return bus_register(mmio, b->window, b->mmio_end - b->window,
			    &window_ops, b);
}

struct pci_dev *pci_slot(struct pci_bus *b, unsigned slot)
{
	return slot < PCI_SLOTS ? b->dev[slot] : NULL;
}

void pci_cfg_access(struct pci_dev *d, unsigned off, uint8_t *data,
		    unsigned len, bool write)
{
	pthread_mutex_lock(&d->bus->lock);
	cfg_access(d, off, data, len, write);
	pthread_mutex_unlock(&d->bus->lock);
}
