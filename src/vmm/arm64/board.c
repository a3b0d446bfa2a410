// SPDX-License-Identifier: MIT
/*
 * The arm64 machine behind the arch interface (arch.h): QEMU virt's
 * shape without firmware. Its board has two ns16550a UARTs on MMIO
 * (ttyS0 the console, ttyS1 the command's output when there is no
 * virtio), PCI bus 0 behind an ECAM host bridge (or, with --transport
 * mmio, virtio-mmio windows); KVM's in-kernel GICv3 and architected
 * timer come with the VM (cpu.c), and KVM answers PSCI. The kernel boots
 * from its Image header (image.c) with a device tree (fdt.c) that
 * describes all of it. The guest ends with PSCI SYSTEM_OFF or
 * SYSTEM_RESET, which the core sees as a system event; the init's status
 * comes from its line on the console.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "cpu.h"
#include "ecam.h"
#include "fdt.h"
#include "host.h"
#include "image.h"
#include "layout.h"
#include "../machine.h"
#include "../serial8250.h"
#include "../../common/log.h"
#include "../../common/target.h"
#include "../../common/util.h"

struct board {
	struct uart com1, com2;
	struct arm64_boot boot;
};

static struct board *board(struct machine *m)
{
	return m->board;
}

static int board_create(struct machine *m)
{
	struct board *b = xcalloc(1, sizeof(*b));
	int r;

	m->board = b;
	machine_uarts(m, &b->com1, ARM64_SPI_LINE(UART_SPI), &b->com2,
		      ARM64_SPI_LINE(UART2_SPI));
	r = bus_register(&m->mmio, UART_BASE, UART_SIZE, &uart_ops, &b->com1);
	if (!r)
		r = bus_register(&m->mmio, UART2_BASE, UART_SIZE, &uart_ops,
				 &b->com2);
	if (!r && !m->cfg->mmio_transport)
		r = bus_register(&m->mmio, PCI_ECAM_BASE, PCI_ECAM_SIZE,
				 &pci_ecam_ops, &m->pci);
	return r;
}

static void board_destroy(struct machine *m)
{
	free(m->board);
	m->board = NULL;
}

/* The IPA size the VM was made with (cpu.c). */
static unsigned phys_bits(struct kvm_vm *vm)
{
	return arm64_ipa_bits(vm->kvm);
}

static int load(struct machine *m, const char *cmdline, const char *devices)
{
	const struct vm_config *c = m->cfg;
	struct arm64_boot *bi = &board(m)->boot;
	struct arm64_fdt d = { 0 };
	uint8_t seed[64];
	void *dtb;
	int r;

	/* The device tree names the virtio-mmio devices (devices has them
	 * as x86's command-line words). */
	(void)devices;
	r = arm64_image_load_file(&m->vm.mem, c->kernel, c->initrd_fd, bi);
	if (r)
		return r;
	d.ncpu = m->ncpu;
	d.mem_base = m->vm.mem.base;
	d.mem_size = m->vm.mem.low;
	d.bootargs = cmdline;
	d.initrd_start = bi->initrd_start;
	d.initrd_end = bi->initrd_start + bi->initrd_size;
	d.pci = !c->mmio_transport;
	d.pci_mmio64[0] = m->pci.mmio64_start;
	d.pci_mmio64[1] = m->pci.mmio64_end;
	for (unsigned i = 0; c->mmio_transport && i < m->nvirtio; i++) {
		d.mmio[i].base = m->vmmio[i].base;
		d.mmio[i].spi = ARM64_LINE_SPI(m->vmmio[i].irq);
		d.nmmio++;
	}
	/* The kernel's random pool gets a seed at once (rng-seed). */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed)) {
		d.seed = seed;
		d.seed_len = sizeof(seed);
	}
	dtb = gmem_ptr(&m->vm.mem, bi->dtb, ARM64_DTB_MAX);
	if (!dtb)
		return error("no guest memory for the device tree at %#llx",
			     (unsigned long long)bi->dtb);
	r = arm64_fdt_build(&d, dtb, ARM64_DTB_MAX);
	if (r)
		return r;
	if (c->verbose)
		verbose("%s: Image text_offset %#llx, image_size %llu, flags %#llx; "
			"entry at %#llx, device tree at %#llx, initrd %#llx+%llu, "
			"%u MiB, %u CPU%s, %s", c->kernel,
			(unsigned long long)bi->hdr.text_offset,
			(unsigned long long)bi->hdr.image_size,
			(unsigned long long)bi->hdr.flags,
			(unsigned long long)bi->entry,
			(unsigned long long)bi->dtb,
			(unsigned long long)bi->initrd_start,
			(unsigned long long)bi->initrd_size, c->mem_mb, m->ncpu,
			m->ncpu > 1 ? "s" : "",
			d.pci ? "PCI (ECAM)" : "virtio-mmio");
	return 0;
}

static int enter(struct machine *m, struct kvm_vcpu *boot)
{
	const struct arm64_boot *bi = &board(m)->boot;

	return arm64_vcpu_enter(boot, bi->entry, bi->dtb);
}

static bool arch_exit(struct machine *m, struct kvm_vcpu *v)
{
	char why[160];

	switch (v->run->exit_reason) {
	case KVM_EXIT_ARM_NISV:
		/* An MMIO access whose instruction KVM cannot decode (no
		 * valid syndrome: a load pair, writeback, ...). */
		arm64_vcpu_dump(v);
		snprintf(why, sizeof(why), "vcpu %u accessed MMIO at %#llx with "
			 "an instruction KVM cannot emulate", v->id,
			 (unsigned long long)v->run->arm_nisv.fault_ipa);
		machine_end(m, VM_NO_REPORT, 0, why);
		return true;
	default:
		return false;
	}
}

/* Powered off (PSCI CPU_OFF, or a secondary never started). A vCPU in
 * WFI looks runnable: KVM keeps no halted state on arm64. */
static bool vcpu_dead(struct kvm_vcpu *v)
{
	struct kvm_mp_state mp;

	return !kvm_vcpu_mp_state(v, &mp) && mp.mp_state == KVM_MP_STATE_STOPPED;
}

static void vcpu_dump(struct kvm_vcpu *v, bool brief)
{
	struct kvm_mp_state st = { 0 };
	uint64_t pc, pstate;

	if (!brief) {
		arm64_vcpu_dump(v);
		return;
	}
	if (kvm_vcpu_mp_state(v, &st) || arm64_vcpu_pc(v, &pc, &pstate))
		return;
	verbose("vcpu %u: %s, pc %#llx, pstate %#llx", v->id,
		st.mp_state == KVM_MP_STATE_STOPPED ? "powered off" : "runnable",
		(unsigned long long)pc, (unsigned long long)pstate);
}

static void board_dump(struct machine *m, bool stopped)
{
	struct board *b = board(m);

	for (int i = 0; stopped && i < 2; i++) {
		struct uart *u = i ? &b->com2 : &b->com1;

		verbose("ttyS%d: ier %#x lcr %#x mcr %#x fcr %#x, %u bytes "
			"unread, THRE %s, SPI %u %s", i, u->ier, u->lcr, u->mcr,
			u->fcr, u->rx_len, u->thri_pending ? "pending" : "idle",
			ARM64_LINE_SPI(u->irq), u->irq_level ? "high" : "low");
	}
	for (unsigned i = 0; i < BUS_TRACK && m->mmio.top[i].count; i++)
		debug("unclaimed MMIO %#llx: %lu accesses",
		      (unsigned long long)m->mmio.top[i].addr, m->mmio.top[i].count);
}

static unsigned console_input(struct machine *m, const uint8_t *data,
			      unsigned len)
{
	return uart_input(&board(m)->com1, data, len);
}

static const struct kvm_cap_name caps[] = {
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_DEVICE_CTRL, "DEVICE_CTRL" },
	{ KVM_CAP_ONE_REG, "ONE_REG" },
	{ KVM_CAP_ARM_PSCI_0_2, "ARM_PSCI_0_2" },
};

/* SPIs for virtio-mmio devices, in order, as KVM_IRQ_LINE's words. */
#define L(n) ARM64_SPI_LINE(VIRTIO_MMIO_SPI + (n))
static const unsigned mmio_irqs[VIRTIO_MMIO_COUNT] = {
	L(0), L(1), L(2), L(3), L(4), L(5), L(6), L(7), L(8), L(9), L(10),
	L(11), L(12), L(13), L(14), L(15), L(16), L(17), L(18), L(19), L(20),
	L(21), L(22), L(23), L(24), L(25), L(26), L(27), L(28), L(29), L(30),
	L(31),
};
#undef L

/* What vcpu_dump reads (arm64_vcpu_pc, arm64_vcpu_dump): the vCPU
 * threads' and the supervisor's filters allow it (confine.c). */
static const unsigned long vcpu_ioctls[] = { KVM_GET_ONE_REG };

const struct vm_arch vm_arch_native = {
	.name = "aarch64",
	.console = "ttyS0",
	.launcher_append = "",
	.ram = ARM64_RAM_LAYOUT,
	.caps = caps,
	.ncaps = ARRAY_SIZE(caps),
	.vm_init = arm64_vm_init,
	.vm_type = arm64_vm_type,
	.vm_fini = arm64_vm_fini,
	.vcpu_init = arm64_vcpu_init,
	.board_create = board_create,
	.board_destroy = board_destroy,
	.pci_window = { PCI_MMIO_START, PCI_MMIO_END },
	.pci_intx_base = ARM64_SPI_LINE(PCI_INTX_SPI),
	.virtio_mmio_base = VIRTIO_MMIO_BASE,
	.virtio_mmio_irqs = mmio_irqs,
	.nvirtio_mmio_irqs = ARRAY_SIZE(mmio_irqs),
	.phys_bits = phys_bits,
	.load = load,
	.enter = enter,
	.exit = arch_exit,
	.vcpu_dead = vcpu_dead,
	.vcpu_dump = vcpu_dump,
	.board_dump = board_dump,
	.vcpu_ioctls = vcpu_ioctls,
	.nvcpu_ioctls = ARRAY_SIZE(vcpu_ioctls),
	.console_input = console_input,
	.pvm_sign = arm64_pvm_sign,
	.absent = arm64_absent,
	.smoke = arm64_smoke,
	.smoke_tries = "EL1 entry, an MMIO exit, PSCI SYSTEM_OFF",
	.cpu = arm64_cpu,
	.target = &target_arm64,
};
