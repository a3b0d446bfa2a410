// SPDX-License-Identifier: MIT
/* Signals, the terminal and the watchdogs around a running guest. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "watch.h"
#include "../common/util.h"

/* SIGQUIT too: kill -QUIT would otherwise leave the terminal raw. */
static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static int sigpipe_fd[2] = { -1, -1 };

long long vm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	unsigned char s = (unsigned char)sig;

	if (write(sigpipe_fd[1], &s, 1) < 0)
		return;
}

int vm_watch_begin(struct vm_watch *w, const struct vm_config *c, bool raw)
{
	struct sigaction sa = { .sa_handler = on_signal };

	_Static_assert(ARRAY_SIZE(sigs) == ARRAY_SIZE(w->old), "signals");
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->sigfd = -1;
	if (pipe2(sigpipe_fd, O_CLOEXEC | O_NONBLOCK))
		return error_errno(errno, "pipe");
	w->sigfd = sigpipe_fd[0];
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &w->old[i]);
	w->installed = true;
	w->have_tty = c->interactive && !tcgetattr(STDIN_FILENO, &w->tty);
	if (w->have_tty && raw) {
		struct termios t = w->tty;

		cfmakeraw(&t);
		t.c_lflag |= ISIG;
		t.c_cc[VQUIT] = _POSIX_VDISABLE;
		t.c_cc[VSUSP] = _POSIX_VDISABLE;
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	w->start = vm_now_ms();
	return 0;
}

int vm_watch_signal(struct vm_watch *w)
{
	unsigned char s;

	return read(w->sigfd, &s, 1) == 1 ? s : 0;
}

/* Is the silence watchdog armed: a limit, and (when it counts from the
 * command's start) the command started? */
static bool silence_armed(const struct vm_config *c)
{
	return c->silence_timeout && (!c->silence_from_start ||
				      c->console.started(c->console.ctx) > 0);
}

bool vm_watch_expired(const struct vm_watch *w, long long now,
		      long long last_output, char *why, size_t n)
{
	const struct vm_config *c = w->c;

	if (c->timeout && now - w->start >= c->timeout * 1000LL) {
		if (n)
			why[0] = '\0';
		return true;
	}
	if (silence_armed(c) &&
	    now - last_output >= c->silence_timeout * 1000LL) {
		snprintf(why, n, "no console output for %u s",
			 c->silence_timeout);
		return true;
	}
	return false;
}

int vm_watch_wait(const struct vm_watch *w, long long now,
		  long long last_output)
{
	const struct vm_config *c = w->c;
	long long end = -1;

	if (c->timeout)
		end = w->start + c->timeout * 1000LL;
	if (silence_armed(c) &&
	    (end < 0 || last_output + c->silence_timeout * 1000LL < end))
		end = last_output + c->silence_timeout * 1000LL;
	if (end < 0)
		return -1;
	if (end - now > INT_MAX)
		return INT_MAX;
	return end > now ? (int)(end - now) : 0;
}

void vm_watch_end(struct vm_watch *w)
{
	if (w->installed)
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &w->old[i], NULL);
	w->installed = false;
	if (w->have_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &w->tty);
	w->have_tty = false;
	for (int i = 0; i < 2; i++) {
		if (sigpipe_fd[i] >= 0)
			close(sigpipe_fd[i]);
		sigpipe_fd[i] = -1;
	}
	w->sigfd = -1;
}
