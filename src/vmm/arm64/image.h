/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARM64_IMAGE_H
#define TINYRD_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../mem.h"

/*
 * Booting an arm64 Image (the kernel's Documentation/arch/arm64/
 * booting.rst): its 64-byte header says where the kernel goes (a 2 MiB
 * aligned base plus text_offset), how much memory it takes from there
 * (image_size, its bss included) and how (flags). The kernel goes at the
 * start of RAM, the device tree (at most 2 MiB) in the last 2 MiB block
 * of RAM, the initrd just below it.
 */
#define ARM64_IMAGE_MAGIC	0x644d5241	/* "ARM\x64" at 0x38 */
#define ARM64_DTB_MAX		(2u << 20)

struct arm64_image {
	uint64_t text_offset;
	uint64_t image_size;	/* from the load address, bss too */
	uint64_t flags;		/* bit 0 big-endian, 1-2 page size, 3 anywhere */
};

struct arm64_boot {
	struct arm64_image hdr;
	uint64_t entry;		/* where the kernel went: its first byte */
	uint64_t kernel_end;
	uint64_t initrd_start, initrd_size;
	uint64_t dtb;		/* where the device tree goes */
};

/* The header of the kernel k (len bytes) named name: 0, or -EINVAL said
 * (not an Image: a compressed one, an ELF vmlinux, big-endian). */
int arm64_image_parse(const char *name, const uint8_t *k, size_t len,
		      struct arm64_image *out);

/* Load k and the initrd into g as above, filling b; the device tree is
 * the caller's to write at b->dtb. Errors name the kernel. */
int arm64_image_load(struct gmem *g, const char *name, const uint8_t *k,
		     size_t klen, const void *initrd, size_t initrd_len,
		     struct arm64_boot *b);

/* The same from the kernel at path and the initrd at initrd_fd (from its
 * start), mapped where they can be. */
int arm64_image_load_file(struct gmem *g, const char *path, int initrd_fd,
			  struct arm64_boot *b);

#endif
