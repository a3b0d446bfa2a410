// SPDX-License-Identifier: MIT
/*
 * measure: run a command, tell its wall time and, optionally, its peak
 * resident memory without the guest's RAM. For the launcher benchmark in
 * the nested harness (busybox's date has no nanoseconds):
 *
 *   measure [-r KB] -- COMMAND [ARG...]
 *
 * prints "wall_us N status N" and, with -r, "rss_kb N rss_median_kb N":
 * the largest and the median sum, over the samples taken every 5 ms, of
 * the Rss of the command's mappings smaller than KB kB (the guest RAM is
 * one mapping of at least that size, in tinyrd and in QEMU alike). The
 * peak catches loading the kernel; the median is the steady state. The command's stdout goes to
 * /dev/null, as a guest console nobody reads. Exits with its status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Rss of the mappings of pid smaller than limit_kb, in kB; -1 if gone. */
static long rss_without(pid_t pid, long limit_kb)
{
	char path[64], line[512];
	long sum = 0, size = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "Size: %ld kB", &v) == 1)
			size = v;
		else if (sscanf(line, "Rss: %ld kB", &v) == 1 && size < limit_kb)
			sum += v;
	}
	fclose(f);
	return sum;
}

static int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static long samples[200000];
	size_t nsamples = 0;
	long limit_kb = 0, peak = 0;
	long long t0, t1;
	int opt, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "usage: measure [-r KB] -- COMMAND [ARG...]\n");
			return 2;
		}
		limit_kb = atol(optarg);
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: measure [-r KB] -- COMMAND [ARG...]\n");
		return 2;
	}
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, limit_kb ? WNOHANG : 0);

		if (w == pid)
			break;
		if (w < 0) {
			perror("waitpid");
			return 2;
		}
		if (limit_kb) {
			long r = rss_without(pid, limit_kb);

			if (r > peak)
				peak = r;
			if (r > 0 && nsamples < sizeof(samples) / sizeof(samples[0]))
				samples[nsamples++] = r;
			usleep(5000);
		}
	}
	t1 = now_us();
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("wall_us %lld status %d", t1 - t0, status);
	if (limit_kb) {
		qsort(samples, nsamples, sizeof(samples[0]), by_value);
		printf(" rss_kb %ld rss_median_kb %ld", peak,
		       nsamples ? samples[nsamples / 2] : 0);
	}
	printf("\n");
	return status;
}
