// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "init.h"
#include "../src/common/abi.h"

bool init_debug;

void complain(const char *step, const char *object, int err)
{
	dprintf(2, "tinyrd-init: %s: %s: %s\n", step, object, strerror(err));
}

void die(const char *step, const char *object, int err)
{
	complain(step, object, err);
	report(STATUS_INFRA);
}

void trace(const char *fmt, ...)
{
	struct timespec ts;
	char msg[512];
	va_list ap;

	if (!init_debug)
		return;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(2, "[%5ld.%06ld] tinyrd-init: %s\n", (long)ts.tv_sec,
		ts.tv_nsec / 1000, msg);
}

void report(int status)
{
	dprintf(2, "tinyrd-init: exit status %d\n", status);
	sync();
	/* QEMU's isa-debug-exit and tinyrd's launcher end the VM here. */
	if (!ioperm(TINYRD_EXIT_PORT, 1, 1))
		outb((unsigned char)status, TINYRD_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

char *slurp(const char *path, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *p = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !p) {
		int err = fd < 0 ? errno : ENOMEM;

		if (fd >= 0)
			close(fd);
		free(p);
		errno = err;
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *q = realloc(p, cap *= 2);

			if (!q) {
				free(p);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			p = q;
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			free(p);
			close(fd);
			errno = err;
			return NULL;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

/* The kernel's next_arg(): blanks separate, double quotes group and are
 * removed. */
char **cmdline_words(void)
{
	char *s = slurp("/proc/cmdline", NULL);
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!s || !v)
		return v ? v : calloc(1, sizeof(*v));
	for (char *p = s; *p;) {
		char *w, *o;
		bool quoted = false;
		char **nv;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		w = o = p;
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				*o++ = *p;
		}
		if (*p)
			p++;
		*o = '\0';
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n++] = w;
		v[n] = NULL;
	}
	return v;
}
