// SPDX-License-Identifier: MIT
/*
 * x86 vCPUs and the VM around them under KVM: the TSS and identity map
 * KVM wants on Intel, the in-kernel IRQ chip and PIT, CPUID, MSRs, FPU,
 * LAPIC, the registers for an entry point, and the registers on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu.h"
#include "cpuid.h"
#include "layout.h"
#include "../../common/log.h"
#include "../../common/util.h"

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x400
#define APIC_MODE_EXTINT 0x700

static int set_msrs(struct kvm_vcpu *v)
{
	static const uint32_t zeroed[] = {
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE, MSR_IA32_TSC,
	};
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry e[1];
	} one;

	/* One at a time: a host without one of them (MISC_ENABLE on some
	 * AMD parts) is not a reason to fail. */
	for (size_t i = 0; i <= sizeof(zeroed) / sizeof(zeroed[0]); i++) {
		memset(&one, 0, sizeof(one));
		one.head.nmsrs = 1;
		if (i < sizeof(zeroed) / sizeof(zeroed[0])) {
			one.e[0].index = zeroed[i];
		} else {
			one.e[0].index = MSR_IA32_MISC_ENABLE;
			one.e[0].data = 1;	/* fast strings */
		}
		if (ioctl(v->fd, KVM_SET_MSRS, &one) != 1)
			debug("vcpu %u: MSR %#x not set", v->id, one.e[0].index);
	}
	return 0;
}

static int set_lint(struct kvm_vcpu *v)
{
	struct kvm_lapic_state l;
	uint32_t *lvt0, *lvt1;

	if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return error_errno(errno, "vcpu %u: KVM_GET_LAPIC", v->id);
	lvt0 = (uint32_t *)(l.regs + APIC_LVT0);
	lvt1 = (uint32_t *)(l.regs + APIC_LVT1);
	*lvt0 = (*lvt0 & ~0x700u) | APIC_MODE_EXTINT;
	*lvt1 = (*lvt1 & ~0x700u) | APIC_MODE_NMI;
	if (ioctl(v->fd, KVM_SET_LAPIC, &l) < 0)
		return error_errno(errno, "vcpu %u: KVM_SET_LAPIC", v->id);
	return 0;
}

/*
 * XCR0 starts with every user state component the guest may enable, not
 * just x87. Linux enables them all at once anyway; starting there keeps
 * CPUID.0xd.0:EBX (the XSAVE size KVM derives from XCR0) right even where
 * the guest's XSETBV never reaches KVM (nested SVM under QEMU TCG), which
 * would otherwise leave it stale and make Linux warn.
 */
static void set_xcr0(struct kvm_vcpu *v, struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0xd, 0);
	struct kvm_xcrs x = { .nr_xcrs = 1 };
	uint64_t mask;

	if (!e || ioctl(v->vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) <= 0)
		return;
	mask = (e->eax | (uint64_t)e->edx << 32) & 0x2ffULL;	/* no AMX */
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = mask | 1;
	if (ioctl(v->fd, KVM_SET_XCRS, &x) < 0) {
		x.xcrs[0].value = mask & 0x7;
		if (ioctl(v->fd, KVM_SET_XCRS, &x) < 0)
			debug("vcpu %u: XCR0 left at reset", v->id);
	}
}

/* The VM: TSS and identity-map pages, in-kernel IRQ chip and PIT; what
 * KVM supports of CPUID, kept for the vCPUs. */
int x86_vm_init(struct kvm_vm *vm, bool irqchip)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t idmap = IDENTITY_MAP_ADDR;
	struct cpuid_table *t;
	struct kvm_cpuid_entry2 *leaf1;

	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		return error_errno(errno, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		return error_errno(errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (irqchip) {
		if (ioctl(vm->fd, KVM_CREATE_IRQCHIP) < 0)
			return error_errno(errno, "KVM_CREATE_IRQCHIP");
		if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
			return error_errno(errno, "KVM_CREATE_PIT2");
	}
	t = xcalloc(1, sizeof(*t));
	vm->arch_state = t;
	if (cpuid_supported(vm->kvm, t))
		return -EIO;
	/* KVM_GET_SUPPORTED_CPUID leaves the TSC-deadline timer out: it is
	 * the in-kernel LAPIC's feature. Without it the guest calibrates its
	 * LAPIC timer against the PIT, which goes wrong when the host's
	 * timing is uneven (nested, TCG below) and its clock stops. */
	leaf1 = cpuid_find(t, 1, 0);
	if (leaf1 && ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		leaf1->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	return 0;
}

void x86_vm_fini(struct kvm_vm *vm)
{
	free(vm->arch_state);
	vm->arch_state = NULL;
}

struct cpuid_table *x86_cpuid(struct kvm_vm *vm)
{
	return vm->arch_state;
}

int x86_vcpu_init(struct kvm_vcpu *v, unsigned ncpu, bool irqchip)
{
	struct cpuid_table t = *x86_cpuid(v->vm);
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int r;

	cpuid_fixup(&t, v->id, ncpu);
	if (ioctl(v->fd, KVM_SET_CPUID2, &t.head) < 0)
		return error_errno(errno, "vcpu %u: KVM_SET_CPUID2", v->id);
	set_xcr0(v, &t);
	r = set_msrs(v);
	if (!r && ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		r = error_errno(errno, "vcpu %u: KVM_SET_FPU", v->id);
	if (!r && irqchip)
		r = set_lint(v);
	return r;
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool code64,
			      bool db)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = db, .s = 1, .l = code64, .g = 1,
	};
}

static int enter(struct kvm_vcpu *v, bool long_mode, uint64_t rip,
		 uint64_t rsi, uint64_t rbx)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = rip, .rsi = rsi, .rbx = rbx,
			      .rsp = BOOT_STACK, .rflags = 2 };

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return error_errno(errno, "vcpu %u: KVM_GET_SREGS", v->id);
	s.gdt.base = GDT_ADDR;
	s.gdt.limit = 8 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cs = long_mode ? seg(SEL_CODE64, 0xb, true, false)
			 : seg(SEL_CODE32, 0xb, false, true);
	s.ds = s.es = s.fs = s.gs = s.ss = seg(SEL_DATA, 0x3, false, true);
	s.tr = (struct kvm_segment){ .selector = SEL_TSS, .limit = 0x67,
				     .type = 0xb, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	if (long_mode) {
		s.cr0 = CR0_PE | CR0_ET | CR0_PG;
		s.cr3 = PML4_ADDR;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
	} else {
		s.cr0 = CR0_PE | CR0_ET;
		s.cr3 = 0;
		s.cr4 = 0;
		s.efer = 0;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return error_errno(errno, "vcpu %u: KVM_SET_SREGS", v->id);
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return error_errno(errno, "vcpu %u: KVM_SET_REGS", v->id);
	return 0;
}

int x86_vcpu_enter64(struct kvm_vcpu *v, uint64_t rip, uint64_t rsi)
{
	return enter(v, true, rip, rsi, 0);
}

int x86_vcpu_enter32(struct kvm_vcpu *v, uint64_t rip, uint64_t rbx)
{
	return enter(v, false, rip, 0, rbx);
}

int x86_vcpu_regs(struct kvm_vcpu *v, struct kvm_regs *r)
{
	return ioctl(v->fd, KVM_GET_REGS, r) < 0 ? -errno : 0;
}

void x86_vcpu_dump(struct kvm_vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "tinyrd: vcpu %u: registers unavailable: %s\n",
			v->id, strerror(errno));
		return;
	}
	fprintf(stderr,
		"tinyrd: vcpu %u registers:\n"
		"  rip %016llx  rsp %016llx  rflags %016llx\n"
		"  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n"
		"  rsi %016llx  rdi %016llx  rbp %016llx\n"
		"  cr0 %016llx  cr2 %016llx  cr3 %016llx  cr4 %016llx\n"
		"  efer %016llx  cs %04x base %llx l %u db %u\n",
		v->id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
		r.rsi, r.rdi, r.rbp, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		s.cs.selector, s.cs.base, s.cs.l, s.cs.db);
}
