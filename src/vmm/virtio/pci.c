// SPDX-License-Identifier: MIT
/* virtio over PCI, modern interface (virtio 1.2 §4.1). See pci.h. */
#include <endian.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "pci.h"

/* BAR 2 (and 3): the shared-memory region, when the device has one. */
#define VP_SHM_BAR	2
/* BAR 4, one page per structure. */
#define VP_BAR		4
#define VP_BAR_SIZE	0x8000
#define VP_COMMON	0x0000
#define VP_ISR		0x1000
#define VP_DEVICE	0x2000
#define VP_NOTIFY	0x3000
#define VP_NOTIFY_MULT	4
#define VP_MSIX_TABLE	0x4000
#define VP_MSIX_PBA	0x5000

#define VENDOR_REDHAT_QUMRANET	0x1af4	/* virtio's PCI vendor id */

/* The common configuration's fields (struct virtio_pci_common_cfg). */
enum {
	DFSELECT = 0, DF = 4, GFSELECT = 8, GF = 12, MSIX_CONFIG = 16,
	NUM_QUEUES = 18, STATUS = 20, GENERATION = 21, Q_SELECT = 22,
	Q_SIZE = 24, Q_VECTOR = 26, Q_ENABLE = 28, Q_NOTIFY_OFF = 30,
	Q_DESC = 32, Q_AVAIL = 40, Q_USED = 48, COMMON_END = 56,
};

static uint32_t class_of(uint32_t id)
{
	switch (id) {
	case 2:
		return 0x018000;	/* mass storage, other */
	case 3:
		return 0x078000;	/* communication, other */
	default:
		return 0x00ff00;	/* unclassified */
	}
}

static unsigned field_width(unsigned off)
{
	if (off >= Q_DESC)
		return 4;		/* 64-bit fields, as two dwords */
	if (off < MSIX_CONFIG)
		return 4;
	return off == STATUS || off == GENERATION ? 1 : 2;
}

/* Q_SIZE and the ring addresses, as the core numbers them. */
static enum virtio_qreg qreg(unsigned off)
{
	return off == Q_SIZE ? VQR_SIZE : (enum virtio_qreg)(VQR_DESC_LO + (off - Q_DESC) / 4);
}

static uint32_t common_read(struct virtio_pci *vp, unsigned off)
{
	struct virtio_dev *d = vp->dev;
	unsigned q = d->qsel;
	const struct virtio_queue_regs *r = q < d->ops->nqueues ? &d->qr[q] : NULL;

	switch (off) {
	case DFSELECT:
		return d->dfselect;
	case DF:
		return virtio_features_read(d);
	case GFSELECT:
		return d->gfselect;
	case GF:
		return d->gfselect < 2 ? (uint32_t)(d->driver_features >>
						    (32 * d->gfselect)) : 0;
	case MSIX_CONFIG:
		return vp->config_vector;
	case NUM_QUEUES:
		return d->ops->nqueues;
	case STATUS:
		return __atomic_load_n(&d->status, __ATOMIC_ACQUIRE);
	case GENERATION:
		return d->generation;
	case Q_SELECT:
		return q;
	}
	if (!r)
		return off == Q_VECTOR ? VIRTIO_MSI_NO_VECTOR : 0;
	switch (off) {
	case Q_VECTOR:
		return r->vector;
	case Q_ENABLE:
		return r->enabled;
	case Q_NOTIFY_OFF:
		return q;
	}
	return off == Q_SIZE || off >= Q_DESC ? virtio_qreg_read(d, qreg(off)) : 0;
}

static uint16_t vector_ok(const struct virtio_pci *vp, uint32_t v)
{
	/* §4.1.5.1.2: a vector the device cannot use reads back NO_VECTOR. */
	return v < vp->pci.msix_n ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR;
}

static void common_write(struct virtio_pci *vp, unsigned off, uint32_t v)
{
	struct virtio_dev *d = vp->dev;
	unsigned q = d->qsel;
	struct virtio_queue_regs *r = q < d->ops->nqueues ? &d->qr[q] : NULL;

	switch (off) {
	case DFSELECT:
		d->dfselect = v;
		return;
	case GFSELECT:
		d->gfselect = v;
		return;
	case GF:
		virtio_features_write(d, v);
		return;
	case MSIX_CONFIG:
		vp->config_vector = vector_ok(vp, v);
		return;
	case STATUS:
		if (!v) {
			vp->config_vector = VIRTIO_MSI_NO_VECTOR;
			vp->isr = 0;
			pci_intx(&vp->pci, false);
		}
		virtio_status_write(d, (uint8_t)v);
		return;
	case Q_SELECT:
		d->qsel = (uint16_t)v;
		return;
	}
	if (!r)
		return;
	if (off == Q_VECTOR) {
		r->vector = vector_ok(vp, v);
		return;
	}
	if (off == Q_ENABLE) {
		virtio_queue_enable(d, q, v == 1);
		return;
	}
	if (off == Q_SIZE || off >= Q_DESC)
		virtio_qreg_write(d, qreg(off), v);
}

static void common_io(struct virtio_pci *vp, uint64_t off, uint8_t *data,
		      unsigned len, bool write)
{
	unsigned w;

	if (off >= COMMON_END)
		goto ignore;
	w = field_width((unsigned)off);
	if (off >= Q_DESC || off < MSIX_CONFIG)
		off &= ~3ULL;
	else if (off > MSIX_CONFIG && w == 2)
		off &= ~1ULL;
	/* Whole fields only, as the driver must access them (§4.1.3.1). */
	if (len != w && !(w == 4 && len == 8 && off >= Q_DESC && off % 8 == 0))
		goto ignore;
	if (write) {
		uint64_t v = 0;

		memcpy(&v, data, len);
		common_write(vp, (unsigned)off, (uint32_t)v);
		if (len == 8)
			common_write(vp, (unsigned)off + 4, (uint32_t)(v >> 32));
	} else {
		uint64_t v = common_read(vp, (unsigned)off);

		if (len == 8)
			v |= (uint64_t)common_read(vp, (unsigned)off + 4) << 32;
		memcpy(data, &v, len);
	}
	return;
ignore:
	if (!write)
		memset(data, 0, len);
}

static void bar_io(struct pci_dev *pd, unsigned bar, uint64_t off,
		   uint8_t *data, unsigned len, bool write)
{
	struct virtio_pci *vp = pd->priv;
	struct virtio_dev *d = vp->dev;

	if (bar != VP_BAR)
		goto ignore;
	if (off < VP_ISR) {
		common_io(vp, off - VP_COMMON, data, len, write);
		return;
	}
	if (off < VP_DEVICE) {
		/* §4.1.4.5: reading the ISR clears it and the INTx line. */
		if (write || off != VP_ISR)
			goto ignore;
		data[0] = __atomic_exchange_n(&vp->isr, 0, __ATOMIC_ACQ_REL);
		memset(data + 1, 0, len - 1);
		pci_intx(&vp->pci, false);
		return;
	}
	if (off < VP_NOTIFY) {
		off -= VP_DEVICE;
		if (off >= d->ops->config_size || len > d->ops->config_size - off ||
		    !d->ops->config)
			goto ignore;
		d->ops->config(d, (uint32_t)off, data, len, write);
		return;
	}
	if (off < VP_NOTIFY + (uint64_t)VP_NOTIFY_MULT * d->ops->nqueues) {
		/* Where no ioeventfd took the write. */
		if (write)
			virtio_kick(d, (unsigned)(off - VP_NOTIFY) / VP_NOTIFY_MULT);
		else
			memset(data, 0, len);
		return;
	}
ignore:
	if (!write)
		memset(data, 0, len);
}

static void interrupt(struct virtio_dev *d, int q)
{
	struct virtio_pci *vp = d->transport;
	uint16_t vector = q < 0 ? vp->config_vector : d->qr[q].vector;

	if (pci_msix_enabled(&vp->pci)) {
		if (vector != VIRTIO_MSI_NO_VECTOR)
			pci_msix_signal(&vp->pci, vector);
		return;
	}
	__atomic_fetch_or(&vp->isr, q < 0 ? VIRTIO_PCI_ISR_CONFIG : 1,
			  __ATOMIC_ACQ_REL);
	pci_intx(&vp->pci, true);
}

static void ioeventfds(struct virtio_pci *vp, uint32_t at)
{
	struct virtio_dev *d = vp->dev;

	if (!vp->ioeventfd || at == vp->notify_at)
		return;
	for (unsigned q = 0; q < d->ops->nqueues; q++) {
		if (vp->notify_at)
			vp->ioeventfd(vp->ctx, vp->notify_at + VP_NOTIFY_MULT * q,
				      d->kick[q], false);
		if (at && vp->ioeventfd(vp->ctx, at + VP_NOTIFY_MULT * q,
					d->kick[q], true) < 0) {
			/* The MMIO handler kicks instead. */
			while (q--)
				vp->ioeventfd(vp->ctx, at + VP_NOTIFY_MULT * q,
					      d->kick[q], false);
			at = 0;
			break;
		}
	}
	vp->notify_at = at;
}

/* The shared memory follows its BAR: unmapped while decoding is off or
 * the BAR moves (Linux sizes BARs with decoding off), mapped where it
 * lands. A place KVM refuses (over RAM, past the guest's physical
 * address bits) leaves it unmapped: the guest reads all-ones there. */
static void shm_moved(struct virtio_pci *vp, uint64_t at)
{
	if (!vp->shm_map || at == vp->shm_at)
		return;
	if (vp->shm_at)
		vp->shm_map(vp->ctx, vp, 0);
	vp->shm_at = 0;
	if (at && !vp->shm_map(vp->ctx, vp, at))
		vp->shm_at = at;
}

static void bar_moved(struct pci_dev *pd)
{
	struct virtio_pci *vp = pd->priv;
	uint64_t base = pci_bar_addr(pd, VP_BAR);

	ioeventfds(vp, base ? base + VP_NOTIFY : 0);
	if (vp->dev->shm_size)
		shm_moved(vp, pci_bar_addr(pd, VP_SHM_BAR));
}

static int add_cap(struct pci_dev *pd, uint8_t type, uint32_t off,
		   uint32_t len, unsigned extra)
{
	int at = pci_add_cap(pd, PCI_CAP_ID_VNDR,
			     sizeof(struct virtio_pci_cap) + extra);
	struct virtio_pci_cap *c;

	if (at < 0)
		return at;
	c = (struct virtio_pci_cap *)(pd->cfg + at);
	c->cap_len = (uint8_t)(sizeof(*c) + extra);
	c->cfg_type = type;
	c->bar = VP_BAR;
	c->offset = htole32(off);
	c->length = htole32(len);
	return at;
}

/* The region as BAR 2 and a struct virtio_pci_cap64 naming it. */
static int add_shm(struct pci_dev *pd, struct virtio_dev *d)
{
	struct virtio_pci_cap64 *c;
	int r = pci_add_bar64(pd, VP_SHM_BAR, d->shm_size);
	int at;

	if (r)
		return r;
	at = add_cap(pd, VIRTIO_PCI_CAP_SHARED_MEMORY_CFG, 0, 0,
		     sizeof(*c) - sizeof(c->cap));
	if (at < 0)
		return at;
	c = (struct virtio_pci_cap64 *)(pd->cfg + at);
	c->cap.bar = VP_SHM_BAR;
	c->cap.id = d->shm_id;
	c->cap.offset = 0;
	c->cap.length = htole32((uint32_t)d->shm_size);
	c->offset_hi = 0;
	c->length_hi = htole32((uint32_t)(d->shm_size >> 32));
	return 0;
}

int virtio_pci_add(struct pci_bus *b, struct virtio_pci *vp,
		   struct virtio_dev *d, virtio_pci_ioeventfd_fn ioeventfd,
		   virtio_pci_shm_fn shm_map, void *ctx)
{
	struct pci_dev *pd = &vp->pci;
	int r, at;

	memset(vp, 0, sizeof(*vp));
	vp->dev = d;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	vp->ioeventfd = ioeventfd;
	vp->shm_map = shm_map;
	vp->ctx = ctx;
	d->transport = vp;
	d->interrupt = interrupt;
	r = pci_add(b, pd, VENDOR_REDHAT_QUMRANET, (uint16_t)(0x1040 + d->ops->id),
		    class_of(d->ops->id), VENDOR_REDHAT_QUMRANET, 0x1100);
	if (r < 0)
		return r;
	pd->priv = vp;
	pd->bar_io = bar_io;
	pd->bar_moved = bar_moved;
	r = pci_add_bar(pd, VP_BAR, VP_BAR_SIZE);
	if (!r)
		r = pci_add_msix(pd, d->ops->nqueues + 1, VP_BAR, VP_MSIX_TABLE,
				 VP_MSIX_PBA);
	if (r)
		return r;
	if ((r = add_cap(pd, VIRTIO_PCI_CAP_COMMON_CFG, VP_COMMON, COMMON_END, 0)) < 0 ||
	    (r = add_cap(pd, VIRTIO_PCI_CAP_ISR_CFG, VP_ISR, 1, 0)) < 0)
		return r;
	if (d->ops->config_size &&
	    (r = add_cap(pd, VIRTIO_PCI_CAP_DEVICE_CFG, VP_DEVICE,
			 d->ops->config_size, 0)) < 0)
		return r;
	at = add_cap(pd, VIRTIO_PCI_CAP_NOTIFY_CFG, VP_NOTIFY,
		     VP_NOTIFY_MULT * d->ops->nqueues, 4);
	if (at < 0)
		return at;
	((struct virtio_pci_notify_cap *)(pd->cfg + at))->notify_off_multiplier =
		htole32(VP_NOTIFY_MULT);
	if (d->shm_size)
		return add_shm(pd, d);
	return 0;
}

void virtio_pci_remove(struct virtio_pci *vp)
{
	ioeventfds(vp, 0);
	if (vp->dev && vp->dev->shm_size)
		shm_moved(vp, 0);
}
