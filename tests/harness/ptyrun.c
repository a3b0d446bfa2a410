// SPDX-License-Identifier: MIT
/*
 * ptyrun: run a command on a pseudo-terminal, type into it, tell how it
 * left the terminal. For the nested harness, where no expect(1) exists:
 *
 *   ptyrun WAIT SEND -- COMMAND [ARG...]
 *
 * copies the terminal's output to stdout; once WAIT has appeared in it,
 * writes SEND (C escapes \n \r \003 and \xHH undone) to the terminal. At
 * the end it prints "ptyrun: status N" and "ptyrun: terminal restored"
 * (canonical mode and echo back on) or "ptyrun: terminal left raw", and
 * exits with the command's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in != '\\') {
			out[n++] = *in;
			continue;
		}
		switch (*++in) {
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 'x': out[n++] = (char)strtol((char[]){ in[1], in[2], 0 }, NULL, 16); in += 2; break;
		case '0': out[n++] = (char)strtol((char[]){ in[1], in[2], 0 }, NULL, 8); in += 2; break;
		default: out[n++] = *in; break;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	char send[1024], seen[8192] = "";
	size_t nsend, nseen = 0;
	bool sent = false;
	struct termios t;
	int master, slave, status;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: ptyrun WAIT SEND -- COMMAND [ARG...]\n");
		return 2;
	}
	nsend = unescape(argv[2], send);
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		return 2;
	}
	pid = fork();
	if (!pid) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		close(master);
		execvp(argv[4], argv + 4);
		perror(argv[4]);
		_exit(127);
	}
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (poll(&p, 1, 200) > 0) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0)
				break;
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
			if (!sent) {
				size_t keep = nseen + (size_t)n < sizeof(seen) - 1 ? (size_t)n
					      : sizeof(seen) - 1 - nseen;

				memcpy(seen + nseen, buf, keep);
				nseen += keep;
				seen[nseen] = '\0';
				if (strstr(seen, argv[1])) {
					usleep(500000);
					if (write(master, send, nsend) < 0)
						perror("write");
					sent = true;
				}
				if (nseen > sizeof(seen) / 2) {
					memmove(seen, seen + nseen - 256, 256);
					nseen = 256;
					seen[nseen] = '\0';
				}
			}
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	waitpid(pid, &status, 0);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("\nptyrun: status %d\n", status);
	if (!tcgetattr(slave, &t) && (t.c_lflag & ICANON) && (t.c_lflag & ECHO))
		printf("ptyrun: terminal restored\n");
	else
		printf("ptyrun: terminal left raw\n");
	return status;
}
