// SPDX-License-Identifier: MIT
/*
 * busybox_hide on the host's real busybox: what busybox_applets_buf lists
 * afterwards, the names it cannot hide, the buffers it refuses; and the
 * patched busybox run, its own lookups the oracle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/image/busybox.h"

#define BUSYBOX "/bin/busybox"

/* The host's busybox in b, or the test skipped. */
static void host_busybox(struct buf *b)
{
	struct strv none = { 0 };
	int r;

	if (access(BUSYBOX, R_OK))
		skip_because(BUSYBOX " is not installed (busybox-static)");
	assert_int_equal(read_file(BUSYBOX, b), 0);
	r = busybox_hide(b->p, b->len, &none, NULL);
	if (r == -ENOTSUP)
		skip_because(BUSYBOX "'s applet lookup is not one tinyrd knows");
	assert_int_equal(r, 0);
}

/* The visible applet names of the busybox in b. */
static void names_of(const struct buf *b, struct strv *out)
{
	struct strv list = { 0 };
	bool located;

	assert_int_equal(busybox_applets_buf(b->p, b->len, &list, &located), 0);
	for (size_t i = 0; i < list.n; i++)
		strv_push(out, path_basename(list.v[i]));
	strv_free(&list);
}

/* Hide names in a copy of b: the copy, the names left in left. */
static void hide(const struct buf *b, const char *const *names, size_t n,
		 struct buf *out, struct strv *left)
{
	struct strv v = { 0 };

	for (size_t i = 0; i < n; i++)
		strv_push(&v, names[i]);
	buf_add(out, b->p, b->len);
	assert_int_equal(busybox_hide(out->p, out->len, &v, left), 0);
	strv_free(&v);
}

/* A plain name (ls) and two lookup pivots (mknod, readlink in Debian's
 * build) go; every other applet is still listed. */
static void test_hide_plain_and_pivots(void **state)
{
	static const char *const gone[] = { "ls", "mknod", "readlink" };
	struct buf b = { 0 }, h = { 0 };
	struct strv before = { 0 }, after = { 0 }, left = { 0 };

	(void)state;
	host_busybox(&b);
	names_of(&b, &before);
	for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
		assert_true(strv_contains(&before, gone[i]));
	hide(&b, gone, ARRAY_SIZE(gone), &h, &left);
	assert_int_equal(left.n, 0);
	names_of(&h, &after);
	assert_int_equal(after.n, before.n - ARRAY_SIZE(gone));
	for (size_t i = 0; i < before.n; i++) {
		bool hidden = false;

		for (size_t k = 0; k < ARRAY_SIZE(gone); k++)
			hidden |= !strcmp(before.v[i], gone[k]);
		assert_int_equal(strv_contains(&after, before.v[i]), !hidden);
	}
	assert_int_equal(h.len, b.len);
	assert_true(busybox_banner(h.p, h.len));
	strv_free(&before);
	strv_free(&after);
	buf_free(&b);
	buf_free(&h);
}

/* Debian's "ip" sits between "ionice" and "ipcalc" as a pivot: no other
 * bytes keep the order, so it stays, said in left, the bytes unchanged. */
static void test_hide_ip_left(void **state)
{
	static const char *const ip[] = { "ip" };
	struct buf b = { 0 }, h = { 0 };
	struct strv left = { 0 }, after = { 0 };

	(void)state;
	host_busybox(&b);
	hide(&b, ip, 1, &h, &left);
	if (!left.n)
		skip_because(BUSYBOX " can lose ip (not Debian's build)");
	assert_int_equal(left.n, 1);
	assert_string_equal(left.v[0], "ip");
	assert_memory_equal(h.p, b.p, b.len);
	names_of(&h, &after);
	assert_true(strv_contains(&after, "ip"));
	strv_free(&left);
	strv_free(&after);
	buf_free(&b);
	buf_free(&h);
}

/* Everything but the shell's names: only names of one char stay. */
static void test_hide_all_but_shell(void **state)
{
	struct buf b = { 0 }, h = { 0 };
	struct strv all = { 0 }, hid = { 0 }, left = { 0 }, after = { 0 };

	(void)state;
	host_busybox(&b);
	names_of(&b, &all);
	for (size_t i = 0; i < all.n; i++)
		if (strcmp(all.v[i], "sh") && strcmp(all.v[i], "ash"))
			strv_push(&hid, all.v[i]);
	buf_add(&h, b.p, b.len);
	assert_int_equal(busybox_hide(h.p, h.len, &hid, &left), 0);
	for (size_t i = 0; i < left.n; i++)
		assert_int_equal(strlen(left.v[i]), 1);
	names_of(&h, &after);
	assert_int_equal(after.n, 2 + left.n);
	assert_true(strv_contains(&after, "sh"));
	assert_true(strv_contains(&after, "ash"));
	for (size_t i = 0; i < left.n; i++)
		assert_true(strv_contains(&after, left.v[i]));
	strv_free(&all);
	strv_free(&hid);
	strv_free(&left);
	strv_free(&after);
	buf_free(&b);
	buf_free(&h);
}

/* No applet list: -EINVAL, from both. */
static void test_not_busybox(void **state)
{
	char text[] = "#!/bin/sh\necho hello\n\0just\0some\0words\0";
	struct strv names = { 0 }, out = { 0 };
	bool located;

	(void)state;
	strv_push(&names, "echo");
	assert_int_equal(busybox_hide(text, sizeof(text), &names, NULL),
			 -EINVAL);
	assert_int_equal(busybox_applets_buf(text, sizeof(text), &out,
					     &located), -EINVAL);
	assert_int_equal(out.n, 0);
	assert_false(busybox_banner(text, sizeof(text)));
	strv_free(&names);
}

/* A sorted list of 32 names or more and no pivot table: busybox's
 * generator would have made one, so the layout is unknown and nothing is
 * hidden; the names are still listed. */
static void test_no_pivot_table(void **state)
{
	struct buf b = { 0 }, copy = { 0 };
	struct strv names = { 0 }, out = { 0 };
	bool located;

	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "a%02u", i);
		buf_add(&b, name, strlen(name) + 1);
	}
	buf_add(&copy, b.p, b.len);
	strv_push(&names, "a05");
	assert_int_equal(busybox_hide(b.p, b.len, &names, NULL), -ENOTSUP);
	assert_memory_equal(b.p, copy.p, b.len);
	assert_int_equal(busybox_applets_buf(b.p, b.len, &out, &located), 0);
	assert_int_equal(out.n, 40);
	assert_false(located);
	strv_free(&names);
	strv_free(&out);
	buf_free(&b);
	buf_free(&copy);
}

/* The oracle: the patched busybox itself. Its shell and xargs find the
 * programs of the hidden names along PATH, "busybox ls" has no ls, and
 * every other applet still runs through its link. */
static void test_patched_busybox_runs(void **state)
{
	static const char *const gone[] = { "ls", "mknod", "readlink" };
	static const char prog[] = "#!/bin/sh\necho program ${0##*/}\n";
	struct buf b = { 0 }, h = { 0 };
	struct strv all = { 0 }, left = { 0 };
	char *t, *cmd, *out;

	(void)state;
	host_busybox(&b);
	if (access("/proc/self/exe", X_OK))
		skip_because("no /proc, which busybox's shell re-executes");
	names_of(&b, &all);
	hide(&b, gone, ARRAY_SIZE(gone), &h, &left);
	t = mktemp_dir();
	write_at(t, "bin/busybox", h.p, h.len, 0755);
	for (size_t i = 0; i < all.n; i++) {
		char *rel = xasprintf("bin/%s", all.v[i]);
		bool hidden = false;

		for (size_t k = 0; k < ARRAY_SIZE(gone); k++)
			hidden |= !strcmp(all.v[i], gone[k]);
		if (hidden)
			write_at(t, rel, prog, sizeof(prog) - 1, 0755);
		else if (strcmp(all.v[i], "busybox"))	/* one of Debian's */
			symlink_at(t, rel, "busybox");
		free(rel);
	}

	cmd = xasprintf("cd %s/bin && PATH=%s/bin ./sh -c 'type ls; ls; mknod; "
			"readlink; echo | xargs ls' 2>&1", t, t);
	out = run_capture(cmd);
	assert_non_null(out);
	assert_null(strstr(out, "ls is ls"));
	free(cmd);
	cmd = xasprintf("ls is %s/bin/ls\nprogram ls\nprogram mknod\n"
			"program readlink\nprogram ls\n", t);
	assert_string_equal(out, cmd);
	free(cmd);
	free(out);

	cmd = xasprintf("%s/bin/busybox ls 2>&1; true", t);
	out = run_capture(cmd);
	assert_non_null(out);
	assert_non_null(strstr(out, "applet not found"));
	free(cmd);
	free(out);

	/* Every link runs its applet ("busybox" is not linked). */
	cmd = xasprintf("cd %s/bin && i=0 && for n in *; do "
			"[ -L \"$n\" ] || continue; i=$((i + 1)); "
			"timeout 10 ./\"$n\" --help </dev/null 2>&1 | "
			"grep -q 'applet not found' && echo \"$n\"; done; "
			"echo ran $i", t);
	out = run_capture(cmd);
	assert_non_null(out);
	free(cmd);
	cmd = xasprintf("ran %zu\n", all.n - ARRAY_SIZE(gone) -
			strv_contains(&all, "busybox"));
	assert_string_equal(out, cmd);
	free(cmd);
	free(out);

	rm_rf(t);
	free(t);
	strv_free(&all);
	buf_free(&b);
	buf_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hide_plain_and_pivots),
		cmocka_unit_test(test_hide_ip_left),
		cmocka_unit_test(test_hide_all_but_shell),
		cmocka_unit_test(test_not_busybox),
		cmocka_unit_test(test_no_pivot_table),
		cmocka_unit_test(test_patched_busybox_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
