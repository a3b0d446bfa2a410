// SPDX-License-Identifier: MIT
/* tinyrd kconfig [--arch A] [-C DIR] [--base B] [FRAGMENT...]: a kernel
 * tree's .config for tinyrd's guests (src/run/ktree-config.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "../run/ktree.h"

enum { OPT_KC_ARCH = 256, OPT_KC_BASE };

static const struct cmd_opt opts[] = {
	{ "directory", 'C', "DIR", "the kernel tree (default: the current directory)", 0 },
	{ "arch", OPT_KC_ARCH, "ARCH", "the kernel's arch: x86_64 or arm64 (default: the\n"
	  "host's)", 0 },
	{ "base", OPT_KC_BASE, "tinyconfig|defconfig|current", "what the .config starts\n"
	  "from (default: the tree's .config when it has one,\n"
	  "else tinyconfig)", 0 },
	{ "verbose", 'v', NULL, "show make's output", 0 },
	{ "quiet", 'q', NULL, "errors only", 0 },
	{ "help", 'h', NULL, "this help", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd kconfig [--arch ARCH] [-C DIR] [--base BASE] [FRAGMENT...]\n"
		"\nConfigure a kernel tree for tinyrd's guests: tinyrd's fragment\n"
		"(virtio, 9p, virtio-fs, devtmpfs, the console, PVH) and each FRAGMENT\n"
		"merged over the base by the tree's merge_config.sh, then make\n"
		"olddefconfig. Options the tree does not know are noted; each asked\n"
		"option that ended otherwise is a warning. Exit status: 0 every known\n"
		"option as asked, 1 failure, 2 usage, 3 some options not as asked.\n\n");
	cmd_opt_usage(f, opts, 0);
}

static int kconfig(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { opts, NULL };
	struct ktree_kconfig k = { .dir = ".", .log_fd = -1 };
	struct strv frags = { 0 };
	struct option lo[8];
	char shortopts[16];
	unsigned unmet = 0;
	int opt, st = 2;

	cmd_opt_getopt(tables, 0, lo, ARRAY_SIZE(lo), shortopts, sizeof(shortopts));
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		switch (opt) {
		case 'C': k.dir = optarg; break;
		case OPT_KC_ARCH:
			if (cmd_arch_option(&k.target, optarg))
				goto usage;
			break;
		case OPT_KC_BASE:
			if (!strcmp(optarg, "tinyconfig")) {
				k.base = KTREE_BASE_TINY;
			} else if (!strcmp(optarg, "defconfig")) {
				k.base = KTREE_BASE_DEF;
			} else if (!strcmp(optarg, "current")) {
				k.base = KTREE_BASE_CURRENT;
			} else {
				error("--base %s: expected tinyconfig, defconfig "
				      "or current", optarg);
				goto usage;
			}
			break;
		case 'v': log_level = log_level < LOG_VERBOSE ? LOG_VERBOSE : LOG_DEBUG; break;
		case 'q': log_level = LOG_QUIET; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	for (int i = optind; i < argc; i++)
		strv_push(&frags, argv[i]);
	k.fragments = &frags;
	st = ktree_kconfig(&k, &unmet) ? 1 : unmet ? 3 : 0;
	strv_free(&frags);
	return st;
usage:
	fprintf(stderr, "Try 'tinyrd kconfig --help'.\n");
	strv_free(&frags);
	return 2;
}

const struct cmd cmd_kconfig = {
	"kconfig", kconfig, "configure a kernel tree for tinyrd's guests",
};
