/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_TRACE_H
#define TINYRD_TRACE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "../common/util.h"

/*
 * build --trace: run a command once on the host under ptrace and record
 * the paths it used (trace.c), decide which of them an image gets
 * (trace-filter.c), and add those (trace-image.c). ptrace, not
 * LD_PRELOAD, so static programs are seen too.
 */

/* What a command did with a path (flags; one path may collect several). */
enum {
	TRACE_READ = 1 << 0,	/* opened to read (O_RDONLY, or O_RDWR of a
				 * file that was there) */
	TRACE_PROBE = 1 << 1,	/* stat, access or readlink said it exists,
				 * or an O_PATH open */
	TRACE_EXEC = 1 << 2,	/* executed (execve, execveat) */
	TRACE_WRITE = 1 << 3,	/* opened to write, created or truncated */
};

struct trace {
	char *exe;		/* the command's file, as found */
	struct hmap paths;	/* absolute path as the program gave it ->
				 * flags, cast to a pointer */
	int status;		/* the command's wait status */
	unsigned long calls;	/* syscalls seen */
	unsigned long foreign;	/* syscalls of another ABI: not decoded */
	unsigned killed;	/* threads left when the command ended */
};

/*
 * Run argv (argv[0] looked up in path, a PATH list, when it has no '/')
 * with environment envp, standard input /dev/null and standard output on
 * our standard error, and trace every thread and child until the command
 * ends; what its tree still runs then is killed. 0, or -errno (said in one
 * line: the command not found or not runnable, ptrace refused). The
 * command's own status, whatever it is, is in t->status.
 */
int trace_run(struct trace *t, char *const argv[], char *const envp[],
	      const char *path);
void trace_free(struct trace *t);

/* The paths recorded, sorted; flags[i] is what was done with v[i]. */
void trace_sorted(const struct trace *t, struct strv *paths,
		  unsigned **flags);

/*
 * What a trace leaves out: /proc, /sys, /dev, the user's home and the
 * working tree (the current directory, or the top of the git work tree
 * it is in), each as given and as its real path. A root that is "/" is
 * not one (it would leave everything out).
 */
struct trace_filter {
	struct strv roots;
	struct strv whys;	/* for each root: "/proc", "$HOME", ... */
};

void trace_filter_init(struct trace_filter *f, const char *home,
		       const char *cwd);
void trace_filter_free(struct trace_filter *f);

/* The root path is under (lexically, the path normalized), as its why;
 * NULL when it is under none. */
const char *trace_filter_match(const struct trace_filter *f,
			       const char *path);

/*
 * Why a recorded path (flags) stays out of the image, or NULL when it
 * goes in, with *st the stat() of what it names: written by the command,
 * under a root (as given, or once its symlinks are resolved), gone, or
 * not a regular file or directory.
 */
const char *trace_filter_why(const struct trace_filter *f, const char *path,
			     unsigned flags, struct stat *st);

#endif
