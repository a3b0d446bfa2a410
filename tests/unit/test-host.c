// SPDX-License-Identifier: MIT
/* Telling PVM from a KVM that boots stock kernels, from each of its
 * signs alone: the module, the vendor signature in KVM's CPUID, a CPU
 * without VMX or SVM; what a host without /dev/kvm is told; the facts
 * read from this host. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/vmm/x86/cpuid.h"
#include "../../src/vmm/x86/host.h"
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

/* The module counts only as the one KVM module loaded. */
static void test_pvm_module_alone(void **state)
{
	struct kvm_host h = { .kvm_pvm = true };

	(void)state;
	/* x86_pvm_sign asks the real /dev/kvm too; only the module's part
	 * is decided here, through kvm_pvm_sign's first argument. */
	assert_string_equal(kvm_pvm_sign(h.kvm_pvm && !h.kvm_intel && !h.kvm_amd,
					 NULL, VMX, 0), "module kvm_pvm");
	h.kvm_intel = true;
	assert_null(kvm_pvm_sign(h.kvm_pvm && !h.kvm_intel && !h.kvm_amd,
				 NULL, VMX, 0));
}

static void absent(const struct kvm_host *h, const char *why, const char *fix)
{
	char w[256], f[256];

	kvm_host_absent(h, w, sizeof(w), f, sizeof(f));
	if (!strstr(w, why) || !strstr(f, fix))
		fail_msg("absent: \"%s\" / \"%s\"; wanted \"%s\" / \"%s\"", w, f,
			 why, fix);
}

/* No node: each shape its own reason and fix, the first that applies. */
static void test_absent(void **state)
{
	(void)state;
	/* PVM loaded: no node would help, whatever else is there. */
	absent(&(struct kvm_host){ .kvm_pvm = true, .misc = "10:232", .vmx = true },
	       "the KVM module loaded is kvm_pvm (PVM), whose device has no node",
	       "a node would not help");
	absent(&(struct kvm_host){ .kvm_pvm = true, .hypervisor = true },
	       "the KVM module loaded is kvm_pvm (PVM)", "tinyrd run --vmm qemu (TCG)");
	/* A device without a node: a container, or no udev. */
	absent(&(struct kvm_host){ .kvm_intel = true, .misc = "10:232", .vmx = true },
	       "absent, though the kernel has KVM (device 10:232)",
	       "mknod -m 0660 /dev/kvm c 10 232");
	absent(&(struct kvm_host){ .kvm_pvm = true, .kvm_amd = true, .misc = "10:232" },
	       "(device 10:232)", "--device /dev/kvm");
	/* A vendor module that registered nothing. */
	absent(&(struct kvm_host){ .kvm_amd = true, .svm = true },
	       "kvm_amd is loaded but registered no device", "firmware");
	/* Nothing loaded: load what the CPU can run. */
	absent(&(struct kvm_host){ .vmx = true }, "the CPU has VMX", "modprobe kvm-intel");
	absent(&(struct kvm_host){ .svm = true, .hypervisor = true },
	       "the CPU has SVM", "modprobe kvm-amd");
	/* Nothing to load. */
	absent(&(struct kvm_host){ .hypervisor = true },
	       "a virtual machine whose CPU has neither VMX nor SVM",
	       "enable nested virtualization");
	absent(&(struct kvm_host){ 0 }, "neither VMX nor SVM enabled",
	       "in the firmware");
}

/* This host's facts, read the way the tests read them. */
static void test_probe(void **state)
{
	struct kvm_host h;
	char *flags = run_capture("grep -m1 '^flags' /proc/cpuinfo");

	(void)state;
	kvm_host_probe(&h);
	assert_non_null(flags);
	assert_int_equal(h.node, !access("/dev/kvm", F_OK));
	assert_int_equal(h.kvm_pvm, !access("/sys/module/kvm_pvm", F_OK));
	assert_int_equal(h.kvm_amd, !access("/sys/module/kvm_amd", F_OK));
	assert_int_equal(h.vmx, strstr(flags, " vmx") != NULL);
	assert_int_equal(h.svm, strstr(flags, " svm") != NULL);
	assert_int_equal(h.pdpe1gb, strstr(flags, " pdpe1gb") != NULL);
	assert_int_equal(h.hypervisor, strstr(flags, " hypervisor") != NULL);
	assert_int_equal(!!h.misc[0], !access("/sys/class/misc/kvm/dev", F_OK));
	if (!h.node)
		assert_int_equal(h.open_errno, ENOENT);
	free(flags);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvm_signs),
		cmocka_unit_test(test_pvm_module_alone),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
