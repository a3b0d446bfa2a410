/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_WATCH_H
#define TINYRD_WATCH_H

/*
 * What both VMMs keep around a running guest (watch.c): the signals that
 * stop it (SIGINT, SIGTERM, SIGHUP, SIGQUIT) arrive on a pipe instead of
 * killing tinyrd, SIGPIPE is ignored, the terminal gets its settings back
 * at the end, and the watchdogs (--timeout, --silence-timeout) are timed
 * in one place. One guest per process.
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "vmm.h"

struct vm_watch {
	const struct vm_config *c;
	long long start;		/* ms, CLOCK_MONOTONIC */
	int sigfd;			/* readable when a stopping signal came */
	struct sigaction old[4];
	struct termios tty;
	bool have_tty, installed;
};

long long vm_now_ms(void);

/* Take the signals and keep the terminal's settings; with raw, the
 * terminal is the guest's serial line: bytes go as typed, Ctrl-C still
 * stops the guest, Ctrl-\ and Ctrl-Z are the guest's (from the keyboard
 * they would end or stop tinyrd with the terminal left raw). 0, or
 * -errno (said). */
int vm_watch_begin(struct vm_watch *w, const struct vm_config *c, bool raw);
/* The stopping signal that came, or 0. */
int vm_watch_signal(struct vm_watch *w);
/* Has a watchdog fired at now (ms), the console last heard at
 * last_output? why gets "" for --timeout, the silence otherwise. With
 * silence_from_start, silence counts only once the console says the
 * command started. */
bool vm_watch_expired(const struct vm_watch *w, long long now,
		      long long last_output, char *why, size_t n);
/* The ms until a watchdog fires (0: it has), or -1 without one. */
int vm_watch_wait(const struct vm_watch *w, long long now,
		  long long last_output);
/* The signals and the terminal as they were; the pipe closed. */
void vm_watch_end(struct vm_watch *w);

#endif
