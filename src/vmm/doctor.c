// SPDX-License-Identifier: MIT
/*
 * tinyrd doctor: what is wrong with this host, as a table of checks, each
 * with its fix. The verdict is the exit status: 0 the built-in launcher
 * works, 1 only the QEMU fallback does, 2 nothing boots.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arch.h"
#include "coherence.h"
#include "confine.h"
#include "kvm.h"
#include "vmm.h"
#include "../common/json.h"
#include "../common/kernel.h"
#include "../common/target.h"
#include "../common/util.h"

#define DEFAULT_GUEST_MB 512

enum verdict { OK, INFO, WARN, FAIL };
static const char *const verdict_name[] = { "ok", "info", "warn", "fail" };

struct check {
	const char *name;
	enum verdict v;
	char detail[256];
	char fix[256];
};

struct doctor {
	const struct vm_arch *a;
	struct check c[24];
	unsigned n;
	bool kvm_ok, qemu_ok;
};

static struct check *add(struct doctor *d, const char *name, enum verdict v)
{
	struct check *c = &d->c[d->n++];

	c->name = name;
	c->v = v;
	c->detail[0] = c->fix[0] = '\0';
	return c;
}

#define DETAIL(c, ...) snprintf((c)->detail, sizeof((c)->detail), __VA_ARGS__)
#define FIX(c, ...) snprintf((c)->fix, sizeof((c)->fix), __VA_ARGS__)

static bool in_path(const char *name, char *out, size_t n)
{
	char *p = path_which(name);
	bool found = p != NULL;

	if (found)
		snprintf(out, n, "%s", p);
	free(p);
	return found;
}

static void check_kvm(struct doctor *d, const struct kvm_host *h)
{
	struct check *c;
	struct kvm_facts f;
	char why[256], fix[256];

	c = add(d, "/dev/kvm", h->node ? OK : FAIL);
	if (!h->node) {
		d->a->absent(h, why, sizeof(why), fix, sizeof(fix));
		DETAIL(c, "%s", why);
		FIX(c, "%s", fix);
		return;
	}
	DETAIL(c, "present");
	kvm_facts(d->a, h, true, &f);
	c = add(d, "permissions", f.open_errno ? FAIL : OK);
	if (f.open_errno) {
		DETAIL(c, "/dev/kvm: %s", strerror(f.open_errno));
		FIX(c, "add yourself to the group kvm (sudo usermod -aG kvm $USER) "
		    "and log in again");
		return;
	}
	DETAIL(c, "read-write");
	c = add(d, "API version", f.api == KVM_API_VERSION ? OK : FAIL);
	DETAIL(c, "%d", f.api);
	if (f.api != KVM_API_VERSION)
		FIX(c, "a KVM with API version %d", KVM_API_VERSION);
	c = add(d, "capabilities", f.nmissing ? FAIL : OK);
	if (f.nmissing) {
		DETAIL(c, "missing: %s", f.missing);
		FIX(c, "a newer kernel");
	} else {
		DETAIL(c, "all %u the launcher uses", f.ncaps);
	}
	{
		struct arch_cpu cpu;
		const char *sig = cpu.hypervisor;

		d->a->cpu(h, false, &cpu);
		c = add(d, "hypervisor", f.pvm ? FAIL : INFO);
		if (f.pvm) {
			DETAIL(c, "PVM (%s): runs PVM-patched guests only; a "
			       "stock kernel hangs or dies in emulation", f.pvm);
			FIX(c, "use a host with regular KVM (kvm-amd, kvm-intel), or "
			    "tinyrd run --vmm qemu (TCG)");
		} else if (sig[0]) {
			DETAIL(c, "nested: this host is itself a guest of \"%s\"", sig);
		} else {
			DETAIL(c, "bare metal");
		}
	}
	c = add(d, "smoke boot", f.smoke ? FAIL : OK);
	if (f.smoke) {
		DETAIL(c, "%s", f.smoke_why);
		FIX(c, f.pvm ? "see hypervisor" : "check dmesg for KVM errors; try another "
		    "kernel or firmware setting");
	} else {
		DETAIL(c, "%s: %.1f ms", d->a->smoke_tries, f.smoke_ms);
	}
	d->kvm_ok = kvm_facts_usable(&f);
}

/*
 * What guests get: with a KVM that works, what KVM_GET_SUPPORTED_CPUID
 * offers them (a VM host may hide from its guests' KVM what its own CPU
 * has); without one, what the host kernel reports. Each row says which.
 */
static void check_host(struct doctor *d, const struct kvm_host *h)
{
	struct check *c;
	struct rlimit rl;
	struct arch_cpu cpu;
	unsigned bits;
	bool gb;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	c = add(d, "RLIMIT_MEMLOCK", INFO);
	if (rl.rlim_cur == RLIM_INFINITY)
		DETAIL(c, "unlimited");
	else
		DETAIL(c, "%llu KiB%s: tinyrd does not lock guest memory, so this "
		       "matters only for device passthrough (vfio)",
		       (unsigned long long)rl.rlim_cur >> 10,
		       rl.rlim_cur < (rlim_t)DEFAULT_GUEST_MB << 20
		       ? ", below the default guest size" : "");
	d->a->cpu(h, d->kvm_ok, &cpu);
	bits = cpu.phys_bits;
	gb = cpu.huge;
	if (bits) {
		c = add(d, "physical address bits", bits < 36 ? WARN : OK);
		DETAIL(c, "%u (guests up to %llu GiB; %s)", bits,
		       bits > 30 ? 1ULL << (bits - 30) : 1ULL, cpu.source);
		if (c->v == WARN)
			FIX(c, "give guests less memory (-m); a VM host that passes "
			    "the CPU's own address width (QEMU -cpu host, "
			    "host-phys-bits=on) lifts the limit");
	}
	c = add(d, "1 GiB pages", gb ? OK : INFO);
	if (gb)
		DETAIL(c, "%s (%s)", cpu.huge_flag, cpu.source);
	else
		DETAIL(c, "no %s (%s): guests use 2 MiB pages", cpu.huge_flag,
		       cpu.source);
}

/* What --coherence auto picks for the built-in launcher here, and the
 * fact it went by. */
static void check_coherence(struct doctor *d)
{
	struct coherence_facts f;
	struct check *c;
	char why[200];
	enum sync_mode m;

	coherence_probe("", &f);
	m = coherence_auto(&f, why, sizeof(why));
	c = add(d, "coherence", INFO);
	DETAIL(c, "auto: %s: %s", sync_mode_name(m), why);
}

/* The confinement the launcher puts itself under here (confine.h): each
 * role's seccomp filter loaded for real in a child, Landlock's ABI,
 * no_new_privs. A filter the kernel refuses makes the launcher refuse
 * to run unless --no-confine. */
static void check_confine(struct doctor *d)
{
	struct confine_facts f;
	struct check *c;
	struct buf b = { 0 };

	confine_probe(&f);
	c = add(d, "seccomp", f.seccomp ? WARN : OK);
	if (f.seccomp) {
		DETAIL(c, "%s", f.seccomp_why);
		FIX(c, "a kernel with CONFIG_SECCOMP_FILTER, or tinyrd run "
		    "--no-confine");
	} else {
		for (unsigned r = 0; r < CONFINE_ROLES; r++)
			buf_printf(&b, "%s%s %u", r ? ", " : "", confine_role_name(r),
				   confine_role_syscalls(r));
		DETAIL(c, "a filter per launcher thread, each loaded here; a "
		       "forbidden call stops the guest (125): %s", b.p);
	}
	buf_free(&b);
	c = add(d, "Landlock", f.landlock_abi >= 2 ? OK : INFO);
	if (f.landlock_abi >= 2)
		DETAIL(c, "ABI %d: each share's server kept in its directory",
		       f.landlock_abi);
	else if (f.landlock_abi == 1)
		DETAIL(c, "ABI 1: read-only shares' servers kept in their "
		       "directories; writable ones need ABI 2 (Linux 5.19)");
	else
		DETAIL(c, "not in this kernel (%s): shares rely on their "
		       "servers' own checks", strerror(f.landlock_errno));
	if (f.landlock_abi < 2)
		FIX(c, "Linux 5.19 or later with landlock in lsm= "
		    "(CONFIG_SECURITY_LANDLOCK)");
	c = add(d, "no_new_privs", f.nnp ? OK : WARN);
	DETAIL(c, "%s", f.nnp ? "set by the launcher before its threads start"
	       : "PR_SET_NO_NEW_PRIVS failed");
}

static void check_kernel(struct doctor *d, const char *kernel)
{
	char *path = NULL, *rel = NULL, *dir;
	struct check *c;
	int fd;

	if (kernel) {
		path = xstrdup(kernel);
	} else {
		rel = kernel_host_release();
		path = xasprintf("/boot/vmlinuz-%s", rel);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	c = add(d, "kernel", fd < 0 ? WARN : OK);
	if (fd < 0) {
		DETAIL(c, "%s: %s", path, strerror(errno));
		FIX(c, errno == EACCES ? "Debian installs kernels readable by root "
		    "only: sudo chmod 0644 %s, or pass -k" : "pass a kernel with -k",
		    path);
	} else {
		close(fd);
		free(rel);
		rel = NULL;
		log_level = LOG_QUIET;
		if (kernel_release(path, &rel))
			rel = NULL;
		log_level = LOG_NORMAL;
		DETAIL(c, "%s (%s)", path, rel ? rel : "release unknown");
	}
	if (rel) {
		dir = xasprintf("/lib/modules/%s", rel);
		c = add(d, "modules", access(dir, F_OK) ? WARN : OK);
		DETAIL(c, "%s%s", dir, c->v == OK ? "" : ": absent");
		if (c->v != OK)
			FIX(c, "install the kernel's modules, or pass --moddir");
		free(dir);
	}
	free(path);
	free(rel);
}

static void check_tools(struct doctor *d)
{
	struct check *c;
	char where[256];

	c = add(d, "busybox", in_path("busybox", where, sizeof(where)) ? OK : WARN);
	DETAIL(c, "%s", c->v == OK ? where : "not in PATH: images need --bare");
	if (c->v != OK)
		FIX(c, "apt-get install busybox-static");
	d->qemu_ok = in_path(d->a->target->qemu, where, sizeof(where));
	c = add(d, "QEMU", d->qemu_ok ? OK : WARN);
	DETAIL(c, "%s", d->qemu_ok ? where : "absent: no fallback when KVM fails");
	if (!d->qemu_ok)
		FIX(c, "apt-get install %s", d->a->target->qemu_package);
}

static void show(const struct doctor *d, int verdict, bool json)
{
	static const char *const verdicts[] = {
		"the built-in launcher works",
		"only the QEMU fallback works (tinyrd run --vmm qemu)",
		"nothing can boot a guest here",
	};

	if (json) {
		printf("{\"checks\":[");
		for (unsigned i = 0; i < d->n; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(stdout, d->c[i].name);
			printf(",\"status\":\"%s\",\"detail\":", verdict_name[d->c[i].v]);
			json_str(stdout, d->c[i].detail);
			printf(",\"fix\":");
			json_str(stdout, d->c[i].fix);
			putchar('}');
		}
		printf("],\"verdict\":%d,\"summary\":", verdict);
		json_str(stdout, verdicts[verdict]);
		printf("}\n");
		return;
	}
	for (unsigned i = 0; i < d->n; i++) {
		printf("%-22s %-4s  %s\n", d->c[i].name, verdict_name[d->c[i].v],
		       d->c[i].detail);
		if (d->c[i].fix[0])
			printf("%-22s       fix: %s\n", "", d->c[i].fix);
	}
	printf("verdict: %s\n", verdicts[verdict]);
}

int doctor_run(const struct vm_arch *a, const char *kernel, bool json)
{
	struct doctor *d = xcalloc(1, sizeof(*d));
	struct kvm_host h;
	int verdict;

	d->a = a;
	kvm_host_probe(&h);
	check_kvm(d, &h);
	check_host(d, &h);
	check_coherence(d);
	check_confine(d);
	check_kernel(d, kernel);
	check_tools(d);
	verdict = d->kvm_ok ? 0 : d->qemu_ok ? 1 : 2;
	show(d, verdict, json);
	free(d);
	return verdict;
}
