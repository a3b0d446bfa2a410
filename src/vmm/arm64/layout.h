/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARM64_LAYOUT_H
#define TINYRD_ARM64_LAYOUT_H

/*
 * Every guest-physical address and interrupt of the arm64 machine, after
 * QEMU's virt board where it has one, so a kernel developer's habits
 * (and the device tree one knows) carry over: devices below 1 GiB, RAM
 * from 1 GiB. Usable from assembly (the micro-guest) too.
 */

#define GIC_DIST_BASE		0x08000000	/* GICv3 distributor, 64 KiB */
#define GIC_DIST_SIZE		0x00010000
#define GIC_REDIST_BASE		0x080a0000	/* redistributors, 128 KiB each */
#define GIC_REDIST_SIZE		0x00020000	/*   (RD_base + SGI_base frames) */
#define GIC_REDIST_END		0x09000000	/* room for 123 vCPUs */
#define ARM64_CPUS_MAX		((GIC_REDIST_END - GIC_REDIST_BASE) / GIC_REDIST_SIZE)
#define UART_BASE		0x09000000	/* ns16550a: ttyS0, the console */
#define UART_SIZE		0x00000008
#define UART2_BASE		0x09001000	/* ttyS1: the command's output */
#define MICRO_REPORT		0x09010000	/* the micro-guest writes here */
#define VIRTIO_MMIO_BASE	0x0a000000	/* --transport mmio: 4 KiB each */
#define PCI_MMIO_START		0x10000000	/* 32-bit BARs of bus 0 */
#define PCI_MMIO_END		0x20000000
#define PCI_ECAM_BASE		0x3f000000	/* configuration of bus 0 */
#define PCI_ECAM_SIZE		0x00100000	/*   (1 MiB a bus) */
#define RAM_BASE		0x40000000	/* RAM: 1 GiB up */

/* Guest RAM as struct gmem_layout takes it (mem.h): one range. */
#define ARM64_RAM_LAYOUT { .base = RAM_BASE, .hole = 0, .high_base = 0 }

/*
 * Interrupts. The GIC numbers them by INTID: SGIs 0-15, PPIs 16-31 (per
 * CPU), SPIs from 32; a device tree names an SPI or a PPI by its number
 * within its kind. The launcher's lines (struct machine's, kvm_irq_line)
 * are KVM_IRQ_LINE's words for an SPI: type 1 in bits 24-31, the INTID
 * below (arm64 <asm/kvm.h>). ARM64_SPI_LINE(n) is SPI n's.
 */
#define ARM64_SPI_LINE(n)	((1u << 24) | (32u + (n)))
#define ARM64_LINE_SPI(l)	(((l) & 0xffffu) - 32u)
#define UART_SPI		1
#define UART2_SPI		2
#define PCI_INTX_SPI		8	/* slot s's INTA#: SPI 8 + s % 8 */
#define VIRTIO_MMIO_SPI		16	/* device i's: SPI 16 + i */
#define VIRTIO_MMIO_COUNT	32

/* The architected timer's PPIs (the Arm ARM's recommended numbers,
 * which KVM uses): secure and non-secure physical, virtual, hypervisor. */
#define TIMER_PPI_SEC		13
#define TIMER_PPI_PHYS		14
#define TIMER_PPI_VIRT		11
#define TIMER_PPI_HYP		10

/* PSCI 0.2 function ids (SMC calling convention, 32-bit). */
#define PSCI_SYSTEM_OFF		0x84000008
#define PSCI_SYSTEM_RESET	0x84000009

#endif
