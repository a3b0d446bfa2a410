/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_TARGET_H
#define TINYRD_TARGET_H

/*
 * The architectures an image and a guest can be for (--arch): what the
 * image builder checks ELF files against, how to tell a kernel of the
 * arch, and the QEMU machine that boots it on any host. One const table
 * (target.c); the built-in launcher's own machine is the VMM's arch
 * table (src/vmm/arch.h), which points back at its target here.
 */
#include <stdbool.h>

struct target {
	const char *name;		/* what --arch says: "x86_64", "arm64" */
	const char *aliases;		/* other names it takes, ' '-separated */
	const char *uname;		/* uname -m in the guest */
	unsigned elf_machine;		/* EM_X86_64, EM_AARCH64 */
	const char *kernel_kinds;	/* the kernel files it boots, in words */

	/* QEMU for it: the binary and its Debian package; the machine
	 * under KVM and under TCG (-machine, -cpu), and the words it
	 * always gets (the device the init reports its status to, where
	 * there is one); the console's name there, whether a second UART
	 * carries the command's output when virtio_console is missing,
	 * and what the kernel command line gets. */
	const char *qemu, *qemu_package;
	const char *qemu_machine_kvm, *qemu_machine_tcg, *qemu_cpu_tcg;
	const char *const *qemu_devices;
	const char *qemu_console;
	bool qemu_serial_out;
	const char *qemu_append;
};

extern const struct target target_x86_64, target_arm64;

/* The arch this tinyrd runs on. */
const struct target *target_native(void);
/* By --arch's name or an alias ("amd64", "aarch64"); NULL if unknown. */
const struct target *target_find(const char *name);
/* Of an ELF e_machine; NULL if none. */
const struct target *target_of_elf(unsigned machine);
/* The names --arch takes, for errors and --help: "x86_64, arm64". */
const char *target_names(void);
/*
 * The arch of a kernel file from its first bytes: a bzImage's setup
 * header, an arm64 Image header, an ELF vmlinux's e_machine. NULL when
 * none of them (a compressed or foreign file).
 */
const struct target *target_of_kernel(const unsigned char *head, unsigned long n);

#endif
