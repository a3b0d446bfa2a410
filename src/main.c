// SPDX-License-Identifier: MIT
/*
 * tinyrd: the subcommand table. Each command parses its own options and
 * returns the process status; only this file exits.
 */
#include <stdio.h>
#include <string.h>

#include "image/build.h"

#ifndef TINYRD_VERSION
#define TINYRD_VERSION "unknown"
#endif

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "build", cmd_build, "build an initrd from programs, modules and recipes" },
	{ "inspect", cmd_inspect, "list an initrd and show its init configuration" },
	{ "run", cmd_run, "boot a kernel with an image and run a command in it" },
	{ "boot", cmd_boot, "boot a kernel with an image in tinyrd's KVM launcher" },
	{ "doctor", cmd_doctor, "what works on this host: KVM, the launcher, QEMU" },
	{ "verify", cmd_verify, "check that shared files arrive byte for byte, both ways" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd COMMAND [options] [args]\n"
		"       tinyrd --help | --version\n\n"
		"Build tiny initrds and run commands in a guest kernel.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'tinyrd COMMAND --help' describes a command; tinyrd(1) "
		"has the rest.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("tinyrd %s\n", TINYRD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tinyrd: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
