/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CPUID_H
#define TINYRD_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>

/*
 * What each vCPU sees in CPUID: KVM_GET_SUPPORTED_CPUID as it comes (host
 * features such as pdpe1gb, the KVM paravirt leaves with kvmclock), fixed
 * up for the topology: APIC and x2APIC ids, the number of logical CPUs,
 * one socket with one thread per core.
 */
#define CPUID_MAX_ENTRIES 256

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

struct cpuid_table {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 e[CPUID_MAX_ENTRIES];
};

/* Fill t from KVM_GET_SUPPORTED_CPUID; cpuid_query says nothing and
 * returns -errno, cpuid_supported logs the failure. */
int cpuid_query(int kvm, struct cpuid_table *t);
int cpuid_supported(int kvm, struct cpuid_table *t);
/* Topology fix-ups for vCPU cpu of ncpu, in place. */
void cpuid_fixup(struct cpuid_table *t, unsigned cpu, unsigned ncpu);
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, unsigned function,
				    unsigned index);
bool cpuid_is_amd(struct cpuid_table *t);

#endif
