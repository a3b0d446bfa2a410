// SPDX-License-Identifier: MIT
/*
 * ptyrun: run a command on a pseudo-terminal as the foreground job of a
 * shell with job control (its own process group, the terminal's
 * foreground; Ctrl-Z can stop it), act on it once, and tell how it left
 * the terminal. No expect(1) or Python needed: the tests run it on the
 * host and in the nested harness's L1 alike.
 *
 *   ptyrun [-q] WAIT SEND -- COMMAND [ARG...]
 *
 * WAIT is a string to wait for in the terminal's output, or "--raw": wait
 * until the command has made the terminal raw (canonical mode off). SEND
 * is what to do then: bytes to type (C escapes \n \r \0NN and \xHH undone),
 * typed one a second when it starts with "--keys=" (so the command sees
 * each key alone), or "--signal=NAME" (INT, QUIT, TERM, HUP, KILL) sent to
 * the command as another program would.
 *
 * The command's standard error stays ptyrun's, apart from the terminal.
 * The terminal's output is copied to stdout (-q: drained, not shown), and
 * events are lines of their own: "ptyrun: raw" when the terminal went
 * raw, "ptyrun: stopped" when the command was stopped (it is continued),
 * at the end "ptyrun: status N" (128 + N for signal N) and "ptyrun:
 * terminal restored" (canonical mode and echo on again) or "ptyrun:
 * terminal left raw". The exit status is the command's; 2 for usage, 124
 * when nothing happened for 120 s after the action.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_S 120

static size_t unescape(const char *in, char *out, size_t max)
{
	size_t n = 0;

	for (; *in && n < max; in++) {
		if (*in != '\\') {
			out[n++] = *in;
			continue;
		}
		switch (*++in) {
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 'x':
			if (!in[1] || !in[2])
				return n;
			out[n++] = (char)strtol((char[]){ in[1], in[2], 0 }, NULL, 16);
			in += 2;
			break;
		case '0':
			if (!in[1] || !in[2])
				return n;
			out[n++] = (char)strtol((char[]){ in[1], in[2], 0 }, NULL, 8);
			in += 2;
			break;
		case '\0': return n;
		default: out[n++] = *in; break;
		}
	}
	return n;
}

static int signal_number(const char *name)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "INT", SIGINT }, { "QUIT", SIGQUIT }, { "TERM", SIGTERM },
		{ "HUP", SIGHUP }, { "KILL", SIGKILL },
	};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(name, sigs[i].name))
			return sigs[i].sig;
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The "shell": a session on the terminal, the command its foreground
 * job. It reports the command's pid, stops and end on the pipe. */
static void shell(int slave, int report, char **argv)
{
	pid_t pid;
	int st;

	setsid();
	ioctl(slave, TIOCSCTTY, 0);
	pid = fork();
	if (!pid) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(slave, getpid());
		signal(SIGTTOU, SIG_DFL);
		dup2(slave, 0);
		dup2(slave, 1);
		close(slave);
		close(report);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	dprintf(report, "pid %d\n", (int)pid);
	for (;;) {
		if (waitpid(pid, &st, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			dprintf(report, "status 125\n");
			_exit(0);
		}
		if (WIFSTOPPED(st)) {
			dprintf(report, "stopped\n");
			kill(pid, SIGCONT);
			continue;
		}
		dprintf(report, "status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) :
			128 + WTERMSIG(st));
		_exit(0);
	}
}

int main(int argc, char **argv)
{
	char send[1024], seen[8192] = "", rbuf[256];
	size_t nsend = 0, nseen = 0, nr = 0, sent = 0;
	bool quiet = false, raw_seen = false, acting = false, done = false;
	bool wait_raw, keys = false;
	const char *wait, *act;
	int master, slave, report[2], sig = 0, status = 124;
	double deadline = 0, next_key = 0;
	pid_t pid = 0;
	struct termios t;

	if (argc > 1 && !strcmp(argv[1], "-q")) {
		quiet = true;
		argv++;
		argc--;
	}
	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: ptyrun [-q] WAIT|--raw SEND|--keys=KEYS|"
			"--signal=NAME -- COMMAND [ARG...]\n");
		return 2;
	}
	wait = argv[1];
	act = argv[2];
	wait_raw = !strcmp(wait, "--raw");
	if (!strncmp(act, "--signal=", 9)) {
		sig = signal_number(act + 9);
		if (!sig) {
			fprintf(stderr, "ptyrun: %s: unknown signal\n", act + 9);
			return 2;
		}
	} else {
		keys = !strncmp(act, "--keys=", 7);
		nsend = unescape(keys ? act + 7 : act, send, sizeof(send));
	}
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0 || pipe(report) < 0) {
		perror("ptyrun: openpty");
		return 2;
	}
	if (!fork()) {
		close(master);
		close(report[0]);
		shell(slave, report[1], argv + 4);
	}
	close(report[1]);
	setvbuf(stdout, NULL, _IONBF, 0);
	while (!done) {
		struct pollfd p[2] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = report[0], .events = POLLIN },
		};
		char buf[4096];
		ssize_t n;

		poll(p, 2, 100);
		if (p[0].revents & POLLIN) {
			n = read(master, buf, sizeof(buf));
			if (n > 0 && !quiet)
				fwrite(buf, 1, (size_t)n, stdout);
			if (n > 0 && !wait_raw && !acting) {
				size_t keep = nseen + (size_t)n < sizeof(seen) - 1 ?
					      (size_t)n : sizeof(seen) - 1 - nseen;

				memcpy(seen + nseen, buf, keep);
				nseen += keep;
				seen[nseen] = '\0';
				if (strstr(seen, wait)) {
					acting = true;
					next_key = now() + 0.5;
				} else if (nseen > sizeof(seen) / 2) {
					memmove(seen, seen + nseen - 256, 256);
					nseen = 256;
					seen[nseen] = '\0';
				}
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			n = read(report[0], rbuf + nr, sizeof(rbuf) - 1 - nr);
			if (n <= 0)
				break;
			nr += (size_t)n;
			rbuf[nr] = '\0';
			for (char *nl; (nl = strchr(rbuf, '\n'));) {
				*nl = '\0';
				if (!strncmp(rbuf, "pid ", 4)) {
					pid = (pid_t)atoi(rbuf + 4);
				} else if (!strncmp(rbuf, "status ", 7)) {
					status = atoi(rbuf + 7);
					printf("\nptyrun: %s\n", rbuf);
					done = true;
				} else {
					printf("\nptyrun: %s\n", rbuf);
				}
				memmove(rbuf, nl + 1, strlen(nl + 1) + 1);
				nr = strlen(rbuf);
			}
		}
		if (done || !pid)
			continue;
		if (!raw_seen && !tcgetattr(slave, &t) && !(t.c_lflag & ICANON)) {
			raw_seen = true;
			printf("\nptyrun: raw\n");
			if (wait_raw) {
				acting = true;
				next_key = now() + 0.5;
			}
		}
		if (acting && !deadline && sig) {
			kill(pid, sig);
			deadline = now() + LIMIT_S;
		}
		if (acting && !sig && sent < nsend && now() >= next_key) {
			size_t len = keys ? 1 : nsend;

			if (write(master, send + sent, len) < 0)
				perror("ptyrun: write");
			sent += len;
			next_key = now() + 1;
			if (sent == nsend)
				deadline = now() + LIMIT_S;
		}
		if (deadline && now() > deadline) {
			printf("\nptyrun: timed out\n");
			kill(pid, SIGKILL);
			deadline = now() + LIMIT_S;
		}
	}
	if (!tcgetattr(slave, &t) && (t.c_lflag & ICANON) && (t.c_lflag & ECHO))
		printf("ptyrun: terminal restored\n");
	else
		printf("ptyrun: terminal left raw\n");
	return status;
}
