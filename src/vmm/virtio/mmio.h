/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_MMIO_H
#define TINYRD_VIRTIO_MMIO_H

#include "../bus.h"
#include "virtio.h"

/*
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2), for kernels
 * built with CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES: one 4 KiB window per
 * device, announced on the kernel command line as
 * virtio_mmio.device=4K@BASE:IRQ. The interrupt is an ISA line, edge
 * triggered as the MP table has it, so each interrupt is a pulse.
 */

#define VIRTIO_MMIO_SIZE 0x1000

typedef void (*virtio_mmio_irq_fn)(void *ctx, unsigned irq);

struct virtio_mmio {
	struct virtio_dev *dev;
	uint64_t base;
	unsigned irq;
	uint32_t isr;			/* InterruptStatus */
	virtio_mmio_irq_fn pulse;
	void *ctx;
};

/* Put d at base on the MMIO bus with irq. */
int virtio_mmio_add(struct bus *mmio, struct virtio_mmio *vm,
		    struct virtio_dev *d, uint64_t base, unsigned irq,
		    virtio_mmio_irq_fn pulse, void *ctx);
/* Its kernel command-line argument, into buf. */
void virtio_mmio_cmdline(const struct virtio_mmio *vm, char *buf, size_t n);

#endif
