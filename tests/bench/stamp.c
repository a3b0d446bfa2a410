// SPDX-License-Identifier: MIT
/*
 * stamp FILE [PROG [ARG...]]: append CLOCK_MONOTONIC (ns) to FILE, then
 * exec PROG. init-native.sh puts one stamp just before an image's /init
 * and one as the init's command. It refuses to run while it can reach the
 * exit port: on the host that would be a real port write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc < 2) {
		fprintf(stderr, "usage: stamp FILE [PROG [ARG...]]\n");
		return 2;
	}
	if (!ioperm(0x501, 1, 1)) {
		fprintf(stderr, "stamp: I/O ports are reachable (CAP_SYS_RAWIO); refusing\n");
		return 1;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || dprintf(fd, "%lld\n",
			      ts.tv_sec * 1000000000LL + ts.tv_nsec) < 0) {
		fprintf(stderr, "stamp: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	if (argc > 2) {
		execv(argv[2], argv + 2);
		fprintf(stderr, "stamp: %s: %s\n", argv[2], strerror(errno));
		return 127;
	}
	return 0;
}
