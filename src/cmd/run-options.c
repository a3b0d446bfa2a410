// SPDX-License-Identifier: MIT
/* run's options, which boot and verify take too: each into run_opts. */
#include <errno.h>
#include <string.h>

#include "options.h"

const struct option cmd_run_longopts[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "vmm", required_argument, NULL, OPT_VMM },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "memory", required_argument, NULL, OPT_MEM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "bisect", no_argument, NULL, OPT_BISECT },
	{ "console-log", required_argument, NULL, OPT_CONSOLE_LOG },
	{ "rebuild", no_argument, NULL, OPT_REBUILD },
	{ "silence-timeout", required_argument, NULL, OPT_SILENCE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "rw", required_argument, NULL, OPT_RW },
	{ NULL, 0, NULL, 0 },
};

static int parse_unsigned(const char *opt, const char *arg, unsigned min,
			  unsigned max, unsigned *out)
{
	unsigned long v;

	if (parse_ulong(arg, 10, &v) || v < min || v > max)
		return error("%s %s: expected a number from %u to %u", opt, arg,
			     min, max);
	*out = (unsigned)v;
	return 0;
}

/* arg is one of the NUL-separated words (ending with an empty one), in
 * the order of their enum: its place into *out. */
static int parse_choice(const char *opt, const char *arg, const char *words,
			const char *expected, int *out)
{
	for (int i = 0; *words; words += strlen(words) + 1, i++) {
		if (!strcmp(arg, words)) {
			*out = i;
			return 0;
		}
	}
	return error("%s %s: expected %s", opt, arg, expected);
}

int cmd_run_option(struct run_opts *r, int opt, const char *arg)
{
	int i;

	switch (opt) {
	case OPT_IMAGE: r->image = arg; return 0;
	case OPT_VMM:
		if (parse_choice("--vmm", arg, "auto\0builtin\0qemu\0",
				 "builtin, qemu or auto", &i))
			return -EINVAL;
		r->vmm = (enum vmm_choice)i;
		return 0;
	case OPT_ACCEL:
		if (parse_choice("--accel", arg, "auto\0kvm\0tcg\0",
				 "kvm, tcg or auto", &i))
			return -EINVAL;
		r->accel = (enum accel)i;
		return 0;
	case OPT_MEM: return parse_unsigned("--memory", arg, 64, 1u << 20, &r->mem_mb);
	/* xAPIC ids are 8-bit, 0xff is broadcast, and the I/O APIC takes
	 * the id after the last CPU (mptable.c). */
	case OPT_CPUS: return parse_unsigned("--cpus", arg, 1, 254, &r->cpus);
	case OPT_APPEND: r->append = arg; return 0;
	case OPT_TIMEOUT: return parse_unsigned("--timeout", arg, 1, 1u << 30, &r->timeout);
	case OPT_BISECT: r->bisect = true; return 0;
	case OPT_CONSOLE_LOG: r->console_log = arg; return 0;
	case OPT_REBUILD: r->rebuild = true; return 0;
	case OPT_SILENCE: return parse_unsigned("--silence-timeout", arg, 1, 1u << 30, &r->silence);
	case OPT_FORCE: r->force = true; return 0;
	case OPT_HUGEPAGES: r->hugepages = true; return 0;
	case OPT_DISK: return run_add_disk(r, arg);
	case OPT_SHARE: return run_add_share(r, arg);
	case OPT_ROOTFS: return run_set_rootfs(r, arg);
	case OPT_RW:
		if (arg[0] != '/' || strpbrk(arg, " \t\n,:\\"))
			return error("--rw %s: an absolute path without blanks, "
				     "commas or colons", arg);
		strv_push(&r->rw, arg);
		return 0;
	case OPT_TRANSPORT:
		if (parse_choice("--transport", arg, "pci\0mmio\0", "pci or mmio",
				 &i))
			return -EINVAL;
		r->mmio = i == 1;
		return 0;
	}
	return -EINVAL;
}
