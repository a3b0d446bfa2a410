// SPDX-License-Identifier: MIT
/*
 * tinyrd: dispatch to a command (src/cmd/cmd.h), which parses its own
 * options and returns the process status; only this file exits.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

#ifndef TINYRD_VERSION
#define TINYRD_VERSION "unknown"
#endif

static const struct cmd *const cmds[] = CMD_TABLE;

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd COMMAND [options] [args]\n"
		"       tinyrd --help | --version\n\n"
		"Build tiny initrds and run commands in a guest kernel.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i]->name, cmds[i]->summary);
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
		if (!strcmp(argv[1], cmds[i]->name))
			return cmds[i]->fn(argc - 1, argv + 1);
	fprintf(stderr, "tinyrd: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
