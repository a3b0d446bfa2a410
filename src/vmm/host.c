// SPDX-License-Identifier: MIT
/* What the host's KVM can do, as far as choosing a VMM goes. */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuid.h"
#include "kvm.h"
#include "vmm.h"

/* KVM_CPUID_VENDOR_FEATURES of PVM's KVM, and its vendor signature. */
#define PVM_VENDOR_LEAF		0x40000002
#define PVM_VENDOR_SIGNATURE	0x4d5650	/* "PVM" */
#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_81_ECX_SVM	(1u << 2)

const char *kvm_pvm_sign(bool module, struct cpuid_table *supported,
			 unsigned host_1_ecx, unsigned host_81_ecx)
{
	struct kvm_cpuid_entry2 *e;

	if (module)
		return "module kvm_pvm";
	e = supported ? cpuid_find(supported, PVM_VENDOR_LEAF, 0) : NULL;
	if (e && e->ebx == PVM_VENDOR_SIGNATURE)
		return "CPUID signature \"PVM\" in KVM's vendor leaf";
	/* A KVM on a CPU without VMX or SVM can only be paravirtual. */
	if (!(host_1_ecx & CPUID_1_ECX_VMX) && !(host_81_ecx & CPUID_81_ECX_SVM))
		return "the CPU has neither VMX nor SVM";
	return NULL;
}

/* Is this flag among the host kernel's "flags" for the CPU? */
static bool cpu_flag(const char *flags, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = flags; (p = strstr(p, name)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' ||
						     !p[n]))
			return true;
	return false;
}

void kvm_host_probe(struct kvm_host *h)
{
	char line[4096];
	FILE *f;
	int fd;

	memset(h, 0, sizeof(*h));
	h->node = !access("/dev/kvm", F_OK);
	fd = h->node ? open("/dev/kvm", O_RDWR | O_CLOEXEC) : -1;
	h->open_errno = !h->node ? ENOENT : fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	f = fopen("/sys/class/misc/kvm/dev", "re");
	if (f) {
		if (fgets(h->misc, sizeof(h->misc), f))
			h->misc[strcspn(h->misc, "\n")] = '\0';
		fclose(f);
	}
	h->kvm_intel = !access("/sys/module/kvm_intel", F_OK);
	h->kvm_amd = !access("/sys/module/kvm_amd", F_OK);
	h->kvm_pvm = !access("/sys/module/kvm_pvm", F_OK);
	f = fopen("/proc/cpuinfo", "re");
	/* The first CPU's lines: "flags : ...", "address sizes : 48 bits
	 * physical, ...". */
	while (f && fgets(line, sizeof(line), f) && line[0] != '\n') {
		const char *v = strchr(line, ':');

		if (!v)
			continue;
		if (!strncmp(line, "flags", 5)) {
			h->vmx = cpu_flag(v + 1, "vmx");
			h->svm = cpu_flag(v + 1, "svm");
			h->hypervisor = cpu_flag(v + 1, "hypervisor");
			h->pdpe1gb = cpu_flag(v + 1, "pdpe1gb");
		} else if (!strncmp(line, "address sizes", 13)) {
			h->phys_bits = (unsigned)strtoul(v + 1, NULL, 10);
		}
	}
	if (f)
		fclose(f);
}

void kvm_host_absent(const struct kvm_host *h, char *why, size_t nwhy,
		     char *fix, size_t nfix)
{
	unsigned major, minor;

	if (h->kvm_pvm && !h->kvm_intel && !h->kvm_amd) {
		snprintf(why, nwhy, "absent; the KVM module loaded is kvm_pvm "
			 "(PVM)%s", h->misc[0] ? ", whose device has no node" : "");
		snprintf(fix, nfix, "a node would not help: PVM runs PVM-patched "
			 "guests only; use tinyrd run --vmm qemu (TCG), or a "
			 "host with kvm-intel or kvm-amd");
	} else if (h->misc[0] && sscanf(h->misc, "%u:%u", &major, &minor) == 2) {
		snprintf(why, nwhy, "absent, though the kernel has KVM (device "
			 "%u:%u)", major, minor);
		snprintf(fix, nfix, "make the node: mknod -m 0660 /dev/kvm c %u "
			 "%u && chgrp kvm /dev/kvm (in a container: pass the "
			 "device in, e.g. --device /dev/kvm)", major, minor);
	} else if (h->kvm_intel || h->kvm_amd) {
		snprintf(why, nwhy, "absent; %s is loaded but registered no "
			 "device", h->kvm_intel ? "kvm_intel" : "kvm_amd");
		snprintf(fix, nfix, "see dmesg: virtualization may be disabled "
			 "in the firmware");
	} else if (h->vmx || h->svm) {
		snprintf(why, nwhy, "absent; the CPU has %s, and no KVM module "
			 "is loaded", h->vmx ? "VMX" : "SVM");
		snprintf(fix, nfix, "modprobe %s", h->vmx ? "kvm-intel" : "kvm-amd");
	} else if (h->hypervisor) {
		snprintf(why, nwhy, "absent; this host is a virtual machine whose "
			 "CPU has neither VMX nor SVM");
		snprintf(fix, nfix, "enable nested virtualization in the "
			 "hypervisor that runs it, or use tinyrd run --vmm qemu "
			 "(TCG)");
	} else {
		snprintf(why, nwhy, "absent; the CPU has neither VMX nor SVM "
			 "enabled");
		snprintf(fix, nfix, "enable virtualization (VT-x or AMD-V) in "
			 "the firmware, or use tinyrd run --vmm qemu (TCG)");
	}
}

const char *kvm_pvm_detect(const struct kvm_host *h)
{
	static struct cpuid_table t;
	unsigned a, b, c1 = 0, c81 = 0, d;
	bool have_table = false;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		have_table = !cpuid_query(fd, &t);
		close(fd);
	}
	__cpuid(1, a, b, c1, d);
	__cpuid(0x80000000, a, b, c81, d);
	if (a >= 0x80000001)
		__cpuid(0x80000001, a, b, c81, d);
	else
		c81 = 0;
	/* With kvm_intel or kvm_amd loaded too, the module does not say
	 * whose /dev/kvm this is. */
	return kvm_pvm_sign(h->kvm_pvm && !h->kvm_intel && !h->kvm_amd,
			    have_table ? &t : NULL, c1, c81);
}

void kvm_facts(const struct kvm_host *h, bool smoke_always,
	       struct kvm_facts *f)
{
	int fd;

	memset(f, 0, sizeof(*f));
	f->api = -1;
	f->smoke = 1;
	if (!h->node)
		return;
	f->pvm = kvm_pvm_detect(h);
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		f->open_errno = errno;
		return;
	}
	f->api = kvm_api_version(fd);
	f->nmissing = kvm_missing_caps(fd, f->missing, sizeof(f->missing),
				       &f->ncaps);
	close(fd);
	/* Present is not working: boot the micro-guest. */
	if (smoke_always ||
	    (!f->pvm && f->api == KVM_API_VERSION && !f->nmissing))
		f->smoke = kvm_smoke(f->smoke_why, sizeof(f->smoke_why),
				     &f->smoke_ms) ? -1 : 0;
}

bool kvm_facts_usable(const struct kvm_facts *f)
{
	return !f->pvm && !f->open_errno && f->api == KVM_API_VERSION &&
	       !f->nmissing && !f->smoke;
}

bool kvm_usable(char *why, size_t n)
{
	char reason[200], fix[256];
	struct kvm_host h;
	struct kvm_facts f;

	kvm_host_probe(&h);
	if (!h.node) {
		kvm_host_absent(&h, reason, sizeof(reason), fix, sizeof(fix));
		snprintf(why, n, "/dev/kvm %s", reason);
		return false;
	}
	kvm_facts(&h, false, &f);
	/* PVM (kvm_pvm) runs PVM-patched guests only; a stock kernel hangs
	 * after "Probing EDD" or dies in emulation. */
	if (f.pvm)
		snprintf(why, n, "/dev/kvm is PVM (%s), which cannot boot a "
			 "stock kernel", f.pvm);
	else if (f.open_errno)
		snprintf(why, n, "/dev/kvm: %s%s", strerror(f.open_errno),
			 f.open_errno == EACCES ? " (join the group kvm)" : "");
	else if (f.api != KVM_API_VERSION)
		snprintf(why, n, "/dev/kvm: API version %d, not %d", f.api,
			 KVM_API_VERSION);
	else if (f.nmissing)
		snprintf(why, n, "/dev/kvm lacks what the launcher uses: %s",
			 f.missing);
	else if (f.smoke)
		snprintf(why, n, "/dev/kvm fails the smoke boot: %s", f.smoke_why);
	return kvm_facts_usable(&f);
}
