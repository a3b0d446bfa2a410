// SPDX-License-Identifier: MIT
/* CPUID fix-ups for the topology, on made-up tables of both vendors. */
#include "helpers.h"
#include "../../src/vmm/x86/cpuid.h"

static void add(struct cpuid_table *t, unsigned f, unsigned idx, unsigned flags,
		unsigned a, unsigned b, unsigned c, unsigned d)
{
	struct kvm_cpuid_entry2 *e = &t->e[t->head.nent++];

	e->function = f;
	e->index = idx;
	e->flags = flags;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

static void table(struct cpuid_table *t, bool amd)
{
	memset(t, 0, sizeof(*t));
	if (amd)
		add(t, 0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);
	else
		add(t, 0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(t, 1, 0, 0, 0x00a50f00, 0x00000800, 0x7ed8320b, 0x078bfbff);
	add(t, 4, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x00000121, 0, 0, 0);
	add(t, 0xb, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 2, 0x100, 7);
	add(t, 0xb, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 4, 16, 0x201, 7);
	add(t, 0xb, 2, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, 0, 2, 7);
	add(t, 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	add(t, 0x80000001, 0, 0, 0, 0, 0, 0);
	add(t, 0x80000008, 0, 0, 0x3030, 0, 0x700f, 0);
	add(t, 0x8000001e, 0, 0, 9, 0x105, 0x3, 0);
}

static void test_topology(void **state)
{
	struct cpuid_table t;
	struct kvm_cpuid_entry2 *e;

	(void)state;
	for (int amd = 0; amd < 2; amd++) {
		table(&t, amd);
		assert_int_equal(cpuid_is_amd(&t), amd);
		cpuid_fixup(&t, 2, 4);
		e = cpuid_find(&t, 1, 0);
		assert_int_equal(e->ebx >> 24, 2);		/* APIC id */
		assert_int_equal((e->ebx >> 16) & 0xff, 4);	/* logical CPUs */
		assert_int_equal(e->ebx & 0xffff, 0x0800);	/* CLFLUSH kept */
		assert_true(e->edx & (1u << 28));		/* HTT */
		assert_true(e->ecx & (1u << 31));		/* hypervisor */
		e = cpuid_find(&t, 0xb, 0);
		assert_int_equal(e->edx, 2);
		assert_int_equal(e->ebx, 1);
		assert_int_equal(e->ecx, 0x100);
		e = cpuid_find(&t, 0xb, 1);
		assert_int_equal(e->eax, 2);			/* log2(4) */
		assert_int_equal(e->ebx, 4);
		assert_int_equal(e->ecx, 0x201);
		assert_int_equal(e->edx, 2);
		e = cpuid_find(&t, 0xb, 2);
		assert_int_equal(e->eax, 0);
		assert_int_equal(e->ecx, 2);
		/* The KVM leaves pass through. */
		e = cpuid_find(&t, 0x40000000, 0);
		assert_int_equal(e->ebx, 0x4b4d564b);
		e = cpuid_find(&t, 4, 0);
		if (amd) {
			assert_int_equal(e->eax, 0x121);
			assert_int_equal(cpuid_find(&t, 0x80000008, 0)->ecx & 0xf0ff, 0x2003);
			assert_int_equal(cpuid_find(&t, 0x8000001e, 0)->eax, 2);
			assert_true(cpuid_find(&t, 0x80000001, 0)->ecx & 2);
		} else {
			assert_int_equal(e->eax >> 26, 3);
			assert_int_equal(cpuid_find(&t, 0x8000001e, 0)->eax, 9);
		}
	}
	/* One CPU: no HTT. */
	table(&t, false);
	cpuid_fixup(&t, 0, 1);
	e = cpuid_find(&t, 1, 0);
	assert_false(e->edx & (1u << 28));
	assert_int_equal(e->ebx >> 24, 0);
	assert_null(cpuid_find(&t, 0x1234, 0));
}

/* KVM_GET_SUPPORTED_CPUID's host features and paravirt leaves reach the
 * guest untouched by the fix-ups, for either vendor and any CPU count:
 * pdpe1gb (0x80000001 EDX bit 26: 1 GiB pages) and the KVM signature and
 * feature leaves (0x40000000, 0x40000001: kvmclock and friends). */
static void test_passthrough(void **state)
{
	/* KVM_FEATURE_CLOCKSOURCE (0), NOP_IO_DELAY (1), CLOCKSOURCE2 (3),
	 * ASYNC_PF (4), STEAL_TIME (5), PV_EOI (6), CLOCKSOURCE_STABLE_BIT
	 * (24); KVM_HINTS_REALTIME in EDX. */
	const unsigned kvm_features = 0x0100007b, kvm_hints = 1;
	/* syscall (11), NX (20), pdpe1gb (26), rdtscp (27), LM (29). */
	const unsigned ext_edx = 1u << 11 | 1u << 20 | 1u << 26 | 1u << 27 | 1u << 29;
	const unsigned ncpus[] = { 1, 2, 254 };
	struct cpuid_table t;
	struct kvm_cpuid_entry2 *e;

	(void)state;
	for (int amd = 0; amd < 2; amd++) {
		for (unsigned n = 0; n < sizeof(ncpus) / sizeof(ncpus[0]); n++) {
			table(&t, amd);
			cpuid_find(&t, 0x80000001, 0)->edx = ext_edx;
			add(&t, 0x40000001, 0, 0, kvm_features, 0, 0, kvm_hints);
			cpuid_fixup(&t, ncpus[n] - 1, ncpus[n]);
			e = cpuid_find(&t, 0x80000001, 0);
			assert_true(e->edx & (1u << 26));		/* pdpe1gb */
			assert_int_equal(e->edx, ext_edx);
			e = cpuid_find(&t, 0x40000000, 0);
			assert_non_null(e);
			assert_int_equal(e->eax, 0x40000001);	/* the top leaf */
			assert_int_equal(e->ebx, 0x4b4d564b);	/* "KVMKVMKVM" */
			assert_int_equal(e->ecx, 0x564b4d56);
			assert_int_equal(e->edx, 0x4d);
			e = cpuid_find(&t, 0x40000001, 0);
			assert_non_null(e);
			assert_int_equal(e->eax, kvm_features);	/* kvmclock */
			assert_int_equal(e->ebx, 0);
			assert_int_equal(e->ecx, 0);
			assert_int_equal(e->edx, kvm_hints);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology),
		cmocka_unit_test(test_passthrough),
	};

	return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
