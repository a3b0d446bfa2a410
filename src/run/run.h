/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_RUN_H
#define TINYRD_RUN_H

/*
 * What tinyrd run, boot and verify share (run.c): the run options, and
 * the steps from a kernel and an image to a guest's status.
 */
#include <stdbool.h>
#include <stddef.h>

#include "../image/build.h"
#include "../common/util.h"
#include "../common/abi.h"
#include "../vmm/plan.h"
#include "../vmm/vmm.h"

struct target;

struct run_opts {
	const char *image;
	enum vmm_choice vmm;
	enum accel accel;
	unsigned mem_mb, cpus, timeout, silence;
	const char *append;
	const char *console_log;
	bool bisect, rebuild, force, hugepages, mmio;
	bool no_unpack;		/* a bzImage is booted as it is */
	bool no_confine;	/* --no-confine: the launcher unconfined */
	int skip_status;	/* --skip-status N, or -1 */
	const char *json;	/* --json FILE, or NULL */
	bool stdin;		/* forward standard input (built-in launcher) */
	struct vm_disk disks[VM_DISKS_MAX];
	unsigned ndisks;
	struct vm_share shares[VM_SHARES_MAX];
	unsigned nshares;
	int rootfs;		/* the share that is the root (--rootfs), or -1 */
	struct strv rw;		/* --rw PATH: overlays in host-root mode */
	int out_fd;		/* the command's stdout; -1: ours */
	int coherence;		/* --coherence: an enum sync_mode, -1 auto */
	bool order_platform;	/* --coherence ...,order-platform */
	bool kbuild;		/* --build: make -k's kernel tree first */
	unsigned jobs;		/* -j: make's jobs for it; 0: the CPUs */
};

#define RUN_OPTS_INIT { .mem_mb = 512, .cpus = 1, .accel = ACCEL_AUTO, \
			.rootfs = -1, .out_fd = -1, .skip_status = -1, \
			.coherence = -1 }

/* A file of the per-run segment (empty data: left out). */
struct run_file {
	const char *path;
	const struct buf *data;
};

/* devices.c: the guest's devices from their specs, as --disk, --share
 * and --rootfs take them; 0 or -EINVAL, said. */
int run_add_disk(struct run_opts *r, const char *spec);
int run_add_share(struct run_opts *r, const char *spec);
int run_set_rootfs(struct run_opts *r, const char *spec);

/*
 * tinyrd run: the image (o built, or ro->image), the command and its
 * environment in the per-run segment, booted; the exit status.
 */
int run_command(struct build_opts *o, struct run_opts *ro,
		const struct strv *cmd, const struct strv *env);
/* tinyrd boot: kernel with ro->image in the chosen VMM, the console on
 * the terminal; the exit status. */
int run_boot(struct run_opts *ro, const char *kernel);

/* The kernel: given, else the host's, else the newest in /boot. */
int run_find_kernel(const char *given, char **out);
/* -k DIR, a kernel tree (ktree.h): made first with --build (its time
 * and failure in the plan), its built kernel in *kernel, its modules
 * staged for o (--moddir, unless given; *moddir owns it). 0, or -errno
 * (said). */
int run_kernel_tree(struct run_plan *p, struct build_opts *o,
		    const struct run_opts *ro, char **kernel, char **moddir);
/* Build the image (cached), or -errno (said). */
int run_get_image(struct build_opts *o, const struct run_opts *ro,
		  const char *kernel, struct buf *image);
/* The image: ro->image read (and checked to be an initrd), else o built
 * (cached); 0 or -errno (said). */
int run_load_image(struct build_opts *o, const struct run_opts *ro,
		   const char *kernel, struct buf *image);

/*
 * A run's plan (src/vmm/plan.h), built in steps that each check what
 * they add, in this order: begun from the options (the machine, disks
 * and shares; each share a directory); the VMM and accelerator chosen,
 * with why (the disks reachable, each share's file system settled); the
 * console log opened; then booted with the kernel and initrd, shown with
 * -v on the way: the exit status. 0 or -errno (said) for the steps.
 */
int run_plan_begin(struct run_plan *p, const struct run_opts *ro);
int run_plan_vmm(struct run_plan *p, const struct run_opts *ro);
/* A bzImage's vmlinux, unpacked on the host once and cached (unpack.c),
 * for either VMM to enter at its PVH entry: 0 and *out malloc'ed, how it
 * was unpacked in why ("xz, 830 ms", "in the cache"); else -errno, *out
 * NULL and in why the reason it is booted as it is: not a bzImage, its
 * vmlinux has no PVH entry, no cache, a payload that does not unpack.
 * Nothing is said: the plan shows why. */
int run_unpack_kernel(const char *kernel, char **out, char *why, size_t nwhy);
/* A bzImage's payload p[0, n) (the compressed vmlinux and its size in 4
 * bytes, as the kernel's build appends it) decompressed into fd: 0 and
 * the filter's name in why, or -errno and why not (a stream libarchive
 * cannot read, truncated or corrupt, or one that gives more or fewer
 * bytes than the size says). */
int run_unpack_payload(const uint8_t *p, size_t n, int fd, char *why,
		       size_t nwhy);
/* The guest's arch: *asked (--arch) when given, else the kernel's, which
 * must agree with it; *asked is set to it. 0, or -errno (said). */
int run_plan_target(struct run_plan *p, const char *kernel,
		    const struct target **asked);
int run_plan_log(struct run_plan *p, const struct run_opts *ro);
/* The image is ready: its time, and for --json the kernel's release and
 * the image's hash (image NULL: not known). */
void run_plan_identity(struct run_plan *p, const char *kernel,
		       const void *image, size_t len);
int run_plan_boot(struct run_plan *p, const struct run_opts *ro,
		  const char *kernel, int initrd, bool interactive);
/* The shares' mount table (abi.h TINYRD_CONF_MOUNTS) and the root's
 * (TINYRD_CONF_ROOT, with the --rw overlays). */
void run_mount_lines(const struct run_plan *p, const struct strv *rw,
		     struct buf *out, struct buf *root);
/* The image, extra (an uncompressed cpio archive, or empty) and the
 * per-run segment, as a memfd in *out. */
int run_make_initrd(const struct buf *image, const struct buf *extra,
		    const struct strv *argv, const struct strv *env,
		    const struct run_file *files, size_t nfiles, bool in,
		    int *out);
/* modules.c: for run -i IMAGE (its bytes in image), the modules the
 * plan's shares and disks need that IMAGE's init would not load: a cpio
 * archive of them in
 * segment and the init's whole module list in conf, or both empty when
 * none are missing or the kernel's modules are not at hand (said). 0 or
 * -errno (said). */
int run_image_modules(const struct run_plan *p, const struct run_opts *ro,
		      const struct build_opts *o, const char *kernel,
		      const struct buf *image, struct buf *segment,
		      struct buf *conf);

#endif
