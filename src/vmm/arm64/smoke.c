// SPDX-License-Identifier: MIT
/* doctor's smoke boot on arm64: the micro-guest (microguest.S) on a
 * fresh VM without a vGIC. */
#include <linux/kvm.h>
#include <stdio.h>

#include "cpu.h"
#include "host.h"
#include "layout.h"
#include "../kvm.h"
#include "../smoke.h"
#include "../../common/log.h"
#include "../../common/util.h"

extern const char microguest_start[], microguest_end[];

static int enter(struct kvm_vcpu *v, uint64_t entry)
{
	return arm64_vcpu_enter(v, entry, 0);
}

/* The report (42) at MICRO_REPORT, then PSCI SYSTEM_OFF; *state holds
 * the report. */
static int on_exit(struct kvm_vcpu *v, int *state, char *why, size_t n)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		if (run->mmio.phys_addr != MICRO_REPORT || !run->mmio.is_write) {
			snprintf(why, n, "unexpected MMIO %s at %#llx",
				 run->mmio.is_write ? "write" : "read",
				 (unsigned long long)run->mmio.phys_addr);
			return SMOKE_FAILED;
		}
		*state = run->mmio.data[0];
		if (*state != 42) {
			snprintf(why, n, "%s", *state == 1 ? "FP/SIMD gave a "
				 "wrong value" : "failed");
			return SMOKE_FAILED;
		}
		return SMOKE_RUN;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN &&
		    *state == 42)
			return SMOKE_PASSED;
		snprintf(why, n, "system event %u%s", run->system_event.type,
			 *state == 42 ? "" : " before the report");
		return SMOKE_FAILED;
	}
	return SMOKE_NOT_MINE;
}

int arm64_smoke(const struct vm_arch *a, char *why, size_t n, double *ms)
{
	static const struct smoke_guest g = {
		.start = microguest_start, .end = microguest_end,
		.base = RAM_BASE, .enter = enter, .exit = on_exit,
	};

	return smoke_boot(a, &g, why, n, ms);
}
