// SPDX-License-Identifier: MIT
/* The table of --arch's architectures (target.h). */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "target.h"
#include "util.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* A PC: the init writes its status to the exit port too, and
 * isa-debug-exit makes QEMU exit with (status << 1) | 1. */
static const char *const pc_devices[] = {
	"-device", "isa-debug-exit,iobase=" STR(TINYRD_EXIT_PORT) ",iosize=1",
	NULL,
};

/* virt has no exit device: the status comes on the console, and the
 * init's power-off (PSCI SYSTEM_OFF) ends QEMU. */
static const char *const no_devices[] = { NULL };

const struct target target_x86_64 = {
	.name = "x86_64",
	.aliases = "amd64 x86-64",
	.uname = "x86_64",
	.elf_machine = EM_X86_64,
	.kernel_kinds = "a bzImage or an ELF vmlinux",
	.qemu = "qemu-system-x86_64",
	.qemu_package = "qemu-system-x86",
	.qemu_machine_kvm = "pc",
	.qemu_machine_tcg = "pc",
	.qemu_cpu_tcg = "max",
	.qemu_devices = pc_devices,
	.qemu_console = "ttyS0",
	.qemu_serial_out = true,
	/* As the launcher does: no early scan of 256 buses for an AGP
	 * bridge. */
	.qemu_append = " pci=noearly",
};

const struct target target_arm64 = {
	.name = "arm64",
	.aliases = "aarch64",
	.uname = "aarch64",
	.elf_machine = EM_AARCH64,
	.kernel_kinds = "an arm64 Image or an ELF vmlinux",
	.qemu = "qemu-system-aarch64",
	.qemu_package = "qemu-system-arm",
	/* The host's GIC under KVM. Under TCG a GICv3 and EL2, so that the
	 * guest has KVM too (as tinyrd's arm64 nested harness needs), and
	 * QEMU's own pointer authentication, which TCG runs several times
	 * faster than the architected one (Debian's kernel boots in about
	 * 3 s instead of 8-13). */
	.qemu_machine_kvm = "virt,gic-version=max",
	.qemu_machine_tcg = "virt,gic-version=3,virtualization=on",
	.qemu_cpu_tcg = "max,pauth-impdef=on",
	.qemu_devices = no_devices,
	.qemu_console = "ttyAMA0",
	.qemu_serial_out = false,
	.qemu_append = "",
};

static const struct target *const targets[] = { &target_x86_64, &target_arm64 };

const struct target *target_native(void)
{
#if defined(__x86_64__)
	return &target_x86_64;
#elif defined(__aarch64__)
	return &target_arm64;
#else
#error "tinyrd: no target for this architecture (src/common/target.c)"
#endif
}

const struct target *target_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
		if (!strcmp(targets[i]->name, name) ||
		    str_has_word(targets[i]->aliases, name, " "))
			return targets[i];
	return NULL;
}

const struct target *target_of_elf(unsigned machine)
{
	for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
		if (targets[i]->elf_machine == machine)
			return targets[i];
	return NULL;
}

const char *target_names(void)
{
	static char names[128];

	if (!names[0])
		for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
				 "%s%s (%s)", i ? ", " : "", targets[i]->name,
				 targets[i]->aliases);
	return names;
}

/* Documentation/arch/arm64/booting.rst: "ARM\x64" at 0x38 of the
 * 64-byte header. */
#define ARM64_MAGIC_OFF 0x38

const struct target *target_of_kernel(const unsigned char *h, unsigned long n)
{
	if (n >= 0x206 && !memcmp(h + 0x202, "HdrS", 4))
		return &target_x86_64;
	if (n >= 64 && !memcmp(h + ARM64_MAGIC_OFF, "ARM\x64", 4))
		return &target_arm64;
	if (n >= 20 && !memcmp(h, ELFMAG, SELFMAG))
		return target_of_elf(h[EI_DATA] == ELFDATA2MSB ?
				     (unsigned)(h[18] << 8 | h[19]) :
				     (unsigned)(h[18] | h[19] << 8));
	return NULL;
}
