// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "console.h"
#include "../common/abi.h"
#include "../vmm/watch.h"

void console_init(struct console *c, int say_fd)
{
	memset(c, 0, sizeof(*c));
	c->status = -1;
	c->say_fd = say_fd;
}

void console_free(struct console *c)
{
	for (unsigned i = 0; i < CONSOLE_TAIL_LINES; i++)
		free(c->tail[i]);
	buf_free(&c->line);
	free(c->panic);
	free(c->init_said);
	memset(c, 0, sizeof(*c));
}

/* Serial consoles end lines in "\r\n" and carry escapes; keep text. */
static char *clean(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			continue;
		out[o++] = ch == '\t' || ch >= 0x20 ? (char)ch : '?';
	}
	out[o] = '\0';
	return out;
}

static void take_line(struct console *c)
{
	char *l = clean(c->line.p ? c->line.p : "", c->line.len);
	const char *p;
	unsigned long st;

	buf_reset(&c->line);
	/* The init's report, of the command's status or of its own
	 * failure; the last one counts. */
	if ((p = strstr(l, TINYRD_STATUS_LINE)) ||
	    (p = strstr(l, TINYRD_FAILED_LINE))) {
		bool failed = !strncmp(p, TINYRD_FAILED_LINE,
				       strlen(TINYRD_FAILED_LINE));

		p += strlen(failed ? TINYRD_FAILED_LINE : TINYRD_STATUS_LINE);
		if (!parse_ulong(p, 10, &st) && st <= 255) {
			c->status = (int)st;
			c->init_failed = failed;
		}
	} else if (strstr(l, TINYRD_STARTED_LINE)) {
		__atomic_store_n(&c->started, vm_now_ms(), __ATOMIC_RELEASE);
	} else if ((p = strstr(l, TINYRD_INIT_PREFIX)) &&
		   strncmp(p, TINYRD_TRACE_LINE, strlen(TINYRD_TRACE_LINE))) {
		free(c->init_said);
		c->init_said = xstrdup(p + strlen(TINYRD_INIT_PREFIX));
		if (c->say_fd >= 0) {
			write_all(c->say_fd, p, strlen(p));
			write_all(c->say_fd, "\n", 1);
		}
	}
	if ((p = strstr(l, "Kernel panic - not syncing"))) {
		if (!c->panic)
			c->panic = xstrdup(p);
		c->panic_after_status |= c->status >= 0;
	}
	free(c->tail[c->next]);
	c->tail[c->next] = l;
	c->next = (c->next + 1) % CONSOLE_TAIL_LINES;
	if (c->ntail < CONSOLE_TAIL_LINES)
		c->ntail++;
}

void console_feed(struct console *c, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			take_line(c);
			continue;
		}
		/* A runaway line is cut, not kept whole. */
		if (c->line.len < 4096)
			buf_addc(&c->line, data[i]);
	}
}

void console_end(struct console *c)
{
	if (c->line.len)
		take_line(c);
}

void console_tail(const struct console *c, struct buf *out)
{
	unsigned first = (c->next + CONSOLE_TAIL_LINES - c->ntail) % CONSOLE_TAIL_LINES;

	for (unsigned i = 0; i < c->ntail; i++)
		buf_printf(out, "%s\n", c->tail[(first + i) % CONSOLE_TAIL_LINES]);
}
