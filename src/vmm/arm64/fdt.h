/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARM64_FDT_H
#define TINYRD_ARM64_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

/*
 * The device tree that describes the arm64 machine to the kernel, built
 * with libfdt from what the board holds (nothing read from KVM, so a unit
 * test builds and checks it anywhere): RAM, the CPUs (enable-method
 * "psci"), PSCI 1.0/0.2 by HVC, the GICv3 with its redistributors, the
 * architected timer, the ns16550a console, a PCI ECAM host bridge with
 * its INTx map, one virtio-mmio node per device, and chosen (bootargs,
 * the initrd, stdout-path, a seed for the kernel's random pool). Every
 * device is dma-coherent: the launcher reads guest memory through the
 * same cacheable mapping the guest writes.
 */

struct arm64_fdt_mmio {
	uint64_t base;
	unsigned spi;
};

struct arm64_fdt {
	unsigned ncpu;
	uint64_t mem_base, mem_size;
	const char *bootargs;
	uint64_t initrd_start, initrd_end;	/* equal: none */
	bool pci;				/* the ECAM host bridge */
	uint64_t pci_mmio64[2];			/* its 64-bit window, or 0s */
	unsigned nmmio;
	struct arm64_fdt_mmio mmio[VIRTIO_MMIO_COUNT];
	const uint8_t *seed;			/* rng-seed, or NULL */
	size_t seed_len;
};

/* The MPIDR KVM gives vCPU id (Aff0 the low 4 bits, Aff1 the next 8):
 * a CPU node's reg. */
uint64_t arm64_mpidr(unsigned id);

/* The tree into buf (size bytes), packed: 0, or -errno said. */
int arm64_fdt_build(const struct arm64_fdt *d, void *buf, size_t size);

#endif
