/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_KERNEL_H
#define TINYRD_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The release ("6.1.0-56-amd64") of a kernel image: a bzImage's setup
 * header kernel_version string (Documentation/arch/x86/boot.rst, offset
 * 0x20e, protocol 2.00+), else the "Linux version " banner in the file (an
 * uncompressed vmlinux). Returns 0 and a malloc'ed string, or -errno after
 * logging an error that names the file.
 */
int kernel_release(const char *path, char **out);

/*
 * The PVH entry of an ELF vmlinux: its Xen PHYS32_ENTRY note, in the
 * notes at [off, off + size) of k (kernel_pvh_note), or in any PT_NOTE
 * segment (kernel_pvh_entry). 0; -ENOENT when there is none; -EINVAL
 * when what was read is malformed.
 */
int kernel_pvh_note(const uint8_t *k, size_t klen, uint64_t off,
		    uint64_t size, uint64_t *entry);
int kernel_pvh_entry(const uint8_t *k, size_t klen, uint64_t *entry);
/* Where a bzImage's compressed payload (the vmlinux) lies in it: 0, or
 * -EINVAL (not a bzImage), -ENOTSUP (boot protocol before 2.08). */
int kernel_bzimage_payload(const uint8_t *k, size_t klen, size_t *off,
			   size_t *len);

/* uname -r of the running host. */
char *kernel_host_release(void);

#endif
