// SPDX-License-Identifier: MIT
/* tinyrd boot -k KERNEL -i IMAGE: the console on the terminal. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd boot -k KERNEL -i IMAGE [options]\n"
		"\nBoot KERNEL with IMAGE (tinyrd's own KVM launcher by default): the\n"
		"console on the terminal (typed input goes to it), the command the\n"
		"image holds run by its init, the status it reports as the exit\n"
		"status.\n\n");
	cmd_opt_usage(f, cmd_run_opts, OPT_FOR_BOOT);
	fprintf(f, "\nExit status as tinyrd run: the guest's; 123 it ended without\n"
		"reporting; 124 timeout; 125 tinyrd failed. See tinyrd-boot(1).\n");
}

static int boot(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { cmd_run_opts, NULL };
	struct option lo[40];
	char shortopts[40];
	struct run_opts ro = RUN_OPTS_INIT;
	const char *kernel = NULL;
	int opt;

	ro.vmm = VMM_BUILTIN;
	optind = 1;
	cmd_opt_getopt(tables, OPT_FOR_BOOT, lo, ARRAY_SIZE(lo), shortopts,
		       sizeof(shortopts));
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		int r = 0;

		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'k':
			kernel = optarg;
			break;
		case 'v':
			log_level = log_level < LOG_VERBOSE ? LOG_VERBOSE : LOG_DEBUG;
			break;
		case 'q':
			log_level = LOG_QUIET;
			break;
		case '?':
			r = -EINVAL;
			break;
		case OPT_SHARE:
			if (strstr(optarg, ",mount=")) {
				r = error("--share %s: mount= is for tinyrd run; "
					  "under boot the image's init mounts "
					  "the tag itself", optarg);
				break;
			}
			/* fall through */
		default:
			r = cmd_run_option(&ro, opt, optarg);
		}
		if (r) {
			fprintf(stderr, "Try 'tinyrd boot --help'.\n");
			return TINYRD_STATUS_FAILED;
		}
	}
	if (optind < argc) {
		error("boot takes no arguments (%s); a command goes in the image, "
		      "or use tinyrd run -i", argv[optind]);
		return TINYRD_STATUS_FAILED;
	}
	if (!kernel || !ro.image) {
		error("boot needs -k KERNEL and -i IMAGE");
		return TINYRD_STATUS_FAILED;
	}
	return run_boot(&ro, kernel);
}

const struct cmd cmd_boot = {
	"boot", boot, "boot a kernel with an image in tinyrd's KVM launcher",
};
