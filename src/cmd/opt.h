/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CMD_OPT_H
#define TINYRD_CMD_OPT_H

/*
 * A command's options as one table: getopt's tables and the --help lines
 * are both made from it (opt.c), so the parser and the help cannot
 * disagree, and t0800 holds the man pages to the help both ways.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

struct cmd_opt {
	const char *name;	/* the long name */
	int key;		/* the letter, or an OPT_* above 255 */
	const char *arg;	/* its argument in --help; NULL: it takes none */
	const char *help;	/* its --help text; "\n" starts a new line */
	unsigned flags;		/* which commands take it (the table's own) */
};

/* A table ends with a row whose name is NULL. Of the tables given (a
 * NULL-ended list), the rows whose flags include want (0: every row):
 * getopt's long options in lo (room for max, NULL-ended) and short ones
 * in shortopts (room for n). Returns the rows taken. */
size_t cmd_opt_getopt(const struct cmd_opt *const *tables, unsigned want,
		      struct option *lo, size_t max, char *shortopts, size_t n);

/* The --help lines of the rows of t whose flags include want (0: all). */
void cmd_opt_usage(FILE *f, const struct cmd_opt *t, unsigned want);

#endif
