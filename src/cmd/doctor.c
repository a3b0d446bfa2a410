// SPDX-License-Identifier: MIT
/* tinyrd doctor [-k KERNEL] [--json]: what works on this host. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"
#include "../vmm/arch.h"
#include "../vmm/vmm.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd doctor [-k KERNEL] [--json]\n"
		"\nCheck what this host can boot guests with: KVM (with a "
		"smoke boot of a\nmicro-guest), the kernel and its "
		"modules, busybox, QEMU. Exit status:\n0 the built-in "
		"launcher works, 1 only the QEMU fallback, 2 nothing.\n"
		"\n  -k, --kernel FILE  the kernel to check (default "
		"/boot/vmlinuz-$(uname -r))\n      --json         "
		"the checks as JSON, for scripts\n");
}

static int doctor(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kernel = NULL;
	bool json = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:h", lo, NULL)) != -1) {
		if (opt == 'k') {
			kernel = optarg;
		} else if (opt == 'j') {
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
