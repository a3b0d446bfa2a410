// SPDX-License-Identifier: MIT
/*
 * The tracer of build --trace: a command run once under ptrace, every
 * thread and child followed, and the paths it opened, executed or found
 * recorded as it gave them (made absolute), so the symlinks on the way
 * stay. PTRACE_GET_SYSCALL_INFO decodes the calls the same way on every
 * arch; only the syscall numbers are the host's. ptrace(2) is the spec
 * cited below.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "build --trace: no audit arch for this host"
#endif

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/* How a call names its path and what it means once it succeeds. */
enum how { OPEN, OPENAT2, CREAT, EXEC, PROBE };

struct call {
	long nr;
	enum how how;
	int dirfd;	/* argument holding the directory fd, or -1: cwd */
	int path;	/* argument holding the path */
	int flags;	/* open flags, or AT_* flags (AT_EMPTY_PATH); -1 */
};

/* The calls that name files. Not chdir, rename, unlink, mkdir: they make
 * or move things rather than need them; and a failed call needs nothing. */
static const struct call calls[] = {
#ifdef SYS_open
	{ SYS_open, OPEN, -1, 0, 1 },
#endif
#ifdef SYS_creat
	{ SYS_creat, CREAT, -1, 0, -1 },
#endif
	{ SYS_openat, OPEN, 0, 1, 2 },
#ifdef SYS_openat2
	{ SYS_openat2, OPENAT2, 0, 1, 2 },
#endif
	{ SYS_execve, EXEC, -1, 0, -1 },
	{ SYS_execveat, EXEC, 0, 1, 4 },
#ifdef SYS_stat
	{ SYS_stat, PROBE, -1, 0, -1 },
#endif
#ifdef SYS_lstat
	{ SYS_lstat, PROBE, -1, 0, -1 },
#endif
	{ SYS_newfstatat, PROBE, 0, 1, 3 },
	{ SYS_statx, PROBE, 0, 1, 2 },
#ifdef SYS_access
	{ SYS_access, PROBE, -1, 0, -1 },
#endif
	{ SYS_faccessat, PROBE, 0, 1, -1 },
#ifdef SYS_faccessat2
	{ SYS_faccessat2, PROBE, 0, 1, 3 },
#endif
#ifdef SYS_readlink
	{ SYS_readlink, PROBE, -1, 0, -1 },
#endif
	{ SYS_readlinkat, PROBE, 0, 1, -1 },
};

/* One traced thread: the call it is in, decoded at its entry (the
 * memory an exec replaces is gone by its exit). */
struct tracee {
	pid_t tid;
	unsigned kind;		/* TRACE_* the call records on success; 0 */
	char *path;
};

struct tracer {
	struct trace *t;
	struct tracee *v;
	size_t n, alloc;
	pid_t child;
	bool started;		/* the command is exec'd: what the child did
				 * before (open /dev/null) is ours */
	bool child_done;
};

static struct tracee *tracee_find(struct tracer *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->v[i].tid == tid)
			return &tr->v[i];
	return NULL;
}

static struct tracee *tracee_get(struct tracer *tr, pid_t tid)
{
	struct tracee *te = tracee_find(tr, tid);

	if (te)
		return te;
	if (tr->n == tr->alloc) {
		tr->alloc = tr->alloc ? 2 * tr->alloc : 16;
		tr->v = xrealloc(tr->v, tr->alloc * sizeof(*tr->v));
	}
	tr->v[tr->n] = (struct tracee){ .tid = tid };
	return &tr->v[tr->n++];
}

static void tracee_drop(struct tracer *tr, pid_t tid)
{
	for (size_t i = 0; i < tr->n; i++) {
		if (tr->v[i].tid != tid)
			continue;
		free(tr->v[i].path);
		tr->v[i] = tr->v[--tr->n];
		return;
	}
}

static void record(struct tracer *tr, const char *path, unsigned kind)
{
	uintptr_t old = (uintptr_t)hmap_get(&tr->t->paths, path);

	if (tr->started)
		hmap_put(&tr->t->paths, path, (void *)(old | kind));
}

/* Read len bytes at addr in tid's memory, no read crossing a page (a
 * string may end just before an unmapped one). */
static int peek(pid_t tid, uint64_t addr, void *out, size_t len, bool string)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), got = 0;

	while (got < len) {
		size_t chunk = page - (size_t)((addr + got) % page);
		struct iovec local, remote;
		ssize_t n;

		if (chunk > len - got)
			chunk = len - got;
		local = (struct iovec){ (char *)out + got, chunk };
		remote = (struct iovec){ (void *)(uintptr_t)(addr + got), chunk };
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -EFAULT;
		if (string && memchr((char *)out + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return string ? -ENAMETOOLONG : 0;
}

/* "//" and "/./" collapse and a trailing "/" or "/." goes, in place;
 * ".." stays, for the walk to resolve after the symlinks before it. */
static char *tidy(char *path)
{
	char *w = path;

	for (const char *r = path; *r;) {
		if (r[0] == '/' && (r[1] == '/' || !r[1] ||
				    (r[1] == '.' && (r[2] == '/' || !r[2])))) {
			r += r[1] == '.' ? 2 : 1;
			continue;
		}
		*w++ = *r++;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
	return path;
}

/* /proc/TID/cwd or /proc/TID/fd/FD as a path, or NULL. */
static char *proc_link(pid_t tid, int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", tid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", tid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0 || target[0] != '/')
		return NULL;
	target[n] = '\0';
	return xstrdup(target);
}

/* What a call at its entry will record if it succeeds: sets te->kind and
 * te->path. */
static void decode(struct tracee *te, const struct call *c,
		   const uint64_t *args)
{
	char path[PATH_MAX], *base;
	uint64_t flags = c->flags >= 0 ? args[c->flags] : 0;
	int dirfd = c->dirfd >= 0 ? (int)args[c->dirfd] : AT_FDCWD;

	if (c->how == OPENAT2 && (!args[c->flags] ||
				  peek(te->tid, args[c->flags], &flags,
				       sizeof(flags), false)))
		return;
	switch (c->how) {
	case CREAT:
		te->kind = TRACE_WRITE;
		break;
	case OPEN:
	case OPENAT2:
		if ((flags & __O_TMPFILE) == __O_TMPFILE)
			return;		/* a nameless file in that directory */
		if (flags & O_PATH)
			te->kind = TRACE_PROBE;
		else if ((flags & O_ACCMODE) == O_WRONLY ||
			 (flags & (O_CREAT | O_TRUNC)))
			te->kind = TRACE_WRITE;
		else
			te->kind = TRACE_READ;
		break;
	case EXEC:
		te->kind = TRACE_EXEC;
		break;
	case PROBE:
		te->kind = TRACE_PROBE;
		break;
	}
	if (!args[c->path] || peek(te->tid, args[c->path], path, sizeof(path),
				   true)) {
		te->kind = 0;
		return;
	}
	if (path[0] == '/') {
		te->path = tidy(xstrdup(path));
		return;
	}
	/* Relative: to the directory fd, or the fd itself (AT_EMPTY_PATH:
	 * an fstat or fexecve of what is open, already recorded unless it
	 * is an exec). */
	base = proc_link(te->tid, dirfd);
	if (!base || (!path[0] && (!(flags & AT_EMPTY_PATH) || c->how != EXEC))) {
		free(base);
		te->kind = 0;
		return;
	}
	te->path = tidy(path[0] ? path_join(base, path) : xstrdup(base));
	free(base);
}

static void on_syscall(struct tracer *tr, pid_t tid)
{
	struct __ptrace_syscall_info info;
	struct tracee *te = tracee_get(tr, tid);
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info);

	if (n < (long)offsetof(struct __ptrace_syscall_info, entry))
		return;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		tr->t->calls++;
		te->kind = 0;
		free(te->path);
		te->path = NULL;
		if (info.arch != NATIVE_ARCH) {
			tr->t->foreign++;
			return;
		}
		for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
			if ((uint64_t)calls[i].nr == info.entry.nr) {
				decode(te, &calls[i], info.entry.args);
				break;
			}
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		/* A successful exec ends in PTRACE_EVENT_EXEC instead. */
		if (te->kind && te->kind != TRACE_EXEC && !info.exit.is_error)
			record(tr, te->path, te->kind);
		te->kind = 0;
		free(te->path);
		te->path = NULL;
	}
}

/* PTRACE_EVENT_EXEC: the exec succeeded. The thread that called it may
 * not be the leader, whose id it takes (ptrace(2), "execve(2) under
 * ptrace"): its call is under the former id. */
static void on_exec(struct tracer *tr, pid_t tid)
{
	unsigned long former = (unsigned long)tid;
	struct tracee *te;

	ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
	te = tracee_get(tr, (pid_t)former);
	tr->started = true;
	if (te->kind == TRACE_EXEC && te->path)
		record(tr, te->path, TRACE_EXEC);
	te->kind = 0;
	free(te->path);
	te->path = NULL;
	if ((pid_t)former != tid) {
		tracee_drop(tr, tid);
		te = tracee_get(tr, (pid_t)former);
		te->tid = tid;
	}
}

/* Every thread still traced once the command is done: killed, so that
 * a daemon it left behind cannot hold the build. */
static void kill_rest(struct tracer *tr)
{
	for (size_t i = 0; i < tr->n; i++)
		if (!kill(tr->v[i].tid, SIGKILL))
			tr->t->killed++;
}

/* One stop or ending reported by waitpid, handled and the thread
 * resumed. */
static void on_wait(struct tracer *tr, pid_t tid, int st)
{
	int sig, event, inject = 0;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		tracee_drop(tr, tid);
		if (tid == tr->child) {
			tr->t->status = st;
			tr->child_done = true;
			kill_rest(tr);
		}
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	if (tr->child_done) {
		/* Killed, and stopped before it died; or born after the
		 * others were killed (a fork under way). */
		if (!tracee_find(tr, tid)) {
			tracee_get(tr, tid);
			tr->t->killed++;
		}
		kill(tid, SIGKILL);
		return;
	}
	tracee_get(tr, tid);
	sig = WSTOPSIG(st);
	event = (unsigned)st >> 16;
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall(tr, tid);
	} else if (event == PTRACE_EVENT_STOP) {
		/* Seized: a group-stop stays stopped until SIGCONT;
		 * anything else here (the first stop of a new child, our
		 * interrupt) is a trap to resume from. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU) {
			ptrace(PTRACE_LISTEN, tid, 0, 0);
			return;
		}
	} else if (event == PTRACE_EVENT_EXEC) {
		on_exec(tr, tid);
	} else if (!event) {
		inject = sig;	/* a signal on its way: deliver it */
	}
	ptrace(PTRACE_SYSCALL, tid, 0, (void *)(uintptr_t)inject);
}

static bool runnable(const char *path, void *ctx)
{
	struct stat st;

	(void)ctx;
	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* The child: wait for the tracer, then become the command. An exec that
 * fails sends its errno down err (close-on-exec: nothing on success). */
static void child(const char *exe, char *const argv[], char *const envp[],
		  const int go[2], int err)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), e;
	char c;
	sigset_t none;

	close(go[1]);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (read(go[0], &c, 1) < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		e = errno;
	} else {
		execve(exe, argv, envp);
		e = errno;
	}
	if (write(err, &e, sizeof(e)) < 0)
		e = 0;	/* nobody to tell: the status says 127 */
	_exit(127);
}

int trace_run(struct trace *t, char *const argv[], char *const envp[],
	      const char *path)
{
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
		    PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	struct tracer tr = { .t = t };
	int go[2] = { -1, -1 }, err[2] = { -1, -1 }, st, e = 0, r = 0;
	char *exe;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	if (strchr(argv[0], '/'))
		exe = runnable(argv[0], NULL) ? xstrdup(argv[0]) : NULL;
	else
		exe = path_search(path, argv[0], runnable, NULL);
	if (!exe) {
		if (strchr(argv[0], '/'))
			return error_errno(access(argv[0], X_OK) ? errno : EACCES,
					   "--trace: %s", argv[0]);
		return error("--trace: %s: command not found in PATH %s",
			     argv[0], path);
	}
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = error_errno(errno, "--trace: pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = error_errno(errno, "--trace: fork");
		goto out;
	}
	if (!pid)
		child(exe, argv, envp, go, err[1]);
	close(err[1]);
	err[1] = -1;
	/* Seize, then stop it before it execs: from the first resume on
	 * with PTRACE_SYSCALL, every call of the tree stops. */
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)opts) < 0) {
		r = error_errno(errno, "--trace: ptrace %s", argv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, &st, __WALL);
		goto out;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
		r = error_errno(errno, "--trace: ptrace %s", argv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, &st, __WALL);
		goto out;
	}
	close(go[1]);
	go[1] = -1;
	tr.child = pid;
	for (;;) {
		pid_t tid = waitpid(-1, &st, __WALL);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				r = error_errno(errno, "--trace: waitpid");
			break;
		}
		on_wait(&tr, tid, st);
	}
	if (read(err[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
		r = error_errno(e, "--trace: %s", exe);
	else if (!r && !tr.child_done)
		r = error("--trace: %s: lost track of the command", argv[0]);
out:
	t->exe = exe;
	if (r)
		trace_free(t);
	for (size_t i = 0; i < tr.n; i++)
		free(tr.v[i].path);
	free(tr.v);
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return r;
}

void trace_free(struct trace *t)
{
	hmap_free(&t->paths);
	free(t->exe);
	t->exe = NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void trace_sorted(const struct trace *t, struct strv *paths, unsigned **flags)
{
	for (size_t i = 0; i < t->paths.cap; i++)
		if (t->paths.slots[i].key)
			strv_push(paths, t->paths.slots[i].key);
	if (paths->n)
		qsort(paths->v, paths->n, sizeof(*paths->v), cmp_str);
	*flags = xcalloc(paths->n ? paths->n : 1, sizeof(**flags));
	for (size_t i = 0; i < paths->n; i++)
		(*flags)[i] = (unsigned)(uintptr_t)hmap_get(&t->paths,
							     paths->v[i]);
}
