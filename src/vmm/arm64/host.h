/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARM64_HOST_H
#define TINYRD_ARM64_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "../arch.h"
#include "../vmm.h"

/*
 * What an arm64 host offers, for the arch table. PVM is an x86 KVM: no
 * sign of it here (NULL). No /dev/kvm: the kernel has KVM built in
 * (Debian's does) but did not start at EL2, or its device has no node.
 * The CPU guests get: the IPA size of the launcher's VMs (cpu.c), and
 * 1 GiB blocks, which arm64's 4 KiB granule always has.
 */
const char *arm64_pvm_sign(const struct kvm_host *h);
void arm64_absent(const struct kvm_host *h, char *why, size_t nwhy,
		  char *fix, size_t nfix);
void arm64_cpu(const struct kvm_host *h, bool kvm, struct arch_cpu *out);

/* Boot the micro-guest (microguest.S, smoke.c) on a VM of a: EL1 entry,
 * an MMIO write of its result, PSCI SYSTEM_OFF. 0 with the time in *ms,
 * else -1 and why. Nothing is logged. */
int arm64_smoke(const struct vm_arch *a, char *why, size_t n, double *ms);

#endif
