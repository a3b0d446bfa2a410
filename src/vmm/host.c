// SPDX-License-Identifier: MIT
/* What the host's KVM can do, as far as choosing a VMM goes. */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cpuid.h"
#include "vmm.h"

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

const char *kvm_pvm_detect(void)
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
	return kvm_pvm_sign(!access("/sys/module/kvm_pvm", F_OK),
			    have_table ? &t : NULL, c1, c81);
}

bool kvm_usable(char *why, size_t n)
{
	char reason[200];
	const char *pvm;
	int fd, v;

	if (access("/dev/kvm", F_OK)) {
		snprintf(why, n, "/dev/kvm: %s", strerror(ENOENT));
		return false;
	}
	/* PVM (kvm_pvm) runs PVM-patched guests only; a stock kernel hangs
	 * after "Probing EDD" or dies in emulation. */
	if ((pvm = kvm_pvm_detect())) {
		snprintf(why, n, "/dev/kvm is PVM (%s), which cannot boot a "
			 "stock kernel", pvm);
		return false;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		snprintf(why, n, "/dev/kvm: %s%s", strerror(err),
			 err == EACCES ? " (join the group kvm)" : "");
		return false;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != KVM_API_VERSION) {
		snprintf(why, n, "/dev/kvm: API version %d, not %d", v,
			 KVM_API_VERSION);
		return false;
	}
	/* Present is not working: boot the micro-guest. */
	if (kvm_smoke(reason, sizeof(reason), NULL)) {
		snprintf(why, n, "/dev/kvm fails the smoke boot: %s", reason);
		return false;
	}
	return true;
}
