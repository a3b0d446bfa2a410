// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

int log_level = LOG_NORMAL;
static const char *context;
static struct buf *captured;

struct buf *log_capture(struct buf *b)
{
	struct buf *old = captured;

	captured = b;
	return old;
}

const char *log_context(void)
{
	return context;
}

const char *log_set_context(const char *ctx)
{
	const char *old = context;

	context = ctx;
	return old;
}

static char last_error[512];

const char *log_last_error(void)
{
	return last_error;
}

static void vsay(const char *kind, const char *fmt, va_list ap, int err)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Kept whole up to its room; a longer one is cut. */
	if (!strcmp(kind, "error: ") && !captured &&
	    snprintf(last_error, sizeof(last_error), "%s%s%s%s%s",
		     context ? context : "", context ? ": " : "", msg,
		     err ? ": " : "", err ? strerror(err) : "") < 0)
		last_error[0] = '\0';
	if (captured) {
		buf_printf(captured, "%s%s%s%s%s\n", context ? context : "",
			   context ? ": " : "", msg, err ? ": " : "",
			   err ? strerror(err) : "");
		return;
	}
	fprintf(stderr, "tinyrd: %s%s%s%s", kind, context ? context : "",
		context ? ": " : "", msg);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("error: ", fmt, ap, 0);
	va_end(ap);
	return -EINVAL;
}

int error_errno(int err, const char *fmt, ...)
{
	va_list ap;

	if (err < 0)
		err = -err;
	if (!err)
		err = EIO;
	va_start(ap, fmt);
	vsay("error: ", fmt, ap, err);
	va_end(ap);
	return -err;
}

void warn(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vsay("warning: ", fmt, ap, 0);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vsay("note: ", fmt, ap, 0);
	va_end(ap);
}

void verbose(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vsay("debug: ", fmt, ap, 0);
	va_end(ap);
}
