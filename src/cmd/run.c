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
		"Run options:\n"
		"  -k, --kernel FILE      the kernel (default /boot/vmlinuz-$(uname -r),\n"
		"                         else the newest /boot/vmlinuz-*)\n"
		"  -i, --image IMAGE      boot this image instead of building one\n"
		"      --vmm builtin|qemu|auto  tinyrd's own KVM launcher, QEMU, or the\n"
		"                         launcher when KVM works, else QEMU (default)\n"
		"      --accel kvm|tcg|auto  QEMU's accelerator (default: KVM when it\n"
		"                         can boot a stock kernel, else TCG); kvm or\n"
		"                         tcg with --vmm auto means QEMU\n"
		"  -m, --memory MB        guest memory (default 512)\n"
		"  -c, --cpus N           guest CPUs, 1 to 254 (default 1)\n"
		"      --append ARGS      more kernel command line\n"
		"      --timeout S        stop the guest after S seconds (status 124)\n"
		"      --silence-timeout S  stop it after S seconds without console\n"
		"                         output (status 124; built-in launcher)\n"
		"      --force            use the built-in launcher even on a KVM that\n"
		"                         fails the smoke boot\n"
		"      --hugepages        back guest memory with 2 MiB huge pages\n"
		"      --disk FILE[,ro]   a virtio-blk disk (/dev/vda, vdb...; repeatable)\n"
		"      --share DIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off][,mount=PATH]\n"
		"                         share a host directory (repeatable); run\n"
		"                         mounts it at PATH (default /mnt/TAG);\n"
		"                         dax: virtio-fs's DAX window (default 512M)\n"
		"      --rootfs DIR[,fs=virtiofs|9p]  the guest's root is DIR (e.g. /),\n"
		"                         read-only, with tmpfs on /tmp /run /var/tmp;\n"
		"                         COMMAND comes from it, the image is the init\n"
		"      --rw PATH          with --rootfs: a writable overlay over PATH,\n"
		"                         its changes in memory (repeatable)\n"
		"      --transport pci|mmio  how virtio devices attach (built-in\n"
		"                         launcher; mmio: for kernels with\n"
		"                         VIRTIO_MMIO_CMDLINE_DEVICES)\n"
		"      --bisect           statuses for git bisect run: >= 128 and a\n"
		"                         guest that ended without a status become 1\n"
		"      --console-log FILE write the guest's console to FILE\n"
		"      --rebuild          build the image again even when cached\n"
		"  -v, --verbose          show the console and what is built\n"
		"\nBuild options (see tinyrd build --help):\n%s"
		"\nExit status: the command's; 123 the guest ended without reporting\n"
		"(panic, reset); 124 timeout; 125 tinyrd failed. See tinyrd-run(1).\n",
		cmd_build_usage);
}

static int run(int argc, char **argv)
{
	struct option lo[64];
	struct run_opts ro = RUN_OPTS_INIT;
	struct strv cmd = { 0 }, env = { 0 };
	struct build_opts o;
	char shortopts[64];
	int dd, opt, r, st = TINYRD_STATUS_FAILED;
	size_t n = 0;

	/* The build options, then run's own: 39 and the end, in room for
	 * 64 (never past it). */
	for (const struct option *p = cmd_build_longopts;
	     p->name && n + 1 < ARRAY_SIZE(lo); p++)
		lo[n++] = *p;
	for (const struct option *p = cmd_run_longopts;
	     p->name && n + 1 < ARRAY_SIZE(lo); p++)
		lo[n++] = *p;
	memset(&lo[n], 0, sizeof(lo[n]));
	snprintf(shortopts, sizeof(shortopts), "%si:m:c:", cmd_build_shortopts);
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
		    : opt == 'i' || opt == 'm' || opt == 'c' || opt >= 512
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
	if (o.print || o.output) {
		error("run writes no image: drop %s", o.print ? "--print" : "-o");
		goto out;
	}
	if (ro.image && (o.programs.n || o.recipes.n || o.kmods.n ||
			 o.copies.n || o.init || o.bare)) {
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
