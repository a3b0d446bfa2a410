// SPDX-License-Identifier: MIT
/* tinyrd run [build options] [run options] [-- COMMAND [ARG...]]. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd run [build options] [run options] [-- COMMAND [ARG...]]\n"
		"\nBoot a kernel with a tinyrd image, run COMMAND in it, and exit with\n"
		"its status. Without COMMAND, an interactive shell on the console.\n\n"
		"Run options:\n");
	cmd_opt_usage(f, cmd_run_opts, OPT_FOR_RUN);
	fprintf(f, "\nBuild options (see tinyrd build --help):\n");
	cmd_opt_usage(f, cmd_build_opts, OPT_FOR_RUN);
	fprintf(f, "\nExit status: the command's (its own 123-125 with a note); 123 the\n"
		"guest ended without reporting (panic, reset); 124 timeout; 125\n"
		"tinyrd or the guest's init failed. See tinyrd-run(1).\n");
}

static int run(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { cmd_run_opts,
							cmd_build_opts, NULL };
	struct option lo[64];
	struct run_opts ro = RUN_OPTS_INIT;
	struct strv cmd = { 0 }, env = { 0 };
	struct build_opts o;
	char shortopts[64];
	int dd, opt, r, st = TINYRD_STATUS_FAILED;

	cmd_opt_getopt(tables, OPT_FOR_RUN, lo, ARRAY_SIZE(lo), shortopts,
		       sizeof(shortopts));
	dd = cmd_split_dashdash(argc, argv, shortopts, lo);

	build_opts_init(&o);
	optind = 1;
	while ((opt = getopt_long(dd, argv, shortopts, lo, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			build_opts_free(&o);
			return 0;
		}
		r = opt == '?' ? -EINVAL
		    : opt == 'i' || opt == 'm' || opt == 'c' || opt == 'j' ||
		      opt >= 512
			? cmd_run_option(&ro, opt, optarg)
			: cmd_build_option(&o, opt, optarg);
		if (r) {
			fprintf(stderr, "Try 'tinyrd run --help'.\n");
			goto out;
		}
	}
	for (int i = optind; i < dd; i++)
		strv_push(&o.programs, argv[i]);
	if (build_opts_check(&o))
		goto out;
	/* The command and its environment travel per run, not in the image. */
	if (o.run && dd < argc) {
		error("--run and a command after -- cannot be combined");
		goto out;
	}
	if (o.run) {
		strv_push(&cmd, "/bin/sh");
		strv_push(&cmd, "-c");
		strv_push(&cmd, o.run);
		o.run = NULL;
	}
	for (int i = dd + 1; i < argc; i++)
		strv_push(&cmd, argv[i]);
	if (dd + 1 == argc) {
		error("nothing after --: expected a command");
		goto out;
	}
	for (size_t i = 0; i < o.env.n; i++)
		strv_push(&env, o.env.v[i]);
	strv_free(&o.env);
	if (ro.image && (o.programs.n || o.recipes.n || o.kmods.n ||
			 o.kmods_noload.n || o.copies.n || o.init || o.bare)) {
		error("-i boots a ready image: build options cannot change it");
		goto out;
	}

	if (ro.rw.n && ro.rootfs < 0) {
		error("--rw makes an overlay in the host's root: it needs --rootfs");
		goto out;
	}
	st = run_command(&o, &ro, &cmd, &env);
out:
	strv_free(&ro.rw);
	strv_free(&cmd);
	strv_free(&env);
	build_opts_free(&o);
	return st;
}

const struct cmd cmd_run = {
	"run", run, "boot a kernel with an image and run a command in it",
};
