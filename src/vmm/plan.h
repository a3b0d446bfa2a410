/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_PLAN_H
#define TINYRD_PLAN_H

/*
 * One run, decided before anything boots: the machine and everything it
 * is given, the VMM chosen and why, and how its ending maps to tinyrd's
 * exit status. tinyrd run, boot and verify build it once, checking each
 * part as it is added (src/run/run.c); -v shows it (run_plan_show);
 * run_plan_execute boots it in the chosen VMM and supervises it to the
 * end (plan.c with watch.c).
 */
#include <limits.h>
#include <stdbool.h>

#include "vmm.h"
#include "../common/util.h"

struct vm_arch;
struct target;

enum vmm_choice { VMM_AUTO, VMM_BUILTIN, VMM_QEMU };

struct run_plan {
	const struct vm_arch *arch;	/* the built-in launcher's */
	const struct target *target;	/* the guest's (--arch) */
	enum vmm_choice vmm;		/* VMM_BUILTIN or VMM_QEMU, once chosen */
	char vmm_why[256];		/* why that one, and its accelerator */
	char coherence_why[256];	/* why the launcher's sync mode */
	char image[PATH_MAX + 64];	/* what the initrd is made of */
	struct buf append;		/* vm.append's storage */
	char *unpacked;			/* vm.kernel_unpacked's */
	char kernel_why[320];		/* why that form of the kernel */
	int rootfs;			/* the share that is the root, or -1 */
	bool bisect;			/* endings as git bisect run takes them */
	int skip_status;		/* the command's status that is skip, or -1 */
	const char *json;		/* --json FILE ("-": stdout), or NULL */
	char kernel_release[64];	/* for the JSON: "" when not known */
	char image_sha256[65];		/* the initrd's, "" when not known */
	long long t_begin, t_image;	/* vm_now_ms(): begun, image ready */
	long long ms_build;		/* the kernel tree's make (--build); -1 none */
	bool build_failed;		/* and it failed: the run's reason */
	struct vm_config vm;		/* what the VMM is given */
};

void run_plan_init(struct run_plan *p, const struct vm_arch *arch);
/* What the plan holds: the command line, the console log's fd. */
void run_plan_free(struct run_plan *p);
/* With -v: the plan, a line per part. */
void run_plan_show(const struct run_plan *p);
/*
 * Boot the plan in its VMM and wait for the end; the exit status
 * (tinyrd-run(1)): the guest command's own, TINYRD_STATUS_NO_REPORT,
 * _TIMEOUT or _FAILED (abi.h; _FAILED also when the guest's init
 * failed), 128 + a signal that stopped it. Each ending but the command's
 * status is said in one line on stderr, with the console's last lines
 * when that was not on show; a command's own 123-125 gets a note. With
 * bisect, the status is git bisect run's (good, bad, skip: see plan.c)
 * and the verdict is said. With json, the outcome is written there as
 * one JSON object (tinyrd-run(1)).
 */
int run_plan_execute(struct run_plan *p);
/* The run failed before its guest started (said): with bisect a skip,
 * said; with json the outcome written, the last error as the reason.
 * Returns TINYRD_STATUS_FAILED. */
int run_plan_failed(const struct run_plan *p);

#endif
