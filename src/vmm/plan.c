// SPDX-License-Identifier: MIT
/*
 * A run's plan shown and executed (plan.h): the chosen VMM boots it, both
 * VMMs under the same watch (watch.c: signals, terminal, watchdogs), and
 * every ending becomes tinyrd's exit status here, the same way for both.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "plan.h"
#include "../common/abi.h"
#include "../common/log.h"

void run_plan_init(struct run_plan *p, const struct vm_arch *arch)
{
	memset(p, 0, sizeof(*p));
	p->arch = arch;
	p->rootfs = -1;
	p->vm.arch = arch;
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
	verbose("plan: %s, %s", p->vmm == VMM_QEMU ? "QEMU" : "the built-in launcher",
		p->vmm_why);
	verbose("plan: %s, %u MiB%s, %u CPU%s, %s", p->arch->name, c->mem_mb,
		c->hugepages ? " in huge pages" : "", c->cpus,
		c->cpus > 1 ? "s" : "", c->mmio_transport ? "virtio-mmio" : "PCI");
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

/* The ending as the exit status, said when it is not the command's. */
static int status(const struct run_plan *p, const struct vm_result *res)
{
	const struct vm_console *con = &p->vm.console;
	const char *panic = con->panic(con->ctx);
	struct buf tail = { 0 };
	unsigned n;
	int st;

	switch (res->ending) {
	case VM_REPORTED:
		st = res->status;
		break;
	case VM_NO_REPORT:
		st = TINYRD_STATUS_NO_REPORT;
		fprintf(stderr, "tinyrd: the guest ended without reporting a "
			"status%s%s\n", panic || res->why[0] ? ": " : "",
			panic ? panic : res->why);
		break;
	case VM_TIMEOUT:
		st = TINYRD_STATUS_TIMEOUT;
		if (res->why[0])
			fprintf(stderr, "tinyrd: %s; the guest was stopped\n",
				res->why);
		else
			fprintf(stderr, "tinyrd: timed out after %u s; the guest "
				"was stopped\n", p->vm.timeout);
		break;
	case VM_INTERRUPTED:
		/* A reader that went away (run | head) is not news. */
		if (res->signal != SIGPIPE)
			fprintf(stderr, "tinyrd: %s; the guest was stopped\n",
				strsignal(res->signal));
		return 128 + res->signal;
	default:
		return TINYRD_STATUS_FAILED;
	}
	if ((st == TINYRD_STATUS_NO_REPORT || st == TINYRD_STATUS_TIMEOUT) &&
	    !p->vm.verbose && (n = con->tail(con->ctx, &tail))) {
		fprintf(stderr, "tinyrd: the last %u lines of the console:\n%s",
			n, tail.p);
		buf_free(&tail);
	}
	if (p->bisect && (st >= 128 || st == TINYRD_STATUS_NO_REPORT))
		st = 1;
	return st;
}

int run_plan_execute(struct run_plan *p)
{
	struct vm_result res;
	int r = p->vmm == VMM_QEMU ? qemu_run(&p->vm, &res)
				   : builtin_run(&p->vm, &res);

	return r ? TINYRD_STATUS_FAILED : status(p, &res);
}
