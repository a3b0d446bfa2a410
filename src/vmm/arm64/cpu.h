/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARM64_CPU_H
#define TINYRD_ARM64_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "../kvm.h"

/*
 * arm64 under KVM (cpu.c), for the arch table (board.c) and the smoke
 * boot. The VM: the target KVM prefers for its vCPUs, and with an IRQ
 * chip KVM's in-kernel GICv3 (distributor and one redistributor a vCPU
 * where layout.h says), initialised once the last vCPU exists. Each
 * vCPU: KVM_ARM_VCPU_INIT with PSCI 0.2 (KVM answers PSCI calls itself),
 * the secondaries powered off until the guest's CPU_ON.
 */
int arm64_vm_init(struct kvm_vm *vm, bool irqchip);
/* The IPA size of the VMs made (at most 40 bits, what type 0 means; a
 * host whose limit is lower, Apple's M1 say, refuses type 0), and its
 * KVM_CREATE_VM type. */
unsigned arm64_ipa_bits(int kvm);
unsigned long arm64_vm_type(int kvm);
void arm64_vm_fini(struct kvm_vm *vm);
int arm64_vcpu_init(struct kvm_vcpu *v, unsigned ncpu, bool irqchip);

/* The entry registers of booting.rst: x0 the device tree, x1-x3 zero,
 * pc the kernel, PSTATE EL1h with D, A, I and F masked. */
int arm64_vcpu_enter(struct kvm_vcpu *v, uint64_t pc, uint64_t x0);
/* The vCPU's pc and PSTATE; 0 or -errno. */
int arm64_vcpu_pc(struct kvm_vcpu *v, uint64_t *pc, uint64_t *pstate);
/* Registers and why, on stderr, for an unexpected exit. */
void arm64_vcpu_dump(struct kvm_vcpu *v);

#endif
