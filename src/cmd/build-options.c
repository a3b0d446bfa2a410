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

/* build's long options without a letter; run's start at 512 (options.h). */
enum {
	OPT_PRINT = 256, OPT_BARE, OPT_INIT, OPT_COPY, OPT_KMOD, OPT_KVER,
	OPT_MODDIR, OPT_SYSROOT, OPT_BUSYBOX, OPT_RUN, OPT_LEVEL, OPT_NO_INIT,
	OPT_NO_VM_MODULES,
};

const char cmd_build_shortopts[] = "o:f:k:e:z:vqh";

const struct option cmd_build_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "print", no_argument, NULL, OPT_PRINT },
	{ "recipe", required_argument, NULL, 'f' },
	{ "bare", no_argument, NULL, OPT_BARE },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "no-init", no_argument, NULL, OPT_NO_INIT },
	{ "copy", required_argument, NULL, OPT_COPY },
	{ "kmod", required_argument, NULL, OPT_KMOD },
	{ "kver", required_argument, NULL, OPT_KVER },
	{ "kernel", required_argument, NULL, 'k' },
	{ "moddir", required_argument, NULL, OPT_MODDIR },
	{ "no-vm-modules", no_argument, NULL, OPT_NO_VM_MODULES },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "busybox", required_argument, NULL, OPT_BUSYBOX },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "env", required_argument, NULL, 'e' },
	{ "compress", required_argument, NULL, 'z' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

const char cmd_build_usage[] =
	"  -o, --output IMAGE     write the image here (default initrd.img, - for stdout)\n"
	"      --print            print the resolved manifest instead of an image\n"
	"  -f, --recipe RECIPE    add a recipe (a file or a template name); repeatable\n"
	"      --bare             do not start from the base recipe (busybox, /etc, /dev)\n"
	"      --init FILE        install FILE as /init instead of tinyrd-init\n"
	"      --no-init          no /init unless a recipe or option gives one\n"
	"      --copy SRC[:/DEST] copy a file or directory tree (same path by default)\n"
	"      --kmod 'NAME [PARAM=VALUE...]'  add a module with its dependencies\n"
	"      --kver RELEASE     kernel release for modules (default: from --kernel, else uname -r)\n"
	"  -k, --kernel FILE      kernel image to read the release from\n"
	"      --moddir DIR       modules tree (modules.dep dir or an INSTALL_MOD_PATH)\n"
	"      --no-vm-modules    not the drivers of tinyrd's VM devices (with -k, --kver, --moddir)\n"
	"      --sysroot DIR      resolve programs and libraries inside DIR\n"
	"      --busybox PATH     the busybox binary for the base image\n"
	"      --run 'CMD'        the command the init runs, through /bin/sh -c\n"
	"  -e, --env NAME=VALUE   environment for the command; repeatable\n"
	"  -z, --compress ALG     none, gzip (default), xz, zstd or lz4\n"
	"      --level N          compression level\n"
	"  -v, --verbose          say what is added and why (twice: debug)\n"
	"  -q, --quiet            errors only\n"
	"  -h, --help             this help\n";

int cmd_build_option(struct build_opts *o, int opt, const char *arg)
{
	unsigned long n;

	switch (opt) {
	case 'o': o->output = arg; break;
	case OPT_PRINT: o->print = true; break;
	case 'f': strv_push(&o->recipes, arg); break;
	case OPT_BARE: o->bare = true; break;
	case OPT_INIT: o->init = arg; break;
	case OPT_NO_INIT: o->no_init = true; break;
	case OPT_COPY: strv_push(&o->copies, arg); break;
	case OPT_KMOD: strv_push(&o->kmods, arg); break;
	case OPT_KVER: o->kver = arg; break;
	case 'k': o->kernel = arg; break;
	case OPT_MODDIR: o->moddir = arg; break;
	case OPT_NO_VM_MODULES: o->no_vm_modules = true; break;
	case OPT_SYSROOT: o->sysroot = arg; break;
	case OPT_BUSYBOX: o->busybox = arg; break;
	case OPT_RUN: o->run = arg; break;
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
