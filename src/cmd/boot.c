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
		"\nBoot KERNEL with IMAGE in tinyrd's own KVM launcher: the console\n"
		"on the terminal (typed input goes to it), the command the image\n"
		"holds run by its init, the status it reports as the exit status.\n\n"
		"  -k, --kernel FILE      a bzImage, or an ELF vmlinux (PVH entry)\n"
		"  -i, --image IMAGE      the initrd\n"
		"      --append ARGS      more kernel command line\n"
		"  -m, --memory MB        guest memory (default 512)\n"
		"  -c, --cpus N           guest CPUs, 1 to 254 (default 1)\n"
		"      --timeout S        stop the guest after S seconds (status 124)\n"
		"      --silence-timeout S  stop it after S seconds without console\n"
		"                         output (status 124)\n"
		"      --bisect           statuses for git bisect run (see tinyrd-run(1))\n"
		"      --console-log FILE write the console to FILE too\n"
		"      --force            boot even where KVM fails the smoke boot\n"
		"      --hugepages        back guest memory with 2 MiB huge pages\n"
		"      --disk FILE[,ro]   a virtio-blk disk (/dev/vda, vdb...; repeatable)\n"
		"      --share DIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off]\n"
		"                         share a host directory under TAG (repeatable)\n"
		"      --transport pci|mmio  how virtio devices attach (mmio: for\n"
		"                         kernels with VIRTIO_MMIO_CMDLINE_DEVICES)\n"
		"  -v, --verbose          the launcher's decisions on stderr\n"
		"  -q, --quiet            errors only\n"
		"\nExit status as tinyrd run: the guest's; 123 it ended without\n"
		"reporting; 124 timeout; 125 tinyrd failed. See tinyrd-boot(1).\n");
}

static int boot(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "memory", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "silence-timeout", required_argument, NULL, OPT_SILENCE },
		{ "bisect", no_argument, NULL, OPT_BISECT },
		{ "console-log", required_argument, NULL, OPT_CONSOLE_LOG },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "share", required_argument, NULL, OPT_SHARE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = RUN_OPTS_INIT;
	const char *kernel = NULL;
	int opt;

	ro.vmm = VMM_BUILTIN;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:i:m:c:vqh", lo, NULL)) != -1) {
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
