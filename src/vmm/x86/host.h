/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_X86_HOST_H
#define TINYRD_X86_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "../arch.h"
#include "../vmm.h"

struct cpuid_table;

/*
 * Is this /dev/kvm PVM, which runs PVM-patched guests only? Any of three
 * signs: the module kvm_pvm (as the only KVM module loaded); the vendor
 * signature "PVM" that PVM's KVM reports in leaf 0x40000002 of
 * KVM_GET_SUPPORTED_CPUID; a host CPU with neither VMX nor SVM. The sign
 * found, as a phrase, or NULL. kvm_pvm_sign decides from what it is
 * given (supported may be NULL); x86_pvm_sign asks h's /dev/kvm.
 */
const char *kvm_pvm_sign(bool module, struct cpuid_table *supported,
			 unsigned host_1_ecx, unsigned host_81_ecx);
const char *x86_pvm_sign(const struct kvm_host *h);

/* No /dev/kvm on h: why, as the words after "/dev/kvm ", and the fix
 * that fits (with kvm_pvm loaded, not "load kvm-amd"). */
void kvm_host_absent(const struct kvm_host *h, char *why, size_t nwhy,
		     char *fix, size_t nfix);

/* The CPU guests get: from KVM's supported CPUID when kvm, else from
 * what the host kernel reports (h); this host's own hypervisor. */
void x86_cpu(const struct kvm_host *h, bool kvm, struct arch_cpu *out);

/* Boot the micro-guest (microguest.S, smoke.c) on a VM of a: long mode, paging, the
 * instructions stock kernels need, a report on the exit port. 0 when it
 * reported success, with the time it took in *ms; else -1 with what went
 * wrong in why. Nothing is logged. */
int x86_smoke(const struct vm_arch *a, char *why, size_t n, double *ms);

#endif
