// SPDX-License-Identifier: MIT
/* tinyrd inspect [-c] IMAGE: an initrd's segments, entries and init. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "../image/build.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd inspect [options] IMAGE\n"
		"\nList an initrd's segments and entries and show how its init is\n"
		"configured (modules in load order, the command).\n\n"
		"  -c, --config   show the configuration only, not the entries\n"
		"  -h, --help     this help\n");
}

static int inspect(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool list = true;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ch", lo, NULL)) != -1) {
		if (opt == 'c') {
			list = false;
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
	return inspect_image(argv[optind], list) ? 1 : 0;
}

const struct cmd cmd_inspect = {
	"inspect", inspect, "list an initrd and show its init configuration",
};
