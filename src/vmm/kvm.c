// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"
#include "layout.h"
#include "../common/log.h"
#include "../common/util.h"

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

static const struct {
	int cap;
	const char *name;
} caps[] = {
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_PIT2, "PIT2" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
	{ KVM_CAP_MP_STATE, "MP_STATE" },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
	{ KVM_CAP_SIGNAL_MSI, "SIGNAL_MSI" },
};

int kvm_api_version(int kvm)
{
	return ioctl(kvm, KVM_GET_API_VERSION, 0);
}

int kvm_vcpu_run(struct kvm_vcpu *v)
{
	return ioctl(v->fd, KVM_RUN, 0) < 0 ? -errno : 0;
}

int kvm_vcpu_state(struct kvm_vcpu *v, struct kvm_mp_state *mp,
		   struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_GET_MP_STATE, mp) < 0)
		return -errno;
	return r && ioctl(v->fd, KVM_GET_REGS, r) < 0 ? -errno : 0;
}

unsigned kvm_missing_caps(int kvm, char *out, size_t n, unsigned *total)
{
	unsigned missing = 0;
	size_t len = 0;

	if (n)
		out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		if (ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].cap) > 0)
			continue;
		missing++;
		if (len < n)
			len += (size_t)snprintf(out + len, n - len, "%sKVM_CAP_%s",
						len ? " " : "", caps[i].name);
	}
	if (total)
		*total = ARRAY_SIZE(caps);
	return missing;
}

int kvm_open(struct kvm_vm *vm)
{
	struct kvm_cpuid_entry2 *leaf1;
	char missing[200];
	int v;

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return error_errno(errno, "/dev/kvm%s", errno == EACCES ?
				   " (join the group kvm)" : "");
	v = kvm_api_version(vm->kvm);
	if (v != KVM_API_VERSION) {
		close(vm->kvm);
		vm->kvm = -1;
		return error("/dev/kvm: API version %d, not %d", v, KVM_API_VERSION);
	}
	if (kvm_missing_caps(vm->kvm, missing, sizeof(missing), NULL)) {
		close(vm->kvm);
		vm->kvm = -1;
		return error("/dev/kvm: missing %s", missing);
	}
	vm->run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run)) {
		close(vm->kvm);
		vm->kvm = -1;
		return error("/dev/kvm: KVM_GET_VCPU_MMAP_SIZE: %d", vm->run_size);
	}
	if (cpuid_supported(vm->kvm, &vm->cpuid))
		return -EIO;
	/* KVM_GET_SUPPORTED_CPUID leaves the TSC-deadline timer out: it is
	 * the in-kernel LAPIC's feature. Without it the guest calibrates its
	 * LAPIC timer against the PIT, which goes wrong when the host's
	 * timing is uneven (nested, TCG below) and its clock stops. */
	leaf1 = cpuid_find(&vm->cpuid, 1, 0);
	if (leaf1 && ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		leaf1->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	return 0;
}

int kvm_memory(struct kvm_vm *vm, unsigned n, uint64_t gpa, uint64_t size,
	       void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = n,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return error_errno(errno, "KVM_SET_USER_MEMORY_REGION %#llx+%#llx",
				   (unsigned long long)gpa,
				   (unsigned long long)size);
	return 0;
}

int kvm_create(struct kvm_vm *vm, uint64_t mem_bytes, bool hugepages,
	       bool irqchip)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t idmap = IDENTITY_MAP_ADDR;
	int r;

	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return error_errno(errno, "KVM_CREATE_VM");
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
	r = gmem_init(&vm->mem, mem_bytes, hugepages);
	if (r)
		return r;
	r = kvm_memory(vm, 0, 0, vm->mem.low, vm->mem.host);
	if (!r && vm->mem.high)
		r = kvm_memory(vm, 1, HIGH_RAM_START, vm->mem.high,
			 vm->mem.host + vm->mem.low);
	return r;
}

void kvm_destroy(struct kvm_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	gmem_free(&vm->mem);
	vm->fd = vm->kvm = -1;
}

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

int kvm_vcpu_create(struct kvm_vm *vm, unsigned id, unsigned ncpu,
		    bool irqchip, struct kvm_vcpu *v)
{
	struct cpuid_table t = vm->cpuid;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int r;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return error_errno(errno, "KVM_CREATE_VCPU %u", id);
	v->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return error_errno(errno, "vcpu %u: mmap kvm_run", id);
	}
	cpuid_fixup(&t, id, ncpu);
	if (ioctl(v->fd, KVM_SET_CPUID2, &t.head) < 0)
		return error_errno(errno, "vcpu %u: KVM_SET_CPUID2", id);
	set_xcr0(v, &t);
	r = set_msrs(v);
	if (!r && ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		r = error_errno(errno, "vcpu %u: KVM_SET_FPU", id);
	if (!r && irqchip)
		r = set_lint(v);
	return r;
}

void kvm_vcpu_destroy(struct kvm_vcpu *v)
{
	if (v->run)
		munmap(v->run, (size_t)v->vm->run_size);
	if (v->fd > 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
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

int kvm_vcpu_enter64(struct kvm_vcpu *v, uint64_t rip, uint64_t rsi)
{
	return enter(v, true, rip, rsi, 0);
}

int kvm_vcpu_enter32(struct kvm_vcpu *v, uint64_t rip, uint64_t rbx)
{
	return enter(v, false, rip, 0, rbx);
}

int kvm_irq_line(struct kvm_vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };

	return ioctl(vm->fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

int kvm_signal_msi(struct kvm_vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi m = { .address_lo = (uint32_t)addr,
			     .address_hi = (uint32_t)(addr >> 32), .data = data };

	/* 1 delivered, 0 blocked by the guest's APIC state: both fine. */
	return ioctl(vm->fd, KVM_SIGNAL_MSI, &m) < 0 ? -errno : 0;
}

int kvm_ioeventfd(struct kvm_vm *vm, uint64_t addr, unsigned len, int fd,
		  bool assign)
{
	struct kvm_ioeventfd e = { .addr = addr, .len = len, .fd = fd,
				   .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN };

	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) <= 0)
		return -ENOSYS;
	return ioctl(vm->fd, KVM_IOEVENTFD, &e) < 0 ? -errno : 0;
}

void kvm_vcpu_dump(struct kvm_vcpu *v)
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
