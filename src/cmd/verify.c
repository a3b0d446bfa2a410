// SPDX-License-Identifier: MIT
/* tinyrd verify: the share data path checked end to end. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "../run/verify-host.h"

enum { OPT_SHARE_DIR = 600, OPT_FS, OPT_JSON, OPT_ALL, OPT_QUICK, OPT_MODDIR };

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd verify [options]\n"
		"\nCheck the share data path end to end: a guest reads a sample of\n"
		"files through a shared directory (read, pread at odd offsets, mmap,\n"
		"sizes around pages and the transport's limit, SEEK_DATA/SEEK_HOLE)\n"
		"and writes a sweep of tagged blocks that the host checks.\n\n"
		"  -k, --kernel FILE      the guest kernel (as tinyrd run)\n"
		"  -i, --image IMAGE      an image with tinyrd-init and the share\n"
		"                         modules, instead of building one\n"
		"      --moddir DIR       the kernel's modules tree\n"
		"      --share DIR        check this directory (a sample of its files;\n"
		"                         the sweep is written into it and removed);\n"
		"                         default: generated files in a temporary one\n"
		"      --fs virtiofs|9p   the share's file system (default: virtiofs\n"
		"                         with the built-in launcher, 9p with QEMU)\n"
		"      --vmm builtin|qemu|auto, --accel kvm|tcg|auto  as tinyrd run\n"
		"      --quick            fewer passes and no 64 MiB sweep file\n"
		"      --json             the results as JSON\n"
		"      --all              every check in the table, not only failures\n"
		"  -m, --memory MB        guest memory (default 512)\n"
		"      --timeout S        stop the guest after S seconds (status 124)\n"
		"  -v, --verbose          show the console\n"
		"\nExit status: 0 every check passed, 1 a check failed, 123 the guest\n"
		"ended without a status, 124 timeout, 125 tinyrd failed.\n"
		"See tinyrd-verify(1).\n");
}

static int verify(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "image", required_argument, NULL, 'i' },
		{ "memory", required_argument, NULL, 'm' },
		{ "moddir", required_argument, NULL, OPT_MODDIR },
		{ "share", required_argument, NULL, OPT_SHARE_DIR },
		{ "fs", required_argument, NULL, OPT_FS },
		{ "vmm", required_argument, NULL, OPT_VMM },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = RUN_OPTS_INIT;
	struct verify_opts v = { 0 };
	struct build_opts o;
	int opt, st = TINYRD_STATUS_FAILED, r;

	build_opts_init(&o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:i:m:vqh", lo, NULL)) != -1) {
		r = 0;
		switch (opt) {
		case 'h':
			usage(stdout);
			build_opts_free(&o);
			return 0;
		case 'k': v.kernel = optarg; break;
		case 'v':
			log_level = log_level < LOG_VERBOSE ? LOG_VERBOSE : LOG_DEBUG;
			break;
		case 'q': log_level = LOG_QUIET; break;
		case OPT_MODDIR: o.moddir = optarg; break;
		case OPT_SHARE_DIR: v.dir = optarg; break;
		case OPT_FS:
			if (strcmp(optarg, "virtiofs") && strcmp(optarg, "9p"))
				r = error("--fs %s: expected virtiofs or 9p", optarg);
			v.fs = optarg;
			break;
		case OPT_QUICK: v.quick = true; break;
		case OPT_JSON: v.flags |= VERIFY_PRINT_JSON; break;
		case OPT_ALL: v.flags |= VERIFY_PRINT_ALL; break;
		case '?': r = -EINVAL; break;
		default: r = cmd_run_option(&ro, opt, optarg);
		}
		if (r) {
			fprintf(stderr, "Try 'tinyrd verify --help'.\n");
			goto out;
		}
	}
	if (optind < argc) {
		error("verify takes no arguments (%s)", argv[optind]);
		goto out;
	}
	st = verify_share(&v, &o, &ro);
out:
	strv_free(&ro.rw);
	build_opts_free(&o);
	return st;
}

const struct cmd cmd_verify = {
	"verify", verify, "check that shared files arrive byte for byte, both ways",
};
