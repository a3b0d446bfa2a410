// SPDX-License-Identifier: MIT
/* run's options, which boot and verify take too: each into run_opts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* R: tinyrd run; T: tinyrd boot too. -k, -v, -q and -h are build's keys
 * (run hands them to cmd_build_option), described here as run has them. */
#define R OPT_FOR_RUN
#define T OPT_FOR_BOOT

const struct cmd_opt cmd_run_opts[] = {
	{ "kernel", 'k', "FILE", "the kernel: a bzImage, or an ELF vmlinux (PVH\n"
	  "entry); run's default /boot/vmlinuz-$(uname -r),\n"
	  "else the newest /boot/vmlinuz-*; for run also a\n"
	  "kernel tree (DIR): its built kernel and modules", R | T },
	{ "build", OPT_KBUILD, NULL, "with -k DIR: make the tree first (its .config\n"
	  "with tinyrd's fragment, the image, the modules;\n"
	  "a failed build is status 125, skip for --bisect)", R },
	{ "jobs", 'j', "N", "make's jobs for --build (default: the CPUs)", R },
	{ "image", OPT_IMAGE, "IMAGE", "boot this image instead of building one", R | T },
	{ "vmm", OPT_VMM, "builtin|qemu|auto", "tinyrd's own KVM launcher, QEMU, or the\n"
	  "launcher when KVM works, else QEMU (run's\n"
	  "default; boot's is builtin)", R | T },
	{ "accel", OPT_ACCEL, "kvm|tcg|auto", "QEMU's accelerator (default: KVM when it\n"
	  "can boot a stock kernel, else TCG); kvm or\n"
	  "tcg with --vmm auto means QEMU", R | T },
	{ "memory", OPT_MEM, "MB", "guest memory (default 512)", R | T },
	{ "cpus", OPT_CPUS, "N", "guest CPUs, 1 to 254 (default 1)", R | T },
	{ "append", OPT_APPEND, "ARGS", "more kernel command line", R | T },
	{ "timeout", OPT_TIMEOUT, "S", "stop the guest after S seconds (status 124)", R | T },
	{ "silence-timeout", OPT_SILENCE, "S", "stop it after S seconds without console\n"
	  "output, counted from the command's start\n"
	  "(status 124)", R | T },
	{ "force", OPT_FORCE, NULL, "use the built-in launcher even on a KVM that\n"
	  "fails the smoke boot", R | T },
	{ "hugepages", OPT_HUGEPAGES, NULL, "back guest memory with 2 MiB huge pages", R | T },
	{ "no-unpack", OPT_NO_UNPACK, NULL, "boot a bzImage as it is (default: its vmlinux,\n"
	  "unpacked on the host once, at its PVH entry)", R | T },
	{ "disk", OPT_DISK, "FILE[,ro]", "a virtio-blk disk (/dev/vda, vdb...; repeatable)", R | T },
	{ "share", OPT_SHARE, "DIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off][,mount=PATH]",
	  "share a host directory (repeatable); run\n"
	  "mounts it at PATH (default /mnt/TAG), boot's\n"
	  "init mounts TAG itself; dax: virtio-fs's DAX\n"
	  "window (default 512M)", R | T },
	{ "rootfs", OPT_ROOTFS, "DIR[,fs=virtiofs|9p]", "the guest's root is DIR (e.g. /),\n"
	  "read-only, with tmpfs on /tmp /run /var/tmp;\n"
	  "COMMAND comes from it, the image is the init", R },
	{ "rw", OPT_RW, "PATH", "with --rootfs: a writable overlay over PATH,\n"
	  "its changes in memory (repeatable)", R },
	{ "transport", OPT_TRANSPORT, "pci|mmio", "how virtio devices attach (built-in\n"
	  "launcher; mmio: for kernels with\n"
	  "VIRTIO_MMIO_CMDLINE_DEVICES)", R | T },
	{ "coherence", OPT_COHERENCE, "auto|none|dsb|civac[,order-platform]",
	  "how the built-in launcher keeps guest memory\n"
	  "coherent with itself: barriers only, DSB SY\n"
	  "around the rings, or DC CIVAC over rings and\n"
	  "buffers too; auto (default): civac in a VM on\n"
	  "arm64, else none (tinyrd doctor says why);\n"
	  "order-platform: offer VIRTIO_F_ORDER_PLATFORM", R | T },
	{ "no-confine", OPT_NO_CONFINE, NULL, "run the built-in launcher unconfined: no\n"
	  "seccomp filters, no Landlock on shares, no\n"
	  "no_new_privs (for debugging)", R | T },
	{ "bisect", OPT_BISECT, NULL, "statuses for git bisect run: >= 128, a guest\n"
	  "that ended without a status and the command's\n"
	  "own 125 become 1; the verdict said last", R | T },
	{ "skip-status", OPT_SKIP_STATUS, "N", "with --bisect: the command's status N is skip", R | T },
	{ "console-log", OPT_CONSOLE_LOG, "FILE", "write the guest's console to FILE", R | T },
	{ "json", OPT_RUN_JSON, "FILE", "write the outcome (status, reason, phases' times,\n"
	  "kernel release, image hash) as one JSON object\n"
	  "to FILE; - for stdout", R },
	{ "rebuild", OPT_REBUILD, NULL, "build the image again even when cached", R },
	{ "verbose", 'v', NULL, "show the console, the plan and what is built", R | T },
	{ "quiet", 'q', NULL, "errors only", R | T },
	{ "help", 'h', NULL, "this help", R | T },
	{ NULL, 0, NULL, NULL, 0 },
};

#undef R
#undef T

static int parse_unsigned(const char *opt, const char *arg, unsigned min,
			  unsigned max, unsigned *out)
{
	unsigned long v;

	if (parse_ulong(arg, 10, &v) || v < min || v > max)
		return error("%s %s: expected a number from %u to %u", opt, arg,
			     min, max);
	*out = (unsigned)v;
	return 0;
}

/* arg is one of the NUL-separated words (ending with an empty one), in
 * the order of their enum: its place into *out. */
static int parse_choice(const char *opt, const char *arg, const char *words,
			const char *expected, int *out)
{
	for (int i = 0; *words; words += strlen(words) + 1, i++) {
		if (!strcmp(arg, words)) {
			*out = i;
			return 0;
		}
	}
	return error("%s %s: expected %s", opt, arg, expected);
}

int cmd_run_option(struct run_opts *r, int opt, const char *arg)
{
	int i;

	switch (opt) {
	case OPT_IMAGE: r->image = arg; return 0;
	case OPT_VMM:
		if (parse_choice("--vmm", arg, "auto\0builtin\0qemu\0",
				 "builtin, qemu or auto", &i))
			return -EINVAL;
		r->vmm = (enum vmm_choice)i;
		return 0;
	case OPT_ACCEL:
		if (parse_choice("--accel", arg, "auto\0kvm\0tcg\0",
				 "kvm, tcg or auto", &i))
			return -EINVAL;
		r->accel = (enum accel)i;
		return 0;
	case OPT_MEM: return parse_unsigned("--memory", arg, 64, 1u << 20, &r->mem_mb);
	/* xAPIC ids are 8-bit, 0xff is broadcast, and the I/O APIC takes
	 * the id after the last CPU (mptable.c). */
	case OPT_CPUS: return parse_unsigned("--cpus", arg, 1, 254, &r->cpus);
	case OPT_APPEND: r->append = arg; return 0;
	case OPT_TIMEOUT: return parse_unsigned("--timeout", arg, 1, 1u << 30, &r->timeout);
	case OPT_BISECT: r->bisect = true; return 0;
	case OPT_KBUILD: r->kbuild = true; return 0;
	case 'j': return parse_unsigned("--jobs", arg, 1, 4096, &r->jobs);
	case OPT_SKIP_STATUS: {
		unsigned st = 0;

		if (parse_unsigned("--skip-status", arg, 1, 255, &st))
			return -EINVAL;
		r->skip_status = (int)st;
		return 0;
	}
	case OPT_CONSOLE_LOG: r->console_log = arg; return 0;
	case OPT_RUN_JSON: r->json = arg; return 0;
	case OPT_REBUILD: r->rebuild = true; return 0;
	case OPT_SILENCE: return parse_unsigned("--silence-timeout", arg, 1, 1u << 30, &r->silence);
	case OPT_FORCE: r->force = true; return 0;
	case OPT_HUGEPAGES: r->hugepages = true; return 0;
	case OPT_NO_UNPACK: r->no_unpack = true; return 0;
	case OPT_NO_CONFINE: r->no_confine = true; return 0;
	case OPT_DISK: return run_add_disk(r, arg);
	case OPT_SHARE: return run_add_share(r, arg);
	case OPT_ROOTFS: return run_set_rootfs(r, arg);
	case OPT_RW:
		if (arg[0] != '/' || strpbrk(arg, " \t\n,:\\"))
			return error("--rw %s: an absolute path without blanks, "
				     "commas or colons", arg);
		strv_push(&r->rw, arg);
		return 0;
	case OPT_COHERENCE: {
		char *mode = xstrdup(arg), *comma = strchr(mode, ',');
		int e = 0;

		if (comma) {
			*comma = '\0';
			if (strcmp(comma + 1, "order-platform"))
				e = error("--coherence %s: expected MODE or "
					  "MODE,order-platform", arg);
		}
		if (!e && parse_choice("--coherence", mode, "auto\0none\0dsb\0civac\0",
				       "auto, none, dsb or civac", &i))
			e = -EINVAL;
		free(mode);
		if (e)
			return -EINVAL;
		/* auto is -1; the others are enum sync_mode's order. */
		r->coherence = i - 1;
		r->order_platform = comma != NULL;
		return 0;
	}
	case OPT_TRANSPORT:
		if (parse_choice("--transport", arg, "pci\0mmio\0", "pci or mmio",
				 &i))
			return -EINVAL;
		r->mmio = i == 1;
		return 0;
	}
	return -EINVAL;
}
