// SPDX-License-Identifier: MIT
/*
 * A run's plan built from the options (run.h): the machine, disks and
 * shares checked, the VMM and accelerator chosen with why, the console
 * log, the command line and streams; then shown and executed with run's
 * console reader (console.c) as the VMM's console sink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "run.h"
#include "../vmm/arch.h"
#include "../vmm/coherence.h"
#include "../vmm/dax.h"
#include "../vmm/virtio/blk.h"
#include "../vmm/watch.h"
#include "../common/abi.h"
#include "../common/kernel.h"
#include "../common/sha256.h"
#include "../common/target.h"

int run_plan_begin(struct run_plan *p, const struct run_opts *ro)
{
	struct vm_config *c = &p->vm;

	run_plan_init(p, &vm_arch_native);
	p->t_begin = vm_now_ms();
	p->json = ro->json;
	p->rootfs = ro->rootfs;
	p->bisect = ro->bisect;
	p->skip_status = ro->skip_status;
	c->mem_mb = ro->mem_mb;
	c->cpus = ro->cpus;
	c->timeout = ro->timeout;
	c->silence_timeout = ro->silence;
	c->hugepages = ro->hugepages;
	c->mmio_transport = ro->mmio;
	c->no_confine = ro->no_confine;
	memcpy(c->disks, ro->disks, sizeof(c->disks));
	c->ndisks = ro->ndisks;
	memcpy(c->shares, ro->shares, sizeof(c->shares));
	c->nshares = ro->nshares;
	/* Shared directories exist: checked first, before anything is
	 * built. */
	for (unsigned i = 0; i < c->nshares; i++) {
		struct stat st;

		if (stat(c->shares[i].dir, &st))
			return error_errno(errno, "share %s", c->shares[i].dir);
		if (!S_ISDIR(st.st_mode))
			return error_errno(ENOTDIR, "share %s", c->shares[i].dir);
	}
	return 0;
}

int run_plan_target(struct run_plan *p, const char *kernel,
		    const struct target **asked)
{
	unsigned char head[4096];
	const struct target *k = NULL;
	ssize_t n = -1;
	int fd = open(kernel, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = pread(fd, head, sizeof(head), 0);
		close(fd);
	}
	if (n < 0)
		return error_errno(errno, "%s", kernel);
	k = target_of_kernel(head, (unsigned long)n);
	if (*asked && k && k != *asked)
		return error("%s: an %s kernel, but --arch says %s", kernel,
			     k->name, (*asked)->name);
	if (!*asked)
		*asked = k ? k : p->arch->target;
	p->target = p->vm.target = *asked;
	return 0;
}

/* Which VMM, which accelerator, and why. The built-in launcher needs a
 * KVM that boots stock kernels; auto falls back to QEMU with TCG, saying
 * why. An explicit --accel is QEMU's option, so it asks for QEMU. */
static int choose_vmm(struct run_plan *p, const struct run_opts *ro)
{
	char why[200];
	bool kvm;

	p->vmm = ro->vmm;
	if (p->vmm == VMM_BUILTIN && ro->accel != ACCEL_AUTO)
		return error("--accel is QEMU's option; it does not go with "
			     "--vmm builtin");
	if (p->vmm == VMM_AUTO && ro->accel != ACCEL_AUTO)
		p->vmm = VMM_QEMU;
	if (p->vmm == VMM_QEMU && ro->accel != ACCEL_AUTO) {
		p->vm.accel = ro->accel;
		snprintf(p->vmm_why, sizeof(p->vmm_why), "with %s, as --accel asks",
			 ro->accel == ACCEL_KVM ? "KVM" : "TCG");
		return 0;
	}
	if (p->target != p->arch->target) {
		/* Another arch's guest: QEMU's TCG, whatever this KVM is. */
		if (p->vmm == VMM_BUILTIN)
			return error("--vmm builtin: the built-in launcher boots "
				     "%s guests here, not %s; use --vmm qemu",
				     p->arch->target->name, p->target->name);
		if (ro->accel == ACCEL_KVM)
			return error("--accel kvm: an %s guest cannot run on this "
				     "%s host's KVM; use --accel tcg",
				     p->target->name, p->arch->target->name);
		if (!qemu_present(p->target))
			return error("%s is not installed, and an %s guest needs it "
				     "here (apt-get install %s)", p->target->qemu,
				     p->target->name, p->target->qemu_package);
		p->vmm = VMM_QEMU;
		p->vm.accel = ACCEL_TCG;
		snprintf(p->vmm_why, sizeof(p->vmm_why), "with TCG: an %s guest "
			 "on an %s host", p->target->name, p->arch->target->name);
		return 0;
	}
	kvm = kvm_usable(p->arch, why, sizeof(why));
	if (p->vmm == VMM_BUILTIN) {
		if (!kvm && !ro->force)
			return error("%s; use --vmm qemu (TCG), or --force", why);
		snprintf(p->vmm_why, sizeof(p->vmm_why), "%s%s", kvm ?
			 "KVM boots stock kernels here" : why, kvm ? "" :
			 ", but --force");
		return 0;
	}
	if (p->vmm == VMM_AUTO) {
		if (kvm || ro->force) {
			p->vmm = VMM_BUILTIN;
			snprintf(p->vmm_why, sizeof(p->vmm_why), "%s%s", kvm ?
				 "KVM boots stock kernels here" : why,
				 kvm ? "" : ", but --force");
			return 0;
		}
		if (!qemu_present(p->target))
			return error("%s, and %s is not installed for the "
				     "fallback", why, p->target->qemu);
		note("%s; using QEMU with TCG", why);
		p->vmm = VMM_QEMU;
		p->vm.accel = ACCEL_TCG;
		snprintf(p->vmm_why, sizeof(p->vmm_why), "with TCG: %s", why);
		return 0;
	}
	p->vm.accel = kvm ? ACCEL_KVM : ACCEL_TCG;
	if (!kvm)
		note("%s; using TCG", why);
	snprintf(p->vmm_why, sizeof(p->vmm_why), "with %s, as --vmm qemu asks%s%s",
		 kvm ? "KVM" : "TCG", kvm ? "" : ": ", kvm ? "" : why);
	return 0;
}

/* A virtio-fs share's DAX window unless dax= says: a power of two, at
 * most VM_DAX_DEFAULT, the windows together at most half the guest's
 * RAM (the guest spends 1/64 of a window on page structures). None on
 * virtio-mmio. */
static void dax_defaults(struct vm_config *c)
{
	uint64_t room = (uint64_t)c->mem_mb << 19, each = VM_DAX_DEFAULT;
	unsigned n = 0;

	for (unsigned i = 0; i < c->nshares; i++)
		n += c->shares[i].fs == SHARE_VIRTIOFS && !c->shares[i].dax_given;
	while (n && each > DAX_CHUNK && each * n > room)
		each >>= 1;
	for (unsigned i = 0; i < c->nshares; i++) {
		struct vm_share *sh = &c->shares[i];

		if (!sh->dax_given)
			sh->dax = sh->fs == SHARE_VIRTIOFS && !c->mmio_transport
				  ? each : 0;
	}
}

/* The launcher's sync mode (virtio/sync.h): as --coherence says, or
 * auto's pick from the host's facts, with why. QEMU keeps its own. */
static int choose_coherence(struct run_plan *p, const struct run_opts *ro)
{
	struct coherence_facts f;
	char why[200];

	if (p->vmm == VMM_QEMU) {
		if (ro->coherence > SYNC_NONE || ro->order_platform)
			return error("--coherence %s%s is the built-in launcher's; "
				     "QEMU runs here", sync_mode_name(ro->coherence
				     < 0 ? SYNC_NONE : ro->coherence),
				     ro->order_platform ? ",order-platform" : "");
		return 0;
	}
	p->vm.order_platform = ro->order_platform;
	if (ro->coherence >= 0) {
		p->vm.coherence = (enum sync_mode)ro->coherence;
		snprintf(p->coherence_why, sizeof(p->coherence_why),
			 "as --coherence asks");
		return 0;
	}
	coherence_probe("", &f);
	p->vm.coherence = coherence_auto(&f, why, sizeof(why));
	snprintf(p->coherence_why, sizeof(p->coherence_why), "auto: %s", why);
	return 0;
}

int run_plan_vmm(struct run_plan *p, const struct run_opts *ro)
{
	struct vm_config *c = &p->vm;

	/* The same rules for a disk under either VMM (QEMU would take a
	 * file of any size and drop its last part). */
	for (unsigned i = 0; i < c->ndisks; i++)
		if (virtio_blk_check(c->disks[i].file, c->disks[i].ro))
			return -EINVAL;
	if (choose_vmm(p, ro))
		return -1;
	if (c->mmio_transport && p->vmm == VMM_QEMU)
		return error("--transport mmio is the built-in launcher's; QEMU runs here");
	/* virtio-fs is the launcher's own; QEMU serves 9p (its virtio-fs
	 * needs virtiofsd and shared memory). */
	for (unsigned i = 0; i < c->nshares; i++) {
		struct vm_share *sh = &c->shares[i];

		if (p->vmm == VMM_QEMU && sh->fs_given && sh->fs == SHARE_VIRTIOFS)
			return error("share %s: fs=virtiofs is the built-in "
				     "launcher's; with QEMU use fs=9p", sh->dir);
		if (!sh->fs_given)
			sh->fs = p->vmm == VMM_QEMU ? SHARE_9P : SHARE_VIRTIOFS;
		if (sh->fs != SHARE_VIRTIOFS && sh->dax_given && sh->dax)
			return error("share %s: dax= is virtio-fs's", sh->dir);
		if (c->mmio_transport && sh->dax_given && sh->dax)
			return error("share %s: dax= needs PCI (not --transport "
				     "mmio)", sh->dir);
	}
	dax_defaults(c);
	return choose_coherence(p, ro);
}

/* The console sink the VMM hands ttyS0 to: console.c reads it. */
static void con_feed(void *ctx, const char *data, size_t n)
{
	console_feed(ctx, data, n);
}

static void con_end(void *ctx)
{
	console_end(ctx);
}

static int con_reported(void *ctx, bool *panic_after)
{
	const struct console *c = ctx;

	*panic_after = c->panic_after_status;
	return c->status;
}

static long long con_started(void *ctx)
{
	struct console *c = ctx;

	return __atomic_load_n(&c->started, __ATOMIC_ACQUIRE);
}

static const char *con_failure(void *ctx)
{
	const struct console *c = ctx;

	if (!c->init_failed)
		return NULL;
	return c->init_said ? c->init_said : "";
}

static const char *con_panic(void *ctx)
{
	const struct console *c = ctx;

	return c->panic;
}

static unsigned con_tail(void *ctx, struct buf *out)
{
	const struct console *c = ctx;

	if (c->ntail)
		console_tail(c, out);
	return c->ntail;
}

int run_plan_boot(struct run_plan *p, const struct run_opts *ro,
		  const char *kernel, int initrd, bool interactive)
{
	struct vm_config *c = &p->vm;
	struct console con;
	int st;

	buf_printf(&p->append, "console=%s panic=-1%s%s%s%s",
		   p->vmm == VMM_QEMU ? p->target->qemu_console : p->arch->console,
		   p->vmm == VMM_QEMU ? "" : p->arch->launcher_append,
		   log_level >= LOG_VERBOSE ? "" : " quiet",
		   ro->append ? " " : "", ro->append ? ro->append : "");
	c->kernel = kernel;
	/* A bzImage's vmlinux, unpacked on the host: the guest does not
	 * decompress itself (seconds under TCG, and in the launcher as much
	 * as the rest of the boot). */
	if (ro->no_unpack)
		snprintf(p->kernel_why, sizeof(p->kernel_why), "--no-unpack");
	else if (!run_unpack_kernel(kernel, &p->unpacked, p->kernel_why,
				    sizeof(p->kernel_why)))
		c->kernel_unpacked = p->unpacked;
	c->initrd_fd = initrd;
	c->append = p->append.p;
	/* A shell on the console, for no command or tinyrd.shell: the
	 * console is the user's terminal then. */
	c->interactive = interactive ||
			 str_has_word(ro->append, "tinyrd.shell", " ");
	c->out_fd = ro->out_fd >= 0 ? ro->out_fd : STDOUT_FILENO;
	c->in_fd = ro->stdin && !c->interactive ? STDIN_FILENO : -1;
	c->err_fd = STDERR_FILENO;
	c->echo_fd = log_level >= LOG_VERBOSE && !c->interactive ? STDERR_FILENO : -1;
	c->verbose = log_level >= LOG_VERBOSE;
	/* The init's own lines reach stderr when the console does not. */
	console_init(&con, c->echo_fd < 0 && !c->interactive ? STDERR_FILENO : -1);
	c->console = (struct vm_console){
		.feed = con_feed, .end = con_end, .reported = con_reported,
		.started = con_started, .panic = con_panic,
		.failure = con_failure, .tail = con_tail, .ctx = &con,
	};
	/* A command's silence counts from its start, not through the boot;
	 * an interactive shell, or boot's init, say nothing of a start. */
	c->silence_from_start = !c->interactive;
	run_plan_show(p);
	st = run_plan_execute(p);
	console_free(&con);
	return st;
}

void run_plan_identity(struct run_plan *p, const char *kernel,
		       const void *image, size_t len)
{
	struct buf quiet = { 0 }, *prev;
	struct sha256 h;
	char *rel = NULL;

	p->t_image = vm_now_ms();
	if (!p->json)
		return;
	/* A kernel whose release cannot be read is no error here. */
	prev = log_capture(&quiet);
	if (!kernel_release(kernel, &rel))
		snprintf(p->kernel_release, sizeof(p->kernel_release), "%s", rel);
	log_capture(prev);
	buf_free(&quiet);
	free(rel);
	if (image) {
		sha256_init(&h);
		sha256_update(&h, image, len);
		sha256_hex(&h, p->image_sha256);
	}
}

int run_plan_log(struct run_plan *p, const struct run_opts *ro)
{
	if (!ro->console_log)
		return 0;
	p->vm.log_fd = open(ro->console_log, O_WRONLY | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0644);
	return p->vm.log_fd < 0 ? error_errno(errno, "%s", ro->console_log) : 0;
}
