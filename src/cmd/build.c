// SPDX-License-Identifier: MIT
/* tinyrd build [options] [PROGRAM...] [-- COMMAND [ARG...]]: an initrd. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd build [options] [PROGRAM...] [-- COMMAND [ARG...]]\n"
		"\nBuild an initrd: busybox and a minimal tree by default, PROGRAMs with\n"
		"their libraries, modules with their dependencies, recipes.\n\n");
	cmd_opt_usage(f, cmd_build_opts, OPT_FOR_BUILD);
	fprintf(f, "\nSee tinyrd(1) and tinyrd-recipe(5).\n");
}

static int build(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { cmd_build_opts, NULL };
	struct option lo[64];
	char shortopts[64];
	struct build_opts o;
	int dd, opt, r;

	cmd_opt_getopt(tables, OPT_FOR_BUILD, lo, ARRAY_SIZE(lo), shortopts,
		       sizeof(shortopts));
	dd = cmd_split_dashdash(argc, argv, shortopts, lo);
	build_opts_init(&o);
	for (int i = dd + 1; i < argc; i++)
		strv_push(&o.argv, argv[i]);
	optind = 1;
	while ((opt = getopt_long(dd, argv, shortopts, lo, NULL)) != -1) {
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
	/* --json says what went into an image file. */
	if (o.json && (o.print || (o.output && !strcmp(o.output, "-"))))
		r = error("--json goes with an image file: not with %s",
			  o.print ? "--print" : "-o -");
	else
		r = build_opts_check(&o);
	if (r) {
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
