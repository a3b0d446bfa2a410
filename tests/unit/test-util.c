// SPDX-License-Identifier: MIT
/* Small pieces: paths, the map, buffers, numbers, escapes, kernel release. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/image/manifest.h"
#include "../../src/image/recipe.h"
#include "../../src/common/kernel.h"

static void test_path_normalize(void **state)
{
	static const char *const cases[][2] = {
		{ "/", "/" }, { "", "/" }, { "a/b", "/a/b" }, { "//a//b/", "/a/b" },
		{ "/a/./b/.", "/a/b" }, { "/a/../b", "/b" }, { "/../..", "/" },
		{ "/a/b/../../c/..", "/" }, { "./x", "/x" }, { "/a/..b", "/a/..b" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = path_normalize(xstrdup(cases[i][0]));

		assert_string_equal(p, cases[i][1]);
		free(p);
	}
	char *d = path_dirname("/a/b");
	assert_string_equal(d, "/a");
	free(d);
	d = path_dirname("/a");
	assert_string_equal(d, "/");
	free(d);
	assert_string_equal(path_basename("/a/b"), "b");
	d = path_join("/a/", "/b");
	assert_string_equal(d, "/a/b");
	free(d);
}

static bool exec_ok(const char *path, void *ctx)
{
	(void)ctx;
	return !access(path, X_OK);
}

/* The first absolute directory with an acceptable file wins; relative
 * and empty entries are passed over; $PATH is what path_which reads. */
static void test_path_search(void **state)
{
	char *t = mktemp_dir(), *list, *p, *want;
	const char *saved = getenv("PATH");
	char *old = saved ? xstrdup(saved) : NULL;

	(void)state;
	write_at(t, "a/tool", "x", 1, 0644);	/* not executable */
	write_at(t, "b/tool", "x", 1, 0755);
	write_at(t, "c/tool", "x", 1, 0755);
	list = xasprintf("b::%s/a:%s/b:%s/c", t, t, t);
	want = xasprintf("%s/b/tool", t);
	p = path_search(list, "tool", exec_ok, NULL);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	assert_null(path_search(list, "none", exec_ok, NULL));
	setenv("PATH", list, 1);
	p = path_which("tool");
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	free(list);
	free(want);
	rm_rf(t);
	free(t);
}

/* A tree of symlinks given as "path=target" lines. */
static const char *tree_link(const char *path, void *ctx)
{
	for (const char *const *l = ctx; *l; l++) {
		size_t n = strcspn(*l, "=");

		if (strlen(path) == n && !strncmp(*l, path, n))
			return *l + n + 1;
	}
	return NULL;
}

/* Every component followed, the last too; relative targets from their
 * directory, ".." after a link from where the link led; a loop is NULL. */
static void test_path_resolve(void **state)
{
	static const char *const tree[] = {
		"/bin=usr/bin", "/usr/bin/sh=busybox", "/sbin=/bin",
		"/up=usr/bin/../lib", "/a=b", "/b=a", NULL,
	};
	static const char *const cases[][2] = {
		{ "/bin/sh", "/usr/bin/busybox" },
		{ "//sbin/./sh", "/usr/bin/busybox" },
		{ "/bin/../x", "/usr/x" },
		{ "/up/libc", "/usr/lib/libc" },
		{ "usr", "/usr" },
		{ "/..", "/" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = path_resolve(cases[i][0], tree_link, (void *)tree);

		assert_non_null(p);
		assert_string_equal(p, cases[i][1]);
		free(p);
	}
	assert_null(path_resolve("/a/x", tree_link, (void *)tree));
}

static void test_hmap(void **state)
{
	struct hmap h = { 0 };

	(void)state;
	for (long i = 0; i < 5000; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k%ld", i);
		assert_null(hmap_put(&h, key, (void *)(i + 1)));
	}
	assert_int_equal(h.n, 5000);
	for (long i = 0; i < 5000; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k%ld", i);
		assert_ptr_equal(hmap_get(&h, key), (void *)(i + 1));
	}
	assert_null(hmap_get(&h, "absent"));
	assert_ptr_equal(hmap_put(&h, "k7", (void *)99), (void *)8);
	assert_ptr_equal(hmap_get(&h, "k7"), (void *)99);
	hmap_free(&h);
}

static void test_buf_strv_numbers(void **state)
{
	struct buf b = { 0 };
	struct strv s = { 0 };
	unsigned long v;
	size_t n;
	char *p;

	(void)state;
	buf_printf(&b, "%d-%s", 42, "x");
	buf_addc(&b, '\0');
	buf_adds(&b, "y");
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.p, "42-x\0y", 6);
	p = buf_detach(&b, &n);
	assert_int_equal(n, 6);
	assert_null(b.p);
	free(p);
	strv_push(&s, "a");
	strv_push(&s, "b");
	assert_true(strv_contains(&s, "b"));
	assert_false(strv_contains(&s, "c"));
	assert_null(s.v[2]);
	strv_free(&s);
	assert_int_equal(parse_ulong("0755", 8, &v), 0);
	assert_int_equal(v, 0755);
	assert_int_equal(parse_ulong("12x", 10, &v), -EINVAL);
	assert_int_equal(parse_ulong("", 10, &v), -EINVAL);
	assert_int_equal(parse_ulong("-1", 10, &v), -EINVAL);
	assert_int_equal(parse_ulong("99999999999999999999999", 10, &v), -ERANGE);
}

/* Every byte survives escaping for a recipe and parsing back. */
static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("2M", &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(parse_size("512m", &v), 0);
	assert_int_equal(v, 512u << 20);
	assert_int_equal(parse_size("3G", &v), 0);
	assert_int_equal(v, 3ULL << 30);
	assert_int_equal(parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(parse_size("16777215T", &v), 0);
	assert_int_equal(parse_size("16777216T", &v), -EINVAL);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("M", &v), -EINVAL);
	assert_int_equal(parse_size("-1", &v), -EINVAL);
	assert_int_equal(parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(parse_size("1MB", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999999999", &v), -EINVAL);
}

static void test_escape_round_trip(void **state)
{
	char all[256];
	struct buf esc = { 0 }, back = { 0 };

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	for (int field = 0; field < 2; field++) {
		buf_reset(&esc);
		buf_reset(&back);
		manifest_escape(&esc, all, sizeof(all), field);
		assert_null(strchr(esc.p, '\n'));
		if (field)
			assert_null(strchr(esc.p, ' '));
		assert_int_equal(recipe_unescape(esc.p, &back), 0);
		assert_int_equal(back.len, sizeof(all));
		assert_memory_equal(back.p, all, sizeof(all));
	}
	buf_reset(&back);
	assert_int_equal(recipe_unescape("\\x4", &back), -EINVAL);
	assert_int_equal(recipe_unescape("\\", &back), -EINVAL);
	assert_int_equal(recipe_unescape("\\xzz", &back), -EINVAL);
	assert_int_equal(recipe_unescape("\\x 5", &back), -EINVAL);
	buf_free(&esc);
	buf_free(&back);
}

static void test_kernel_release(void **state)
{
	char *dir = mktemp_dir(), *p, *rel = NULL;
	unsigned char img[0x800] = { 0 };
	const char *kdir = kernel_fixture();
	static const char vmlinux[] = "junk\0Linux version 6.9.0-rc1+ (me@host) #1 SMP\n";

	(void)state;
	/* A bzImage setup header: "HdrS", protocol 2.15, kernel_version. */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x20e] = 0x00;
	img[0x20f] = 0x04;	/* string at 0x400 + 0x200 */
	memcpy(img + 0x600, "6.1.0-99-amd64 (debian-kernel@lists) #1", 40);
	write_at(dir, "bz", img, sizeof(img), 0644);
	p = path_join(dir, "bz");
	assert_int_equal(kernel_release(p, &rel), 0);
	assert_string_equal(rel, "6.1.0-99-amd64");
	free(rel);
	free(p);

	write_at(dir, "vmlinux", vmlinux, sizeof(vmlinux), 0644);
	p = path_join(dir, "vmlinux");
	assert_int_equal(kernel_release(p, &rel), 0);
	assert_string_equal(rel, "6.9.0-rc1+");
	free(rel);
	free(p);

	log_level = LOG_QUIET;
	write_at(dir, "junk", "nothing here", 12, 0644);
	p = path_join(dir, "junk");
	assert_int_equal(kernel_release(p, &rel), -EINVAL);
	free(p);
	assert_int_equal(kernel_release("/nonexistent/vmlinuz", &rel), -ENOENT);

	/* The real Debian bzImage gives its package's release. */
	if (kdir && *kdir) {
		struct buf kver = { 0 };

		p = path_join(kdir, "kver");
		assert_int_equal(read_file(p, &kver), 0);
		free(p);
		p = path_join(kdir, "vmlinuz");
		assert_int_equal(kernel_release(p, &rel), 0);
		assert_memory_equal(rel, kver.p, strlen(rel));
		assert_int_equal(kver.p[strlen(rel)], '\n');
		free(rel);
		free(p);
		buf_free(&kver);
	}
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_normalize),
		cmocka_unit_test(test_path_search),
		cmocka_unit_test(test_path_resolve),
		cmocka_unit_test(test_hmap),
		cmocka_unit_test(test_buf_strv_numbers),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_escape_round_trip),
		cmocka_unit_test(test_kernel_release),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
