/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_KVM_H
#define TINYRD_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "mem.h"

/*
 * The KVM plumbing: with the arch folder, the only place that issues KVM
 * ioctls; what is the arch's (x86's TSS, CPUID, registers) it asks of
 * the arch's table. Devices never see it; they get guest memory through
 * gmem_ptr() and raise interrupts through a callback.
 */
struct kvm_vm {
	int kvm;		/* /dev/kvm */
	int fd;			/* the VM */
	int run_size;		/* mmap size of struct kvm_run */
	struct gmem mem;
	const struct vm_arch *arch;
	void *arch_state;	/* the arch's, from vm_init to vm_fini */
	/* The coalesced ring in vCPU 0's mapping (NULL without one), its
	 * entries, and its page in a vCPU's mapping (0: none). */
	struct kvm_coalesced_mmio_ring *ring;
	unsigned ring_max;
	int ring_page;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
};

/* Open /dev/kvm for arch a, check the API version and every capability
 * the launcher uses; errors say which is missing. */
int kvm_open(struct kvm_vm *vm, const struct vm_arch *a);
/* KVM_GET_API_VERSION of the KVM at fd kvm (12), or -1. */
int kvm_api_version(int kvm);
/* KVM_RUN once: 0 at an exit (v->run says which), or -errno (-EINTR when
 * a signal or immediate_exit stopped it). */
int kvm_vcpu_run(struct kvm_vcpu *v);
/* The vCPU's MP state; 0 or -errno. */
int kvm_vcpu_mp_state(struct kvm_vcpu *v, struct kvm_mp_state *mp);
/* The capabilities the launcher needs (kvm.c's and a's) that the KVM at
 * fd kvm lacks: their names, space-separated, in out; the count
 * returned, and in *total how many are checked. */
unsigned kvm_missing_caps(int kvm, const struct vm_arch *a, char *out,
			  size_t n, unsigned *total);
/* The VM: what the arch sets up (vm_init, irqchip false: no interrupt
 * controller, for the micro-guest), RAM in one or two slots. */
int kvm_create(struct kvm_vm *vm, uint64_t mem_bytes, bool hugepages,
	       bool irqchip);
void kvm_destroy(struct kvm_vm *vm);

/* A vCPU, id of ncpu, set up by the arch (vcpu_init). */
int kvm_vcpu_create(struct kvm_vm *vm, unsigned id, unsigned ncpu,
		    bool irqchip, struct kvm_vcpu *v);
void kvm_vcpu_destroy(struct kvm_vcpu *v);

/* Memory slot n: size bytes at host, seen at gpa (size 0 deletes it).
 * Slots 0 and 1 are RAM's. 0 or -errno, logged. */
#define KVM_SLOT_FIRST_FREE 2
int kvm_memory(struct kvm_vm *vm, unsigned n, uint64_t gpa, uint64_t size,
	       void *host);

/* Raise or lower an interrupt line (x86: an ISA IRQ, or IOAPIC pin 16..23). */
int kvm_irq_line(struct kvm_vm *vm, unsigned irq, int level);
/* Deliver a message-signalled interrupt. */
int kvm_signal_msi(struct kvm_vm *vm, uint64_t addr, uint32_t data);
/* An eventfd written by KVM, not the launcher, when the guest writes len
 * bytes at MMIO addr; -ENOSYS without KVM_CAP_IOEVENTFD. */
int kvm_ioeventfd(struct kvm_vm *vm, uint64_t addr, unsigned len, int fd,
		  bool assign);


/*
 * Writes to [addr, addr + size), ports with pio, are queued in the VM's
 * coalesced ring instead of exiting: for registers only ever written
 * and whose effect can wait for the next exit (x86: the PCI address
 * latch at 0xcf8, the CMOS index at 0x70). 0, -ENOTSUP without
 * KVM_CAP_COALESCED_PIO (or _MMIO), or -errno.
 */
int kvm_coalesce(struct kvm_vm *vm, uint64_t addr, uint32_t size, bool pio);
/* Are writes waiting in the ring? Lock-free: true until the last one
 * has been handed over completely. */
bool kvm_coalesced_pending(const struct kvm_vm *vm);
/* Hand each queued write to fn in the order the guest made them, then
 * take it off the ring; the count handed. One caller at a time (the
 * launcher holds a lock), before it handles any exit, so that a read
 * sees every write made before it. Indices outside the ring end it. */
typedef void kvm_coalesced_fn(void *ctx, uint64_t addr, uint8_t *data,
			      unsigned len, bool pio);
unsigned kvm_coalesced_drain(struct kvm_vm *vm, kvm_coalesced_fn *fn,
			     void *ctx);

#endif
