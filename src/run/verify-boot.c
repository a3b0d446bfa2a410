// SPDX-License-Identifier: MIT
/*
 * tinyrd verify: boot a guest with a share, let the init read a sample
 * of its files every way a program does and write a sweep of seeded
 * blocks, and check both ends: bytes, not metadata (verify-host.h). Exit
 * status 0 when every check passed, 1 when one failed, else run's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"
#include "verify-host.h"
#include "../common/abi.h"
#include "../vmm/arch.h"
#include "../vmm/virtio/fs.h"

#define SAMPLE_MAX 64		/* files of a --share DIR checked */
#define GUEST_MOUNT "/mnt/verify"
#define FUSE_MAX_READ ((VQ_SIZE_MAX - 8) * 4096u)	/* virtio/fs.c */

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

int verify_share(const struct verify_opts *v, struct build_opts *o,
		 struct run_opts *ro)
{
	struct verify_params p = { .mount = GUEST_MOUNT };
	struct verify_report rep;
	struct strv files = { 0 }, cmd = { 0 }, env = { 0 };
	struct buf image = { 0 }, manifest = { 0 }, mounts = { 0 }, root = { 0 };
	struct buf out = { 0 };
	struct run_file conf[2];
	struct run_plan plan;
	const char *dir = v->dir;
	char *kernel = NULL, *tmp = NULL, sweep[64];
	int st = 125, initrd = -1, outfd = -1, r;

	run_plan_init(&plan, &vm_arch_native);
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
				      v->fs ? ",fs=" : "", v->fs ? v->fs : "");

		r = run_add_share(ro, arg);
		free(arg);
		if (r)
			goto out;
	}
	if (run_plan_begin(&plan, ro) || run_find_kernel(v->kernel, &kernel) ||
	    run_plan_target(&plan, kernel, &o->target))
		goto out;
	o->bare = true;		/* the init verifies; nothing else runs */
	if (run_load_image(o, ro, kernel, &image))
		goto out;
	if (run_plan_vmm(&plan, ro))
		goto out;
	if (tmp == NULL)
		sample(dir, &files);
	p.seed = verify_seed();
	snprintf(sweep, sizeof(sweep), ".tinyrd-verify-%016llx",
		 (unsigned long long)p.seed);
	p.sweep_dir = sweep;
	p.msize = plan.vm.shares[0].fs == SHARE_9P ? TINYRD_9P_MSIZE : FUSE_MAX_READ;
	p.quick = v->quick;
	p.sweep = verify_sweep_sizes;
	p.nsweep = v->quick ? VERIFY_SWEEP_SMALL : VERIFY_SWEEP_ALL;
	verify_sweep_clean(dir, &p);
	if (verify_manifest(&manifest, dir, files.v, files.n, &p))
		goto out;
	run_mount_lines(&plan, &ro->rw, &mounts, &root);
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
	if (run_make_initrd(&image, NULL, &cmd, &env, conf, 2, false, &initrd))
		goto out;
	ro->out_fd = outfd;
	note("verifying %s over %s (%zu files%s)", dir,
	     plan.vm.shares[0].fs == SHARE_9P ? "9p" : "virtio-fs", files.n,
	     v->quick ? ", quick" : "");
	snprintf(plan.image, sizeof(plan.image), "a bare image (%zu bytes) and "
		 "a per-run segment with %zu files to verify", image.len, files.n);
	st = run_plan_boot(&plan, ro, kernel, initrd, false);
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
	verify_report_print(&rep, stdout, v->flags);
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
	run_plan_free(&plan);
	free(kernel);
	return st;
}
