// SPDX-License-Identifier: MIT
/* virtio over MMIO, version 2 (virtio 1.2 §4.2). See mmio.h. */
#include <stdio.h>
#include <string.h>
#include <linux/virtio_mmio.h>

#include "mmio.h"

#define MAGIC		0x74726976	/* "virt" */
#define VENDOR		0x44525954	/* "TYRD" */

/* QueueDescLow..QueueUsedHigh: 0x80, 0x84, 0x90, 0x94, 0xa0, 0xa4. */
static enum virtio_qreg qreg_of(unsigned off)
{
	return (enum virtio_qreg)(VQR_DESC_LO + (off - VIRTIO_MMIO_QUEUE_DESC_LOW) / 16 * 2 +
				  off % 8 / 4);
}

static uint32_t reg_read(struct virtio_mmio *vm, unsigned off)
{
	struct virtio_dev *d = vm->dev;
	unsigned q = d->qsel;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->ops->id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return virtio_features_read(d);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q < d->ops->nqueues ? VQ_SIZE_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q < d->ops->nqueues && d->qr[q].enabled;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&vm->isr, __ATOMIC_ACQUIRE);
	case VIRTIO_MMIO_STATUS:
		return __atomic_load_n(&d->status, __ATOMIC_ACQUIRE);
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return virtio_qreg_read(d, qreg_of(off));
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->generation;
	}
	return 0;
}

static void reg_write(struct virtio_mmio *vm, unsigned off, uint32_t v)
{
	struct virtio_dev *d = vm->dev;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dfselect = v;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		virtio_features_write(d, v);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->gfselect = v;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->qsel = (uint16_t)v;
		return;
	case VIRTIO_MMIO_QUEUE_NUM:
		virtio_qreg_write(d, VQR_SIZE, v);
		return;
	case VIRTIO_MMIO_QUEUE_READY:
		virtio_queue_enable(d, d->qsel, v == 1);
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_kick(d, v);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_fetch_and(&vm->isr, ~v, __ATOMIC_ACQ_REL);
		return;
	case VIRTIO_MMIO_STATUS:
		if (!v)
			__atomic_store_n(&vm->isr, 0, __ATOMIC_RELEASE);
		virtio_status_write(d, (uint8_t)v);
		return;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		virtio_qreg_write(d, qreg_of(off), v);
		return;
	}
}

static void mmio_io(void *dev, uint64_t off, uint8_t *data, unsigned len,
		    bool write)
{
	struct virtio_mmio *vm = dev;
	struct virtio_dev *d = vm->dev;
	uint32_t v = 0;

	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		if (off < d->ops->config_size && len <= d->ops->config_size - off &&
		    d->ops->config) {
			d->ops->config(d, (uint32_t)off, data, len, write);
			return;
		}
	} else if (len == 4 && off % 4 == 0) {
		/* §4.2.2.2: the registers take 32-bit accesses only. */
		if (write) {
			memcpy(&v, data, 4);
			reg_write(vm, (unsigned)off, v);
		} else {
			v = reg_read(vm, (unsigned)off);
			memcpy(data, &v, 4);
		}
		return;
	}
	if (!write)
		memset(data, 0, len);
}

static const struct bus_ops virtio_mmio_ops = {
	.name = "virtio-mmio",
	.io = mmio_io,
};

static void interrupt(struct virtio_dev *d, int q)
{
	struct virtio_mmio *vm = d->transport;

	__atomic_fetch_or(&vm->isr, q < 0 ? VIRTIO_MMIO_INT_CONFIG
					  : VIRTIO_MMIO_INT_VRING, __ATOMIC_ACQ_REL);
	if (vm->pulse)
		vm->pulse(vm->ctx, vm->irq);
}

int virtio_mmio_add(struct bus *mmio, struct virtio_mmio *vm,
		    struct virtio_dev *d, uint64_t base, unsigned irq,
		    virtio_mmio_irq_fn pulse, void *ctx)
{
	memset(vm, 0, sizeof(*vm));
	vm->dev = d;
	vm->base = base;
	vm->irq = irq;
	vm->pulse = pulse;
	vm->ctx = ctx;
	d->transport = vm;
	d->interrupt = interrupt;
	return bus_register(mmio, base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, vm);
}

void virtio_mmio_cmdline(const struct virtio_mmio *vm, char *buf, size_t n)
{
	snprintf(buf, n, "virtio_mmio.device=4K@%#llx:%u",
		 (unsigned long long)vm->base, vm->irq);
}
