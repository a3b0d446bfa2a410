// SPDX-License-Identifier: MIT
/*
 * tinyrd verify: boot a guest with a share, let the init read a sample
 * of its files every way a program does and write a sweep of seeded
 * blocks, and check both ends: bytes, not metadata (verify.h). Exit
 * status 0 when every check passed, 1 when one failed, else run's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "verify.h"
#include "../common/abi.h"
#include "../vmm/virtio/fs.h"

#define SAMPLE_MAX 64		/* files of a --share DIR checked */
#define GUEST_MOUNT "/mnt/verify"
#define FUSE_MAX_READ ((VQ_SIZE_MAX - 8) * 4096u)	/* virtio/fs.c */

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

static struct strv *sample_out;
static const char *sample_root;

static int sample_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D && !strncmp(path + strlen(sample_root), "/.tinyrd-verify", 15))
		return FTW_SKIP_SUBTREE;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		strv_push(sample_out, path);
	return sample_out->n >= SAMPLE_MAX ? FTW_STOP : FTW_CONTINUE;
}

/* Up to SAMPLE_MAX regular files of dir, in the order nftw finds them. */
static void sample(const char *dir, struct strv *out)
{
	sample_out = out;
	sample_root = dir;
	nftw(dir, sample_one, 16, FTW_PHYS | FTW_ACTIONRETVAL);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int cmd_verify(int argc, char **argv)
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
	struct verify_params p = { .mount = GUEST_MOUNT };
	struct verify_report rep;
	struct build_opts o;
	struct strv files = { 0 }, cmd = { 0 }, env = { 0 };
	struct buf image = { 0 }, manifest = { 0 }, mounts = { 0 }, root = { 0 };
	struct buf out = { 0 };
	struct run_file conf[2];
	const char *kernel_arg = NULL, *dir = NULL, *fs = NULL;
	char *kernel = NULL, *tmp = NULL, sweep[64];
	unsigned flags = 0;
	bool quick = false;
	int opt, st = 125, initrd = -1, outfd = -1, r;

	build_opts_init(&o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:i:m:vqh", lo, NULL)) != -1) {
		r = 0;
		switch (opt) {
		case 'h':
			usage(stdout);
			build_opts_free(&o);
			return 0;
		case 'k': kernel_arg = optarg; break;
		case 'v':
			log_level = log_level < LOG_VERBOSE ? LOG_VERBOSE : LOG_DEBUG;
			break;
		case 'q': log_level = LOG_QUIET; break;
		case OPT_MODDIR: o.moddir = optarg; break;
		case OPT_SHARE_DIR: dir = optarg; break;
		case OPT_FS:
			if (strcmp(optarg, "virtiofs") && strcmp(optarg, "9p"))
				r = error("--fs %s: expected virtiofs or 9p", optarg);
			fs = optarg;
			break;
		case OPT_QUICK: quick = true; break;
		case OPT_JSON: flags |= VERIFY_PRINT_JSON; break;
		case OPT_ALL: flags |= VERIFY_PRINT_ALL; break;
		case '?': r = -EINVAL; break;
		default: r = run_parse_option(&ro, opt, optarg);
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
	/* The share: the user's directory, or a fixture made for it. */
	if (!dir) {
		const char *t = getenv("TMPDIR");

		tmp = xasprintf("%s/tinyrd-verify.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmp)) {
			error_errno(errno, "%s", tmp);
			free(tmp);
			tmp = NULL;
			goto out;
		}
		dir = tmp;
		if (verify_fixture(dir))
			goto out;
		verify_fixture_names(&files);
	}
	{
		char *arg = xasprintf("%s:verify,mount=" GUEST_MOUNT "%s%s", dir,
				      fs ? ",fs=" : "", fs ? fs : "");

		r = run_parse_option(&ro, OPT_SHARE, arg);
		free(arg);
		if (r)
			goto out;
	}
	if (run_check_shares(&ro) || run_find_kernel(kernel_arg, &kernel))
		goto out;
	if (ro.image) {
		r = read_file(ro.image, &image);
		if (r) {
			error_errno(r, "%s", ro.image);
			goto out;
		}
	} else {
		o.bare = true;		/* the init verifies; nothing else runs */
		if (run_get_image(&o, &ro, kernel, &image))
			goto out;
	}
	if (run_pick_vmm(&ro))
		goto out;
	if (tmp == NULL)
		sample(dir, &files);
	p.seed = verify_seed();
	snprintf(sweep, sizeof(sweep), ".tinyrd-verify-%016llx",
		 (unsigned long long)p.seed);
	p.sweep_dir = sweep;
	p.msize = ro.shares[0].fs == SHARE_9P ? TINYRD_9P_MSIZE : FUSE_MAX_READ;
	p.quick = quick;
	p.sweep = verify_sweep_sizes;
	p.nsweep = quick ? VERIFY_SWEEP_SMALL : VERIFY_SWEEP_ALL;
	verify_sweep_clean(dir, &p);
	if (verify_manifest(&manifest, dir, files.v, files.n, &p))
		goto out;
	run_mount_lines(&ro, &mounts, &root);
	conf[0] = (struct run_file){ TINYRD_CONF_MOUNTS, &mounts };
	conf[1] = (struct run_file){ TINYRD_CONF_VERIFY, &manifest };
	strv_push(&cmd, "/init");
	strv_push(&cmd, "verify");
	strv_push(&cmd, TINYRD_CONF_VERIFY);
	outfd = memfd_create("tinyrd-verify", MFD_CLOEXEC);
	if (outfd < 0) {
		error_errno(errno, "memfd_create");
		goto out;
	}
	if (run_make_initrd(&image, &cmd, &env, conf, 2, false, &initrd))
		goto out;
	ro.out_fd = outfd;
	note("verifying %s over %s (%zu files%s)", dir,
	     ro.shares[0].fs == SHARE_9P ? "9p" : "virtio-fs", files.n,
	     quick ? ", quick" : "");
	st = run_launch(&ro, kernel, initrd, -1, false);
	if (lseek(outfd, 0, SEEK_SET) || read_fd(outfd, &out)) {
		error_errno(errno, "the guest's output");
		st = 125;
		goto out;
	}
	verify_report_init(&rep);
	verify_report_expect(&rep, manifest.p, manifest.len);
	verify_report_feed(&rep, out.p, out.len);
	verify_report_finish(&rep);
	verify_sweep_check(&rep, dir, &p);
	verify_report_print(&rep, stdout, flags);
	/* The guest's own statuses are verify's 0 and 1; the others (no
	 * report, timeout) stay run's. */
	if (st <= 2)
		st = verify_report_status(&rep);
	verify_report_free(&rep);
out:
	if (tmp) {
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(tmp);
	}
	if (initrd >= 0)
		close(initrd);
	if (outfd >= 0)
		close(outfd);
	buf_free(&image);
	buf_free(&manifest);
	buf_free(&mounts);
	buf_free(&root);
	buf_free(&out);
	strv_free(&files);
	strv_free(&cmd);
	strv_free(&env);
	strv_free(&ro.rw);
	build_opts_free(&o);
	free(kernel);
	return st;
}
