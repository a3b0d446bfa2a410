// SPDX-License-Identifier: MIT
/*
 * build's options, which run takes too: the getopt tables, the help text,
 * each option into struct build_opts, and where "--" splits the command.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "options.h"
#include "../image/compress.h"
#include "../common/target.h"

/* build's long options without a letter; run's start at 512 (options.h). */
enum {
	OPT_PRINT = 256, OPT_BARE, OPT_INIT, OPT_COPY, OPT_KMOD, OPT_KVER,
	OPT_MODDIR, OPT_SYSROOT, OPT_BUSYBOX, OPT_RUN, OPT_LEVEL, OPT_NO_INIT,
	OPT_NO_VM_MODULES, OPT_BUILD_JSON, OPT_ARCH, OPT_NO_RUNTIME,
	OPT_KMOD_NOLOAD, OPT_TRACE, OPT_TRACE_OUT,
};

/* B: tinyrd build; R: tinyrd run, among its build options (run lists
 * its own -k, -v, -q and -h, and writes no image). */
#define B OPT_FOR_BUILD
#define R OPT_FOR_RUN

const struct cmd_opt cmd_build_opts[] = {
	{ "output", 'o', "IMAGE", "write the image here (default initrd.img, - for stdout)", B },
	{ "print", OPT_PRINT, NULL, "print the resolved manifest instead of an image", B },
	{ "json", OPT_BUILD_JSON, NULL, "say what was written as one JSON object on stdout", B },
	{ "recipe", 'f', "RECIPE", "add a recipe (a file or a template name); repeatable", B | R },
	{ "bare", OPT_BARE, NULL, "do not start from the base recipe (busybox, /etc, /dev)", B | R },
	{ "init", OPT_INIT, "FILE", "install FILE as /init instead of tinyrd-init", B | R },
	{ "no-init", OPT_NO_INIT, NULL, "no /init unless a recipe or option gives one", B | R },
	{ "copy", OPT_COPY, "SRC[:/DEST]", "copy a file or directory tree (same path by default)", B | R },
	{ "kmod", OPT_KMOD, "'NAME [PARAM=VALUE...]'", "add a module with its dependencies", B | R },
	{ "kmod-noload", OPT_KMOD_NOLOAD, "NAME", "add a module for modprobe: in the image, not loaded\n"
	  "by the init; repeatable", B | R },
	{ "kver", OPT_KVER, "RELEASE", "kernel release for modules (default: from --kernel,\n"
	  "else uname -r)", B | R },
	{ "kernel", 'k', "FILE", "kernel image to read the release from", B },
	{ "moddir", OPT_MODDIR, "DIR", "modules tree (modules.dep dir or an INSTALL_MOD_PATH)", B | R },
	{ "no-vm-modules", OPT_NO_VM_MODULES, NULL, "not the drivers of tinyrd's VM devices (with -k,\n"
	  "--kver, --moddir)", B | R },
	{ "no-runtime", OPT_NO_RUNTIME, NULL, "not the default table of run-time needs (the\n"
	  "runtime template)", B | R },
	{ "sysroot", OPT_SYSROOT, "DIR", "resolve programs and libraries inside DIR", B | R },
	{ "arch", OPT_ARCH, "ARCH", "the image's arch: x86_64 or arm64 (default: the host's;\n"
	  "run: the kernel's)", B | R },
	{ "busybox", OPT_BUSYBOX, "PATH", "the busybox binary for the base image", B | R },
	{ "run", OPT_RUN, "'CMD'", "the command the init runs, through /bin/sh -c", B | R },
	{ "env", 'e', "NAME=VALUE", "environment for the command; repeatable", B | R },
	{ "trace", OPT_TRACE, NULL, "run the command after -- on this host and add the files\n"
	  "it opens or executes (not under /proc, /sys, /dev, $HOME\n"
	  "or the working tree)", B },
	{ "trace-out", OPT_TRACE_OUT, "FILE", "--trace, and write those files as a recipe", B },
	{ "compress", 'z', "ALG", "none, gzip (default), xz, zstd or lz4", B | R },
	{ "level", OPT_LEVEL, "N", "compression level", B | R },
	{ "verbose", 'v', NULL, "say what is added and why (twice: debug)", B },
	{ "quiet", 'q', NULL, "errors only", B },
	{ "help", 'h', NULL, "this help", B },
	{ NULL, 0, NULL, NULL, 0 },
};

#undef B
#undef R

int cmd_arch_option(const struct target **t, const char *arg)
{
	*t = target_find(arg);
	if (!*t)
		return error("--arch %s: not an arch tinyrd knows (%s)", arg,
			     target_names());
	return 0;
}

int cmd_build_option(struct build_opts *o, int opt, const char *arg)
{
	unsigned long n;

	switch (opt) {
	case 'o': o->output = arg; break;
	case OPT_PRINT: o->print = true; break;
	case OPT_BUILD_JSON: o->json = true; break;
	case 'f': strv_push(&o->recipes, arg); break;
	case OPT_BARE: o->bare = true; break;
	case OPT_INIT: o->init = arg; break;
	case OPT_NO_INIT: o->no_init = true; break;
	case OPT_COPY: strv_push(&o->copies, arg); break;
	case OPT_KMOD: strv_push(&o->kmods, arg); break;
	case OPT_KMOD_NOLOAD: strv_push(&o->kmods_noload, arg); break;
	case OPT_KVER: o->kver = arg; break;
	case 'k': o->kernel = arg; break;
	case OPT_MODDIR: o->moddir = arg; break;
	case OPT_NO_VM_MODULES: o->no_vm_modules = true; break;
	case OPT_NO_RUNTIME: o->no_runtime = true; break;
	case OPT_SYSROOT: o->sysroot = arg; break;
	case OPT_ARCH: return cmd_arch_option(&o->target, arg);
	case OPT_BUSYBOX: o->busybox = arg; break;
	case OPT_RUN: o->run = arg; break;
	case OPT_TRACE: o->trace = true; break;
	case OPT_TRACE_OUT: o->trace = true; o->trace_out = arg; break;
	case 'e':
		if (!strchr(arg, '=') || arg[0] == '=')
			return error("--env %s: expected NAME=VALUE", arg);
		strv_push(&o->env, arg);
		break;
	case 'z': return compress_parse(arg, &o->comp);
	case OPT_LEVEL:
		if (parse_ulong(arg, 10, &n) || n > 99)
			return error("--level %s: not a compression level", arg);
		o->level = (int)n;
		break;
	case 'v': log_level = log_level < LOG_VERBOSE ? LOG_VERBOSE : LOG_DEBUG; break;
	case 'q': log_level = LOG_QUIET; break;
	default: return -EINVAL;
	}
	return 0;
}

/* Does this argv word take the next word as its argument? */
static bool takes_next(const char *w, const char *shortopts,
		       const struct option *longopts)
{
	if (w[0] != '-' || !w[1])
		return false;
	if (w[1] != '-') {
		/* Short cluster: the last option letter may need an argument. */
		for (const char *c = w + 1; *c; c++) {
			const char *p = strchr(shortopts, *c);

			if (p && p[1] == ':')
				return !c[1];
		}
		return false;
	}
	for (const struct option *lo = longopts; lo->name; lo++)
		if (!strcmp(w + 2, lo->name))
			return lo->has_arg == required_argument;
	return false;
}

int cmd_split_dashdash(int argc, char **argv, const char *shortopts,
			 const struct option *longopts)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return i;
		if (takes_next(argv[i], shortopts, longopts))
			i++;
	}
	return argc;
}
