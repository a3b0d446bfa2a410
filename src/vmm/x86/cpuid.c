// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpuid.h"
#include "../../common/log.h"

int cpuid_query(int kvm, struct cpuid_table *t)
{
	memset(t, 0, sizeof(*t));
	t->head.nent = CPUID_MAX_ENTRIES;
	return ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &t->head) < 0 ? -errno : 0;
}

int cpuid_supported(int kvm, struct cpuid_table *t)
{
	int r = cpuid_query(kvm, t);

	return r ? error_errno(-r, "/dev/kvm: KVM_GET_SUPPORTED_CPUID") : 0;
}

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, unsigned function,
				    unsigned index)
{
	for (unsigned i = 0; i < t->head.nent; i++) {
		struct kvm_cpuid_entry2 *e = &t->e[i];

		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index))
			return e;
	}
	return NULL;
}

bool cpuid_is_amd(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0, 0);

	/* "AuthenticAMD", and Hygon's "HygonGenuine" is AMD's design. */
	return e && ((e->ebx == 0x68747541 && e->edx == 0x69746e65) ||
		     (e->ebx == 0x6f677948 && e->edx == 0x6e65476e));
}

static unsigned bits_for(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

void cpuid_fixup(struct cpuid_table *t, unsigned cpu, unsigned ncpu)
{
	unsigned shift = bits_for(ncpu);
	bool amd = cpuid_is_amd(t);

	for (unsigned i = 0; i < t->head.nent; i++) {
		struct kvm_cpuid_entry2 *e = &t->e[i];

		switch (e->function) {
		case 1:
			/* Initial APIC id, logical CPUs per package, HTT,
			 * and "running under a hypervisor". */
			e->ebx = (e->ebx & 0x0000ffff) | cpu << 24 | (ncpu & 0xff) << 16;
			e->edx = ncpu > 1 ? e->edx | 1u << 28 : e->edx & ~(1u << 28);
			e->ecx |= 1u << 31;
			break;
		case 4:
			/* Intel: cores per package - 1; one thread per core. */
			if (!amd)
				e->eax = (e->eax & 0x03ffc3ff) | (ncpu - 1) << 26;
			break;
		case 0xb:
		case 0x1f:
			/* x2APIC topology: thread level, then core level. */
			e->edx = cpu;
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = 1u << 8;
			} else if (e->index == 1) {
				e->eax = shift;
				e->ebx = ncpu;
				e->ecx = 1 | 2u << 8;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			break;
		case 0x80000001:
			if (amd && ncpu > 1)
				e->ecx |= 1u << 1;		/* CmpLegacy */
			break;
		case 0x80000008:
			if (amd)	/* cores - 1, and the APIC id bits for them */
				e->ecx = (e->ecx & ~0xf0ffu) | (ncpu - 1) | shift << 12;
			break;
		case 0x8000001e:
			if (amd) {
				e->eax = cpu;		/* extended APIC id */
				e->ebx = cpu & 0xff;	/* core id, one thread */
				e->ecx = 0;		/* node 0 */
			}
			break;
		}
	}
}
