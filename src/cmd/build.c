// SPDX-License-Identifier: MIT
/* tinyrd build [options] [PROGRAM...] [-- COMMAND [ARG...]]: an initrd. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "options.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd build [options] [PROGRAM...] [-- COMMAND [ARG...]]\n"
		"\nBuild an initrd: busybox and a minimal tree by default, PROGRAMs with\n"
		"their libraries, modules with their dependencies, recipes.\n\n%s"
		"\nSee tinyrd(1) and tinyrd-recipe(5).\n", cmd_build_usage);
}

static int build(int argc, char **argv)
{
	struct build_opts o;
	int dd = cmd_split_dashdash(argc, argv, cmd_build_shortopts,
				    cmd_build_longopts);
	int opt, r;

	build_opts_init(&o);
	for (int i = dd + 1; i < argc; i++)
		strv_push(&o.argv, argv[i]);
	optind = 1;
	while ((opt = getopt_long(dd, argv, cmd_build_shortopts, cmd_build_longopts,
				  NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			build_opts_free(&o);
			return 0;
		}
		if (opt == '?' || cmd_build_option(&o, opt, optarg)) {
			fprintf(stderr, "Try 'tinyrd build --help'.\n");
			build_opts_free(&o);
			return 2;
		}
	}
	for (int i = optind; i < dd; i++)
		strv_push(&o.programs, argv[i]);
	if (dd < argc && dd + 1 == argc) {
		error("nothing after --: expected a command");
		build_opts_free(&o);
		return 2;
	}
	if (build_opts_check(&o)) {
		build_opts_free(&o);
		return 2;
	}
	r = build_run(&o);
	build_opts_free(&o);
	return r ? 1 : 0;
}

const struct cmd cmd_build = {
	"build", build, "build an initrd from programs, modules and recipes",
};
