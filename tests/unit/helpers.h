/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_TEST_HELPERS_H
#define TINYRD_TEST_HELPERS_H

/* cmocka needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "../../src/common/util.h"

/* Skip the test and say why, on a line of its own that tests/tally.awk
 * pairs with cmocka's "# SKIP" line: a skip without a reason is counted
 * as a failure. */
#define skip_because(...) do {					\
		print_message("SKIP: " __VA_ARGS__);		\
		print_message("\n");				\
		skip();						\
	} while (0)

/* A fresh directory under $TMPDIR, removed with rm_rf(). */
char *mktemp_dir(void);
void rm_rf(const char *path);
/* Write a file, creating parent directories. */
void write_at(const char *dir, const char *rel, const void *data, size_t len,
	      mode_t mode);
void symlink_at(const char *dir, const char *rel, const char *target);
void mkdir_at(const char *dir, const char *rel);
/* Run a shell command and return its stdout; NULL if it failed. */
char *run_capture(const char *cmd);
bool have_program(const char *name);
/* Debian's kernel, unpacked by tests/fixtures/kernel.sh (TINYRD_KERNEL_DIR,
 * set by tests/run), or NULL; and why it is missing. */
const char *kernel_fixture(void);
const char *kernel_fixture_why(void);

/* Collect what is written to stderr between the two calls. */
struct capture {
	int saved;
	FILE *tmp;
};
void capture_begin(struct capture *c);
char *capture_end(struct capture *c);

#endif
