// SPDX-License-Identifier: MIT
/* doctor's smoke boot: the micro-guest (microguest.S) on a fresh VM. */
#include <linux/kvm.h>
#include <stdio.h>

#include "boot.h"
#include "cpu.h"
#include "host.h"
#include "layout.h"
#include "../kvm.h"
#include "../smoke.h"
#include "../../common/abi.h"
#include "../../common/util.h"

extern const char microguest_start[], microguest_end[];

static const char *const results[] = {
	[2] = "the CPU has no cmpxchg16b",
	[3] = "cmpxchg16b gave a wrong result",
	[4] = "xsetbv: XCR0 did not keep x87 and SSE state",
};

static void prepare(struct kvm_vm *vm)
{
	boot_gdt(&vm->mem);
	boot_page_tables(&vm->mem);
}

static int enter(struct kvm_vcpu *v, uint64_t entry)
{
	return x86_vcpu_enter32(v, entry, 0);
}

/* The result on the exit port, in one write. */
static int on_exit(struct kvm_vcpu *v, int *state, char *why, size_t n)
{
	struct kvm_run *run = v->run;

	(void)state;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t code = *((uint8_t *)run + run->io.data_offset);

		if (run->io.port != TINYRD_EXIT_PORT ||
		    run->io.direction != KVM_EXIT_IO_OUT) {
			snprintf(why, n, "unexpected port %#x access", run->io.port);
			return SMOKE_FAILED;
		}
		if (code == 42)
			return SMOKE_PASSED;
		snprintf(why, n, "%s", code < ARRAY_SIZE(results) &&
			 results[code] ? results[code] : "failed");
		return SMOKE_FAILED;
	}
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, n, "KVM internal error, suberror %u, entering "
			 "long mode", run->internal.suberror);
		return SMOKE_FAILED;
	case KVM_EXIT_SHUTDOWN:
		snprintf(why, n, "triple fault entering long mode");
		return SMOKE_FAILED;
	case KVM_EXIT_HLT:
		snprintf(why, n, "the guest halted without reporting");
		return SMOKE_FAILED;
	}
	return SMOKE_NOT_MINE;
}

int x86_smoke(const struct vm_arch *a, char *why, size_t n, double *ms)
{
	static const struct smoke_guest g = {
		.start = microguest_start, .end = microguest_end,
		.base = MICRO_BASE, .prepare = prepare, .enter = enter,
		.exit = on_exit,
	};

	return smoke_boot(a, &g, why, n, ms);
}
