// SPDX-License-Identifier: MIT
/*
 * What an x86 host offers, for the arch table: PVM's signs (CPUID), why
 * there is no /dev/kvm and the fix (VMX, SVM, kvm-intel, kvm-amd), and
 * the CPU that guests get, for doctor.
 */
#include <cpuid.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuid.h"
#include "host.h"
#include "../../common/util.h"

/* KVM_CPUID_VENDOR_FEATURES of PVM's KVM, and its vendor signature. */
#define PVM_VENDOR_LEAF		0x40000002
#define PVM_VENDOR_SIGNATURE	0x4d5650	/* "PVM" */
#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_81_ECX_SVM	(1u << 2)

const char *kvm_pvm_sign(bool module, struct cpuid_table *supported,
			 unsigned host_1_ecx, unsigned host_81_ecx)
{
	struct kvm_cpuid_entry2 *e;

	if (module)
		return "module kvm_pvm";
	e = supported ? cpuid_find(supported, PVM_VENDOR_LEAF, 0) : NULL;
	if (e && e->ebx == PVM_VENDOR_SIGNATURE)
		return "CPUID signature \"PVM\" in KVM's vendor leaf";
	/* A KVM on a CPU without VMX or SVM can only be paravirtual. */
	if (!(host_1_ecx & CPUID_1_ECX_VMX) && !(host_81_ecx & CPUID_81_ECX_SVM))
		return "the CPU has neither VMX nor SVM";
	return NULL;
}

void kvm_host_absent(const struct kvm_host *h, char *why, size_t nwhy,
		     char *fix, size_t nfix)
{
	unsigned major, minor;

	if (h->kvm_pvm && !h->kvm_intel && !h->kvm_amd) {
		snprintf(why, nwhy, "absent; the KVM module loaded is kvm_pvm "
			 "(PVM)%s", h->misc[0] ? ", whose device has no node" : "");
		snprintf(fix, nfix, "a node would not help: PVM runs PVM-patched "
			 "guests only; use tinyrd run --vmm qemu (TCG), or a "
			 "host with kvm-intel or kvm-amd");
	} else if (h->misc[0] && sscanf(h->misc, "%u:%u", &major, &minor) == 2) {
		snprintf(why, nwhy, "absent, though the kernel has KVM (device "
			 "%u:%u)", major, minor);
		snprintf(fix, nfix, "make the node: mknod -m 0660 /dev/kvm c %u "
			 "%u && chgrp kvm /dev/kvm (in a container: pass the "
			 "device in, e.g. --device /dev/kvm)", major, minor);
	} else if (h->kvm_intel || h->kvm_amd) {
		snprintf(why, nwhy, "absent; %s is loaded but registered no "
			 "device", h->kvm_intel ? "kvm_intel" : "kvm_amd");
		snprintf(fix, nfix, "see dmesg: virtualization may be disabled "
			 "in the firmware");
	} else if (h->vmx || h->svm) {
		snprintf(why, nwhy, "absent; the CPU has %s, and no KVM module "
			 "is loaded", h->vmx ? "VMX" : "SVM");
		snprintf(fix, nfix, "modprobe %s", h->vmx ? "kvm-intel" : "kvm-amd");
	} else if (h->hypervisor) {
		snprintf(why, nwhy, "absent; this host is a virtual machine whose "
			 "CPU has neither VMX nor SVM");
		snprintf(fix, nfix, "enable nested virtualization in the "
			 "hypervisor that runs it, or use tinyrd run --vmm qemu "
			 "(TCG)");
	} else {
		snprintf(why, nwhy, "absent; the CPU has neither VMX nor SVM "
			 "enabled");
		snprintf(fix, nfix, "enable virtualization (VT-x or AMD-V) in "
			 "the firmware, or use tinyrd run --vmm qemu (TCG)");
	}
}

const char *x86_pvm_sign(const struct kvm_host *h)
{
	static struct cpuid_table t;
	unsigned a, b, c1 = 0, c81 = 0, d;
	bool have_table = false;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		have_table = !cpuid_query(fd, &t);
		close(fd);
	}
	__cpuid(1, a, b, c1, d);
	__cpuid(0x80000000, a, b, c81, d);
	if (a >= 0x80000001)
		__cpuid(0x80000001, a, b, c81, d);
	else
		c81 = 0;
	/* With kvm_intel or kvm_amd loaded too, the module does not say
	 * whose /dev/kvm this is. */
	return kvm_pvm_sign(h->kvm_pvm && !h->kvm_intel && !h->kvm_amd,
			    have_table ? &t : NULL, c1, c81);
}

void x86_cpu(const struct kvm_host *h, bool kvm, struct arch_cpu *out)
{
	struct cpuid_table *t = NULL;
	unsigned a, b, c, d;

	memset(out, 0, sizeof(*out));
	out->huge_flag = "pdpe1gb";
	__cpuid(1, a, b, c, d);
	if (c & (1u << 31)) {
		__cpuid(0x40000000, a, b, c, d);
		memcpy(out->hypervisor, &b, 4);
		memcpy(out->hypervisor + 4, &c, 4);
		memcpy(out->hypervisor + 8, &d, 4);
	}
	out->phys_bits = h->phys_bits;
	out->huge = h->pdpe1gb;
	out->source = "the host kernel's /proc/cpuinfo";
	if (kvm) {
		int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

		t = xcalloc(1, sizeof(*t));
		if (fd < 0 || cpuid_query(fd, t)) {
			free(t);
			t = NULL;
		}
		if (fd >= 0)
			close(fd);
	}
	if (t) {
		struct kvm_cpuid_entry2 *e = cpuid_find(t, 0x80000008, 0);

		out->phys_bits = e ? e->eax & 0xff : 0;
		e = cpuid_find(t, 0x80000001, 0);
		out->huge = e && e->edx & (1u << 26);
		out->source = "KVM's supported CPUID";
		free(t);
	}
}
