/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_KVM_H
#define TINYRD_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpuid.h"
#include "mem.h"

/*
 * The KVM plumbing: the only place that issues KVM ioctls. Devices never
 * see it; they get guest memory through gmem_ptr() and raise interrupts
 * through a callback.
 */
struct kvm_vm {
	int kvm;		/* /dev/kvm */
	int fd;			/* the VM */
	int run_size;		/* mmap size of struct kvm_run */
	struct gmem mem;
	struct cpuid_table cpuid;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
};

/* Open /dev/kvm, check the API version and every capability the launcher
 * uses; errors say which is missing. */
int kvm_open(struct kvm_vm *vm);
/* KVM_GET_API_VERSION of the KVM at fd kvm (12), or -1. */
int kvm_api_version(int kvm);
/* KVM_RUN once: 0 at an exit (v->run says which), or -errno (-EINTR when
 * a signal or immediate_exit stopped it). */
int kvm_vcpu_run(struct kvm_vcpu *v);
/* The vCPU's MP state and, unless r is NULL, its registers; 0 or -errno. */
int kvm_vcpu_state(struct kvm_vcpu *v, struct kvm_mp_state *mp,
		   struct kvm_regs *r);
/* The capabilities the launcher needs that the KVM at fd kvm lacks: their
 * names, space-separated, in out; the count returned, and in *total how
 * many are checked. */
unsigned kvm_missing_caps(int kvm, char *out, size_t n, unsigned *total);
/* The VM: TSS and identity-map pages, in-kernel IRQ chip and PIT (irqchip
 * false: neither, for the micro-guest), RAM in one or two slots. */
int kvm_create(struct kvm_vm *vm, uint64_t mem_bytes, bool hugepages,
	       bool irqchip);
void kvm_destroy(struct kvm_vm *vm);

/* A vCPU with CPUID fixed up for id of ncpu, MSRs, FPU and (with an IRQ
 * chip) LINT0 ExtINT / LINT1 NMI. */
int kvm_vcpu_create(struct kvm_vm *vm, unsigned id, unsigned ncpu,
		    bool irqchip, struct kvm_vcpu *v);
void kvm_vcpu_destroy(struct kvm_vcpu *v);

/* Registers for an entry point: long mode with the identity map (the
 * bzImage 64-bit entry, RSI = zero page), or 32-bit protected mode without
 * paging (PVH and the micro-guest, RBX = start info). */
int kvm_vcpu_enter64(struct kvm_vcpu *v, uint64_t rip, uint64_t rsi);
int kvm_vcpu_enter32(struct kvm_vcpu *v, uint64_t rip, uint64_t rbx);

/* Memory slot n: size bytes at host, seen at gpa (size 0 deletes it).
 * Slots 0 and 1 are RAM's. 0 or -errno, logged. */
#define KVM_SLOT_FIRST_FREE 2
int kvm_memory(struct kvm_vm *vm, unsigned n, uint64_t gpa, uint64_t size,
	       void *host);

/* Raise or lower an interrupt line (ISA IRQ, or IOAPIC pin 16..23). */
int kvm_irq_line(struct kvm_vm *vm, unsigned irq, int level);
/* Deliver a message-signalled interrupt. */
int kvm_signal_msi(struct kvm_vm *vm, uint64_t addr, uint32_t data);
/* An eventfd written by KVM, not the launcher, when the guest writes len
 * bytes at MMIO addr; -ENOSYS without KVM_CAP_IOEVENTFD. */
int kvm_ioeventfd(struct kvm_vm *vm, uint64_t addr, unsigned len, int fd,
		  bool assign);

/* Registers and why, on stderr, for an internal error. */
void kvm_vcpu_dump(struct kvm_vcpu *v);

#endif
