/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_COHERENCE_H
#define TINYRD_COHERENCE_H

/*
 * --coherence auto: which sync mode (virtio/sync.h) the launcher takes on
 * this host, decided from facts the kernel publishes, each read where it
 * keeps it, and the fact named in the reason. civac when the launcher
 * itself runs in a VM on arm64 (where a nested hypervisor may give its
 * guests memory that is not coherent with ours: Arm NV2), else none.
 * The signs of a VM on arm64:
 *   - the device tree's /psci method is "hvc": firmware calls trap to a
 *     hypervisor (on bare metal they go to EL3 firmware with "smc");
 *   - the device tree's root is "linux,dummy-virt" (QEMU virt, kvmtool,
 *     Firecracker and Cloud Hypervisor make that machine);
 *   - /sys/hypervisor/type names one (Xen);
 *   - DMI (ACPI guests: EC2, Azure, GCE, QEMU with UEFI): the vendor is
 *     QEMU, or the product a "Virtual Machine", KVM, or an EC2 instance
 *     type that is not ".metal".
 */
#include <stddef.h>

#include "virtio/sync.h"

struct coherence_facts {
	char machine[65];		/* uname -m */
	char compatible[160];		/* the DT root's, ", "-separated */
	char psci_method[16];		/* the DT's /psci method */
	char hypervisor[32];		/* /sys/hypervisor/type */
	char dmi_vendor[64];		/* /sys/class/dmi/id/sys_vendor */
	char dmi_product[64];		/* .../product_name */
};

/* Read the facts under root ("" for the host; a test gives a tree). */
void coherence_probe(const char *root, struct coherence_facts *f);
/* The mode auto picks, with why (naming the fact) in why. */
enum sync_mode coherence_auto(const struct coherence_facts *f, char *why,
			      size_t n);

#endif
