// SPDX-License-Identifier: MIT
/* What the host's KVM can do, as far as choosing a VMM goes; what is
 * the arch's (PVM, the smoke boot, the advice) its table says. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm.h"
#include "vmm.h"

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

void kvm_facts(const struct vm_arch *a, const struct kvm_host *h,
	       bool smoke_always, struct kvm_facts *f)
{
	int fd;

	memset(f, 0, sizeof(*f));
	f->api = -1;
	f->smoke = 1;
	if (!h->node)
		return;
	f->pvm = a->pvm_sign(h);
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		f->open_errno = errno;
		return;
	}
	f->api = kvm_api_version(fd);
	f->nmissing = kvm_missing_caps(fd, a, f->missing, sizeof(f->missing),
				       &f->ncaps);
	close(fd);
	/* Present is not working: boot the micro-guest. */
	if (smoke_always ||
	    (!f->pvm && f->api == KVM_API_VERSION && !f->nmissing))
		f->smoke = a->smoke(a, f->smoke_why, sizeof(f->smoke_why),
				     &f->smoke_ms) ? -1 : 0;
}

bool kvm_facts_usable(const struct kvm_facts *f)
{
	return !f->pvm && !f->open_errno && f->api == KVM_API_VERSION &&
	       !f->nmissing && !f->smoke;
}

bool kvm_usable(const struct vm_arch *a, char *why, size_t n)
{
	char reason[200], fix[256];
	struct kvm_host h;
	struct kvm_facts f;

	kvm_host_probe(&h);
	if (!h.node) {
		a->absent(&h, reason, sizeof(reason), fix, sizeof(fix));
		snprintf(why, n, "/dev/kvm %s", reason);
		return false;
	}
	kvm_facts(a, &h, false, &f);
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
