/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_SMOKE_H
#define TINYRD_SMOKE_H

/*
 * doctor's smoke boot, the part every arch shares (smoke.c): a fresh VM
 * without an IRQ chip, the arch's micro-guest copied into it, one vCPU
 * run under a watchdog until the guest reports, and the time it took.
 * The arch folder says where the code goes, how to enter it and what its
 * exits mean.
 */
#include <stddef.h>
#include <stdint.h>

struct kvm_vcpu;
struct kvm_vm;
struct vm_arch;

struct smoke_guest {
	const char *start, *end;	/* the micro-guest's code */
	uint64_t base;			/* its guest-physical address */
	/* Before the vCPU exists (x86: GDT and page tables); may be NULL. */
	void (*prepare)(struct kvm_vm *vm);
	int (*enter)(struct kvm_vcpu *v, uint64_t entry);
	/*
	 * One exit of the guest: SMOKE_PASSED, SMOKE_RUN (go on),
	 * SMOKE_FAILED with why set, or SMOKE_NOT_MINE for the core's
	 * own reading (internal error, failed entry, anything else).
	 */
	int (*exit)(struct kvm_vcpu *v, int *state, char *why, size_t n);
};

enum { SMOKE_PASSED, SMOKE_RUN, SMOKE_FAILED, SMOKE_NOT_MINE };

/* 0 and the time in *ms when the guest passed; else -1 and why. */
int smoke_boot(const struct vm_arch *a, const struct smoke_guest *g,
	       char *why, size_t n, double *ms);

#endif
