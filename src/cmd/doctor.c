// SPDX-License-Identifier: MIT
/* tinyrd doctor [-k KERNEL] [--json]: what works on this host. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"
#include "opt.h"
#include "../vmm/arch.h"
#include "../vmm/vmm.h"

enum { OPT_JSON = 256 };

static const struct cmd_opt opts[] = {
	{ "kernel", 'k', "FILE", "the kernel to check (default\n"
	  "/boot/vmlinuz-$(uname -r))", 0 },
	{ "json", OPT_JSON, NULL, "the checks as JSON, for scripts", 0 },
	{ "help", 'h', NULL, "this help", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd doctor [-k KERNEL] [--json]\n"
		"\nCheck what this host can boot guests with: KVM (with a smoke boot\n"
		"of a micro-guest), the kernel and its modules, busybox, QEMU. Exit\n"
		"status: 0 the built-in launcher works, 1 only the QEMU fallback,\n"
		"2 nothing.\n\n");
	cmd_opt_usage(f, opts, 0);
}

static int doctor(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { opts, NULL };
	struct option lo[8];
	char shortopts[8];
	const char *kernel = NULL;
	bool json = false;
	int opt;

	cmd_opt_getopt(tables, 0, lo, ARRAY_SIZE(lo), shortopts, sizeof(shortopts));
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		if (opt == 'k') {
			kernel = optarg;
		} else if (opt == OPT_JSON) {
			json = true;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "Try 'tinyrd doctor --help'.\n");
			return 2;
		}
	}
	return doctor_run(&vm_arch_native, kernel, json);
}

const struct cmd cmd_doctor = {
	"doctor", doctor, "what works on this host: KVM, the launcher, QEMU",
};
