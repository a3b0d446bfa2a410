/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CMD_OPTIONS_H
#define TINYRD_CMD_OPTIONS_H

/* The option grammars commands share: build's (build and run) and run's
 * (run, boot and verify). */
#include <getopt.h>

#include "opt.h"

#include "../image/build.h"
#include "../run/run.h"

/* Which commands take an option (struct cmd_opt's flags). */
enum {
	OPT_FOR_BUILD = 1 << 0,
	OPT_FOR_RUN = 1 << 1,
	OPT_FOR_BOOT = 1 << 2,
};

/* build-options.c: build's options, and run's build options. */
extern const struct cmd_opt cmd_build_opts[];
/* One option from the tables into o: 0, or -EINVAL after an error. */
/* --arch ARG into *t: 0, or -EINVAL (said). */
int cmd_arch_option(const struct target **t, const char *arg);
int cmd_build_option(struct build_opts *o, int opt, const char *arg);
/* Split argv at the first "--" that is not an option's argument; returns
 * the index of "--" or argc. */
int cmd_split_dashdash(int argc, char **argv, const char *shortopts,
		       const struct option *longopts);

/* run-options.c: run's own options (build's are below 512). */
enum {
	OPT_IMAGE = 'i', OPT_MEM = 'm', OPT_CPUS = 'c',
	OPT_VMM = 512, OPT_ACCEL, OPT_APPEND, OPT_TIMEOUT, OPT_BISECT,
	OPT_CONSOLE_LOG, OPT_REBUILD, OPT_SILENCE, OPT_FORCE, OPT_HUGEPAGES, OPT_NO_UNPACK,
	OPT_DISK, OPT_TRANSPORT, OPT_SHARE, OPT_ROOTFS, OPT_RW, OPT_SKIP_STATUS, OPT_RUN_JSON,
	OPT_COHERENCE, OPT_KBUILD, OPT_NO_CONFINE,
};

/* run's own options, and boot's (OPT_FOR_BOOT). */
extern const struct cmd_opt cmd_run_opts[];
/* One of run's options (OPT_* or 'i', 'm', 'c') into r; 0 or -EINVAL, said. */
int cmd_run_option(struct run_opts *r, int opt, const char *arg);

#endif
