// SPDX-License-Identifier: MIT
/*
 * build --trace's filter: which of the paths a traced command used stay
 * out of the image, and why. What the host lends a process (/proc, /sys,
 * /dev: the guest has its own) and what is the user's (the home, the
 * working tree) are roots, matched as the path reads and once its
 * symlinks are resolved; what the command wrote is its output, not its
 * input; what is gone or special cannot be copied.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "trace.h"

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && (path[n] == '/' || !path[n]);
}

static void add_root(struct trace_filter *f, const char *path, const char *why)
{
	char *n, *real;

	if (!path || path[0] != '/')
		return;
	n = path_normalize(xstrdup(path));
	real = realpath(n, NULL);
	if (strcmp(n, "/")) {
		strv_push_owned(&f->roots, n);
		strv_push(&f->whys, why);
	} else {
		free(n);
	}
	if (real && strcmp(real, "/") && !strv_contains(&f->roots, real)) {
		strv_push_owned(&f->roots, real);
		strv_push(&f->whys, why);
	} else {
		free(real);
	}
}

/* The top of the git work tree dir is in (a .git directory, or the file
 * of a linked worktree), else dir itself. */
static char *work_tree(const char *dir)
{
	char *d = realpath(dir, NULL), *p;

	if (!d)
		return xstrdup(dir);
	p = xstrdup(d);
	while (strcmp(p, "/")) {
		char *git = path_join(p, ".git"), *up;
		struct stat st;
		bool found = !lstat(git, &st);

		free(git);
		if (found) {
			free(d);
			return p;
		}
		up = path_dirname(p);
		free(p);
		p = up;
	}
	free(p);
	return d;
}

void trace_filter_init(struct trace_filter *f, const char *home,
		       const char *cwd)
{
	memset(f, 0, sizeof(*f));
	add_root(f, "/proc", "under /proc");
	add_root(f, "/sys", "under /sys");
	add_root(f, "/dev", "under /dev");
	if (home && *home) {
		char *why = xasprintf("under $HOME (%s)", home);

		add_root(f, home, why);
		free(why);
	}
	if (cwd && *cwd) {
		char *tree = work_tree(cwd), *why;

		why = xasprintf("in the working tree (%s)", tree);
		add_root(f, tree, why);
		free(why);
		free(tree);
	}
}

void trace_filter_free(struct trace_filter *f)
{
	strv_free(&f->roots);
	strv_free(&f->whys);
}

const char *trace_filter_match(const struct trace_filter *f, const char *path)
{
	char *n = path_normalize(xstrdup(path));
	const char *why = NULL;

	for (size_t i = 0; !why && i < f->roots.n; i++)
		if (under(n, f->roots.v[i]))
			why = f->whys.v[i];
	free(n);
	return why;
}

const char *trace_filter_why(const struct trace_filter *f, const char *path,
			     unsigned flags, struct stat *st)
{
	const char *why;
	char *real;

	why = trace_filter_match(f, path);
	if (why)
		return why;
	if (flags & TRACE_WRITE)
		return "written by the command";
	real = realpath(path, NULL);
	if (!real)
		return "gone";
	why = trace_filter_match(f, real);
	if (!why && stat(real, st) < 0)
		why = "gone";
	if (!why && !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		why = "not a file or directory";
	free(real);
	return why;
}
