/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_KTREE_H
#define TINYRD_KTREE_H

/*
 * A kernel source tree (ktree.c, kconfig.c): configured with tinyrd's
 * fragment (templates/kconfig/), built with its own make, and what run
 * boots from it: its built image and its modules, staged into the cache
 * (modules_install with INSTALL_MOD_PATH) so the host's /lib/modules is
 * never touched. What a tree keeps in the cache lives in
 * $XDG_CACHE_HOME/tinyrd/trees/HASH-NAME/ (HASH of the tree's real
 * path): build.log, kconfig.log, modules/.
 */
#include <stdbool.h>

#include "../common/util.h"

struct target;

/* What the .config starts from (tinyrd kconfig --base). */
enum ktree_base {
	KTREE_BASE_AUTO,	/* the .config when there is one, else tiny */
	KTREE_BASE_TINY,	/* make tinyconfig */
	KTREE_BASE_DEF,		/* make defconfig */
	KTREE_BASE_CURRENT,	/* the tree's .config */
};

struct ktree_kconfig {
	const char *dir;		/* the tree */
	const struct target *target;	/* NULL: the host's */
	enum ktree_base base;
	const struct strv *fragments;	/* the user's, after tinyrd's */
	int log_fd;			/* make's output; -1: the tree's kconfig.log */
};

/* dir is a kernel tree (its Makefile, Kconfig and merge_config.sh): 0,
 * or -ENOTDIR said in one line. quiet: not said. */
int ktree_check(const char *dir, bool quiet);

/*
 * tinyrd kconfig: the tree's .config from the base with tinyrd's fragment
 * for the arch and the user's merged over it (merge_config.sh -m, then
 * make olddefconfig), compared with what the fragments asked: each
 * option the tree does not know is said in a note, each one it knows
 * that did not end as asked in a warning, counted in *unmet. 0 (whatever
 * *unmet), or -errno (said, with make's last lines when make failed).
 */
int ktree_kconfig(const struct ktree_kconfig *k, unsigned *unmet);

/*
 * run --build: the tree configured (ktree_kconfig over its .config, or
 * over tinyconfig when it has none), then its image and modules made
 * with jobs jobs (0: one per CPU); progress on a terminal, make's
 * output in the tree's build.log (on stderr too with -v). 0, or -errno
 * (said: make's last lines and the log's path).
 */
int ktree_build(const char *dir, const struct target *t, unsigned jobs);

/*
 * The tree's built kernel in *kernel (malloc'ed): on x86_64 its vmlinux
 * when it has a PVH entry (neither VMM then decompresses anything), else
 * arch/x86/boot/bzImage; on arm64
 * arch/arm64/boot/Image. 0, or -ENOENT said in one line (not built).
 */
int ktree_kernel(const char *dir, const struct target *t, char **kernel);

/*
 * The tree's modules, staged into the cache with make modules_install
 * (INSTALL_MOD_PATH, depmod's indexes included) when they changed since
 * the last staging: *moddir (malloc'ed) is that INSTALL_MOD_PATH, for
 * --moddir; NULL when the tree has no modules (CONFIG_MODULES unset).
 * 0, or -errno (said).
 */
int ktree_modules(const char *dir, const struct target *t, char **moddir);

/* The target the tree's make is for, as its ARCH= */
const char *ktree_arch(const struct target *t);
/* The tree's arch: its .config's (CONFIG_ARM64, CONFIG_X86_64), else
 * the host's. */
const struct target *ktree_target(const char *dir);

/* ktree-make.c: .config has line ("\nCONFIG_X=y"). */
bool ktree_config_has(const char *dir, const char *line);
/* ktree-make.c, for ktree.c and ktree-config.c. The tree's directory in the cache,
 * created (-errno said), and a file in it opened for make's output. */
int ktree_cache(const char *dir, char **out);
int ktree_log_open(const char *dir, const char *name, bool append, char **path);
/* make in dir with ARCH= (and CROSS_COMPILE= for another arch's tree),
 * args after; its output to log_fd, a progress line saying what, and
 * stderr too with -v. 0, or -errno said naming log (make's last lines
 * first) when make failed. */
int ktree_make(const char *dir, const struct target *t, int log_fd,
	       const char *log, const char *what, const char *const *args);
/* The program prog with args run in dir, its output to log_fd: 0 when
 * it exited 0, else -EIO (said, with the log's last lines). */
int ktree_exec(const char *dir, const char *const *argv, int log_fd,
	       const char *log, const char *what);

#endif
