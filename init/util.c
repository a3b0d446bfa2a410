// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif
#include <sys/reboot.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "init.h"
#include "../src/common/abi.h"

bool init_debug;
bool init_stdin;
int init_out_fd = -1;

void complain(const char *step, const char *object, int err)
{
	if (object)
		dprintf(2, "tinyrd-init: %s: %s: %s\n", step, object, strerror(err));
	else
		dprintf(2, "tinyrd-init: %s: %s\n", step, strerror(err));
}

void die(const char *step, const char *object, int err)
{
	complain(step, object, err);
	report(TINYRD_STATUS_FAILED, true);
}

/*
 * tinyrd.debug: every step with the time since the init started. A step
 * goes to the kernel log as it happens (on the console when the log level
 * shows KERN_INFO, as without "quiet"), which costs next to nothing, and
 * all of them are printed on the console at the end: printing each one on
 * a serial console as it happened would be most of what it measured.
 */
#define MAX_TRACES 64

static struct {
	long long ns;
	char msg[112];
} traces[MAX_TRACES];
static unsigned ntraces;
static long long t0;
static int kmsg = -1;

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void trace_start(void)
{
	t0 = mono_ns();
}

void trace(const char *fmt, ...)
{
	long long ns;
	va_list ap;

	if (!init_debug || ntraces >= MAX_TRACES)
		return;
	ns = mono_ns() - t0;
	traces[ntraces].ns = ns;
	va_start(ap, fmt);
	vsnprintf(traces[ntraces].msg, sizeof(traces[ntraces].msg), fmt, ap);
	va_end(ap);
	if (kmsg < 0)
		kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (kmsg >= 0)
		dprintf(kmsg, "<6>tinyrd-init: +%lld.%03lld ms %s\n", ns / 1000000,
			ns / 1000 % 1000, traces[ntraces].msg);
	ntraces++;
}

static void print_traces(void)
{
	for (unsigned i = 0; i < ntraces; i++)
		dprintf(2, TINYRD_TRACE_LINE "%lld.%03lld ms %s\n",
			traces[i].ns / 1000000, traces[i].ns / 1000 % 1000,
			traces[i].msg);
}

void port_out(unsigned short port, unsigned char value)
{
#if defined(__x86_64__) || defined(__i386__)
	if (!ioperm(port, 1, 1))
		outb(value, port);
#else
	(void)port;
	(void)value;
#endif
}

void report(int status, bool failed)
{
	print_traces();
	dprintf(2, "%s%d\n", failed ? TINYRD_FAILED_LINE : TINYRD_STATUS_LINE,
		status);
	/* The VM ends at the port write: what the ttys still hold must be
	 * on the wire first, the command's output and this line. */
	if (init_out_fd >= 0)
		tcdrain(init_out_fd);
	tcdrain(2);
	sync();
	/* On a PC, QEMU's isa-debug-exit and tinyrd's launcher end the VM
	 * here; elsewhere the power-off does (PSCI SYSTEM_OFF on arm64). */
	port_out(TINYRD_EXIT_PORT, (unsigned char)status);
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
