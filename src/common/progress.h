/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_PROGRESS_H
#define TINYRD_PROGRESS_H

/*
 * Progress for long work, on a terminal only: nothing for the first
 * second, then one line on stderr, rewritten a few times a second with
 * what progress_set() last said, and wiped by progress_end(). Silent
 * when stderr is not a terminal, with -q, and with -v (whose lines it
 * would cut). One piece of work at a time.
 */
void progress_begin(void);
void progress_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_end(void);

#endif
