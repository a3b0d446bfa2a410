// SPDX-License-Identifier: MIT
/* A progress line on a terminal (progress.h), drawn by a thread of its own
 * so that one long step (a compression) still shows. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

#define QUIET_MS 1000
#define EVERY_MS 250

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running, stop, shown;
	char msg[160];
} p = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void after_ms(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static void *draw(void *arg)
{
	struct timespec until;
	int r = 0;

	(void)arg;
	pthread_mutex_lock(&p.lock);
	after_ms(&until, QUIET_MS);
	while (!p.stop) {
		r = pthread_cond_timedwait(&p.cond, &p.lock, &until);
		if (p.stop)
			break;
		if (r == ETIMEDOUT) {
			if (p.msg[0]) {
				fprintf(stderr, "\r%s\033[K", p.msg);
				fflush(stderr);
				p.shown = true;
			}
			after_ms(&until, EVERY_MS);
		}
	}
	pthread_mutex_unlock(&p.lock);
	return NULL;
}

void progress_begin(void)
{
	pthread_condattr_t ca;

	if (p.running || log_level != LOG_NORMAL || !isatty(STDERR_FILENO))
		return;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p.cond, &ca);
	pthread_condattr_destroy(&ca);
	p.stop = p.shown = false;
	p.msg[0] = '\0';
	p.running = !pthread_create(&p.thread, NULL, draw, NULL);
}

void progress_set(const char *fmt, ...)
{
	va_list ap;

	if (!p.running)
		return;
	pthread_mutex_lock(&p.lock);
	va_start(ap, fmt);
	vsnprintf(p.msg, sizeof(p.msg), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&p.lock);
}

void progress_end(void)
{
	if (!p.running)
		return;
	pthread_mutex_lock(&p.lock);
	p.stop = true;
	pthread_cond_signal(&p.cond);
	pthread_mutex_unlock(&p.lock);
	pthread_join(p.thread, NULL);
	p.running = false;
	if (p.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
