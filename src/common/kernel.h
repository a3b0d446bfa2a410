/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_KERNEL_H
#define TINYRD_KERNEL_H

/*
 * The release ("6.1.0-56-amd64") of a kernel image: a bzImage's setup
 * header kernel_version string (Documentation/arch/x86/boot.rst, offset
 * 0x20e, protocol 2.00+), else the "Linux version " banner in the file (an
 * uncompressed vmlinux). Returns 0 and a malloc'ed string, or -errno after
 * logging an error that names the file.
 */
int kernel_release(const char *path, char **out);

/* uname -r of the running host. */
char *kernel_host_release(void);

#endif
