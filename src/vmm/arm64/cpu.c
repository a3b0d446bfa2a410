// SPDX-License-Identifier: MIT
/* arm64 vCPUs and the in-kernel GICv3 (cpu.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cpu.h"
#include "layout.h"
#include "../../common/log.h"
#include "../../common/util.h"

/* PSTATE at entry: EL1 with SP_EL1 (EL1h), D, A, I, F masked. */
#define PSTATE_EL1H_MASKED	0x3c5
/* Interrupt lines the vGIC has: SGIs, PPIs and 96 SPIs (a multiple of
 * 32); layout.h's use fewer than 64 SPIs. */
#define VGIC_NR_IRQS		128

#define CORE_REG(x)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(x))
#define SYS_ESR_EL1	ARM64_SYS_REG(3, 0, 5, 2, 0)
#define SYS_FAR_EL1	ARM64_SYS_REG(3, 0, 6, 0, 0)
#define SYS_VBAR_EL1	ARM64_SYS_REG(3, 0, 12, 0, 0)
#define SYS_SCTLR_EL1	ARM64_SYS_REG(3, 0, 1, 0, 0)

struct arm64_vm {
	struct kvm_vcpu_init init;	/* KVM's preferred target */
	int gic;			/* the vGIC device, or -1 */
};

static struct arm64_vm *state(struct kvm_vm *vm)
{
	return vm->arch_state;
}

static int gic_attr(int fd, uint32_t group, uint64_t attr, void *val,
		    const char *what)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return error_errno(errno, "vGIC: %s", what);
	return 0;
}

static int create_gic(struct kvm_vm *vm, struct arm64_vm *s)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = GIC_DIST_BASE, redist = GIC_REDIST_BASE;
	uint32_t nirqs = VGIC_NR_IRQS;
	int r;

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
		return error_errno(errno, "KVM_CREATE_DEVICE (GICv3)%s",
				   errno == ENODEV ? ": this host's GIC cannot "
				   "emulate a GICv3 (a GICv2 host?)" : "");
	s->gic = (int)cd.fd;
	r = gic_attr(s->gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_DIST, &dist, "distributor address");
	if (!r)
		r = gic_attr(s->gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
			     KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist,
			     "redistributor address");
	if (!r)
		r = gic_attr(s->gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nirqs,
			     "number of interrupts");
	return r;
}

/* The IPA size a VM of type 0 has. */
#define IPA_DEFAULT 40

unsigned arm64_ipa_bits(int kvm)
{
	int max = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);

	/* 0: a kernel before 4.20, 40 bits and no choice. */
	return max > 0 && max < IPA_DEFAULT ? (unsigned)max : IPA_DEFAULT;
}

unsigned long arm64_vm_type(int kvm)
{
	int max = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);

	return max > 0 ? KVM_VM_TYPE_ARM_IPA_SIZE(arm64_ipa_bits(kvm)) : 0;
}

int arm64_vm_init(struct kvm_vm *vm, bool irqchip)
{
	struct arm64_vm *s = xcalloc(1, sizeof(*s));

	s->gic = -1;
	vm->arch_state = s;
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &s->init) < 0)
		return error_errno(errno, "KVM_ARM_PREFERRED_TARGET");
	return irqchip ? create_gic(vm, s) : 0;
}

void arm64_vm_fini(struct kvm_vm *vm)
{
	struct arm64_vm *s = state(vm);

	if (s->gic >= 0)
		close(s->gic);
	free(s);
	vm->arch_state = NULL;
}

int arm64_vcpu_init(struct kvm_vcpu *v, unsigned ncpu, bool irqchip)
{
	struct arm64_vm *s = state(v->vm);
	struct kvm_vcpu_init init = s->init;

	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (v->id)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return error_errno(errno, "vcpu %u: KVM_ARM_VCPU_INIT (target %u)",
				   v->id, init.target);
	/* The vGIC's redistributors are per vCPU: it is initialised once
	 * they all exist. */
	if (irqchip && s->gic >= 0 && v->id == ncpu - 1)
		return gic_attr(s->gic, KVM_DEV_ARM_VGIC_GRP_CTRL,
				KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "init");
	return 0;
}

static int set_reg(struct kvm_vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return ioctl(v->fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int get_reg(struct kvm_vcpu *v, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return ioctl(v->fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

int arm64_vcpu_enter(struct kvm_vcpu *v, uint64_t pc, uint64_t x0)
{
	int r = set_reg(v, CORE_REG(regs.pstate), PSTATE_EL1H_MASKED);

	for (unsigned i = 0; i < 4 && !r; i++)
		r = set_reg(v, CORE_REG(regs.regs[0]) + i * 2, i ? 0 : x0);
	if (!r)
		r = set_reg(v, CORE_REG(regs.pc), pc);
	if (r)
		return error_errno(-r, "vcpu %u: KVM_SET_ONE_REG", v->id);
	return 0;
}

int arm64_vcpu_pc(struct kvm_vcpu *v, uint64_t *pc, uint64_t *pstate)
{
	int r = get_reg(v, CORE_REG(regs.pc), pc);

	return r ? r : get_reg(v, CORE_REG(regs.pstate), pstate);
}

void arm64_vcpu_dump(struct kvm_vcpu *v)
{
	static const struct {
		const char *name;
		uint64_t id;
	} regs[] = {
		{ "pc", CORE_REG(regs.pc) },
		{ "pstate", CORE_REG(regs.pstate) },
		{ "sp_el1", CORE_REG(sp_el1) },
		{ "elr_el1", CORE_REG(elr_el1) },
		{ "esr_el1", SYS_ESR_EL1 },
		{ "far_el1", SYS_FAR_EL1 },
		{ "vbar_el1", SYS_VBAR_EL1 },
		{ "sctlr_el1", SYS_SCTLR_EL1 },
		{ "x0", CORE_REG(regs.regs[0]) },
		{ "lr", CORE_REG(regs.regs[30]) },
	};
	struct buf line = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		uint64_t val;

		if (!get_reg(v, regs[i].id, &val))
			buf_printf(&line, "%s%s %#llx", i ? ", " : "", regs[i].name,
				   (unsigned long long)val);
	}
	fprintf(stderr, "tinyrd: vcpu %u: %s\n", v->id, line.p ? line.p : "no registers");
	buf_free(&line);
}
