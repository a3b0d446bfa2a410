// SPDX-License-Identifier: MIT
/*
 * What the rest of ktree builds on (ktree.h): a tree checked, its arch,
 * its directory in the cache, and its make run with the output in a log,
 * progress on a terminal, and make's last lines when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "ktree.h"
#include "../common/log.h"
#include "../common/progress.h"
#include "../common/sha256.h"
#include "../common/target.h"

#define TAIL_LINES 15

int ktree_check(const char *dir, bool quiet)
{
	static const char *const need[] = {
		"Makefile", "Kconfig", "scripts/kconfig/merge_config.sh",
	};
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return quiet ? -ENOTDIR : error_errno(ENOTDIR, "%s", dir);
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		char *p = path_join(dir, need[i]);
		int r = access(p, F_OK);

		free(p);
		if (r)
			return quiet ? -ENOTDIR :
			       error("%s: not a kernel tree (no %s)", dir, need[i]);
	}
	return 0;
}

const char *ktree_arch(const struct target *t)
{
	return t == &target_arm64 ? "arm64" : "x86_64";
}

bool ktree_config_has(const char *dir, const char *line)
{
	char *p = path_join(dir, ".config");
	struct buf b = { 0 };
	bool has = false;

	if (!read_file(p, &b) && b.len) {
		buf_addc(&b, '\0');
		has = strstr(b.p, line) != NULL;
	}
	buf_free(&b);
	free(p);
	return has;
}

const struct target *ktree_target(const char *dir)
{
	if (ktree_config_has(dir, "\nCONFIG_ARM64=y"))
		return &target_arm64;
	if (ktree_config_has(dir, "\nCONFIG_X86_64=y"))
		return &target_x86_64;
	return target_native();
}

int ktree_cache(const char *dir, char **out)
{
	char real[PATH_MAX], hex[65], *base = cache_dir(), *trees, *name;
	struct sha256 h;

	if (!base)
		return error("%s: no cache directory for the tree's log and "
			     "modules (set HOME or XDG_CACHE_HOME)", dir);
	if (!realpath(dir, real)) {
		free(base);
		return error_errno(errno, "%s", dir);
	}
	sha256_init(&h);
	sha256_update(&h, real, strlen(real));
	sha256_hex(&h, hex);
	hex[16] = '\0';
	trees = path_join(base, "trees");
	name = xasprintf("%s/%s-%s", trees, hex, path_basename(real));
	free(base);
	if ((mkdir(trees, 0700) && errno != EEXIST) ||
	    (mkdir(name, 0700) && errno != EEXIST)) {
		int e = error_errno(errno, "%s", name);

		free(trees);
		free(name);
		return e;
	}
	free(trees);
	*out = name;
	return 0;
}

int ktree_log_open(const char *dir, const char *name, bool append, char **path)
{
	char *c;
	int fd, r = ktree_cache(dir, &c);

	if (r)
		return r;
	*path = path_join(c, name);
	free(c);
	fd = open(*path, O_WRONLY | O_CREAT | O_CLOEXEC |
		  (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0) {
		r = error_errno(errno, "%s", *path);
		free(*path);
		*path = NULL;
	}
	return fd;
}

/* The last lines of the log, on stderr: why make failed. */
static void show_tail(const char *log)
{
	struct buf b = { 0 };
	const char *p;
	int n = 0;

	if (!log || read_file(log, &b) || !b.len)
		goto out;
	p = b.p + b.len;
	if (p[-1] == '\n')
		p--;
	while (p > b.p && n < TAIL_LINES)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	fprintf(stderr, "%.*s%s", (int)(b.len - (size_t)(p - b.p)), p,
		b.p[b.len - 1] == '\n' ? "" : "\n");
out:
	buf_free(&b);
}

/* The progress line: what, and make's last line (its object). */
static void progress_line(const char *what, const char *line, size_t n)
{
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (n)
		progress_set("%s: %.*s", what, (int)(n > 100 ? 100 : n), line);
}

int ktree_exec(const char *dir, const char *const *argv, int log_fd,
	       const char *log, const char *what)
{
	bool echo = log_level >= LOG_VERBOSE;
	char chunk[4096], line[256];
	size_t ll = 0;
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return error_errno(errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return error_errno(errno, "fork");
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		if (chdir(dir) == 0)
			execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "tinyrd: error: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	progress_begin();
	progress_set("%s", what);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (log_fd >= 0 && write_all(log_fd, chunk, (size_t)n))
			log_fd = -1;
		if (echo)
			(void)!write(STDERR_FILENO, chunk, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			if (chunk[i] == '\n') {
				progress_line(what, line, ll);
				ll = 0;
			} else if (ll < sizeof(line)) {
				line[ll++] = chunk[i];
			}
		}
	}
	close(pfd[0]);
	progress_end();
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return error_errno(errno, "waitpid");
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (!echo)
		show_tail(log);
	if (WIFEXITED(st))
		return error("%s: %s failed (%s exited %d); the log: %s", dir,
			     what, argv[0], WEXITSTATUS(st), log ? log : "none");
	return error("%s: %s failed (%s: %s); the log: %s", dir, what, argv[0],
		     strsignal(WTERMSIG(st)), log ? log : "none");
}

int ktree_make(const char *dir, const struct target *t, int log_fd,
	       const char *log, const char *what, const char *const *args)
{
	struct strv v = { 0 };
	int r;

	strv_push(&v, "make");
	strv_push_owned(&v, xasprintf("ARCH=%s", ktree_arch(t)));
	/* Another arch's tree needs its cross compiler (Debian's names),
	 * unless the environment says which. */
	if (t != target_native() && !getenv("CROSS_COMPILE"))
		strv_push(&v, t == &target_arm64 ? "CROSS_COMPILE=aarch64-linux-gnu-"
						 : "CROSS_COMPILE=x86_64-linux-gnu-");
	for (; *args; args++)
		strv_push(&v, *args);
	r = ktree_exec(dir, (const char *const *)v.v, log_fd, log, what);
	strv_free(&v);
	return r;
}
