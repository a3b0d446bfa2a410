/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_LOG_H
#define TINYRD_LOG_H

/*
 * Messages go to stderr as "tinyrd: error: <object>: <text>", object first,
 * errno text last. stdout is for data. The level is raised by -v and lowered
 * by -q; errors are printed at every level, warnings unless -q.
 */
enum log_level {
	LOG_QUIET = -1,	/* -q: errors only */
	LOG_NORMAL = 0,	/* warnings and notes */
	LOG_VERBOSE = 1,	/* -v: what is copied and why */
	LOG_DEBUG = 2,	/* -vv: library chatter (libkmod, search paths) */
};

extern int log_level;

struct buf;
/* Send messages to b instead of stderr (NULL: back to stderr); returns
 * the previous target. For probes whose failures are answers. */
struct buf *log_capture(struct buf *b);

/* The last error said (not captured), without "tinyrd: error: ", or "". */
const char *log_last_error(void);

/* A prefix for every message ("recipe:12"), or NULL; returns the old one.
 * Lets a recipe line name itself in errors raised far below it. */
const char *log_set_context(const char *ctx);
/* The context set, or NULL. */
const char *log_context(void);

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* All of these return -err (or -EINVAL for error()) so callers can write
 * "return error_errno(errno, "open %s", path);". */
int error(const char *fmt, ...) PRINTF(1, 2);
int error_errno(int err, const char *fmt, ...) PRINTF(2, 3);
void warn(const char *fmt, ...) PRINTF(1, 2);
void note(const char *fmt, ...) PRINTF(1, 2);
/* -v listing: printed bare (no prefix), like make-tiny-image's log. */
void verbose(const char *fmt, ...) PRINTF(1, 2);
void debug(const char *fmt, ...) PRINTF(1, 2);

#endif
