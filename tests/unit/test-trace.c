// SPDX-License-Identifier: MIT
/* build --trace's filter: the roots it leaves out (lexically and through
 * symlinks), the git work tree's top, and the other reasons a recorded
 * path stays out of the image. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/image/trace.h"

static void test_roots(void **state)
{
	struct trace_filter f;

	(void)state;
	trace_filter_init(&f, "/home/u", NULL);
	assert_string_equal(trace_filter_match(&f, "/proc"), "under /proc");
	assert_string_equal(trace_filter_match(&f, "/proc/self/maps"), "under /proc");
	assert_string_equal(trace_filter_match(&f, "/sys/kernel/x"), "under /sys");
	assert_string_equal(trace_filter_match(&f, "/dev/null"), "under /dev");
	assert_string_equal(trace_filter_match(&f, "/home/u/.config/x"),
			    "under $HOME (/home/u)");
	/* A prefix of a name is not a parent. */
	assert_null(trace_filter_match(&f, "/procfs/x"));
	assert_null(trace_filter_match(&f, "/devices"));
	assert_null(trace_filter_match(&f, "/home/user/x"));
	assert_null(trace_filter_match(&f, "/usr/lib/libc.so.6"));
	/* As the path reads, "." and ".." resolved. */
	assert_string_equal(trace_filter_match(&f, "/usr/../proc/1/maps"), "under /proc");
	assert_string_equal(trace_filter_match(&f, "//dev/./zero"), "under /dev");
	trace_filter_free(&f);
}

/* A home or a tree that is "/" would leave everything out: not a root. */
static void test_root_dir_is_no_root(void **state)
{
	struct trace_filter f;

	(void)state;
	trace_filter_init(&f, "/", "/");
	assert_null(trace_filter_match(&f, "/usr/bin/python3"));
	assert_non_null(trace_filter_match(&f, "/proc/x"));
	trace_filter_free(&f);
	trace_filter_init(&f, "", NULL);
	assert_null(trace_filter_match(&f, "/usr/bin/python3"));
	trace_filter_free(&f);
}

/* The working tree is the current directory, or the top of the git work
 * tree it is in (.git a directory, or the file of a linked worktree). */
static void test_work_tree(void **state)
{
	char *d = mktemp_dir(), *cwd, *top, *why, *p;
	struct trace_filter f;

	(void)state;
	mkdir_at(d, "plain/sub");
	mkdir_at(d, "repo/.git");
	mkdir_at(d, "repo/a/b");
	write_at(d, "wt/.git", "gitdir: /x\n", 11, 0644);
	mkdir_at(d, "wt/c");

	cwd = path_join(d, "plain/sub");
	trace_filter_init(&f, NULL, cwd);
	why = xasprintf("in the working tree (%s)", cwd);
	p = path_join(cwd, "f");
	assert_string_equal(trace_filter_match(&f, p), why);
	free(p);
	p = path_join(d, "plain/g");
	assert_null(trace_filter_match(&f, p));
	free(p);
	trace_filter_free(&f);
	free(why);
	free(cwd);

	cwd = path_join(d, "repo/a/b");
	top = path_join(d, "repo");
	trace_filter_init(&f, NULL, cwd);
	why = xasprintf("in the working tree (%s)", top);
	p = path_join(d, "repo/data");
	assert_string_equal(trace_filter_match(&f, p), why);
	free(p);
	trace_filter_free(&f);
	free(why);
	free(top);
	free(cwd);

	cwd = path_join(d, "wt/c");
	top = path_join(d, "wt");
	trace_filter_init(&f, NULL, cwd);
	why = xasprintf("in the working tree (%s)", top);
	assert_string_equal(trace_filter_match(&f, top), why);
	trace_filter_free(&f);
	free(why);
	free(top);
	free(cwd);

	rm_rf(d);
	free(d);
}

/* Written, under a root once its symlinks are resolved, gone, special:
 * out; a file or a directory: in, with its stat. */
static void test_why(void **state)
{
	char *d = mktemp_dir(), *p, *home;
	struct trace_filter f;
	struct stat st;

	(void)state;
	write_at(d, "etc/conf", "x", 1, 0644);
	mkdir_at(d, "home/me");
	write_at(d, "home/me/rc", "y", 1, 0644);
	symlink_at(d, "etc/mounts", "/proc/self/mounts");
	symlink_at(d, "etc/rc", "../home/me/rc");
	symlink_at(d, "etc/dangling", "nowhere");
	home = path_join(d, "home/me");
	trace_filter_init(&f, home, NULL);

	p = path_join(d, "etc/conf");
	assert_null(trace_filter_why(&f, p, TRACE_READ, &st));
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(trace_filter_why(&f, p, TRACE_READ | TRACE_WRITE, &st),
			    "written by the command");
	free(p);
	assert_null(trace_filter_why(&f, d, TRACE_PROBE, &st));
	assert_true(S_ISDIR(st.st_mode));
	p = path_join(d, "etc/mounts");
	assert_string_equal(trace_filter_why(&f, p, TRACE_READ, &st), "under /proc");
	free(p);
	p = path_join(d, "etc/rc");
	assert_non_null(strstr(trace_filter_why(&f, p, TRACE_READ, &st), "under $HOME"));
	free(p);
	p = path_join(d, "etc/dangling");
	assert_string_equal(trace_filter_why(&f, p, TRACE_PROBE, &st), "gone");
	free(p);
	p = path_join(d, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_string_equal(trace_filter_why(&f, p, TRACE_READ, &st),
			    "not a file or directory");
	free(p);

	trace_filter_free(&f);
	free(home);
	rm_rf(d);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_root_dir_is_no_root),
		cmocka_unit_test(test_work_tree),
		cmocka_unit_test(test_why),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
