/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_BOOT_H
#define TINYRD_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mem.h"

/*
 * Loading a kernel without firmware or real mode
 * (Documentation/arch/x86/boot.rst): a bzImage through its 64-bit entry
 * (protocol 2.12+, XLF_KERNEL_64) with identity page tables, a GDT and the
 * zero page; an ELF vmlinux through its PVH entry (XEN_ELFNOTE_PHYS32_ENTRY)
 * in 32-bit protected mode with a struct hvm_start_info.
 */
struct boot_info {
	bool pvh;
	uint64_t entry;		/* RIP: 64-bit entry, or PVH's 32-bit one */
	uint64_t zero_page;	/* RSI for the 64-bit entry */
	uint64_t start_info;	/* RBX for PVH */
	uint64_t kernel_start, kernel_end;
	uint64_t initrd_start, initrd_size;
	unsigned protocol;	/* bzImage boot protocol version */
	char release[64];	/* from the setup header, when there */
};

/* Load the kernel (bzImage or ELF vmlinux) at path into g, with the initrd
 * read from initrd_fd (from its start) and the command line, and build the
 * boot data, GDT and page tables. Both files are mapped and copied straight
 * into guest memory. Errors name the kernel file. */
int boot_load(struct gmem *g, const char *path, int initrd_fd,
	      const char *cmdline, struct boot_info *bi);

/* The same from a kernel already in memory (tests). */
int boot_load_buffer(struct gmem *g, const char *name, const uint8_t *k,
		     size_t klen, const void *initrd, size_t initrd_len,
		     const char *cmdline, struct boot_info *bi);

/* The e820 map of g: usable ranges with the PC's reserved low area.
 * Returns the number of entries written (at most max). */
struct e820_range {
	uint64_t addr, size;
	uint32_t type;		/* 1 RAM, 2 reserved */
};
unsigned boot_e820(const struct gmem *g, struct e820_range *out, unsigned max);

/* The boot GDT (selectors in layout.h) and the identity map of the first
 * 4 GiB (2 MiB pages). */
void boot_gdt(struct gmem *g);
void boot_page_tables(struct gmem *g);

#endif
