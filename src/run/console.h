/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CONSOLE_H
#define TINYRD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/util.h"

/*
 * What the guest's console (ttyS0) says, read as it streams: the status
 * the init reports ("tinyrd-init: exit status N", abi.h), the kernel's
 * panic line, and the last lines for a diagnosis. VMM-independent.
 */
#define CONSOLE_TAIL_LINES 30

struct console {
	struct buf line;		/* the line being read */
	char *tail[CONSOLE_TAIL_LINES];	/* ring of the last lines */
	unsigned ntail, next;
	int status;			/* -1 until reported */
	char *panic;			/* "Kernel panic - not syncing: ..." */
	bool panic_after_status;	/* the kernel died after the report */
};

void console_init(struct console *c);
void console_free(struct console *c);
void console_feed(struct console *c, const char *data, size_t n);
/* Flush a last line without a newline. */
void console_end(struct console *c);
/* The last lines, oldest first, each ending in "\n". */
void console_tail(const struct console *c, struct buf *out);

#endif
