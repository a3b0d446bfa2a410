// SPDX-License-Identifier: MIT
/*
 * What confinement costs a share's server, per request, without a guest:
 * the host calls a 9P or FUSE server makes for one small file (create,
 * write, stat, lookup, reopen, read, unlink, through share.c, and a kick
 * and its wait on an eventfd), repeated in a child process left open and
 * in one confined as the 9p or virtio-fs role (its seccomp filter, and
 * Landlock on the share where the kernel has it), the children in turns.
 * Prints per role one line "cost ROLE open_ns confined_ns ratio calls"
 * (medians over the rounds, ns per file), the calls a file takes, and
 * exits 1 if a confined child failed: an operation denied is a finding,
 * not a cost.
 *
 *   confine-cost [-n FILES] [-r ROUNDS] DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/vmm/confine.h"
#include "../../src/vmm/share.h"

/* The host calls one file takes in files() below, counted with
 * strace -f -c: openat2 2, openat 2, close 4, newfstatat 2, fstatfs,
 * pwritev, preadv, unlinkat, and the eventfd's write and read. */
#define CALLS_PER_FILE 16

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* n files through the share: 0, or the step that failed. */
static int files(struct share *s, int efd, unsigned n)
{
	static char data[4096];
	struct iovec iov = { data, sizeof(data) };
	char name[32];
	struct stat st;
	uint64_t one = 1;
	int fd, h;

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		/* The kick and the wait: write and read on the eventfd. */
		if (write(efd, &one, sizeof(one)) != sizeof(one) ||
		    read(efd, &one, sizeof(one)) != sizeof(one))
			return 1;
		/* Create (openat2 or openat, fchownat none), write, close. */
		fd = share_create(s, s->root, name, O_RDWR, 0644, (uid_t)-1,
				  (gid_t)-1, &h);
		if (fd < 0)
			return 2;
		if (pwritev(fd, &iov, 1, 0) != sizeof(data))
			return 3;
		close(fd);
		if (share_stat(s, h, &st) || st.st_size != sizeof(data))
			return 4;
		share_put(s, h);
		/* Walk to it again, reopen, read, close. */
		h = share_lookup(s, s->root, name);
		if (h < 0)
			return 5;
		fd = share_io_open(s, h, O_RDONLY);
		if (fd < 0)
			return 6;
		if (preadv(fd, &iov, 1, 0) != sizeof(data))
			return 7;
		close(fd);
		share_put(s, h);
		if (share_unlink(s, s->root, name, false))
			return 8;
	}
	return 0;
}

/* One child: confined as role (or left open), n files; its ns, or -1. */
static long long child(struct share *s, enum confine_role role, bool on,
		       unsigned n)
{
	int p[2], st = 0, step;
	long long ns = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		struct confine c;
		struct confine_thread t = {
			.role = role, .kvm = -1, .vm = -1, .vcpu = -1,
			.dir = s->root,
		};
		char why[256] = "";
		int efd = eventfd(0, EFD_CLOEXEC);
		long long t0;

		close(p[0]);
		snprintf(t.name, sizeof(t.name), "cost");
		if (efd < 0 || confine_begin(&c, on) || confine_thread(&c, &t))
			_exit(100);
		files(s, efd, n / 10);		/* warm up */
		t0 = now_ns();
		step = files(s, efd, n);
		ns = now_ns() - t0;
		if (confine_violation(why, sizeof(why))) {
			fprintf(stderr, "confine-cost: %s\n", why);
			_exit(101);
		}
		if (write(p[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(102);
		_exit(step);
	}
	close(p[1]);
	if (read(p[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "confine-cost: the %s %s child failed (status "
			"%#x)\n", on ? "confined" : "open",
			confine_role_name(role), st);
		return -1;
	}
	return ns;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static double median(long long *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* A count from 1 to max, the whole argument: 0 when it is not one. */
static unsigned count(const char *arg, unsigned max)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	return *arg && !*end && v <= max ? (unsigned)v : 0;
}

int main(int argc, char **argv)
{
	static const enum confine_role roles[] = { CONFINE_9P, CONFINE_VIRTIOFS };
	unsigned n = 20000, rounds = 9;
	struct share s;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = count(optarg, 100000000);
		else if (opt == 'r')
			rounds = count(optarg, 99);
		else
			goto usage;
	}
	if (optind + 1 != argc || !n || !rounds)
		goto usage;
	if (share_open(&s, argv[optind], false, false))
		return 2;
	printf("calls per file: %d\n", CALLS_PER_FILE);
	for (size_t r = 0; r < ARRAY_SIZE(roles); r++) {
		long long open[99], conf[99];
		double mo, mc;

		/* Turns: open first in even rounds, confined first in odd. */
		for (unsigned i = 0; i < rounds; i++) {
			bool conf_first = i % 2;
			long long a = child(&s, roles[r], conf_first, n);
			long long b = child(&s, roles[r], !conf_first, n);

			if (a < 0 || b < 0)
				return 1;
			open[i] = conf_first ? b : a;
			conf[i] = conf_first ? a : b;
		}
		mo = median(open, rounds) / n;
		mc = median(conf, rounds) / n;
		printf("cost %s %.0f %.0f %.3f %.1f\n", confine_role_name(roles[r]),
		       mo, mc, mc / mo, (mc - mo) / CALLS_PER_FILE);
	}
	share_close(&s);
	return 0;
usage:
	fprintf(stderr, "usage: confine-cost [-n FILES] [-r ROUNDS] DIR\n");
	return 2;
}
