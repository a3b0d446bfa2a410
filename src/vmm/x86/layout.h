/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_LAYOUT_H
#define TINYRD_LAYOUT_H

/*
 * Every guest-physical address, port and IRQ of the built-in launcher.
 * Low memory follows the PC: the boot data sits in the first 640 KiB,
 * 0x9fc00-0x100000 is reserved (EBDA, video, BIOS; the MP table lives
 * there, where Linux scans for it), the kernel loads at 16 MiB. RAM above
 * MMIO_HOLE_START moves to 4 GiB, leaving the hole for the IOAPIC and
 * LAPIC. Usable from assembly (the micro-guest) too.
 */

#define GDT_ADDR		0x00000500	/* boot GDT */
#define PVH_START_INFO		0x00006000	/* struct hvm_start_info */
#define PVH_MEMMAP		0x00006100	/* its memory map */
#define PVH_MODLIST		0x00006800	/* its module list (the initrd) */
#define ZERO_PAGE		0x00007000	/* struct boot_params */
#define BOOT_STACK		0x00008000	/* top of the entry stack */
#define PML4_ADDR		0x00009000	/* identity map of the first 4 GiB: */
#define PDPT_ADDR		0x0000a000	/*   one PDPT, */
#define PD_ADDR			0x0000b000	/*   four PDs of 2 MiB pages */
#define MICRO_BASE		0x00010000	/* doctor's micro-guest code */
#define MICRO_DATA		0x00018000	/* its scratch data */
#define CMDLINE_ADDR		0x00020000	/* kernel command line */
#define CMDLINE_MAX		0x00010000
#define EBDA_START		0x0009fc00	/* reserved from here to 1 MiB */
#define MPTABLE_ADDR		0x000f0000	/* MP floating pointer + table */
#define HIGH_MEMORY		0x00100000
#define KERNEL_LOAD		0x01000000	/* 16 MiB: bzImage's pref_address */

#define MMIO_HOLE_START		0xc0000000ULL	/* RAM above this moves up */
#define HIGH_RAM_START		0x100000000ULL	/* to here */
#define PCI_MMIO_START		0xc0000000	/* BARs of bus 0 */
#define PCI_MMIO_END		0xd0000000
#define VIRTIO_MMIO_BASE	0xd0000000	/* --transport mmio: 4 KiB each */
#define IOAPIC_ADDR		0xfec00000
#define LAPIC_ADDR		0xfee00000
#define IDENTITY_MAP_ADDR	0xfffbc000	/* KVM_SET_IDENTITY_MAP_ADDR */
#define TSS_ADDR		0xfffbd000	/* KVM_SET_TSS_ADDR, 3 pages */

/* Guest RAM as struct gmem_layout takes it (mem.h). */
#define X86_RAM_LAYOUT { .base = 0, .hole = MMIO_HOLE_START, \
			 .high_base = HIGH_RAM_START }

/* GDT selectors, as the boot protocol wants them (__BOOT_CS, __BOOT_DS). */
#define SEL_CODE64		0x10
#define SEL_DATA		0x18
#define SEL_TSS			0x20
#define SEL_CODE32		0x30

/* Ports and IRQs. */
#define COM1_PORT		0x3f8	/* ttyS0: console */
#define COM1_IRQ		4
#define COM2_PORT		0x2f8	/* ttyS1: the command's output */
#define COM2_IRQ		3
#define I8042_COMMAND_PORT	0x64	/* 0xfe written here: reset */
/* ISA IRQs for virtio-mmio devices, in order (4 and 3 are the UARTs, 8
 * the CMOS clock, 0/1/2/13 taken on a PC). */
#define VIRTIO_MMIO_IRQS	5, 6, 7, 9, 10, 11, 12, 14, 15
#define RTC_PORT		0x70	/* CMOS clock: index, data */
#define PCI_CONF1_PORT		0xcf8	/* PCI configuration: address, data at 0xcfc */
#define PCI_INTX_PIN_BASE	16	/* slot s's INTA#: IOAPIC pin 16 + s % 8 */
/* The host-guest contract's ports: TINYRD_EXIT_PORT (0x501), where the
 * init reports, and TINYRD_STDIN_PORT (0x502). */
#include "../../common/abi.h"

#endif
