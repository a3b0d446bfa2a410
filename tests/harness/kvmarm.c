// SPDX-License-Identifier: MIT
/*
 * kvmarm: does KVM work on this arm64 machine? An oracle for the arm64
 * nested harness that shares no code with tinyrd: it opens /dev/kvm,
 * creates a VM with 64 KiB of RAM and one vCPU (PSCI 0.2), and runs five
 * instructions there: a store to an address outside RAM (an MMIO exit,
 * whose address, width and value it checks) and PSCI SYSTEM_OFF through
 * HVC (a system-event exit).
 *
 *   kvmarm [IPA_BITS]
 *
 * (IPA_BITS: the VM's guest-physical address size, KVM_CREATE_VM's
 * KVM_VM_TYPE_ARM_IPA_SIZE; KVM's default, 40, if not given)
 * prints one line per step ("api 12", "mmio 0x100000 8 0x42", ...) and
 * the time the guest took, and exits 0; on the first thing that fails it
 * prints "kvmarm: STEP: ERROR" on stderr and exits 1. Built with
 * aarch64-linux-gnu-gcc -static (tests/harness/nested-arm64.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_GPA		0x10000
#define RAM_SIZE	0x10000
#define MMIO_GPA	0x100000
#define TRAP_GPA	0x200000
#define VBAR		(RAM_GPA + 0x800)
#define PSCI_SYSTEM_OFF	0x84000008
#define TIMEOUT		10	/* seconds for each KVM_RUN */

/* The guest, at RAM_GPA with the MMU off (EL1h, DAIF masked after
 * KVM_ARM_VCPU_INIT). */
/* Global symbols: C reaches them through the GOT, and local ones in one
 * section would all share the section's single GOT entry. */
extern const char guest[];
extern const uint64_t guest_size;
__asm__(".pushsection .rodata\n"
	".globl guest, guest_size\n"
	".hidden guest, guest_size\n"
	".balign 0x800\n"
	"guest:\n"
	"	mov	x0, #0x42\n"
	"	movz	x1, #0x10, lsl #16\n"	/* MMIO_GPA */
	"	str	x0, [x1]\n"
	"	movz	x0, #0x0008\n"
	"	movk	x0, #0x8400, lsl #16\n"
	"	hvc	#0\n"
	"1:	b	1b\n"
	/* VBAR_EL1 = RAM_GPA + 0x800: an exception's syndrome, return
	 * address and fault address, stored to TRAP_GPA (three MMIO exits). */
	".balign 0x800\n"
	".skip 0x200\n"
	"	mrs	x2, esr_el1\n"
	"	mrs	x3, elr_el1\n"
	"	mrs	x4, far_el1\n"
	"	movz	x1, #0x20, lsl #16\n"	/* TRAP_GPA */
	"	str	x2, [x1]\n"
	"	str	x3, [x1]\n"
	"	str	x4, [x1]\n"
	"2:	b	2b\n"
	"guest_end:\n"
	".balign 8\n"
	"guest_size:\n"
	"	.quad	guest_end - guest\n"
	".popsection\n");

static int fail(const char *step)
{
	fprintf(stderr, "kvmarm: %s: %s\n", step, strerror(errno));
	return 1;
}

static int bad(const char *step, const char *what)
{
	fprintf(stderr, "kvmarm: %s: %s\n", step, what);
	return 1;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static uint64_t get(int vcpu, uint64_t id)
{
	struct kvm_one_reg reg = { .id = id };
	uint64_t v = ~0ull;

	reg.addr = (uintptr_t)&v;
	ioctl(vcpu, KVM_GET_ONE_REG, &reg);
	return v;
}

#define CORE(r)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		 (offsetof(struct kvm_regs, r) / sizeof(uint32_t)))
#define SYS(op0, op1, crn, crm, op2) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | \
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) | \
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) | \
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) | \
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) | \
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))

/* The guest took an exception: its three stores say which. */
static int trapped(int vcpu, struct kvm_run *run, const char *step)
{
	uint64_t v[3] = { 0 };
	int i;

	for (i = 0; i < 3; i++) {
		if (i && (ioctl(vcpu, KVM_RUN, 0) < 0 ||
			  run->exit_reason != KVM_EXIT_MMIO ||
			  run->mmio.phys_addr != TRAP_GPA))
			break;
		memcpy(&v[i], run->mmio.data, sizeof(v[i]));
	}
	fprintf(stderr, "kvmarm: %s: the guest took an exception: "
		"esr_el1 %#llx elr_el1 %#llx far_el1 %#llx\n", step,
		(unsigned long long)v[0], (unsigned long long)v[1],
		(unsigned long long)v[2]);
	return 1;
}

/* A guest that never exits: where it is and, if it took an exception,
 * which (ESR_EL1, ELR_EL1, FAR_EL1), then fail. */
static int stuck(int vcpu, const char *step)
{
	fprintf(stderr, "kvmarm: %s: no exit in %d s: pc %#llx pstate %#llx "
		"esr_el1 %#llx elr_el1 %#llx far_el1 %#llx\n", step, TIMEOUT,
		(unsigned long long)get(vcpu, CORE(regs.pc)),
		(unsigned long long)get(vcpu, CORE(regs.pstate)),
		(unsigned long long)get(vcpu, SYS(3, 0, 5, 2, 0)),
		(unsigned long long)get(vcpu, CORE(elr_el1)),
		(unsigned long long)get(vcpu, SYS(3, 0, 6, 0, 0)));
	return 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_vcpu_init init;
	struct kvm_one_reg reg;
	struct kvm_run *run;
	uint64_t pc = RAM_GPA, data = 0;
	int kvm, vm, vcpu, api, size, ipa;
	void *ram;
	double t0;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api < 0)
		return fail("KVM_GET_API_VERSION");
	printf("api %d\n", api);
	ipa = argc > 1 ? atoi(argv[1]) : 0;
	vm = ioctl(kvm, KVM_CREATE_VM, ipa ? KVM_VM_TYPE_ARM_IPA_SIZE(ipa) : 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	printf("vm created, IPA %s bits\n", ipa ? argv[1] : "40 (default)");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return fail("mmap guest RAM");
	memcpy(ram, guest, guest_size);
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = RAM_GPA, .memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	memset(&init, 0, sizeof(init));
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail("KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail("KVM_ARM_VCPU_INIT");
	printf("vcpu target %u\n", init.target);
	reg.id = CORE(regs.pc);
	reg.addr = (uintptr_t)&pc;
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		return fail("KVM_SET_ONE_REG pc");
	reg.id = SYS(3, 0, 12, 0, 0);	/* VBAR_EL1 */
	pc = VBAR;
	reg.addr = (uintptr_t)&pc;
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		return fail("KVM_SET_ONE_REG vbar_el1");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");

	/* SIGALRM without SA_RESTART: a KVM_RUN that hangs returns EINTR. */
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	t0 = now();
	alarm(TIMEOUT);
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return errno == EINTR ? stuck(vcpu, "KVM_RUN") : fail("KVM_RUN");
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == TRAP_GPA)
		return trapped(vcpu, run, "KVM_RUN");
	if (run->exit_reason != KVM_EXIT_MMIO) {
		fprintf(stderr, "kvmarm: first exit: reason %u, not KVM_EXIT_MMIO\n",
			run->exit_reason);
		return 1;
	}
	memcpy(&data, run->mmio.data, sizeof(data));
	printf("mmio %#llx %u %#llx%s\n", (unsigned long long)run->mmio.phys_addr,
	       run->mmio.len, (unsigned long long)data,
	       run->mmio.is_write ? "" : " (a read)");
	if (run->mmio.phys_addr != MMIO_GPA || run->mmio.len != 8 ||
	    !run->mmio.is_write || data != 0x42)
		return bad("first exit", "not the store of 0x42 to 0x100000");
	alarm(TIMEOUT);
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return errno == EINTR ? stuck(vcpu, "KVM_RUN after MMIO") :
					fail("KVM_RUN after MMIO");
	alarm(0);
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == TRAP_GPA)
		return trapped(vcpu, run, "KVM_RUN after MMIO");
	if (run->exit_reason != KVM_EXIT_SYSTEM_EVENT ||
	    run->system_event.type != KVM_SYSTEM_EVENT_SHUTDOWN) {
		fprintf(stderr, "kvmarm: second exit: reason %u, not a PSCI SYSTEM_OFF\n",
			run->exit_reason);
		return 1;
	}
	printf("system_off\n");
	printf("guest ran in %.3f s\n", now() - t0);
	return 0;
}
