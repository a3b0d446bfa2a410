/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CONSOLE_H
#define TINYRD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/util.h"

/*
 * What the guest's console (ttyS0) says, read as it streams: the status
 * the init reports ("tinyrd-init: exit status N", or its own failure,
 * abi.h), whether the command has started, the kernel's panic line, and
 * the last lines for a diagnosis. The init's own lines (errors, notes;
 * not its status, start or timing lines) go on to say_fd as they come,
 * unless it is -1: so they reach the user even when the console is not
 * on show. VMM-independent.
 */
#define CONSOLE_TAIL_LINES 30

struct console {
	struct buf line;		/* the line being read */
	char *tail[CONSOLE_TAIL_LINES];	/* ring of the last lines */
	unsigned ntail, next;
	int status;			/* -1 until reported */
	bool init_failed;		/* the status is the init's failure */
	long long started;		/* atomic: when the command started
					 * (vm_now_ms()), or 0 */
	char *panic;			/* "Kernel panic - not syncing: ..." */
	bool panic_after_status;	/* the kernel died after the report */
	int say_fd;			/* the init's lines go here, or -1 */
	char *init_said;		/* the last of them */
};

/* say_fd: where the init's own lines go (-1: nowhere). */
void console_init(struct console *c, int say_fd);
void console_free(struct console *c);
void console_feed(struct console *c, const char *data, size_t n);
/* Flush a last line without a newline. */
void console_end(struct console *c);
/* The last lines, oldest first, each ending in "\n". */
void console_tail(const struct console *c, struct buf *out);

#endif
