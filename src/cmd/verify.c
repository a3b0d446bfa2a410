// SPDX-License-Identifier: MIT
/* tinyrd verify: the share data path checked end to end. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "../run/verify-host.h"

enum { OPT_SHARE_DIR = 600, OPT_FS, OPT_JSON, OPT_ALL, OPT_QUICK, OPT_MODDIR, OPT_ARCH };

static const struct cmd_opt opts[] = {
	{ "kernel", 'k', "FILE", "the guest kernel (as tinyrd run)", 0 },
	{ "image", 'i', "IMAGE", "an image with tinyrd-init and the share\n"
	  "modules, instead of building one", 0 },
	{ "moddir", OPT_MODDIR, "DIR", "the kernel's modules tree", 0 },
	{ "arch", OPT_ARCH, "ARCH", "the guest's arch (default: the kernel's)", 0 },
	{ "share", OPT_SHARE_DIR, "DIR", "check this directory (a sample of its files;\n"
	  "the sweep is written into it and removed);\n"
	  "default: generated files in a temporary one", 0 },
	{ "fs", OPT_FS, "virtiofs|9p", "the share's file system (default: virtiofs\n"
	  "with the built-in launcher, 9p with QEMU)", 0 },
	{ "vmm", OPT_VMM, "builtin|qemu|auto", "as tinyrd run", 0 },
	{ "accel", OPT_ACCEL, "kvm|tcg|auto", "as tinyrd run", 0 },
	{ "coherence", OPT_COHERENCE, "auto|none|dsb|civac[,order-platform]",
	  "as tinyrd run", 0 },
	{ "no-confine", OPT_NO_CONFINE, NULL, "as tinyrd run", 0 },
	{ "quick", OPT_QUICK, NULL, "fewer passes and no 64 MiB sweep file", 0 },
	{ "json", OPT_JSON, NULL, "the results as JSON", 0 },
	{ "all", OPT_ALL, NULL, "every check in the table, not only failures", 0 },
	{ "memory", 'm', "MB", "guest memory (default 512)", 0 },
	{ "timeout", OPT_TIMEOUT, "S", "stop the guest after S seconds (status 124)", 0 },
	{ "verbose", 'v', NULL, "show the console", 0 },
	{ "quiet", 'q', NULL, "errors only", 0 },
	{ "help", 'h', NULL, "this help", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd verify [options]\n"
		"\nCheck the share data path end to end: a guest reads a sample of\n"
		"files through a shared directory (read, pread at odd offsets, mmap,\n"
		"sizes around pages and the transport's limit, SEEK_DATA/SEEK_HOLE)\n"
		"and writes a sweep of tagged blocks that the host checks.\n\n");
	cmd_opt_usage(f, opts, 0);
	fprintf(f, "\nExit status: 0 every check passed, 1 a check failed, 123 the guest\n"
		"ended without a status, 124 timeout, 125 tinyrd failed.\n"
		"See tinyrd-verify(1).\n");
}

static int verify(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { opts, NULL };
	struct option lo[24];
	char shortopts[24];
	struct run_opts ro = RUN_OPTS_INIT;
	struct verify_opts v = { 0 };
	struct build_opts o;
	int opt, st = TINYRD_STATUS_FAILED, r;

	cmd_opt_getopt(tables, 0, lo, ARRAY_SIZE(lo), shortopts, sizeof(shortopts));
	build_opts_init(&o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
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
		case OPT_ARCH: r = cmd_arch_option(&o.target, optarg); break;
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
