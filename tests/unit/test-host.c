// SPDX-License-Identifier: MIT
/* Telling PVM from a KVM that boots stock kernels, from each of its
 * signs alone: the module, the vendor signature in KVM's CPUID, a CPU
 * without VMX or SVM. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/vmm/cpuid.h"
#include "../../src/vmm/vmm.h"

#define VMX (1u << 5)
#define SVM (1u << 2)

static struct cpuid_table table(unsigned vendor_ebx)
{
	struct cpuid_table t;

	memset(&t, 0, sizeof(t));
	t.e[0] = (struct kvm_cpuid_entry2){ .function = 0x40000000,
		.eax = 0x40000002, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d };
	t.e[1] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0x1007efb };
	t.e[2] = (struct kvm_cpuid_entry2){ .function = 0x40000002, .ebx = vendor_ebx };
	t.head.nent = 3;
	return t;
}

static void test_pvm_signs(void **state)
{
	struct cpuid_table pvm = table(0x4d5650), kvm = table(0);

	(void)state;
	/* Hardware KVM, bare or nested: none of the signs. */
	assert_null(kvm_pvm_sign(false, &kvm, VMX, 0));
	assert_null(kvm_pvm_sign(false, &kvm, 0, SVM));
	assert_null(kvm_pvm_sign(false, NULL, 0, SVM));
	/* Each sign alone. */
	assert_string_equal(kvm_pvm_sign(true, &kvm, VMX, SVM), "module kvm_pvm");
	assert_string_equal(kvm_pvm_sign(false, &pvm, VMX, 0),
			    "CPUID signature \"PVM\" in KVM's vendor leaf");
	assert_string_equal(kvm_pvm_sign(false, &kvm, 0, 0),
			    "the CPU has neither VMX nor SVM");
	assert_string_equal(kvm_pvm_sign(false, NULL, 0, 0),
			    "the CPU has neither VMX nor SVM");
}

/* On this machine (PVM, kvm_pvm loaded) the host check says so; a host
 * with hardware KVM must not. */
static void test_this_host(void **state)
{
	const char *sign = kvm_pvm_detect();

	(void)state;
	if (!access("/sys/module/kvm_pvm", F_OK))
		assert_string_equal(sign, "module kvm_pvm");
	else if (!access("/dev/kvm", F_OK) && !system("grep -qwE 'vmx|svm' /proc/cpuinfo"))
		assert_null(sign);
	else
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvm_signs),
		cmocka_unit_test(test_this_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
