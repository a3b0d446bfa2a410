// SPDX-License-Identifier: MIT
/* What an arm64 host offers, for the arch table (host.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "host.h"
#include "../../common/util.h"

const char *arm64_pvm_sign(const struct kvm_host *h)
{
	(void)h;
	return NULL;
}

void arm64_absent(const struct kvm_host *h, char *why, size_t nwhy,
		  char *fix, size_t nfix)
{
	unsigned major, minor;

	if (h->misc[0] && sscanf(h->misc, "%u:%u", &major, &minor) == 2) {
		snprintf(why, nwhy, "absent, though the kernel has KVM (device "
			 "%u:%u)", major, minor);
		snprintf(fix, nfix, "make the node: mknod -m 0660 /dev/kvm c %u "
			 "%u && chgrp kvm /dev/kvm (in a container: pass the "
			 "device in, e.g. --device /dev/kvm)", major, minor);
	} else if (h->hypervisor || !access("/sys/firmware/devicetree/base/"
					    "hypervisor", F_OK)) {
		snprintf(why, nwhy, "absent; this host is a virtual machine "
			 "whose kernel did not start at EL2");
		snprintf(fix, nfix, "give it virtualization (QEMU: -M "
			 "virt,virtualization=on; a cloud: a nested-virtualization "
			 "instance), or use tinyrd run --vmm qemu (TCG)");
	} else {
		snprintf(why, nwhy, "absent; the kernel has no KVM or did not "
			 "start at EL2 (dmesg: \"kvm [1]: HYP mode not "
			 "available\")");
		snprintf(fix, nfix, "boot the kernel at EL2 with CONFIG_KVM, or "
			 "use tinyrd run --vmm qemu (TCG)");
	}
}

/* The first string of a device-tree property, or "". */
static void dt_string(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t len = f ? fread(out, 1, n - 1, f) : 0;

	out[len] = '\0';
	if (f)
		fclose(f);
}

/*
 * Whose guest this host is, as far as its firmware says: arm64 has no
 * CPUID leaf for it. The device tree's machine (QEMU's virt board, or
 * tinyrd's own), Xen's node, or DMI's vendor on an ACPI machine.
 */
static void hypervisor(char *out, size_t n)
{
	char s[64];

	dt_string("/sys/firmware/devicetree/base/model", s, sizeof(s));
	if (!strncmp(s, "tinyrd", 6)) {
		snprintf(out, n, "tinyrd");
		return;
	}
	dt_string("/sys/firmware/devicetree/base/compatible", s, sizeof(s));
	if (!strcmp(s, "linux,dummy-virt")) {
		snprintf(out, n, "QEMU virt");
		return;
	}
	if (!access("/sys/firmware/devicetree/base/hypervisor", F_OK)) {
		snprintf(out, n, "Xen");
		return;
	}
	dt_string("/sys/class/dmi/id/sys_vendor", s, sizeof(s));
	if (!strncmp(s, "QEMU", 4))
		snprintf(out, n, "QEMU");
}

void arm64_cpu(const struct kvm_host *h, bool kvm, struct arch_cpu *out)
{
	memset(out, 0, sizeof(*out));
	hypervisor(out->hypervisor, sizeof(out->hypervisor));
	out->huge_flag = "level-1 blocks of the 4 KiB granule";
	out->huge = true;
	out->phys_bits = h->phys_bits;
	out->source = "the architecture (no IPA size known without KVM)";
	if (kvm) {
		int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			out->phys_bits = arm64_ipa_bits(fd);
			out->source = "the IPA size of tinyrd's VMs on this KVM";
			close(fd);
		}
	}
}
