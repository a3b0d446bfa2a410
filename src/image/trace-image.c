// SPDX-License-Identifier: MIT
/*
 * build --trace: what a traced command used goes into the image. The
 * paths are filtered (trace-filter.c: what the host lends a process,
 * /proc /sys /dev, and what is the user's, the home and the working tree,
 * stay out, each said), turned into recipe lines (copy: a file at its path with the symlinks on
 * the way; bin: an executed ELF program with its loader, which the kernel
 * maps unseen; dir and slink: a directory alone, not its tree), and those
 * lines are parsed into the build, and written with --trace-out, so that
 * the file rebuilds the same image.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "recipe.h"
#include "trace.h"
#include "../common/abi.h"

#define MAX_SCRIPT_DEPTH 4	/* the kernel's BINPRM_MAX_RECURSION */
#define SHEBANG_MAX 256		/* the kernel's BINPRM_BUF_SIZE */

extern char **environ;

/* What the trace turns into: recipe lines, and what is left out. */
struct out {
	const struct trace_filter *f;
	struct buf lines;
	struct hmap seen;	/* lines already there */
	struct strv left;	/* "PATH: why" */
	struct hmap counts;	/* why -> how many */
	struct strv dirs;
	size_t kept;
};

/* A path as a recipe field: escaped (tinyrd-recipe(5)), and a colon too,
 * so that copy never reads SRC:/DEST into it. */
static void put_field(struct buf *b, const char *s)
{
	struct buf e = { 0 };

	manifest_escape(&e, s, strlen(s), true);
	for (size_t i = 0; i < e.len; i++) {
		if (e.p[i] == ':')
			buf_adds(b, "\\x3a");
		else
			buf_addc(b, e.p[i]);
	}
	buf_free(&e);
}

static void line(struct out *o, const char *verb, const char *path,
		 const char *rest)
{
	struct buf l = { 0 };

	buf_adds(&l, verb);
	buf_addc(&l, ' ');
	put_field(&l, path);
	if (rest)
		buf_adds(&l, rest);
	buf_addc(&l, '\n');
	if (!hmap_get(&o->seen, l.p)) {
		hmap_put(&o->seen, l.p, (void *)1);
		buf_add(&o->lines, l.p, l.len);
	}
	buf_free(&l);
}

static void leave_out(struct out *o, const char *path, const char *why)
{
	uintptr_t n = (uintptr_t)hmap_get(&o->counts, why);

	hmap_put(&o->counts, why, (void *)(n + 1));
	strv_push_owned(&o->left, xasprintf("%s: %s", path, why));
}

/* An executed file: an ELF program with its loader and libraries (bin),
 * a script with its interpreter, which the kernel runs unseen. */
static void exec_lines(struct out *o, const char *path, int depth)
{
	char head[SHEBANG_MAX + 1], *interp, *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = fd < 0 ? -1 : pread(fd, head, SHEBANG_MAX, 0);
	const char *why;
	struct stat st;

	if (fd >= 0)
		close(fd);
	head[n > 0 ? n : 0] = '\0';
	if (n >= 4 && !memcmp(head, "\177ELF", 4)) {
		line(o, "bin", path, NULL);
		return;
	}
	line(o, "copy", path, NULL);
	if (n < 2 || head[0] != '#' || head[1] != '!' || depth >= MAX_SCRIPT_DEPTH)
		return;
	interp = head + 2 + strspn(head + 2, " \t");
	end = interp + strcspn(interp, " \t\n");
	*end = '\0';
	if (interp[0] != '/')
		return;
	why = trace_filter_why(o->f, interp, TRACE_EXEC, &st);
	if (why)
		leave_out(o, interp, why);
	else
		exec_lines(o, interp, depth + 1);
}

/* Directories alone, at their real paths, after the symlinks that lead
 * to them (found by a walk into a scratch manifest). */
static void dir_lines(struct out *o)
{
	struct manifest scratch;
	struct buf dirs = { 0 };

	manifest_init(&scratch, "");
	for (size_t i = 0; i < o->dirs.n; i++) {
		char *canon = NULL, *rest;
		struct stat st;

		if (manifest_walk_host(&scratch, o->dirs.v[i], &canon, &st) ||
		    !S_ISDIR(st.st_mode)) {
			free(canon);
			continue;
		}
		if (strcmp(canon, "/")) {
			struct buf l = { 0 };

			buf_adds(&l, "dir ");
			put_field(&l, canon);
			rest = xasprintf(" %04o 0 0\n", st.st_mode & 07777);
			buf_adds(&l, rest);
			buf_add(&dirs, l.p, l.len);
			free(rest);
			buf_free(&l);
		}
		free(canon);
	}
	for (size_t i = 0; i < scratch.n; i++) {
		const struct entry *e = scratch.v[i];
		struct buf target = { 0 };

		if (e->type != ENTRY_SLINK)
			continue;
		buf_addc(&target, ' ');
		put_field(&target, e->target);
		buf_adds(&target, " 0777 0 0");
		line(o, "slink", e->path, target.p);
		buf_free(&target);
	}
	if (dirs.len)
		buf_add(&o->lines, dirs.p, dirs.len);
	buf_free(&dirs);
	manifest_free(&scratch);
}

/* Every path the trace recorded into o: kept as lines, or left out. */
static void classify(struct out *o, const struct trace *t)
{
	struct strv paths = { 0 };
	unsigned *flags;

	trace_sorted(t, &paths, &flags);
	for (size_t i = 0; i < paths.n; i++) {
		const char *p = paths.v[i];
		const char *why;
		struct stat st;

		if (!strcmp(p, "/"))
			continue;
		why = trace_filter_why(o->f, p, flags[i], &st);
		if (why) {
			leave_out(o, p, why);
			continue;
		}
		o->kept++;
		if (S_ISDIR(st.st_mode))
			strv_push(&o->dirs, p);
		else if (flags[i] & TRACE_EXEC)
			exec_lines(o, p, 0);
		else
			line(o, "copy", p, NULL);
	}
	dir_lines(o);
	strv_free(&paths);
	free(flags);
}

/* One argument as a shell reads it, for the header's command line. */
static void put_arg(struct buf *b, const char *a)
{
	if (*a && !a[strcspn(a, " \t\n'\"\\$`*?[]#~|&;<>(){}!")]) {
		buf_adds(b, a);
		return;
	}
	buf_addc(b, '\'');
	for (; *a; a++) {
		if (*a == '\'')
			buf_adds(b, "'\\''");
		else if ((unsigned char)*a < 0x20)
			buf_printf(b, "'$'\\x%02x''", (unsigned char)*a);
		else
			buf_addc(b, *a);
	}
	buf_addc(b, '\'');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "3 gone, 12 under /proc, 1 written by the command" */
static void put_counts(struct buf *b, const struct out *o)
{
	struct strv whys = { 0 };

	for (size_t i = 0; i < o->counts.cap; i++)
		if (o->counts.slots[i].key)
			strv_push(&whys, o->counts.slots[i].key);
	if (whys.n)
		qsort(whys.v, whys.n, sizeof(*whys.v), cmp_str);
	for (size_t i = 0; i < whys.n; i++)
		buf_printf(b, "%s%lu %s", i ? ", " : "",
			   (unsigned long)(uintptr_t)hmap_get(&o->counts,
							      whys.v[i]),
			   whys.v[i]);
	strv_free(&whys);
}

/* The recipe file: a header saying what made it and how to use it, the
 * lines, and what was left out as comments. */
static void recipe_text(const struct out *o, const struct build_opts *bo,
			const char *name, struct buf *text)
{
	const struct strv *argv = &bo->argv;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct buf cmd = { 0 };
	char date[64];
	struct tm tm;

	for (size_t i = 0; i < argv->n; i++) {
		if (i)
			buf_addc(&cmd, ' ');
		put_arg(&cmd, argv->v[i]);
	}
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC",
		 gmtime_r(&now, &tm));
	buf_printf(text, "# The files this command used, traced by tinyrd build "
		   "--trace on %s:\n#   %s\n# Rebuild (with the build's other "
		   "options) by:\n#   tinyrd build", date, cmd.p);
	/* The recipes come before the trace, as they did in the build. */
	if (!bo->recipes.n && !bo->bare)
		buf_adds(text, " -f base");
	for (size_t i = 0; i < bo->recipes.n; i++) {
		buf_adds(text, " -f ");
		put_arg(text, bo->recipes.v[i]);
	}
	buf_adds(text, " -f ");
	put_arg(text, name);
	buf_printf(text, " -- %s\n", cmd.p);
	if (o->lines.len)
		buf_add(text, o->lines.p, o->lines.len);
	if (o->left.n) {
		buf_adds(text, "# Left out: ");
		put_counts(text, o);
		buf_adds(text, "\n");
	}
	for (size_t i = 0; i < o->left.n; i++) {
		buf_adds(text, "#   ");
		manifest_escape(text, o->left.v[i], strlen(o->left.v[i]), false);
		buf_addc(text, '\n');
	}
	buf_free(&cmd);
}

/* Write text to name through a temporary file renamed over it. */
static int write_atomic(const char *name, const struct buf *text)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", name);
	mode_t mask = umask(0);
	int fd, r = 0;

	umask(mask);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = error_errno(errno, "--trace-out %s", name);
		goto out;
	}
	if (fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, text->p, text->len))
		r = error_errno(errno, "--trace-out %s", name);
	if (close(fd) < 0 && !r)
		r = error_errno(errno, "--trace-out %s", name);
	if (!r && rename(tmp, name) < 0)
		r = error_errno(errno, "--trace-out %s", name);
	if (r)
		unlink(tmp);
out:
	free(tmp);
	return r;
}

/* The traced command's environment: ours, with the image's PATH (what
 * the init will look the command up in) and what -e and env lines give
 * the command. *path gets that PATH. */
static void trace_env(const struct build *b, struct strv *env,
		      const char **path)
{
	bool own = false;

	*path = TINYRD_DEFAULT_PATH;
	for (size_t i = 0; i < b->env.n; i++)
		if (str_starts(b->env.v[i], "PATH=")) {
			*path = b->env.v[i] + 5;
			own = true;
		}
	for (char **e = environ; e && *e; e++) {
		size_t n = strcspn(*e, "=");
		bool given = !strncmp(*e, "PATH=", 5);

		for (size_t i = 0; !given && i < b->env.n; i++)
			given = !strncmp(*e, b->env.v[i], n + 1);
		if (!given)
			strv_push(env, *e);
	}
	for (size_t i = 0; i < b->env.n; i++)
		strv_push(env, b->env.v[i]);
	if (!own)
		strv_push_owned(env, xasprintf("PATH=%s", *path));
}

static void say_status(const char *cmd, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st))
		note("--trace: %s exited with status %d (the image is made "
		     "all the same)", cmd, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		note("--trace: %s was killed by signal %d (%s; the image is "
		     "made all the same)", cmd, WTERMSIG(st),
		     strsignal(WTERMSIG(st)));
}

/* What was left out: one line each with -v, and one line that counts. */
static void say_left(const struct out *o, const char *cmd)
{
	struct buf sum = { 0 };

	for (size_t i = 0; i < o->left.n; i++)
		verbose("trace: left out %s", o->left.v[i]);
	buf_printf(&sum, "--trace: %s used %zu paths: %zu in the image", cmd,
		   o->kept + o->left.n, o->kept);
	if (o->left.n) {
		buf_printf(&sum, ", %zu left out (", o->left.n);
		put_counts(&sum, o);
		buf_adds(&sum, log_level >= LOG_VERBOSE ? ")" : "; -v lists them)");
	}
	note("%s", sum.p);
	buf_free(&sum);
}

int build_trace(struct build *b)
{
	const struct build_opts *o = b->o;
	const char *home = getenv("HOME"), *path, *cmd = o->argv.v[0];
	struct trace_filter f;
	struct out out = { .f = &f };
	struct strv env = { 0 };
	struct buf text = { 0 };
	char cwd[PATH_MAX];
	struct stat st;
	struct trace t;
	const char *why;
	int r;

	trace_env(b, &env, &path);
	r = trace_run(&t, o->argv.v, env.v, path);
	strv_free(&env);
	if (r)
		return r;
	say_status(cmd, t.status);
	if (t.foreign)
		warn("--trace: %lu calls of another ABI (32-bit code?) were "
		     "not decoded: the files they used are not in the image",
		     t.foreign);
	debug("--trace: %lu system calls seen", t.calls);
	if (t.killed)
		note("--trace: %s left %u threads running: killed", cmd,
		     t.killed);
	trace_filter_init(&f, home, getcwd(cwd, sizeof(cwd)) ? cwd : NULL);
	classify(&out, &t);
	why = trace_filter_why(&f, t.exe, TRACE_EXEC, &st);
	if (why)
		warn("--trace: %s, the command itself, is left out (%s): the "
		     "image cannot run it", t.exe, why);
	say_left(&out, cmd);
	recipe_text(&out, o, o->trace_out ? o->trace_out : "FILE", &text);
	r = recipe_parse(b, "--trace", text.p);
	if (!r && o->trace_out)
		r = write_atomic(o->trace_out, &text);
	buf_free(&text);
	buf_free(&out.lines);
	hmap_free(&out.seen);
	hmap_free(&out.counts);
	strv_free(&out.left);
	strv_free(&out.dirs);
	trace_filter_free(&f);
	trace_free(&t);
	return r;
}
