// SPDX-License-Identifier: MIT
/*
 * tinyrd run: build (or reuse) an image, append the per-run configuration
 * as its own cpio segment, boot it, and exit with the guest command's
 * status. Exit statuses (tinyrd-run(1)): the command's own, 123 the guest
 * ended without reporting, 124 timeout, 125 tinyrd failed; --bisect maps
 * what git bisect run would take as "abort" to "bad".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "console.h"
#include "run.h"
#include "verify-host.h"
#include "../image/elfdeps.h"
#include "../vmm/arch.h"
#include "../vmm/dax.h"
#include "../vmm/virtio/queue.h"
#include "../image/cpio.h"
#include "../common/abi.h"
#include "../common/kernel.h"
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
int run_make_initrd(const struct buf *image, const struct strv *argv,
		    const struct strv *env, const struct run_file *files,
		    size_t nfiles, bool in, int *out)
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
	if (!r && m.n)
		r = cpio_write(&m, 0, &raw);
	if (!r)
		r = write_all(fd, image->p, image->len);
	if (!r && m.n) {
		if (c != COMP_LZ4)
			c = COMP_NONE;
		if (c == COMP_NONE)
			r = write_all(fd, zeros, (4 - image->len % 4) % 4);
		if (!r)
			r = compress_write(c, -1, raw.p, raw.len, fd,
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
void run_mount_lines(const struct run_opts *ro, struct buf *out,
			struct buf *root)
{
	for (unsigned i = 0; i < ro->nshares; i++) {
		const struct vm_share *sh = &ro->shares[i];

		/* The root: 9p's cache=loose, as nothing writes it. */
		if ((int)i == ro->rootfs) {
			buf_printf(root, "%s rootfs %s\n",
				   sh->fs == SHARE_9P ? "9p" : "virtiofs",
				   sh->fs == SHARE_9P ? TINYRD_9P_OPTIONS("loose") :
				   sh->dax ? "dax=always" : "-");
			for (size_t k = 0; k < ro->rw.n; k++)
				buf_printf(root, "rw %s\n", ro->rw.v[k]);
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

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; p && (p = strstr(p, w)); p += n)
		if ((p == s || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
	return false;
}

/* Which VMM, which accelerator. The built-in launcher needs a KVM that
 * boots stock kernels; auto falls back to QEMU with TCG, saying why.
 * An explicit --accel is QEMU's option, so it asks for QEMU. */
static int choose_vmm(struct run_opts *ro, struct vm_config *vc)
{
	char why[256];
	bool kvm;

	if (ro->vmm == VMM_BUILTIN && ro->accel != ACCEL_AUTO)
		return error("--accel is QEMU's option; it does not go with "
			     "--vmm builtin");
	if (ro->vmm == VMM_AUTO && ro->accel != ACCEL_AUTO)
		ro->vmm = VMM_QEMU;
	if (ro->vmm == VMM_QEMU && ro->accel != ACCEL_AUTO) {
		vc->accel = ro->accel;
		return 0;
	}
	kvm = kvm_usable(&vm_arch_native, why, sizeof(why));

	if (ro->vmm == VMM_BUILTIN) {
		if (!kvm && !ro->force)
			return error("%s; use --vmm qemu (TCG), or --force", why);
		return 0;
	}
	if (ro->vmm == VMM_AUTO) {
		if (kvm || ro->force)
			return 0;
		if (!qemu_present(&vm_arch_native))
			return error("%s, and %s is not installed for the "
				     "fallback", why, vm_arch_native.qemu);
		note("%s; using QEMU with TCG", why);
		ro->vmm = VMM_QEMU;
		vc->accel = ACCEL_TCG;
		return 0;
	}
	vc->accel = kvm ? ACCEL_KVM : ACCEL_TCG;
	if (!kvm)
		note("%s; using TCG", why);
	return 0;
}

/* The console sink the VMM hands ttyS0 to: console.c reads it. */
static void con_feed(void *ctx, const char *data, size_t n)
{
	console_feed(ctx, data, n);
}

static void con_end(void *ctx)
{
	console_end(ctx);
}

static int con_reported(void *ctx, bool *panic_after)
{
	const struct console *c = ctx;

	*panic_after = c->panic_after_status;
	return c->status;
}

static int report(const struct vm_result *res, const struct console *con,
		  const struct run_opts *ro, bool verbose_on)
{
	struct buf tail = { 0 };
	int st;

	switch (res->ending) {
	case VM_REPORTED:
		st = res->status;
		break;
	case VM_NO_REPORT:
		st = TINYRD_STATUS_NO_REPORT;
		fprintf(stderr, "tinyrd: the guest ended without reporting a "
			"status%s%s\n", con->panic || res->why[0] ? ": " : "",
			con->panic ? con->panic : res->why);
		break;
	case VM_TIMEOUT:
		st = TINYRD_STATUS_TIMEOUT;
		if (res->why[0])
			fprintf(stderr, "tinyrd: %s; the guest was stopped\n",
				res->why);
		else
			fprintf(stderr, "tinyrd: timed out after %u s; the guest "
				"was stopped\n", ro->timeout);
		break;
	case VM_INTERRUPTED:
		/* A reader that went away (run | head) is not news. */
		if (res->signal != SIGPIPE)
			fprintf(stderr, "tinyrd: %s; the guest was stopped\n",
				strsignal(res->signal));
		return 128 + res->signal;
	default:
		return TINYRD_STATUS_FAILED;
	}
	if ((st == TINYRD_STATUS_NO_REPORT || st == TINYRD_STATUS_TIMEOUT) && !verbose_on &&
	    con->ntail) {
		console_tail(con, &tail);
		fprintf(stderr, "tinyrd: the last %u lines of the console:\n%s",
			con->ntail, tail.p);
		buf_free(&tail);
	}
	if (ro->bisect && (st >= 128 || st == TINYRD_STATUS_NO_REPORT))
		st = 1;
	return st;
}

/* Shared directories exist: checked first, before anything is built. */
int run_check_shares(const struct run_opts *ro)
{
	for (unsigned i = 0; i < ro->nshares; i++) {
		struct stat st;

		if (stat(ro->shares[i].dir, &st))
			return error_errno(errno, "share %s", ro->shares[i].dir);
		if (!S_ISDIR(st.st_mode))
			return error_errno(ENOTDIR, "share %s", ro->shares[i].dir);
	}
	return 0;
}

/* A virtio-fs share's DAX window unless dax= says: a power of two, at
 * most VM_DAX_DEFAULT, the windows together at most half the guest's
 * RAM (the guest spends 1/64 of a window on page structures). None on
 * virtio-mmio. */
static void dax_defaults(struct run_opts *ro)
{
	uint64_t room = (uint64_t)ro->mem_mb << 19, each = VM_DAX_DEFAULT;
	unsigned n = 0;

	for (unsigned i = 0; i < ro->nshares; i++)
		n += ro->shares[i].fs == SHARE_VIRTIOFS && !ro->shares[i].dax_given;
	while (n && each > DAX_CHUNK && each * n > room)
		each >>= 1;
	for (unsigned i = 0; i < ro->nshares; i++) {
		struct vm_share *sh = &ro->shares[i];

		if (!sh->dax_given)
			sh->dax = sh->fs == SHARE_VIRTIOFS && !ro->mmio ? each : 0;
	}
}

/* The disks checked and the VMM chosen, before the image is finished:
 * what goes in it (forwarded stdin) depends on the VMM. */
int run_pick_vmm(struct run_opts *ro)
{
	struct vm_config vc = { 0 };

	for (unsigned i = 0; i < ro->ndisks; i++)
		if (access(ro->disks[i].file, ro->disks[i].ro ? R_OK : R_OK | W_OK))
			return error_errno(errno, "disk %s", ro->disks[i].file);
	if (choose_vmm(ro, &vc))
		return -1;
	if (ro->mmio && ro->vmm == VMM_QEMU)
		return error("--transport mmio is the built-in launcher's; QEMU runs here");
	/* virtio-fs is the launcher's own; QEMU serves 9p (its virtio-fs
	 * needs virtiofsd and shared memory). */
	for (unsigned i = 0; i < ro->nshares; i++) {
		struct vm_share *sh = &ro->shares[i];

		if (ro->vmm == VMM_QEMU && sh->fs_given && sh->fs == SHARE_VIRTIOFS)
			return error("share %s: fs=virtiofs is the built-in "
				     "launcher's; with QEMU use fs=9p", sh->dir);
		if (!sh->fs_given)
			sh->fs = ro->vmm == VMM_QEMU ? SHARE_9P : SHARE_VIRTIOFS;
		if (sh->fs != SHARE_VIRTIOFS && sh->dax_given && sh->dax)
			return error("share %s: dax= is virtio-fs's", sh->dir);
		if (ro->mmio && sh->dax_given && sh->dax)
			return error("share %s: dax= needs PCI (not --transport "
				     "mmio)", sh->dir);
	}
	dax_defaults(ro);
	ro->vm_accel = vc.accel;
	return 0;
}

/* Boot with the VMM picked, the statuses mapped. */
int run_launch(struct run_opts *ro, const char *kernel, int initrd,
		  int log_fd, bool interactive)
{
	struct vm_config vc = { .arch = &vm_arch_native, .accel = ro->vm_accel };
	struct vm_result res;
	struct console con;
	struct buf append = { 0 };
	int r, st;

	/* reboot=t: a panic's reboot is a triple fault, no keyboard
	 * controller to wait for. */
	buf_printf(&append, "console=ttyS0 panic=-1%s%s%s%s",
		   ro->vmm == VMM_QEMU ? "" : " reboot=t",
		   log_level >= LOG_VERBOSE ? "" : " quiet",
		   ro->append ? " " : "", ro->append ? ro->append : "");
	vc.kernel = kernel;
	vc.initrd_fd = initrd;
	vc.append = append.p;
	vc.mem_mb = ro->mem_mb;
	vc.cpus = ro->cpus;
	vc.timeout = ro->timeout;
	vc.silence_timeout = ro->silence;
	vc.hugepages = ro->hugepages;
	memcpy(vc.disks, ro->disks, sizeof(vc.disks));
	vc.ndisks = ro->ndisks;
	memcpy(vc.shares, ro->shares, sizeof(vc.shares));
	vc.nshares = ro->nshares;
	vc.mmio_transport = ro->mmio;
	/* A shell on the console, for no command or tinyrd.shell: the
	 * console is the user's terminal then. */
	vc.interactive = interactive || has_word(ro->append, "tinyrd.shell");
	vc.out_fd = ro->out_fd >= 0 ? ro->out_fd : STDOUT_FILENO;
	vc.in_fd = ro->stdin && !vc.interactive ? STDIN_FILENO : -1;
	vc.err_fd = STDERR_FILENO;
	vc.echo_fd = log_level >= LOG_VERBOSE && !vc.interactive ? STDERR_FILENO : -1;
	vc.log_fd = log_fd;
	vc.verbose = log_level >= LOG_VERBOSE;
	console_init(&con);
	vc.console = (struct vm_console){ con_feed, con_end, con_reported, &con };
	r = ro->vmm == VMM_QEMU ? qemu_run(&vc, &res) : builtin_run(&vc, &res);
	st = r ? TINYRD_STATUS_FAILED : report(&res, &con, ro, vc.verbose);
	console_free(&con);
	buf_free(&append);
	return st;
}

/* --console-log: *fd open for the console's copy, or -1 without it. */
static int open_console_log(const struct run_opts *ro, int *fd)
{
	*fd = -1;
	if (!ro->console_log)
		return 0;
	*fd = open(ro->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return *fd < 0 ? error_errno(errno, "%s", ro->console_log) : 0;
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
	struct run_file files[3];
	char *kernel = NULL;
	int st = TINYRD_STATUS_FAILED, log_fd = -1, initrd = -1;

	/* Host-root mode: the image is the init and the modules. */
	if (ro->rootfs >= 0 && !ro->image && !o->programs.n && !o->recipes.n &&
	    !o->copies.n)
		o->bare = true;
	if (run_check_shares(ro) || run_find_kernel(o->kernel, &kernel))
		goto out;
	if (run_load_image(o, ro, kernel, &image))
		goto out;
	if (run_pick_vmm(ro))
		goto out;
	/* QEMU cannot hold input back until the init is ready for it. */
	ro->stdin = cmd->n && ro->vmm != VMM_QEMU && forwardable_stdin();
	run_mount_lines(ro, &mounts, &root);
	if (ro->rootfs >= 0)
		root_sample(&ro->shares[ro->rootfs], &sample);
	files[0] = (struct run_file){ TINYRD_CONF_MOUNTS, &mounts };
	files[1] = (struct run_file){ TINYRD_CONF_ROOT, &root };
	files[2] = (struct run_file){ TINYRD_CONF_VERIFY, &sample };
	if (run_make_initrd(&image, cmd, env, files, 3, ro->stdin, &initrd))
		goto out;
	if (open_console_log(ro, &log_fd))
		goto out;
	st = run_launch(ro, kernel, initrd, log_fd, !cmd->n);
out:
	if (log_fd >= 0)
		close(log_fd);
	if (initrd >= 0)
		close(initrd);
	buf_free(&image);
	buf_free(&mounts);
	buf_free(&root);
	buf_free(&sample);
	free(kernel);
	return st;
}

int run_boot(struct run_opts *ro, const char *kernel)
{
	int st = TINYRD_STATUS_FAILED, image = -1, log_fd = -1;

	if (run_check_shares(ro))
		return TINYRD_STATUS_FAILED;
	image = open(ro->image, O_RDONLY | O_CLOEXEC);
	if (image < 0) {
		error_errno(errno, "%s", ro->image);
		goto out;
	}
	if (access(kernel, R_OK)) {
		error_errno(errno, "%s", kernel);
		goto out;
	}
	if (open_console_log(ro, &log_fd))
		goto out;
	if (run_pick_vmm(ro))
		goto out;
	st = run_launch(ro, kernel, image, log_fd, true);
out:
	if (image >= 0)
		close(image);
	if (log_fd >= 0)
		close(log_fd);
	return st;
}
