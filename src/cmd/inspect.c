// SPDX-License-Identifier: MIT
/* tinyrd inspect [-c] [--commands] IMAGE: an initrd's segments, entries
 * and init, and which file each command name runs. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "opt.h"
#include "../image/build.h"

enum { OPT_JSON = 256, OPT_COMMANDS };

static const struct cmd_opt opts[] = {
	{ "config", 'c', NULL, "show the configuration only, not the entries", 0 },
	{ "commands", OPT_COMMANDS, NULL,
	  "which file each command name runs (sh -c NAME), instead", 0 },
	{ "json", OPT_JSON, NULL, "all of it as one JSON object, for scripts", 0 },
	{ "help", 'h', NULL, "this help", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd inspect [options] IMAGE\n"
		"\nList an initrd's segments and entries and show how its init is\n"
		"configured (modules in load order, the command), or which file\n"
		"each command name runs.\n\n");
	cmd_opt_usage(f, opts, 0);
}

static int inspect(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { opts, NULL };
	struct option lo[8];
	char shortopts[8];
	unsigned flags = INSPECT_LIST;
	int opt;

	cmd_opt_getopt(tables, 0, lo, ARRAY_SIZE(lo), shortopts, sizeof(shortopts));
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		if (opt == 'c') {
			flags &= ~(unsigned)INSPECT_LIST;
		} else if (opt == OPT_JSON) {
			flags |= INSPECT_JSON;
		} else if (opt == OPT_COMMANDS) {
			flags |= INSPECT_COMMANDS;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "Try 'tinyrd inspect --help'.\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		error("inspect takes exactly one IMAGE");
		fprintf(stderr, "Try 'tinyrd inspect --help'.\n");
		return 2;
	}
	return inspect_image(argv[optind], flags) ? 1 : 0;
}

const struct cmd cmd_inspect = {
	"inspect", inspect, "list an initrd and show its init configuration",
};
