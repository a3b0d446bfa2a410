// SPDX-License-Identifier: MIT
/*
 * randread: 4 KiB reads at random aligned offsets of a block device with
 * O_DIRECT (no page cache in the guest), for SECONDS; prints
 * "randread iops N". For the virtio benchmark, in L2.
 *
 *   randread DEVICE SECONDS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long long blocks, n = 0, x = 88172645463325252ULL;
	off_t size;
	double t0, secs;
	void *buf;
	int fd;

	if (argc != 3)
		return 2;
	secs = atof(argv[2]);
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	/* A block device's size is where SEEK_END puts us. */
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 4096 ||
	    posix_memalign(&buf, 4096, 4096)) {
		perror(argv[1]);
		return 1;
	}
	blocks = (unsigned long long)size / 4096;
	t0 = now();
	while (now() - t0 < secs) {
		for (int i = 0; i < 64; i++, n++) {
			x ^= x << 13;	/* xorshift64 */
			x ^= x >> 7;
			x ^= x << 17;
			if (pread(fd, buf, 4096, (off_t)(x % blocks) * 4096) != 4096) {
				perror("pread");
				return 1;
			}
		}
	}
	printf("randread iops %.0f\n", n / (now() - t0));
	return 0;
}
