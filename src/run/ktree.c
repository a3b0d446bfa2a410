// SPDX-License-Identifier: MIT
/*
 * A kernel tree as run's -k takes it (ktree.h): built with its own make
 * (ktree-make.c), its kernel found and its modules staged. make is the tree's: tinyrd never
 * guesses what a Makefile does, it only reads what make left.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktree.h"
#include "../common/kernel.h"
#include "../common/log.h"
#include "../common/target.h"

int ktree_build(const char *dir, const struct target *t, unsigned jobs)
{
	struct ktree_kconfig k = { .dir = dir, .target = t,
				   .base = KTREE_BASE_AUTO };
	const char *args[6];
	char *log = NULL, *cfg = path_join(dir, ".config"), j[32];
	unsigned unmet = 0;
	int fd, r, n = 0;

	if (!t)
		t = target_native();
	r = ktree_check(dir, false);
	if (r)
		goto out;
	fd = ktree_log_open(dir, "build.log", false, &log);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	if (access(cfg, F_OK))
		note("%s has no .config: tinyconfig with tinyrd's fragment", dir);
	k.log_fd = fd;
	r = ktree_kconfig(&k, &unmet);
	if (r)
		goto close;
	if (!jobs) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = c > 0 ? (unsigned)c : 1;
	}
	snprintf(j, sizeof(j), "-j%u", jobs);
	args[n++] = j;
	args[n++] = t == &target_arm64 ? "Image" : "bzImage";
	if (ktree_config_has(dir, "\nCONFIG_MODULES=y"))
		args[n++] = "modules";
	args[n] = NULL;
	r = ktree_make(dir, t, fd, log, "make", args);
close:
	close(fd);
out:
	free(log);
	free(cfg);
	return r;
}

/* vmlinux has a PVH entry (CONFIG_PVH). */
static bool has_pvh(const char *path)
{
	struct file_view v;
	uint64_t entry;
	bool ok = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (!file_view_open(fd, &v)) {
		ok = !kernel_pvh_entry(v.p, v.len, &entry);
		file_view_close(&v);
	}
	close(fd);
	return ok;
}

int ktree_kernel(const char *dir, const struct target *t, char **kernel)
{
	const char *image = t == &target_arm64 ? "arch/arm64/boot/Image"
					       : "arch/x86/boot/bzImage";
	char *img = path_join(dir, image), *elf = path_join(dir, "vmlinux");
	bool have_img = !access(img, F_OK);

	/* The bzImage is made from the vmlinux, so the vmlinux is never
	 * the staler of the two (make vmlinux alone leaves it the fresher). */
	if (t != &target_arm64 && has_pvh(elf)) {
		free(img);
		*kernel = elf;
		return 0;
	}
	free(elf);
	if (!have_img) {
		free(img);
		return error("%s: not built (no %s); run make there, or add "
			     "--build", dir, image);
	}
	*kernel = img;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* The newest mtime among the files modules.order names (.o in newer
 * kernels, .ko before: the .ko either way) and modules.builtin. */
static long long modules_mtime(const char *dir, const struct buf *order)
{
	long long newest = 0;
	const char *p = order->p, *end = order->p + order->len;
	char *b = path_join(dir, "modules.builtin");
	struct stat st;

	if (!stat(b, &st))
		newest = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	free(b);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *rel = xstrndup(p, n), *ko, *path;

		if (str_ends(rel, ".o"))
			ko = xasprintf("%.*sko", (int)(n - 1), rel);
		else
			ko = xstrdup(rel);
		path = path_join(dir, ko);
		if (n && !stat(path, &st) &&
		    st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec > newest)
			newest = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		free(path);
		free(ko);
		free(rel);
		p = nl ? nl + 1 : end;
	}
	return newest;
}

int ktree_modules(const char *dir, const struct target *t, char **moddir)
{
	char *order = path_join(dir, "modules.order"), *cache = NULL;
	char *stage = NULL, *stamp = NULL, *log = NULL, *arg = NULL;
	struct buf b = { 0 }, old = { 0 };
	char now[32];
	int r = 0, fd = -1;

	*moddir = NULL;
	/* No modules.order: no CONFIG_MODULES, or no modules made. */
	if (read_file(order, &b) || !ktree_config_has(dir, "\nCONFIG_MODULES=y"))
		goto out;
	r = ktree_cache(dir, &cache);
	if (r)
		goto out;
	stage = path_join(cache, "modules");
	stamp = path_join(cache, "modules.stamp");
	snprintf(now, sizeof(now), "%lld\n", modules_mtime(dir, &b));
	if (!read_file(stamp, &old) && old.len == strlen(now) &&
	    !memcmp(old.p, now, old.len) && !access(stage, F_OK)) {
		verbose("modules of %s: staged in %s", dir, stage);
		*moddir = stage;
		stage = NULL;
		goto out;
	}
	unlink(stamp);
	if (!access(stage, F_OK) &&
	    nftw(stage, rm_one, 16, FTW_DEPTH | FTW_PHYS)) {
		r = error_errno(errno, "%s", stage);
		goto out;
	}
	fd = ktree_log_open(dir, "build.log", true, &log);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	arg = xasprintf("INSTALL_MOD_PATH=%s", stage);
	{
		const char *args[] = { arg, "modules_install", NULL };

		r = ktree_make(dir, t ? t : target_native(), fd, log,
			       "modules_install", args);
	}
	if (!r) {
		int s = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (s >= 0) {
			(void)!write_all(s, now, strlen(now));
			close(s);
		}
		verbose("modules of %s: staged into %s", dir, stage);
		*moddir = stage;
		stage = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	buf_free(&b);
	buf_free(&old);
	free(order);
	free(cache);
	free(stage);
	free(stamp);
	free(log);
	free(arg);
	return r;
}
