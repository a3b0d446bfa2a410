// SPDX-License-Identifier: MIT
/* What the fuzz targets share (fuzz.h). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../src/common/log.h"
#include "../../src/common/util.h"

/*
 * The disk under the targets' files, as they see it: FZ_DISK bytes. The
 * FUSE server passes a guest's FALLOCATE on to fallocate(2), which with
 * FALLOC_FL_KEEP_SIZE takes blocks past RLIMIT_FSIZE: one input asking
 * for 2^40 bytes filled this machine's disk and broke every other
 * process writing to it. Defined here, this fallocate is the one the
 * servers call; beyond FZ_DISK it fails with ENOSPC, as a full disk's
 * would, and within it the kernel's does the rest. Punching a hole
 * takes nothing and is passed on whole.
 */
#define FZ_DISK (64u << 20)

int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (!(mode & FALLOC_FL_PUNCH_HOLE) && off >= 0 && len > 0 &&
	    (off > FZ_DISK || len > FZ_DISK - off)) {
		errno = ENOSPC;
		return -1;
	}
	return (int)syscall(SYS_fallocate, fd, mode, off, len);
}

uint8_t fz_u8(struct fz *f)
{
	uint8_t v = 0;

	if (f->n) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

uint16_t fz_u16(struct fz *f)
{
	uint16_t v = fz_u8(f);

	return (uint16_t)(v | fz_u8(f) << 8);
}

uint32_t fz_u32(struct fz *f)
{
	uint32_t v = fz_u16(f);

	return v | (uint32_t)fz_u16(f) << 16;
}

uint64_t fz_u64(struct fz *f)
{
	uint64_t v = fz_u32(f);

	return v | (uint64_t)fz_u32(f) << 32;
}

size_t fz_take(struct fz *f, size_t want, const uint8_t **out)
{
	size_t n = want < f->n ? want : f->n;

	*out = f->p;
	f->p += n;
	f->n -= n;
	return n;
}

size_t fz_part(struct fz *f, const uint8_t **out)
{
	return fz_take(f, fz_u16(f), out);
}

void fz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: broken: %s\n", file, line, what);
	abort();
}

static char *dir;

static void remove_dir(void)
{
	if (dir)
		fz_rm_rf(dir);
}

/*
 * The watcher: a child that blocks on a pipe whose only write end this
 * process holds (close-on-exec, so no child of ours keeps it), and
 * removes the directory when the read returns, which is when this
 * process has ended, whatever ended it. It ignores the signals a
 * terminal or timeout(1) sends the whole group, to outlive us; exec'ed
 * rm does the work, so nothing runs in the forked copy of a process with
 * threads but read and exec.
 */
static void watch(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (!pid) {
		char c;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		/* Our stdio still goes where the fuzzer's did; rm has
		 * nothing to say when all is well. */
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* p[1] stays open until we end. */
}

const char *fz_dir(void)
{
	const char *t;

	if (dir)
		return dir;
	t = getenv("TMPDIR");
	dir = xasprintf("%s/tinyrd-fuzz.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		abort();
	}
	watch();
	atexit(remove_dir);
	return dir;
}

/* Early, before libFuzzer starts threads of its own (see watch()). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_dir();
	return 0;
}

static int open_up(const char *p, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(p, (st->st_mode & 07777) | 0700);
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

void fz_rm_rf(const char *path)
{
	/* A directory the run left without permissions (a guest's chmod
	 * 0) cannot be read as it is; as root that is no matter. */
	if (geteuid())
		nftw(path, open_up, 16, FTW_PHYS);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_parents(char *p)
{
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
}

void fz_write(const char *d, const char *rel, const void *data, size_t len,
	      mode_t mode)
{
	char *p = path_join(d, rel);
	int fd;

	make_parents(p);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, data, len)) {
		perror(p);
		abort();
	}
	fchmod(fd, mode);
	close(fd);
	free(p);
}

void fz_mkdir(const char *d, const char *rel)
{
	char *p = path_join(d, rel);

	make_parents(p);
	mkdir(p, 0755);
	free(p);
}

#define CANARY "do not touch\n"

void fz_tree_make(struct fz_tree *t)
{
	char *p;

	if (!t->top) {
		t->top = path_join(fz_dir(), "tree");
		t->dir = path_join(t->top, "share");
		t->canary = path_join(t->top, "canary");
	}
	fz_rm_rf(t->top);
	fz_mkdir(t->top, "share/d");
	fz_write(t->top, "canary", CANARY, strlen(CANARY), 0644);
	fz_write(t->dir, "a", "hello\n", 6, 0644);
	fz_write(t->dir, "d/b", "b", 1, 0600);
	p = path_join(t->dir, "l");
	symlink("../canary", p);
	free(p);
	p = path_join(t->dir, "abs");
	symlink(t->canary, p);
	free(p);
	p = path_join(t->dir, "p");
	mkfifo(p, 0644);
	free(p);
}

void fz_tree_check(const struct fz_tree *t)
{
	struct buf b = { 0 };
	struct dirent *e;
	DIR *d;

	fz_check(!read_file(t->canary, &b) && b.len == strlen(CANARY) &&
		 !memcmp(b.p, CANARY, b.len), "the canary outside the share changed");
	buf_free(&b);
	d = opendir(t->top);
	fz_check(d, "the share's parent is gone");
	while ((e = readdir(d)))
		fz_check(!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			 !strcmp(e->d_name, "share") || !strcmp(e->d_name, "canary"),
			 "a new file beside the share");
	closedir(d);
}

int fz_memfd(const void *data, size_t len, char path[32])
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || write_all(fd, data, len)) {
		perror("memfd");
		abort();
	}
	snprintf(path, 32, "/proc/self/fd/%d", fd);
	return fd;
}

void fz_quiet(bool quiet_stdout)
{
	static struct buf said;
	static bool done;

	buf_reset(&said);
	log_capture(&said);
	log_level = LOG_QUIET;
	if (quiet_stdout && !done) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		fflush(stdout);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		done = true;
	}
}

unsigned fz_cut(uint8_t *p, size_t n, unsigned k, struct iovec *iov,
		unsigned max)
{
	unsigned i = 0;

	if (!k)
		k = (unsigned)n + 1;
	while (n && i < max - 1) {
		size_t m = n < k ? n : k;

		iov[i++] = (struct iovec){ p, m };
		p += m;
		n -= m;
	}
	if (n)
		iov[i++] = (struct iovec){ p, n };
	return i;
}
