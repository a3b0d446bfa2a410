/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MPTABLE_H
#define TINYRD_MPTABLE_H

#include <stdint.h>

#include "../mem.h"

/*
 * The MultiProcessor Specification 1.4 table that tells Linux, without
 * ACPI, about the CPUs (LAPIC ids 0..n-1, CPU 0 the bootstrap one), the
 * ISA bus, the IOAPIC and how ISA IRQs reach it. IRQ 0 goes to IOAPIC pin
 * 2, as KVM's default routing has it; IRQ 2 is the PIC cascade and has no
 * pin. LINT0 is ExtINT and LINT1 NMI on every CPU. With PCI slots, bus 0
 * is PCI and each slot's INTA# goes to IOAPIC pin 16 + slot % 8 (for
 * kernels booted with pci=nomsi); ISA is bus 1.
 */
#define MPTABLE_IOAPIC_VERSION 0x11
#define MPTABLE_APIC_VERSION 0x14
/* APIC ids are 8 bits (xAPIC) and 0xff is the broadcast one; the CPUs take
 * 0..n-1 and the IOAPIC n, so that no two clash: at most 254 CPUs. */
#define MPTABLE_CPUS_MAX 254

/* Write it at MPTABLE_ADDR; signature and features are CPUID leaf 1's EAX
 * and EDX; pci_slots has a bit per occupied slot of PCI bus 0. Returns
 * its size in bytes, or -EINVAL (logged) for more than MPTABLE_CPUS_MAX
 * CPUs or guest memory without room for it. */
int mptable_write(struct gmem *g, unsigned ncpu, uint32_t signature,
		  uint32_t features, uint32_t pci_slots);

#endif
