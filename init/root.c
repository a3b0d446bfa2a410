// SPDX-License-Identifier: MIT
/*
 * Host-root mode: the host's / (a share) becomes the guest's root, read
 * only, with tmpfs where programs write (/tmp, /run, /var/tmp) and an
 * overlay over each path the user asked to write (--rw), its upper layer
 * in memory. The image's own files (this init, the modules) are left
 * behind: the root moves over them, as switch_root(8) does, since the
 * initramfs cannot be unmounted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "verify-guest.h"
#include "../src/common/verify.h"
#include "../src/common/abi.h"

#define NEWROOT "/newroot"
#define UPPERS "/.tinyrd-rw"	/* a tmpfs for the overlays' upper layers */
#define LOWER "/.tinyrd-lower"	/* the host's root alone, under the tmpfs */

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void must_mount(const char *src, const char *target, const char *type,
		       unsigned long flags, const char *data)
{
	trace("mount %s on %s", type, target);
	if (mount(src, target, type, flags, data) < 0)
		die("mount", target, errno);
}

/* A writable overlay over NEWROOT/path, the changes in UPPERS/n. Its
 * lower layer is the host's directory as LOWER shows it, not hidden by
 * the tmpfs on /tmp (--rw /tmp/results). */
static void overlay(const char *path, int n)
{
	char target[4096], lower[4096], upper[64], work[64], opts[8400];

	if (path[0] != '/' ||
	    (size_t)snprintf(target, sizeof(target), NEWROOT "%s", path) >= sizeof(target) ||
	    (size_t)snprintf(lower, sizeof(lower), LOWER "%s", path) >= sizeof(lower) ||
	    strchr(path, ',') || strchr(path, ':'))	/* overlay's syntax */
		die("rw", path, EINVAL);
	if (!is_dir(lower))
		die("rw", path, ENOTDIR);
	snprintf(upper, sizeof(upper), UPPERS "/%d/upper", n);
	snprintf(work, sizeof(work), UPPERS "/%d/work", n);
	if (make_dirs(upper) || make_dirs(work) || make_dirs(target))
		die("rw", path, errno);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 lower, upper, work);
	must_mount("overlay", target, "overlay", 0, opts);
}

/* The quick sample the host put in the per-run segment (the loader and
 * /bin/sh): read every way before anything runs from the share. The
 * results go to the console; a failure also to the command's stderr,
 * as the console is hidden, and ends the run. */
static void verify_root(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int failures;

	if (access(TINYRD_CONF_VERIFY, R_OK))
		return;
	mem = open_memstream(&text, &len);
	if (!mem)
		die("verify", "the host's root", errno);
	failures = verify_run(TINYRD_CONF_VERIFY, mem);
	fclose(mem);
	fputs(text ? text : "", stderr);
	trace("the host's root verified: %d failures", failures);
	if (failures) {
		FILE *err = fopen("/dev/hvc1", "w");

		if (!err)
			err = stderr;
		fprintf(err, "tinyrd-init: the host's root fails verification:\n");
		for (char *l = text, *e; l && *l; l = e ? e + 1 : NULL) {
			e = strchr(l, '\n');
			if (!strncmp(l, "fail ", 5))
				fprintf(err, "  %.*s\n", e ? (int)(e - l) : (int)strlen(l), l);
		}
		if (err != stderr)
			fclose(err);
		die("verify", "the host's root", failures < 0 ? -failures : EIO);
	}
	free(text);
}

const char *enter_host_root(void)
{
	static const char *const scratch[] = { "/tmp", "/run", "/var/tmp" };
	size_t len;
	char *conf = slurp(TINYRD_CONF_ROOT, &len), *save = NULL, *line;
	char *f[3], *s2 = NULL;
	int n = 0, rw = 0;

	if (!conf)
		return "";
	line = strtok_r(conf, "\n", &save);
	for (char *w = line ? strtok_r(line, " ", &s2) : NULL; w && n < 3;
	     w = strtok_r(NULL, " ", &s2))
		f[n++] = w;
	if (n != 3)
		die("root", TINYRD_CONF_ROOT, EINVAL);
	if (mkdir(NEWROOT, 0755) < 0 && errno != EEXIST)
		die("mkdir", NEWROOT, errno);
	if ((errno = -mount_share(f[1], NEWROOT, f[0], MS_RDONLY, f[2]))) {
		if (errno == ENODEV)
			fprintf(stderr, "tinyrd-init: the kernel has no %s file "
				"system (a module missing from the image?)\n", f[0]);
		die("mount", "the host's root", errno);
	}
	tune_readahead(f[0], NEWROOT);
	verify_root();
	if (mkdir(LOWER, 0755) < 0 && errno != EEXIST)
		die("mkdir", LOWER, errno);
	must_mount(NEWROOT, LOWER, NULL, MS_BIND, NULL);
	for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++) {
		char target[64];

		snprintf(target, sizeof(target), NEWROOT "%s", scratch[i]);
		if (is_dir(target))
			must_mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
				   !strcmp(scratch[i], "/run") ? "mode=0755"
							       : "mode=1777");
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (strncmp(line, "rw ", 3))
			die("root", TINYRD_CONF_ROOT, EINVAL);
		if (!rw++) {
			if (mkdir(UPPERS, 0700) < 0 && errno != EEXIST)
				die("mkdir", UPPERS, errno);
			must_mount("tmpfs", UPPERS, "tmpfs", 0, "mode=0700");
		}
		overlay(line + 3, rw);
	}
	free(conf);
	return NEWROOT;
}

/* The kernel's file systems go along; then the new root is "/". */
void switch_root(void)
{
	static const char *const moves[] = { "/dev", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		char target[64];

		snprintf(target, sizeof(target), NEWROOT "%s", moves[i]);
		if (!is_dir(target)) {
			complain("switch root", target, ENOENT);
			continue;
		}
		if (mount(moves[i], target, NULL, MS_MOVE, NULL) < 0)
			die("move", moves[i], errno);
	}
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		die("switch root", NEWROOT, errno);
	trace("root is the host's");
}
