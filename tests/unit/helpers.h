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

/* Collect what is written to stderr between the two calls. */
struct capture {
	int saved;
	FILE *tmp;
};
void capture_begin(struct capture *c);
char *capture_end(struct capture *c);

#endif
