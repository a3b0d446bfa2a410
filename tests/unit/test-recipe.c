// SPDX-License-Identifier: MIT
/* The recipe parser: gen_init_cpio's grammar, the resolving verbs, errors
 * that name file:line, and --print output read back as a recipe. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../src/image/build.h"
#include "../../src/image/recipe.h"

struct fx {
	struct build_opts o;
	struct build b;
	char *dir;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	build_opts_init(&f->o);
	assert_int_equal(build_init(&f->b, &f->o), 0);
	f->dir = mktemp_dir();
	*state = f;
	log_level = LOG_NORMAL;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	build_free(&f->b);
	build_opts_free(&f->o);
	rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int parse(struct fx *f, const char *text)
{
	char *name = path_join(f->dir, "test.recipe");
	int r = recipe_parse(&f->b, name, text);

	free(name);
	return r;
}

/* Parse and return the one-line error it printed. */
static char *parse_error(struct fx *f, const char *text)
{
	struct capture c;
	char *err, *base;

	capture_begin(&c);
	assert_true(parse(f, text) < 0);
	err = capture_end(&c);
	/* One line, naming the recipe. */
	assert_non_null(strchr(err, '\n'));
	assert_int_equal(strchr(err, '\n')[1], '\0');
	base = strstr(err, "test.recipe:");
	assert_non_null(base);
	return err;
}

static char *printed(struct manifest *m)
{
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	manifest_print(m, f);
	fclose(f);
	return p;
}

/* The kernel's own usr/default_cpio_list is valid input. */
static void test_default_cpio_list(void **state)
{
	struct fx *f = *state;
	static const char list[] =
		"# This is a very simple, default initramfs\n\n"
		"dir /dev 0755 0 0\n"
		"nod /dev/console 0600 0 0 c 5 1\n"
		"dir /root 0700 0 0\n"
		"# file /kinit usr/kinit/kinit 0755 0 0\n"
		"# slink /init kinit 0755 0 0\n";
	char *out;

	assert_int_equal(parse(f, list), 0);
	assert_int_equal(manifest_finalize(&f->b.m), 0);
	out = printed(&f->b.m);
	assert_string_equal(out, "dir /dev 0755 0 0\n"
				 "nod /dev/console 0600 0 0 c 5 1\n"
				 "dir /root 0700 0 0\n");
	free(out);
}

static void test_all_verbs(void **state)
{
	struct fx *f = *state;
	struct buf text = { 0 };
	struct entry *e;
	char *src;

	write_at(f->dir, "data/payload", "PAYLOAD", 7, 0644);
	write_at(f->dir, "tree/a", "A", 1, 0600);
	src = path_join(f->dir, "data/payload");
	setenv("TINYRD_TEST_DIR", f->dir, 1);
	buf_printf(&text,
		   "  # indented comment\r\n"
		   "file /bin/p ${TINYRD_TEST_DIR}/data/payload 0755 0 0 /bin/q /sbin/r\n"
		   "file /etc/rel data/payload 0600 1 2\n"
		   "dir /srv 2750 3 4\n"
		   "nod /dev/sda 0660 0 6 b 8 0\n"
		   "slink /bin/sh busybox 0777 0 0\n"
		   "pipe /run/p 0600 0 0\n"
		   "sock /run/s 0600 0 0\n"
		   "text /etc/motd 0644 0 0 \\x20hi\\tthere\\n\\0end\\\\ \n"
		   "text /etc/empty 0644 0 0\n"
		   "copy tree /opt/tree\n"
		   "copy tree:/opt/tree2\n"
		   "run echo \"a b\"; exit 3\n"
		   "env A=1 B=two=2\n");
	assert_int_equal(parse(f, text.p), 0);
	assert_int_equal(manifest_finalize(&f->b.m), 0);

	e = manifest_get(&f->b.m, "/bin/q");
	assert_non_null(e);
	assert_string_equal(e->source, src);
	assert_int_equal(e->ino, manifest_get(&f->b.m, "/sbin/r")->ino);
	assert_int_equal(e->nlink, 3);
	assert_string_equal(manifest_get(&f->b.m, "/etc/rel")->source, src);
	e = manifest_get(&f->b.m, "/srv");
	assert_int_equal(e->mode, 02750);
	assert_int_equal(e->uid, 3);
	assert_int_equal(e->gid, 4);
	e = manifest_get(&f->b.m, "/dev/sda");
	assert_int_equal(e->devtype, 'b');
	assert_int_equal(e->major, 8);
	assert_int_equal(manifest_get(&f->b.m, "/run/s")->type, ENTRY_SOCK);
	e = manifest_get(&f->b.m, "/etc/motd");
	assert_int_equal(e->size, 15);
	assert_memory_equal(e->data, " hi\tthere\n\0end\\", 15);
	assert_int_equal(manifest_get(&f->b.m, "/etc/empty")->size, 0);
	assert_int_equal(manifest_get(&f->b.m, "/opt/tree/a")->mode, 0600);
	assert_non_null(manifest_get(&f->b.m, "/opt/tree2/a"));
	assert_int_equal(f->b.argv.n, 3);
	assert_string_equal(f->b.argv.v[0], "/bin/sh");
	assert_string_equal(f->b.argv.v[2], "echo \"a b\"; exit 3");
	assert_int_equal(f->b.env.n, 2);
	assert_string_equal(f->b.env.v[1], "B=two=2");
	buf_free(&text);
	free(src);
}

/* What --print writes reads back as the same manifest: names with blanks,
 * every escape, hardlinks, decompression. */
static void test_print_round_trip(void **state)
{
	struct fx *f = *state;
	struct build_opts o2;
	struct build b2;
	char *one, *two, *src, *ko;

	write_at(f->dir, "we ird/file", "w", 1, 0644);
	write_at(f->dir, "${HOME}", "d", 1, 0644);
	write_at(f->dir, "m.ko.xz", "notreally", 9, 0644);
	src = path_join(f->dir, "we ird/file");
	ko = path_join(f->dir, "m.ko.xz");
	assert_int_equal(manifest_add_file(&f->b.m, "/a b/c", src, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_file(&f->b.m, "/hard", src, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_file(&f->b.m, "/copy", src, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_link(&f->b.m, "/a b/c", "k"), 0);
	assert_int_equal(manifest_link(&f->b.m, "/hard", "k"), 0);
	/* More names on one line than any fixed limit. */
	for (int i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "/many/%d", i);
		assert_int_equal(manifest_add_file(&f->b.m, name, src, 0644, 0, 0, NULL), 0);
		assert_int_equal(manifest_link(&f->b.m, name, "k"), 0);
	}
	{
		/* A dollar sign in a source is not a variable. */
		char *dollar = path_join(f->dir, "${HOME}");

		assert_int_equal(manifest_add_file(&f->b.m, "/dollar", dollar, 0644, 0, 0, NULL), 0);
		free(dollar);
	}
	assert_int_equal(manifest_add_file(&f->b.m, "/m.ko", ko, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_data(&f->b.m, "/t", " \x01\\\n\t\0 ", 7, 0600, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_slink(&f->b.m, "/l", "a b/c", 0777, 0, 0, NULL), 0);
	assert_int_equal(manifest_finalize(&f->b.m), 0);
	one = printed(&f->b.m);

	build_opts_init(&o2);
	assert_int_equal(build_init(&b2, &o2), 0);
	assert_int_equal(recipe_parse(&b2, "printed", one), 0);
	assert_int_equal(manifest_finalize(&b2.m), 0);
	two = printed(&b2.m);
	assert_string_equal(one, two);
	assert_non_null(strstr(two, "file /a\\x20b/c "));
	assert_non_null(strstr(two, " 0644 0 0 /hard /many/0 "));
	assert_int_equal(manifest_get(&b2.m, "/hard")->ino,
			 manifest_get(&b2.m, "/a b/c")->ino);
	assert_int_not_equal(manifest_get(&b2.m, "/copy")->ino,
			     manifest_get(&b2.m, "/hard")->ino);
	assert_int_equal(manifest_get(&b2.m, "/many/99")->nlink, 102);
	assert_true(str_ends(manifest_get(&b2.m, "/dollar")->source, "/${HOME}"));
	assert_true(manifest_get(&b2.m, "/m.ko")->decompress);
	assert_memory_equal(manifest_get(&b2.m, "/t")->data, " \x01\\\n\t\0 ", 7);
	build_free(&b2);
	build_opts_free(&o2);
	free(one);
	free(two);
	free(src);
	free(ko);
}

static void test_include(void **state)
{
	struct fx *f = *state;
	char *path;

	write_at(f->dir, "sub/inner.recipe", "dir /inner 0755 0 0\ninclude ../leaf\n", 36, 0644);
	write_at(f->dir, "leaf", "dir /leaf 0755 0 0\n", 19, 0644);
	assert_int_equal(parse(f, "include sub/inner.recipe\n"), 0);
	assert_non_null(manifest_get(&f->b.m, "/inner"));
	assert_non_null(manifest_get(&f->b.m, "/leaf"));

	write_at(f->dir, "loop.recipe", "include loop.recipe\n", 20, 0644);
	path = path_join(f->dir, "loop.recipe");
	log_level = LOG_QUIET;
	assert_int_equal(recipe_load(&f->b, path), -EINVAL);
	free(path);
}

static void test_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{ "dir /a 0755 0 0\nfiel /x y 0644 0 0\n", "test.recipe:2: unknown verb 'fiel'" },
		{ "\n\ndir /a 0755 0\n", "test.recipe:3: missing fields: expected 'dir NAME MODE UID GID'" },
		{ "dir /a 0755 0 0 extra\n", "test.recipe:1: too many fields" },
		{ "dir /a 0999 0 0\n", "test.recipe:1: '0999' is not a valid mode" },
		{ "dir /a 0755 root 0\n", "test.recipe:1: 'root' is not a valid number" },
		{ "nod /n 0600 0 0 x 1 1\n", "test.recipe:1: 'x' is not a device type" },
		{ "text /t 0644 0 0 bad\\q\n", "test.recipe:1: bad escape" },
		{ "file /f ${TINYRD_UNSET_VAR_X}/f 0644 0 0\n", "test.recipe:1: ${TINYRD_UNSET_VAR_X} is not set" },
		{ "file /f /nonexistent/f 0644 0 0\n", "test.recipe:1: /nonexistent/f: No such file or directory" },
		{ "include nowhere-at-all\n", "test.recipe:1: recipe nowhere-at-all: not found" },
		{ "run\n", "test.recipe:1: run: expected a shell command" },
		{ "env NOEQUALS\n", "test.recipe:1: env NOEQUALS: expected NAME=VALUE" },
		{ "bin /nonexistent/prog\n", "test.recipe:1: /nonexistent/prog: No such file or directory" },
		{ "dir /a\\0b 0755 0 0\n", "test.recipe:1: '/a\\0b': a name cannot hold a NUL byte" },
		{ "slink /a t\\nx 0777 0 0\n", "test.recipe:1: 't\\nx': a name cannot hold a newline" },
		{ "text /a\\x 5 0644 0 0 x\n", "test.recipe:1: bad escape in '/a\\x'" },
	};
	struct fx *f = *state;

	unsetenv("TINYRD_UNSET_VAR_X");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *err = parse_error(f, cases[i].text);

		if (!strstr(err, cases[i].expect))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].expect);
		free(err);
	}
}

/* The shipped templates parse (busybox needs the host's busybox). */
static void test_templates_parse(void **state)
{
	struct fx *f = *state;
	const char *src = getenv("TINYRD_SRCDIR");
	char *t = xasprintf("%s/templates", src && *src ? src : ".");

	(void)f;
	setenv("TINYRD_TEMPLATES", t, 1);
	if (!have_program("busybox"))
		skip_because("busybox is not installed");
	assert_int_equal(recipe_load(&f->b, "base"), 0);
	assert_int_equal(manifest_finalize(&f->b.m), 0);
	assert_non_null(manifest_get(&f->b.m, "/dev/console"));
	assert_non_null(manifest_get(&f->b.m, "/etc/passwd"));
	assert_non_null(manifest_get(&f->b.m, "/usr/bin/busybox") ?
			manifest_get(&f->b.m, "/usr/bin/busybox") :
			manifest_get(&f->b.m, "/bin/busybox"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_cpio_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_verbs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates_parse, setup, teardown),
	};

	return cmocka_run_group_tests_name("recipe", tests, NULL, NULL);
}
