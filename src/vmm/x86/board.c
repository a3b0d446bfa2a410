// SPDX-License-Identifier: MIT
/*
 * The x86 machine behind the arch interface (arch.h): a PC without
 * firmware. Its board has two 8250 UARTs (ttyS0 the console, ttyS1 the
 * command's output when there is no virtio), a CMOS clock, PCI
 * configuration of type 1, the exit and stdin ports of abi.h, and the
 * keyboard controller's reset line; the in-kernel IRQ chip and PIT come
 * with the VM (cpu.c). The kernel boots through its 64-bit or PVH entry
 * (boot.c), and finds CPUs, IOAPIC and PCI lines in the MP table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "boot.h"
#include "conf1.h"
#include "cpu.h"
#include "cpuid.h"
#include "host.h"
#include "layout.h"
#include "mptable.h"
#include "rtc.h"
#include "../serial8250.h"
#include "../machine.h"
#include "../../common/abi.h"
#include "../../common/log.h"
#include "../../common/target.h"
#include "../../common/util.h"

#define STR_(x) #x
#define STR(x) STR_(x)

struct board {
	struct bus pio;			/* port I/O */
	struct uart com1, com2;
	struct rtc rtc;
	struct pci_conf1 conf1;
	struct boot_info bi;
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
	machine_uarts(m, &b->com1, COM1_IRQ, &b->com2, COM2_IRQ);
	pthread_mutex_init(&b->rtc.lock, NULL);
	b->conf1.bus = &m->pci;
	r = bus_register(&b->pio, COM1_PORT, 8, &uart_ops, &b->com1);
	if (!r)
		r = bus_register(&b->pio, COM2_PORT, 8, &uart_ops, &b->com2);
	if (!r)
		r = bus_register(&b->pio, RTC_PORT, 2, &rtc_ops, &b->rtc);
	if (!r && !m->cfg->mmio_transport)
		r = bus_register(&b->pio, PCI_CONF1_PORT, 8, &pci_conf1_ops,
				 &b->conf1);
	/* Registers only ever written, each write read back by a later
	 * access that exits anyway: queued, not exits of their own
	 * (every PCI configuration access and CMOS read writes one first,
	 * and an exit to the launcher costs microseconds, or nested
	 * hundreds). Without the capability they exit as before. */
	if (!r && !m->cfg->mmio_transport)
		kvm_coalesce(&m->vm, PCI_CONF1_PORT, 4, true);
	if (!r)
		kvm_coalesce(&m->vm, RTC_PORT, 1, true);
	return r;
}

static void board_destroy(struct machine *m)
{
	free(m->board);
	m->board = NULL;
}

static unsigned phys_bits(struct kvm_vm *vm)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(x86_cpuid(vm), 0x80000008, 0);

	return e ? e->eax & 0xff : 0;
}

static uint32_t pci_slots(struct machine *m)
{
	uint32_t mask = 0;

	for (unsigned s = 1; s < PCI_SLOTS; s++)
		if (pci_slot(&m->pci, s))
			mask |= 1u << s;
	return mask;
}

static int load(struct machine *m, const char *cmdline, const char *devices)
{
	const struct vm_config *c = m->cfg;
	struct boot_info *bi = &board(m)->bi;
	struct kvm_cpuid_entry2 *leaf1;
	struct buf line = { 0 };
	int r;

	/* With MMIO devices the kernel learns of them here; and with no PCI
	 * bus, pci=off spares it some 33,000 probes of 0xcf8, each an exit.
	 * With one, pci=noearly spares it some 16,000: on CPUs the kernel
	 * takes for a K8 (family 15, as QEMU's TCG CPUs are) the search for
	 * an AGP bridge (aperture_64.c) reads the class of every slot of all
	 * 256 buses, where a VM has no AGP to find. The early chipset quirks
	 * it also skips are for hardware a VM does not have. */
	buf_printf(&line, "%s%s%s", cmdline,
		   c->mmio_transport ? " pci=off" : " pci=noearly", devices);
	r = boot_load(&m->vm.mem, c->kernel_unpacked ? c->kernel_unpacked :
		      c->kernel, c->initrd_fd, line.p, bi);
	buf_free(&line);
	if (r)
		return r;
	leaf1 = cpuid_find(x86_cpuid(&m->vm), 1, 0);
	r = mptable_write(&m->vm.mem, m->ncpu, leaf1 ? leaf1->eax : 0,
			  leaf1 ? leaf1->edx : 0, pci_slots(m));
	if (r < 0)
		return r;
	if (c->verbose)
		verbose("%s: %s entry at %#llx, initrd %#llx+%llu, %u MiB, %u "
			"CPU%s", c->kernel_unpacked ? c->kernel_unpacked :
			c->kernel, bi->pvh ? "PVH" : "64-bit",
			(unsigned long long)bi->entry,
			(unsigned long long)bi->initrd_start,
			(unsigned long long)bi->initrd_size, c->mem_mb, m->ncpu,
			m->ncpu > 1 ? "s" : "");
	return 0;
}

static int enter(struct machine *m, struct kvm_vcpu *boot)
{
	const struct boot_info *bi = &board(m)->bi;

	return bi->pvh ? x86_vcpu_enter32(boot, bi->entry, bi->start_info)
		       : x86_vcpu_enter64(boot, bi->entry, bi->zero_page);
}

static void port_io(struct machine *m, struct kvm_run *run)
{
	uint8_t *p = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size) {
		if (out && run->io.port == TINYRD_EXIT_PORT) {
			machine_end(m, VM_REPORTED, p[0], NULL);
			return;
		}
		if (out && run->io.port == TINYRD_STDIN_PORT) {
			machine_stdin_ready(m);
			continue;
		}
		if (out && run->io.port == I8042_COMMAND_PORT && p[0] == 0xfe) {
			machine_end(m, VM_NO_REPORT, 0,
				    "the guest reset itself (keyboard controller)");
			return;
		}
		bus_access(&board(m)->pio, run->io.port, p, run->io.size, out);
	}
}

static void port_write(struct machine *m, uint16_t port, uint8_t *data,
		       unsigned len)
{
	bus_access(&board(m)->pio, port, data, len, true);
}

static bool arch_exit(struct machine *m, struct kvm_vcpu *v)
{
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
		port_io(m, v->run);
		return true;
	case KVM_EXIT_HLT:
		machine_end(m, VM_NO_REPORT, 0, "the guest halted");
		return true;
	default:
		return false;
	}
}

/* Halted with interrupts off, or an AP never started. */
static bool vcpu_dead(struct kvm_vcpu *v)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;

	if (kvm_vcpu_mp_state(v, &mp))
		return false;
	if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
	    mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
		return true;
	return mp.mp_state == KVM_MP_STATE_HALTED && !x86_vcpu_regs(v, &r) &&
	       !(r.rflags & 0x200);
}

static void vcpu_dump(struct kvm_vcpu *v, bool brief)
{
	static const char *const mp[] = { "runnable", "uninitialized",
		"init-received", "halted", "sipi-received", "stopped",
		"check-stop", "operating", "load" };
	struct kvm_mp_state st = { 0 };
	struct kvm_regs r;

	if (!brief) {
		x86_vcpu_dump(v);
		return;
	}
	if (kvm_vcpu_mp_state(v, &st) || x86_vcpu_regs(v, &r))
		return;
	verbose("vcpu %u: %s, rip %#llx, rflags %#llx", v->id,
		st.mp_state < ARRAY_SIZE(mp) ? mp[st.mp_state] : "?",
		(unsigned long long)r.rip, (unsigned long long)r.rflags);
}

static void board_dump(struct machine *m, bool stopped)
{
	struct board *b = board(m);

	if (m->cfg->verbose)
		verbose("%lu unclaimed port accesses", b->pio.unclaimed);
	for (int i = 0; stopped && i < 2; i++) {
		struct uart *u = i ? &b->com2 : &b->com1;

		verbose("ttyS%d: ier %#x lcr %#x mcr %#x fcr %#x, %u bytes "
			"unread, THRE %s, irq %u %s", i, u->ier, u->lcr, u->mcr,
			u->fcr, u->rx_len, u->thri_pending ? "pending" : "idle",
			u->irq, u->irq_level ? "high" : "low");
	}
	for (unsigned i = 0; i < BUS_TRACK && b->pio.top[i].count; i++)
		debug("unclaimed port %#llx: %lu accesses",
		      (unsigned long long)b->pio.top[i].addr, b->pio.top[i].count);
}

static unsigned console_input(struct machine *m, const uint8_t *data,
			      unsigned len)
{
	return uart_input(&board(m)->com1, data, len);
}

static const struct kvm_cap_name caps[] = {
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_PIT2, "PIT2" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
};

/* ISA IRQs for virtio-mmio devices, in order (4 and 3 are the UARTs, 8
 * the CMOS clock, 0/1/2/13 taken on a PC). */
static const unsigned mmio_irqs[] = { VIRTIO_MMIO_IRQS };


/* What vcpu_dead and vcpu_dump read (x86_vcpu_regs, x86_vcpu_dump): the
 * vCPU threads' and the supervisor's filters allow these (confine.c). */
static const unsigned long vcpu_ioctls[] = { KVM_GET_REGS, KVM_GET_SREGS };

const struct vm_arch vm_arch_native = {
	.name = "x86_64",
	.console = "ttyS0",
	/* A panic's reboot is a triple fault, no keyboard controller to
	 * wait for. The board has an MP table and no ACPI: without
	 * acpi=off the kernel searches for an RSDP and says, at error
	 * level, through quiet, that it found none (80 bytes on ttyS0,
	 * an exit or two each). */
	.launcher_append = " reboot=t acpi=off",
	.ram = X86_RAM_LAYOUT,
	.caps = caps,
	.ncaps = ARRAY_SIZE(caps),
	.vm_init = x86_vm_init,
	.vm_fini = x86_vm_fini,
	.vcpu_init = x86_vcpu_init,
	.board_create = board_create,
	.board_destroy = board_destroy,
	.pci_window = { PCI_MMIO_START, PCI_MMIO_END },
	.pci_intx_base = PCI_INTX_PIN_BASE,
	.virtio_mmio_base = VIRTIO_MMIO_BASE,
	.virtio_mmio_irqs = mmio_irqs,
	.nvirtio_mmio_irqs = ARRAY_SIZE(mmio_irqs),
	.phys_bits = phys_bits,
	.load = load,
	.enter = enter,
	.exit = arch_exit,
	.port_write = port_write,
	.vcpu_dead = vcpu_dead,
	.vcpu_dump = vcpu_dump,
	.board_dump = board_dump,
	.vcpu_ioctls = vcpu_ioctls,
	.nvcpu_ioctls = ARRAY_SIZE(vcpu_ioctls),
	.console_input = console_input,
	.pvm_sign = x86_pvm_sign,
	.absent = kvm_host_absent,
	.smoke = x86_smoke,
	.smoke_tries = "long mode, paging, cmpxchg16b, xsave",
	.cpu = x86_cpu,
	.target = &target_x86_64,
};
