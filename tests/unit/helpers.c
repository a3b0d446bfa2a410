// SPDX-License-Identifier: MIT
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

char *mktemp_dir(void)
{
	const char *t = getenv("TMPDIR");
	char *p = xasprintf("%s/tinyrd-test.XXXXXX", t && *t ? t : "/tmp");

	if (!mkdtemp(p)) {
		perror("mkdtemp");
		abort();
	}
	return p;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkparents(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

void write_at(const char *dir, const char *rel, const void *data, size_t len,
	      mode_t mode)
{
	char *p = path_join(dir, rel);
	int fd;

	mkparents(p);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
	chmod(p, mode);
	free(p);
}

void symlink_at(const char *dir, const char *rel, const char *target)
{
	char *p = path_join(dir, rel);

	mkparents(p);
	unlink(p);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

void mkdir_at(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel);

	mkparents(p);
	mkdir(p, 0755);
	free(p);
}

char *run_capture(const char *cmd)
{
	struct buf b = { 0 };
	FILE *f = popen(cmd, "r");
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)))
		buf_add(&b, chunk, n);
	if (pclose(f)) {
		buf_free(&b);
		return NULL;
	}
	buf_reserve(&b, 0);
	return buf_detach(&b, NULL);
}

bool have_program(const char *name)
{
	char *cmd = xasprintf("command -v %s >/dev/null 2>&1", name);
	bool r = !system(cmd);

	free(cmd);
	return r;
}

void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	dup2(fileno(c->tmp), STDERR_FILENO);
}

char *capture_end(struct capture *c)
{
	struct buf b = { 0 };

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->tmp);
	assert_int_equal(read_fd(fileno(c->tmp), &b), 0);
	fclose(c->tmp);
	buf_reserve(&b, 0);
	return buf_detach(&b, NULL);
}

const char *kernel_fixture(void)
{
	const char *k = getenv("TINYRD_KERNEL_DIR");

	return k && *k ? k : NULL;
}

const char *kernel_fixture_why(void)
{
	const char *w = getenv("TINYRD_KERNEL_WHY");

	return w && *w ? w : "TINYRD_KERNEL_DIR is not set (run through tests/run)";
}
