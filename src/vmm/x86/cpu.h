/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_X86_CPU_H
#define TINYRD_X86_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "../kvm.h"

/*
 * x86 under KVM (cpu.c), for the arch table (board.c) and the smoke
 * boot: the VM's TSS and identity-map pages, in-kernel IRQ chip and PIT,
 * and what KVM supports of CPUID (x86_cpuid); each vCPU's CPUID fixed up
 * for its id, MSRs, FPU and (with an IRQ chip) LINT0 ExtINT / LINT1 NMI.
 */
int x86_vm_init(struct kvm_vm *vm, bool irqchip);
void x86_vm_fini(struct kvm_vm *vm);
int x86_vcpu_init(struct kvm_vcpu *v, unsigned ncpu, bool irqchip);
struct cpuid_table *x86_cpuid(struct kvm_vm *vm);

/* Registers for an entry point: long mode with the identity map (the
 * bzImage 64-bit entry, RSI = zero page), or 32-bit protected mode without
 * paging (PVH and the micro-guest, RBX = start info). */
int x86_vcpu_enter64(struct kvm_vcpu *v, uint64_t rip, uint64_t rsi);
int x86_vcpu_enter32(struct kvm_vcpu *v, uint64_t rip, uint64_t rbx);
/* The general registers; 0 or -errno. */
int x86_vcpu_regs(struct kvm_vcpu *v, struct kvm_regs *r);
/* Registers and why, on stderr, for an internal error. */
void x86_vcpu_dump(struct kvm_vcpu *v);

#endif
