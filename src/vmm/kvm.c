// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"
#include "../common/log.h"
#include "../common/util.h"

/* What the core uses on every arch; the arch's table adds its own. */
static const struct kvm_cap_name caps[] = {
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
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

int kvm_vcpu_mp_state(struct kvm_vcpu *v, struct kvm_mp_state *mp)
{
	return ioctl(v->fd, KVM_GET_MP_STATE, mp) < 0 ? -errno : 0;
}

static void missing(int kvm, const struct kvm_cap_name *c, size_t nc,
		    unsigned *count, char *out, size_t n, size_t *len)
{
	for (size_t i = 0; i < nc; i++) {
		if (ioctl(kvm, KVM_CHECK_EXTENSION, c[i].cap) > 0)
			continue;
		(*count)++;
		if (*len < n)
			*len += (size_t)snprintf(out + *len, n - *len, "%sKVM_CAP_%s",
						 *len ? " " : "", c[i].name);
	}
}

unsigned kvm_missing_caps(int kvm, const struct vm_arch *a, char *out,
			  size_t n, unsigned *total)
{
	unsigned count = 0;
	size_t len = 0;

	if (n)
		out[0] = '\0';
	missing(kvm, caps, ARRAY_SIZE(caps), &count, out, n, &len);
	missing(kvm, a->caps, a->ncaps, &count, out, n, &len);
	if (total)
		*total = (unsigned)(ARRAY_SIZE(caps) + a->ncaps);
	return count;
}

int kvm_open(struct kvm_vm *vm, const struct vm_arch *a)
{
	char why[200];
	int v;

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->arch = a;
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
	if (kvm_missing_caps(vm->kvm, a, why, sizeof(why), NULL)) {
		close(vm->kvm);
		vm->kvm = -1;
		return error("/dev/kvm: missing %s", why);
	}
	vm->run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run)) {
		close(vm->kvm);
		vm->kvm = -1;
		return error("/dev/kvm: KVM_GET_VCPU_MMAP_SIZE: %d", vm->run_size);
	}
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
	int r;

	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM,
		       vm->arch->vm_type ? vm->arch->vm_type(vm->kvm) : 0ul);
	if (vm->fd < 0)
		return error_errno(errno, "KVM_CREATE_VM");
	/* The ring's page in each vCPU's mapping, if KVM has one. */
	vm->ring_page = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	r = vm->arch->vm_init(vm, irqchip);
	if (!r)
		r = gmem_init(&vm->mem, mem_bytes, hugepages, &vm->arch->ram);
	if (!r)
		r = kvm_memory(vm, 0, vm->mem.base, vm->mem.low, vm->mem.host);
	if (!r && vm->mem.high)
		r = kvm_memory(vm, 1, vm->mem.high_base, vm->mem.high,
			       vm->mem.host + vm->mem.low);
	return r;
}

void kvm_destroy(struct kvm_vm *vm)
{
	if (vm->arch_state && vm->arch->vm_fini)
		vm->arch->vm_fini(vm);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	gmem_free(&vm->mem);
	vm->fd = vm->kvm = -1;
}

int kvm_vcpu_create(struct kvm_vm *vm, unsigned id, unsigned ncpu,
		    bool irqchip, struct kvm_vcpu *v)
{
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
	if (id == 0 && vm->ring_page > 0) {
		long page = sysconf(_SC_PAGESIZE);

		if ((long)vm->run_size >= (vm->ring_page + 1) * page) {
			vm->ring = (void *)((char *)v->run + vm->ring_page * page);
			vm->ring_max = (unsigned)((page - sizeof(*vm->ring)) /
						  sizeof(vm->ring->coalesced_mmio[0]));
		}
	}
	return vm->arch->vcpu_init(v, ncpu, irqchip);
}

void kvm_vcpu_destroy(struct kvm_vcpu *v)
{
	if (v->id == 0 && v->run)
		v->vm->ring = NULL;
	if (v->run)
		munmap(v->run, (size_t)v->vm->run_size);
	if (v->fd > 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
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

int kvm_coalesce(struct kvm_vm *vm, uint64_t addr, uint32_t size, bool pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size,
					     .pio = pio };

	if (ioctl(vm->fd, KVM_CHECK_EXTENSION, pio ? KVM_CAP_COALESCED_PIO :
		  KVM_CAP_COALESCED_MMIO) <= 0 || vm->ring_page <= 0)
		return -ENOTSUP;
	return ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &z) < 0 ? -errno : 0;
}

bool kvm_coalesced_pending(const struct kvm_vm *vm)
{
	return vm->ring && __atomic_load_n(&vm->ring->first, __ATOMIC_ACQUIRE) !=
			   __atomic_load_n(&vm->ring->last, __ATOMIC_ACQUIRE);
}

unsigned kvm_coalesced_drain(struct kvm_vm *vm, kvm_coalesced_fn *fn,
			     void *ctx)
{
	struct kvm_coalesced_mmio_ring *r = vm->ring;
	unsigned n = 0;

	if (!r)
		return 0;
	for (;;) {
		uint32_t first = __atomic_load_n(&r->first, __ATOMIC_RELAXED);
		uint32_t last = __atomic_load_n(&r->last, __ATOMIC_ACQUIRE);
		struct kvm_coalesced_mmio e;

		if (first == last || first >= vm->ring_max || last >= vm->ring_max)
			return n;
		e = r->coalesced_mmio[first];
		if (e.len)
			fn(ctx, e.phys_addr, e.data, e.len < sizeof(e.data) ?
			   e.len : sizeof(e.data), e.pio);
		__atomic_store_n(&r->first, (first + 1) % vm->ring_max,
				 __ATOMIC_RELEASE);
		n++;
	}
}
