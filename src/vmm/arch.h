/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARCH_H
#define TINYRD_ARCH_H

/*
 * The arch interface: what the VMM core (kvm.c, launcher.c, host.c,
 * doctor.c) asks of a machine's architecture, and nothing more. Each arch
 * folder (src/vmm/x86/) defines one const struct vm_arch; the layer above
 * the VMM hands it down (vm_config.arch, or as an argument), so the core
 * never names an arch and no arrow runs from it into an arch folder. A
 * second arch is a new folder with its table, and one Makefile line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

struct kvm_host;
struct kvm_vcpu;
struct kvm_vm;
struct machine;
struct target;

/* A KVM capability the VMM needs, with its name for errors. */
struct kvm_cap_name {
	int cap;
	const char *name;
};

/* What doctor shows of the CPU that guests get, and where it read it. */
struct arch_cpu {
	char hypervisor[13];		/* this host's own hypervisor, or "" */
	unsigned phys_bits;		/* 0: not known */
	bool huge;			/* 1 GiB pages */
	const char *huge_flag;		/* their CPU flag ("pdpe1gb") */
	const char *source;		/* "KVM's supported CPUID", ... */
};

struct vm_arch {
	const char *name;		/* as uname -m says: "x86_64" */
	const char *console;		/* the kernel's name for the console UART */
	const char *launcher_append;	/* what the launcher's guests add */
	struct gmem_layout ram;		/* where guest RAM sits */
	const struct kvm_cap_name *caps; /* what the arch needs of KVM, */
	size_t ncaps;			/*   beyond what kvm.c does */

	/*
	 * Create the VM and its vCPUs. vm_init runs after KVM_CREATE_VM
	 * (x86: TSS, identity map, IRQ chip, PIT; irqchip false: none, for
	 * the smoke boot), vm_fini at the end; vcpu_init for each vCPU once
	 * created (x86: CPUID for id of ncpu, MSRs, FPU, LAPIC). 0 or
	 * -errno, said.
	 */
	int (*vm_init)(struct kvm_vm *vm, bool irqchip);
	/* KVM_CREATE_VM's type on the KVM at fd kvm (arm64: the IPA size
	 * this host allows); NULL: 0. */
	unsigned long (*vm_type)(int kvm);
	void (*vm_fini)(struct kvm_vm *vm);
	int (*vcpu_init)(struct kvm_vcpu *v, unsigned ncpu, bool irqchip);

	/*
	 * The board: the devices every machine of the arch carries (x86:
	 * the two UARTs, the CMOS clock, PCI configuration ports), kept in
	 * m->board, registered before the virtio devices; m->pci is set up.
	 */
	int (*board_create)(struct machine *m);
	void (*board_destroy)(struct machine *m);
	/* Where the PCI bus's memory window sits, its INTx lines' base, and
	 * the addresses and interrupt lines of virtio-mmio devices. */
	uint64_t pci_window[2];
	unsigned pci_intx_base;
	uint64_t virtio_mmio_base;	/* VIRTIO_MMIO_SIZE each */
	const unsigned *virtio_mmio_irqs;
	unsigned nvirtio_mmio_irqs;
	/* The guest-physical address bits the vCPUs see. */
	unsigned (*phys_bits)(struct kvm_vm *vm);

	/*
	 * Load the kernel (m->cfg->kernel) and the initrd, and describe the
	 * machine to the guest (boot data, firmware tables), with cmdline;
	 * the words in devices (virtio_mmio.device=...) name the devices
	 * the description does not. enter: the boot vCPU's registers for
	 * the kernel's entry.
	 */
	int (*load)(struct machine *m, const char *cmdline, const char *devices);
	int (*enter)(struct machine *m, struct kvm_vcpu *boot);
	/* An exit the core does not know (x86: port I/O), handled; false
	 * when it is not the arch's either. */
	bool (*exit)(struct machine *m, struct kvm_vcpu *v);
	/* A port write the guest made without an exit, from the coalesced
	 * ring (board_create chose the ports); NULL: the arch has none. */
	void (*port_write)(struct machine *m, uint16_t port, uint8_t *data,
			   unsigned len);
	/* Stopped for good: halted with interrupts off, or never started. */
	bool (*vcpu_dead)(struct kvm_vcpu *v);
	/* Its registers on stderr (an internal error), or with brief a
	 * line for -v (where a stopped guest stood). board_dump: for -v,
	 * the board's counts, and its devices' state when stopped. */
	void (*vcpu_dump)(struct kvm_vcpu *v, bool brief);
	void (*board_dump)(struct machine *m, bool stopped);
	/* The ioctls vcpu_dead and vcpu_dump issue on a vCPU beyond
	 * KVM_GET_MP_STATE (x86: KVM_GET_REGS, KVM_GET_SREGS): the vCPU
	 * threads' and the supervisor's seccomp filters allow them
	 * (confine.c), and no other. */
	const unsigned long *vcpu_ioctls;
	size_t nvcpu_ioctls;
	/* Bytes typed for the console: how many it took. When not all, the
	 * board calls machine_console_room() once there is room again. */
	unsigned (*console_input)(struct machine *m, const uint8_t *data,
				  unsigned len);

	/*
	 * The host. pvm_sign: a sign that this KVM runs PVM-patched guests
	 * only, or NULL; absent: why h has no /dev/kvm and the fix; smoke:
	 * boot the micro-guest on a VM of a, this table (0, with the time
	 * in *ms; else -1 and why),
	 * which tries what smoke_tries says; cpu: what doctor shows of the
	 * CPU guests get (kvm: KVM answers).
	 */
	const char *(*pvm_sign)(const struct kvm_host *h);
	void (*absent)(const struct kvm_host *h, char *why, size_t nwhy,
		       char *fix, size_t nfix);
	int (*smoke)(const struct vm_arch *a, char *why, size_t n, double *ms);
	const char *smoke_tries;
	void (*cpu)(const struct kvm_host *h, bool kvm, struct arch_cpu *out);

	/* What images and QEMU know of the arch (common/target.h). */
	const struct target *target;
};

/* The table of the arch this tinyrd is built for (the Makefile's
 * VMM_ARCH folder); only the layers above the VMM name it. */
extern const struct vm_arch vm_arch_native;

#endif
