// SPDX-License-Identifier: MIT
/*
 * A run's plan shown and executed (plan.h): the chosen VMM boots it, both
 * VMMs under the same watch (watch.c: signals, terminal, watchdogs), and
 * every ending becomes tinyrd's exit status here, the same way for both.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "plan.h"
#include "watch.h"
#include "../common/abi.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/target.h"

void run_plan_init(struct run_plan *p, const struct vm_arch *arch)
{
	memset(p, 0, sizeof(*p));
	p->arch = arch;
	p->rootfs = -1;
	p->skip_status = -1;
	p->ms_build = -1;
	p->vm.arch = arch;
	p->target = p->vm.target = arch->target;
	p->vm.initrd_fd = -1;
	p->vm.out_fd = -1;
	p->vm.err_fd = -1;
	p->vm.in_fd = -1;
	p->vm.echo_fd = -1;
	p->vm.log_fd = -1;
}

void run_plan_free(struct run_plan *p)
{
	buf_free(&p->append);
	p->vm.append = NULL;
	free(p->unpacked);
	p->unpacked = NULL;
	p->vm.kernel_unpacked = NULL;
	if (p->vm.log_fd >= 0)
		close(p->vm.log_fd);
	p->vm.log_fd = -1;
}

static const char *secs(unsigned s, char *out, size_t n)
{
	if (!s)
		return "none";
	snprintf(out, n, "%u s", s);
	return out;
}

void run_plan_show(const struct run_plan *p)
{
	const struct vm_config *c = &p->vm;
	char t[16], q[16];

	if (log_level < LOG_VERBOSE)
		return;
	verbose("plan: kernel %s, %s", c->kernel, p->image);
	if (c->kernel_unpacked)
		verbose("plan: the kernel's vmlinux at its PVH entry, unpacked on "
			"the host once (%s): %s", p->kernel_why, c->kernel_unpacked);
	else
		verbose("plan: the kernel as it is: %s", p->kernel_why);
	verbose("plan: %s, %s", p->vmm == VMM_QEMU ? "QEMU" : "the built-in launcher",
		p->vmm_why);
	verbose("plan: %s, %u MiB%s, %u CPU%s, %s", p->target->name, c->mem_mb,
		c->hugepages ? " in huge pages" : "", c->cpus,
		c->cpus > 1 ? "s" : "", c->mmio_transport ? "virtio-mmio" : "PCI");
	if (p->vmm != VMM_QEMU)
		verbose("plan: coherence %s (%s)%s", sync_mode_name(c->coherence),
			p->coherence_why, c->order_platform
			? ", VIRTIO_F_ORDER_PLATFORM offered" : "");
	if (p->vmm != VMM_QEMU)
		verbose("plan: the launcher %s", c->no_confine ? "unconfined "
			"(--no-confine)" : "confined once set up: seccomp per "
			"thread, Landlock on shares, no_new_privs");
	verbose("plan: timeout %s, silence timeout %s, %s", secs(c->timeout, t, sizeof(t)),
		secs(c->silence_timeout, q, sizeof(q)),
		p->bisect ? "statuses for git bisect run" : "the command's status");
	for (unsigned i = 0; i < c->ndisks; i++)
		verbose("plan: disk vd%c %s%s", 'a' + i, c->disks[i].file,
			c->disks[i].ro ? " (read-only)" : "");
	for (unsigned i = 0; i < c->nshares; i++) {
		const struct vm_share *sh = &c->shares[i];
		char dax[32] = "";

		if (sh->dax)
			snprintf(dax, sizeof(dax), ", DAX %llu MiB",
				 (unsigned long long)(sh->dax >> 20));
		verbose("plan: share %s as %s (%s%s%s%s) %s %s", sh->dir, sh->tag,
			sh->fs == SHARE_9P ? "9p" : "virtio-fs", dax,
			sh->ro ? ", read-only" : "", sh->dev ? ", devices" : "",
			(int)i == p->rootfs ? "as" : "at",
			(int)i == p->rootfs ? "the root" : sh->mount);
	}
	verbose("plan: the command line: %s (and the machine's words)", c->append);
	verbose("plan: the console %s%s%s", c->interactive ? "on the terminal" :
		c->echo_fd >= 0 ? "on stderr" : "read for the report",
		c->log_fd >= 0 ? ", and in the console log" : "",
		c->in_fd >= 0 ? "; standard input forwarded" : "");
}

/* The last line of the console that says something, into out. */
static void last_line(const struct vm_console *con, char *out, size_t n)
{
	struct buf tail = { 0 };
	char *end, *start;

	out[0] = '\0';
	if (!con->tail(con->ctx, &tail))
		return;
	end = tail.p + tail.len;
	while (end > tail.p) {
		while (end > tail.p && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		*end = '\0';
		start = strrchr(tail.p, '\n');
		start = start ? start + 1 : tail.p;
		if (*start) {
			snprintf(out, n, "%s", start);
			break;
		}
		end = start;
	}
	buf_free(&tail);
}

/* What tinyrd's own 123, 124 and 125 mean, for a command that gave one. */
static const char *const ours[] = {
	[TINYRD_STATUS_NO_REPORT - 123] = "a guest that ended without reporting",
	[TINYRD_STATUS_TIMEOUT - 123] = "a timeout",
	[TINYRD_STATUS_FAILED - 123] = "a failure of tinyrd",
};

/* The ending as the exit status, said when it is not the command's:
 * why on stderr, and the console's last lines when it was not on show. */
static int status(const struct run_plan *p, const struct vm_result *res,
		  char *why, size_t nwhy)
{
	const struct vm_console *con = &p->vm.console;
	const char *panic = con->panic(con->ctx), *failure;
	struct buf tail = { 0 };
	char last[200];
	unsigned n;
	int st;

	why[0] = '\0';
	switch (res->ending) {
	case VM_REPORTED:
		st = res->status;
		failure = con->failure(con->ctx);
		if (failure) {
			/* The init's own lines came before, on stderr. */
			snprintf(why, nwhy, "the guest's init failed%s%s",
				 *failure ? ": " : "", failure);
			fprintf(stderr, "tinyrd: %s\n", why);
		} else if (st >= 123 && st <= 125) {
			snprintf(why, nwhy, "the command exited %d itself", st);
			note("%d is the command's own exit status, not %s", st,
			     ours[st - 123]);
		}
		return st;
	case VM_NO_REPORT:
		st = TINYRD_STATUS_NO_REPORT;
		if (!panic && !res->why[0]) {
			last_line(con, last, sizeof(last));
			snprintf(why, nwhy, "the guest ended without reporting a "
				 "status; %s%s", last[0] ? "the console's last "
				 "line: " : "the console stayed silent", last);
		} else {
			snprintf(why, nwhy, "the guest ended without reporting a "
				 "status: %s", panic ? panic : res->why);
		}
		fprintf(stderr, "tinyrd: %s\n", why);
		break;
	case VM_TIMEOUT:
		st = TINYRD_STATUS_TIMEOUT;
		if (res->why[0])
			snprintf(why, nwhy, "%s; the guest was stopped", res->why);
		else
			snprintf(why, nwhy, "timed out after %u s; the guest was "
				 "stopped", p->vm.timeout);
		fprintf(stderr, "tinyrd: %s\n", why);
		break;
	case VM_INTERRUPTED:
		snprintf(why, nwhy, "%s; the guest was stopped",
			 strsignal(res->signal));
		/* A reader that went away (run | head) is not news. */
		if (res->signal != SIGPIPE)
			fprintf(stderr, "tinyrd: %s\n", why);
		return 128 + res->signal;
	default:
		snprintf(why, nwhy, "the VMM could not run the guest");
		return TINYRD_STATUS_FAILED;
	}
	if (!p->vm.verbose && (n = con->tail(con->ctx, &tail))) {
		fprintf(stderr, "tinyrd: the last %u lines of the console:\n%s",
			n, tail.p);
		buf_free(&tail);
	}
	return st;
}

/*
 * For git bisect run: 0 good, 125 skip, 1-127 bad, and nothing it takes
 * as "abort" (128 and up). A command killed by a signal and a guest that
 * never reported are bad; the init's failure and tinyrd's are skip; the
 * command's own 125 is bad unless --skip-status names it (any status it
 * names is skip). The verdict is said in one line.
 */
static int bisect(const struct run_plan *p, const struct vm_result *res,
		  int st, const char *why, const char **verdict)
{
	bool command = res->ending == VM_REPORTED &&
		       !p->vm.console.failure(p->vm.console.ctx);
	int out = st;

	if (command && p->skip_status >= 0 && st == p->skip_status)
		out = TINYRD_STATUS_FAILED;
	else if (command && st == TINYRD_STATUS_FAILED)
		out = 1;
	else if (st >= 128 || st == TINYRD_STATUS_NO_REPORT)
		out = 1;
	*verdict = !out ? "good" : out == TINYRD_STATUS_FAILED ? "skip" : "bad";
	if (log_level >= LOG_NORMAL)
		fprintf(stderr, "tinyrd: bisect %s (%s)\n", *verdict,
			command && !why[0] ? "the command's status" : why);
	return out;
}

/* The ending, for --json. */
static const char *ending_name(const struct run_plan *p,
			       const struct vm_result *res, int r)
{
	if (r || !res)
		return p->build_failed ? "build-failed" : "failed";
	switch (res->ending) {
	case VM_REPORTED:
		return p->vm.console.failure(p->vm.console.ctx) ? "init-failed"
							       : "reported";
	case VM_NO_REPORT: return "no-report";
	case VM_TIMEOUT: return "timeout";
	case VM_INTERRUPTED: return "signal";
	default: return "failed";
	}
}

static void json_field(FILE *f, const char *name, const char *value)
{
	fprintf(f, ",\"%s\":", name);
	if (value && *value)
		json_str(f, value);
	else
		fputs("null", f);
}

/* The outcome as one JSON object in p->json (tinyrd-run(1)); res NULL:
 * the guest never started (r set too). */
static void write_json(const struct run_plan *p, const struct vm_result *res,
		       int r, int st, const char *why, const char *verdict,
		       long long boot, long long end)
{
	long long started = res ? p->vm.console.started(p->vm.console.ctx) : 0;
	FILE *f = strcmp(p->json, "-") ? fopen(p->json, "we") : stdout;

	if (!f) {
		error_errno(errno, "%s", p->json);
		return;
	}
	fprintf(f, "{\"status\":%d,\"ending\":\"%s\",\"guest_status\":", st,
		ending_name(p, res, r));
	if (res && !r && res->ending == VM_REPORTED)
		fprintf(f, "%d", res->status);
	else
		fputs("null", f);
	json_field(f, "reason", why);
	json_field(f, "bisect", verdict);
	json_field(f, "kernel", p->vm.kernel);
	json_field(f, "kernel_booted", p->vm.kernel_unpacked ?
		   p->vm.kernel_unpacked : p->vm.kernel);
	json_field(f, "kernel_why", p->kernel_why);
	json_field(f, "kernel_release", p->kernel_release);
	json_field(f, "image", p->image);
	json_field(f, "image_sha256", p->image_sha256);
	json_field(f, "vmm", p->vmm == VMM_QEMU ? "qemu" :
		   p->vmm == VMM_BUILTIN ? "builtin" : NULL);
	json_field(f, "accel", p->vmm == VMM_BUILTIN ? "kvm" :
		   p->vmm != VMM_QEMU ? NULL :
		   p->vm.accel == ACCEL_KVM ? "kvm" : "tcg");
	json_field(f, "vmm_why", p->vmm_why);
	/* Phases: the kernel tree's build (--build), the image (built or
	 * read), the boot up to the command's start, the command; null
	 * where a phase was not seen. */
	fputs(",\"ms\":{\"build\":", f);
	if (p->ms_build >= 0)
		fprintf(f, "%lld", p->ms_build);
	else
		fputs("null", f);
	fputs(",\"image\":", f);
	if (p->t_image)
		fprintf(f, "%lld", p->t_image - p->t_begin -
			(p->ms_build > 0 ? p->ms_build : 0));
	else
		fputs("null", f);
	fputs(",\"boot\":", f);
	if (started)
		fprintf(f, "%lld,\"command\":%lld", started - boot, end - started);
	else
		fprintf(f, "null,\"command\":null");
	fprintf(f, ",\"total\":%lld}}\n", (end ? end : boot) - p->t_begin);
	if (f != stdout && fclose(f))
		error_errno(errno, "%s", p->json);
	else if (f == stdout)
		fflush(f);
}

/* With -v, each phase's time: the build, the image, the boot, the
 * command (what was not seen is left out). */
static void show_times(const struct run_plan *p, long long boot,
		       long long started, long long end)
{
	struct buf b = { 0 };

	if (log_level < LOG_VERBOSE)
		return;
	if (p->ms_build >= 0)
		buf_printf(&b, ", build %.1f s%s", p->ms_build / 1000.0,
			   p->build_failed ? " (failed)" : "");
	if (p->t_image)
		buf_printf(&b, ", image %.1f s", (p->t_image - p->t_begin -
			   (p->ms_build > 0 ? p->ms_build : 0)) / 1000.0);
	if (started)
		buf_printf(&b, ", boot %.1f s, command %.1f s",
			   (started - boot) / 1000.0, (end - started) / 1000.0);
	else if (end)
		buf_printf(&b, ", boot and command %.1f s", (end - boot) / 1000.0);
	if (b.len)
		verbose("times:%s", b.p + 1);
	buf_free(&b);
}

int run_plan_execute(struct run_plan *p)
{
	struct vm_result res;
	const char *verdict = NULL;
	char why[300];
	long long boot = vm_now_ms(), end;
	int r = p->vmm == VMM_QEMU ? qemu_run(&p->vm, &res)
				   : builtin_run(&p->vm, &res);
	int st = r ? TINYRD_STATUS_FAILED : status(p, &res, why, sizeof(why));

	end = vm_now_ms();
	/* The launcher's own failure says why (a forbidden system call,
	 * KVM_RUN failing); else the guest never started. */
	if (r)
		snprintf(why, sizeof(why), "%s", res.ending == VM_FAILED &&
			 res.why[0] ? res.why : "tinyrd could not start the guest");
	show_times(p, boot, r ? 0 : p->vm.console.started(p->vm.console.ctx),
		   end);
	if (p->bisect)
		st = bisect(p, &res, st, why, &verdict);
	if (p->json)
		write_json(p, &res, r, st, why, verdict, boot, end);
	return st;
}

int run_plan_failed(const struct run_plan *p)
{
	const char *verdict = p->bisect ? "skip" : NULL;
	char why[600];

	snprintf(why, sizeof(why), "%s: %s", p->build_failed ?
		 "the kernel did not build" : "tinyrd failed", log_last_error());
	show_times(p, 0, 0, 0);
	if (p->bisect && log_level >= LOG_NORMAL)
		fprintf(stderr, "tinyrd: bisect skip (%s)\n", why);
	if (p->json)
		write_json(p, NULL, -1, TINYRD_STATUS_FAILED, why, verdict,
			   vm_now_ms(), 0);
	return TINYRD_STATUS_FAILED;
}
