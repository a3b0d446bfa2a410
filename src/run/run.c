// SPDX-License-Identifier: MIT
/*
 * tinyrd run, boot and verify, as plans (src/vmm/plan.h): the kernel
 * found, the image built (or reused) with the per-run configuration as
 * its own cpio segment, the VMM chosen, each part checked as it is added;
 * then the plan is shown (-v) and executed, which gives the exit status
 * (tinyrd-run(1)): the command's own, 123 the guest ended without
 * reporting, 124 timeout, 125 tinyrd failed; --bisect maps what git
 * bisect run would take as "abort" to "bad".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "ktree.h"
#include "run.h"
#include "verify-host.h"
#include "../image/elfdeps.h"
#include "../vmm/plan.h"
#include "../vmm/virtio/queue.h"
#include "../image/cpio.h"
#include "../common/abi.h"
#include "../common/kernel.h"
#include "../common/target.h"
#include "../vmm/watch.h"
#include "../vmm/vmm.h"

static int newest_kernel(const char *first, char **out)
{
	struct dirent *d;
	DIR *dh = opendir("/boot");
	char *best = NULL;

	while (dh && (d = readdir(dh))) {
		if (strncmp(d->d_name, "vmlinuz-", 8))
			continue;
		if (!best || strverscmp(d->d_name, best) > 0) {
			free(best);
			best = xstrdup(d->d_name);
		}
	}
	if (dh)
		closedir(dh);
	if (!best)
		return error("no kernel: no %s, and no other /boot/vmlinuz-*; "
			     "pass -k FILE", first);
	*out = path_join("/boot", best);
	free(best);
	return 0;
}

int run_find_kernel(const char *given, char **out)
{
	char *rel, *path;
	int fd;

	if (given) {
		path = xstrdup(given);
	} else {
		rel = kernel_host_release();
		path = xasprintf("/boot/vmlinuz-%s", rel);
		free(rel);
		if (access(path, F_OK)) {
			int r = newest_kernel(path, &rel);

			free(path);
			if (r)
				return -ENOENT;
			path = rel;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		error_errno(err, "%s%s", path, err == EACCES ?
			    " (Debian installs kernels readable by root only)" : "");
		free(path);
		return -err;
	}
	close(fd);
	*out = path;
	return 0;
}

int run_kernel_tree(struct run_plan *p, struct build_opts *o,
		    const struct run_opts *ro, char **kernel, char **moddir)
{
	const char *dir = o->kernel;
	const struct target *t = o->target ? o->target : ktree_target(o->kernel);
	int r = ktree_check(dir, false);

	if (r)
		return r;
	if (ro->kbuild) {
		long long t0 = vm_now_ms();

		r = ktree_build(dir, t, ro->jobs);
		p->ms_build = vm_now_ms() - t0;
		p->build_failed = r != 0;
		if (r)
			return r;
	}
	r = ktree_kernel(dir, t, kernel);
	if (!r)
		r = ktree_modules(dir, t, moddir);
	if (r)
		return r;
	verbose("kernel tree %s: %s%s%s", dir, *kernel,
		*moddir ? ", modules staged in " : ", no modules",
		*moddir ? *moddir : "");
	o->kernel = *kernel;
	if (!o->moddir)
		o->moddir = *moddir;
	return 0;
}

/* The compression of the image's last segment. The per-run segment is
 * plain cpio after anything but lz4: the legacy lz4 format has no end
 * mark, and the kernel's decoder would read a cpio header on as a chunk
 * size, so after lz4 the segment is lz4 too. */
static enum compression last_segment(const char *p, size_t len)
{
	enum compression last = COMP_NONE;
	size_t off = 0;

	while (off < len) {
		enum compression c;
		size_t n;

		if (!p[off]) {
			off++;
			continue;
		}
		c = compress_detect(p + off, len - off);
		if (c == COMP_UNKNOWN)
			break;
		last = c;
		n = c == COMP_NONE ? cpio_newc_length(p + off, len - off)
				   : compress_stream_length(c, p + off, len - off);
		if (!n)
			break;
		off += n;
	}
	return last;
}

/* The image as a memfd: the image, the per-run segment (DESIGN.md). The
 * uncompressed segment starts 4-byte aligned (the kernel looks for "0707"
 * there, and skips the zeros before); after lz4 an lz4 one follows
 * directly, as lz4's decoder reads on through the image's stream. */
int run_make_initrd(const struct buf *image, const struct buf *extra,
		    const struct strv *argv, const struct strv *env,
		    const struct run_file *files, size_t nfiles, bool in,
		    int *out)
{
	enum compression c = last_segment(image->p, image->len);
	struct manifest m;
	struct buf raw = { 0 }, seg = { 0 }, data = { 0 };
	int fd = memfd_create("tinyrd-initrd", MFD_CLOEXEC), r;
	static const char zeros[4];

	if (fd < 0)
		return error_errno(errno, "memfd_create");
	manifest_init(&m, "");
	for (size_t i = 0; i < argv->n; i++)
		buf_add(&data, argv->v[i], strlen(argv->v[i]) + 1);
	r = argv->n ? manifest_add_data(&m, TINYRD_CONF_ARGV, data.p, data.len,
					0644, 0, 0, NULL) : 0;
	buf_reset(&data);
	for (size_t i = 0; i < env->n; i++)
		buf_add(&data, env->v[i], strlen(env->v[i]) + 1);
	if (!r && env->n)
		r = manifest_add_data(&m, TINYRD_CONF_ENV, data.p, data.len, 0644,
				      0, 0, NULL);
	if (!r && in)
		r = manifest_add_data(&m, TINYRD_CONF_STDIN, "", 0, 0644, 0, 0, NULL);
	for (size_t i = 0; i < nfiles && !r; i++)
		if (files[i].data->len)
			r = manifest_add_data(&m, files[i].path, files[i].data->p,
					      files[i].data->len, 0644, 0, 0, NULL);
	if (!r)
		r = manifest_finalize(&m);
	/* extra's archive, then the per-run one: in one segment, the
	 * per-run files last (they win). */
	if (extra && extra->len)
		buf_add(&seg, extra->p, extra->len);
	if (!r && m.n)
		r = cpio_write(&m, 0, &raw);
	if (!r && raw.len)
		buf_add(&seg, raw.p, raw.len);
	if (!r)
		r = write_all(fd, image->p, image->len);
	if (!r && seg.len) {
		if (c != COMP_LZ4)
			c = COMP_NONE;
		if (c == COMP_NONE)
			r = write_all(fd, zeros, (4 - image->len % 4) % 4);
		if (!r)
			r = compress_write(c, -1, seg.p, seg.len, fd,
					   "the per-run segment");
	}
	if (r) {
		if (r != -EINVAL)
			error_errno(r, "memfd");
		close(fd);
	} else {
		*out = fd;
	}
	manifest_free(&m);
	buf_free(&raw);
	buf_free(&seg);
	buf_free(&data);
	return r;
}

/* The guest's mount table for the shares (abi.h). 9p: the largest msize
 * Linux's virtio transport takes before 6.2 (125 pages; later kernels
 * take more, and say so if they clamp), cache=mmap so host edits show
 * and mmap works, access=client so the guest checks permissions (as it
 * does for virtio-fs). */
void run_mount_lines(const struct run_plan *p, const struct strv *rw,
		     struct buf *out, struct buf *root)
{
	for (unsigned i = 0; i < p->vm.nshares; i++) {
		const struct vm_share *sh = &p->vm.shares[i];

		/* The root: 9p's cache=loose, as nothing writes it. */
		if ((int)i == p->rootfs) {
			buf_printf(root, "%s rootfs %s\n",
				   sh->fs == SHARE_9P ? "9p" : "virtiofs",
				   sh->fs == SHARE_9P ? TINYRD_9P_OPTIONS("loose") :
				   sh->dax ? "dax=always" : "-");
			for (size_t k = 0; k < rw->n; k++)
				buf_printf(root, "rw %s\n", rw->v[k]);
			continue;
		}

		buf_printf(out, "%s %s %s %s %s\n",
			   sh->fs == SHARE_9P ? "9p" : "virtiofs", sh->tag,
			   sh->mount, sh->ro ? "ro" : "rw",
			   sh->fs == SHARE_9P ? TINYRD_9P_OPTIONS("mmap") :
			   sh->dax ? "dax=always" : "-");
	}
}

/* Host-root mode: a quick sample of the root for the init to verify
 * before it switches (verify-host.h): /bin/sh and its dynamic loader, the two
 * files every command needs. Without them (a root that is not a Linux
 * userland) nothing is checked, said. */
static void root_sample(const struct vm_share *sh, struct buf *out)
{
	struct verify_params p = {
		.mount = "/newroot", .seed = verify_seed(), .quick = true,
		.msize = sh->fs == SHARE_9P ? TINYRD_9P_MSIZE : (VQ_SIZE_MAX - 8) * 4096u,
	};
	struct elf_info info = { 0 };
	char *sh_path = path_join(sh->dir, "bin/sh"), *paths[2] = { sh_path, NULL };
	size_t n = 1;

	if (!elf_read(sh_path, &info) && info.interp)
		paths[n++] = path_join(sh->dir, info.interp);
	if (verify_manifest(out, sh->dir, paths, n, &p)) {
		buf_reset(out);
		warn("the root %s is not verified before the switch", sh->dir);
	}
	elf_info_free(&info);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
}

/* Standard input worth forwarding: a pipe, a socket, a file, a terminal;
 * not /dev/null or another device. */
static bool forwardable_stdin(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	       S_ISREG(st.st_mode) || isatty(STDIN_FILENO);
}

/* Build the image, or take it from the cache. */
int run_get_image(struct build_opts *o, const struct run_opts *ro,
		     const char *kernel, struct buf *image)
{
	struct build b;
	char key[65], *dir = NULL, *path = NULL;
	int r;

	if (!o->no_vm_modules)
		o->auto_kmods = ro->nshares ? build_vm_share_modules : build_vm_modules;
	if (!o->kernel && !o->kver)
		o->kernel = kernel;
	r = build_init(&b, o);
	if (!r)
		r = build_resolve(&b);
	if (r)
		goto out;
	dir = cache_dir();
	if (dir) {
		cache_key(&b, key);
		path = xasprintf("%s/%s.img", dir, key);
		if (!ro->rebuild && !read_file(path, image)) {
			verbose("image %s (cached)", path);
			cache_touch(dir, path);
			goto out;
		}
		buf_reset(image);
		r = build_write(&b, path);
		if (!r)
			r = read_file(path, image);
		if (r == -ENOENT || r == -EACCES)
			r = error_errno(r, "%s", path);
		if (!r) {
			verbose("image %s (built)", path);
			cache_touch(dir, path);
		}
		goto out;
	}
	{
		struct buf raw = { 0 };
		int fd = memfd_create("tinyrd-image", MFD_CLOEXEC);

		r = fd < 0 ? error_errno(errno, "memfd_create") : build_image(&b, &raw);
		if (!r)
			r = compress_write(o->comp, o->level, raw.p, raw.len, fd,
					   "the image");
		if (!r && lseek(fd, 0, SEEK_SET) == 0)
			r = read_fd(fd, image);
		if (fd >= 0)
			close(fd);
		buf_free(&raw);
	}
out:
	build_free(&b);
	free(dir);
	free(path);
	return r;
}

int run_load_image(struct build_opts *o, const struct run_opts *ro,
		   const char *kernel, struct buf *image)
{
	int r;

	if (!ro->image)
		return run_get_image(o, ro, kernel, image);
	r = read_file(ro->image, image);
	if (r)
		return error_errno(r, "%s", ro->image);
	if (compress_detect(image->p, image->len) == COMP_UNKNOWN)
		return error("%s: not a cpio initrd", ro->image);
	return 0;
}

int run_command(struct build_opts *o, struct run_opts *ro,
		const struct strv *cmd, const struct strv *env)
{
	struct buf image = { 0 }, mounts = { 0 }, root = { 0 }, sample = { 0 };
	struct buf mods = { 0 }, modconf = { 0 };
	struct run_file files[4];
	struct run_plan p;
	struct stat kst;
	char *kernel = NULL, *moddir = NULL;
	bool booted = false;
	int st = TINYRD_STATUS_FAILED, initrd = -1;

	/* Host-root mode: the image is the init and the modules. */
	if (ro->rootfs >= 0 && !ro->image && !o->programs.n && !o->recipes.n &&
	    !o->copies.n)
		o->bare = true;
	if (run_plan_begin(&p, ro))
		goto out;
	/* -k DIR: a kernel tree, built first with --build. */
	if (o->kernel && !stat(o->kernel, &kst) && S_ISDIR(kst.st_mode)) {
		if (run_kernel_tree(&p, o, ro, &kernel, &moddir))
			goto out;
	} else if (ro->kbuild) {
		error("--build makes a kernel tree: it needs -k DIR");
		goto out;
	} else if (run_find_kernel(o->kernel, &kernel)) {
		goto out;
	}
	if (run_plan_target(&p, kernel, &o->target))
		goto out;
	if (run_load_image(o, ro, kernel, &image))
		goto out;
	run_plan_identity(&p, kernel, image.p, image.len);
	if (run_plan_vmm(&p, ro))
		goto out;
	/* QEMU cannot hold input back until the init is ready for it:
	 * piped input is refused there, with a note. */
	ro->stdin = cmd->n && p.vmm != VMM_QEMU && forwardable_stdin();
	if (cmd->n && p.vmm == VMM_QEMU && forwardable_stdin() &&
	    !isatty(STDIN_FILENO))
		note("standard input is not forwarded under QEMU: the command "
		     "reads an empty input (the built-in launcher forwards it)");
	run_mount_lines(&p, &ro->rw, &mounts, &root);
	if (p.rootfs >= 0)
		root_sample(&p.vm.shares[p.rootfs], &sample);
	files[0] = (struct run_file){ TINYRD_CONF_MOUNTS, &mounts };
	files[1] = (struct run_file){ TINYRD_CONF_ROOT, &root };
	files[2] = (struct run_file){ TINYRD_CONF_VERIFY, &sample };
	/* A ready image gets the modules its devices need, when it lacks
	 * them and they are at hand. */
	if (ro->image && run_image_modules(&p, ro, o, kernel, &image, &mods,
						 &modconf))
		goto out;
	files[3] = (struct run_file){ TINYRD_CONF_MODULES, &modconf };
	if (run_make_initrd(&image, &mods, cmd, env, files, 4, ro->stdin,
			    &initrd) || run_plan_log(&p, ro))
		goto out;
	snprintf(p.image, sizeof(p.image), "image %s (%zu bytes) and a per-run "
		 "segment%s", ro->image ? ro->image : "built from the options",
		 image.len, cmd->n ? " with the command" : "");
	st = run_plan_boot(&p, ro, kernel, initrd, !cmd->n);
	booted = true;
out:
	if (!booted)
		st = run_plan_failed(&p);
	if (initrd >= 0)
		close(initrd);
	run_plan_free(&p);
	buf_free(&image);
	buf_free(&mounts);
	buf_free(&root);
	buf_free(&sample);
	buf_free(&mods);
	buf_free(&modconf);
	free(kernel);
	free(moddir);
	return st;
}

int run_boot(struct run_opts *ro, const char *kernel)
{
	const struct target *arch = NULL;
	struct run_plan p;
	bool booted = false;
	int st = TINYRD_STATUS_FAILED, image = -1;

	if (run_plan_begin(&p, ro))
		goto out;
	image = open(ro->image, O_RDONLY | O_CLOEXEC);
	if (image < 0) {
		error_errno(errno, "%s", ro->image);
		goto out;
	}
	if (run_plan_target(&p, kernel, &arch))
		goto out;
	if (run_plan_log(&p, ro) || run_plan_vmm(&p, ro))
		goto out;
	run_plan_identity(&p, kernel, NULL, 0);
	snprintf(p.image, sizeof(p.image), "image %s as it is", ro->image);
	st = run_plan_boot(&p, ro, kernel, image, true);
	booted = true;
out:
	if (!booted)
		st = run_plan_failed(&p);
	if (image >= 0)
		close(image);
	run_plan_free(&p);
	return st;
}
