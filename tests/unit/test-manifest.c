// SPDX-License-Identifier: MIT
/* The manifest's merge rules, the host walker, tree copies, and the
 * canonicalisation through the image's own symlinks. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/image/manifest.h"

static enum entry_type type_of(struct manifest *m, const char *path)
{
	struct entry *e = manifest_get(m, path);

	assert_non_null(e);
	return e->type;
}

static void test_parents_and_merges(void **state)
{
	struct manifest m;
	struct entry *e;

	(void)state;
	manifest_init(&m, "");
	assert_int_equal(manifest_add_data(&m, "a/b/c", "x", 1, 0644, 0, 0, NULL), 0);
	e = manifest_get(&m, "/a/b");
	assert_non_null(e);
	assert_true(e->implicit);
	assert_int_equal(e->mode, 0755);
	/* An explicit directory takes over an implicit one... */
	assert_int_equal(manifest_add_dir(&m, "/a/b", 0700, 1, 2, NULL), 0);
	e = manifest_get(&m, "/a/b");
	assert_false(e->implicit);
	assert_int_equal(e->mode, 0700);
	/* ...and is not undone by later implicit parents. */
	assert_int_equal(manifest_add_data(&m, "/a/b/d", "y", 1, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_get(&m, "/a/b")->mode, 0700);
	/* Identical additions are one entry; different ones: later wins. */
	assert_int_equal(manifest_add_data(&m, "/a/b/c", "x", 1, 0644, 0, 0, NULL), 0);
	assert_int_equal(m.n, 4);
	assert_int_equal(manifest_add_slink(&m, "/a/b/c", "d", 0777, 0, 0, NULL), 0);
	assert_int_equal(type_of(&m, "/a/b/c"), ENTRY_SLINK);
	assert_int_equal(m.n, 4);
	/* Something below a file cannot be. */
	log_level = LOG_QUIET;
	assert_int_equal(manifest_add_dir(&m, "/a/b/d/e", 0755, 0, 0, NULL), -EINVAL);
	/* The root is implied, never an entry. */
	assert_int_equal(manifest_add_dir(&m, "/", 0700, 0, 0, NULL), 0);
	assert_null(manifest_get(&m, "/"));
	manifest_free(&m);
}

/* Whatever the order, /lib/... lands under /usr/lib when /lib -> usr/lib. */
static void test_canonical_through_image_symlinks(void **state)
{
	for (int order = 0; order < 2; order++) {
		struct manifest m;

		(void)state;
		manifest_init(&m, "");
		if (order)
			assert_int_equal(manifest_add_slink(&m, "/lib", "usr/lib", 0777, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_data(&m, "/lib/modules/6/a.ko", "k", 1, 0644, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_dir(&m, "/usr/lib/modules", 0711, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_dir(&m, "/lib/firmware", 0755, 0, 0, NULL), 0);
		if (!order)
			assert_int_equal(manifest_add_slink(&m, "/lib", "usr/lib", 0777, 0, 0, NULL), 0);
		/* A chain: /x -> y, /y -> /usr/z (absolute). */
		assert_int_equal(manifest_add_slink(&m, "/x", "y", 0777, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_slink(&m, "/y", "/usr/z", 0777, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_data(&m, "/x/f", "f", 1, 0644, 0, 0, NULL), 0);
		assert_int_equal(manifest_finalize(&m), 0);

		assert_int_equal(type_of(&m, "/lib"), ENTRY_SLINK);
		assert_int_equal(type_of(&m, "/usr/lib/modules/6/a.ko"), ENTRY_FILE);
		assert_null(manifest_get(&m, "/lib/modules/6/a.ko"));
		assert_int_equal(manifest_get(&m, "/usr/lib/modules")->mode, 0711);
		assert_int_equal(type_of(&m, "/usr/lib/firmware"), ENTRY_DIR);
		assert_int_equal(type_of(&m, "/usr/z/f"), ENTRY_FILE);
		/* Sorted, and every parent present and a directory. */
		for (size_t i = 1; i < m.n; i++)
			assert_true(strcmp(m.v[i - 1]->path, m.v[i]->path) < 0);
		for (size_t i = 0; i < m.n; i++) {
			char *d = path_dirname(m.v[i]->path);

			if (strcmp(d, "/"))
				assert_int_equal(type_of(&m, d), ENTRY_DIR);
			free(d);
		}
		/* Finalizing again changes nothing. */
		size_t n = m.n;
		assert_int_equal(manifest_finalize(&m), 0);
		assert_int_equal(m.n, n);
		manifest_free(&m);
	}
}

static void test_image_symlink_loop(void **state)
{
	struct manifest m;

	(void)state;
	manifest_init(&m, "");
	assert_int_equal(manifest_add_slink(&m, "/a", "b", 0777, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_slink(&m, "/b", "a", 0777, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_data(&m, "/a/f", "f", 1, 0644, 0, 0, NULL), 0);
	log_level = LOG_QUIET;
	assert_int_equal(manifest_finalize(&m), -EINVAL);
	manifest_free(&m);
}

static void test_walk_host(void **state)
{
	char *root = mktemp_dir();
	struct manifest m;
	struct stat st;
	char *canon = NULL;

	(void)state;
	write_at(root, "usr/lib/libfoo.so.1.2.3", "so", 2, 0644);
	symlink_at(root, "usr/lib/libfoo.so.1", "libfoo.so.1.2");
	symlink_at(root, "usr/lib/libfoo.so.1.2", "libfoo.so.1.2.3");
	symlink_at(root, "lib", "usr/lib");
	symlink_at(root, "lib64", "/usr/lib/../lib");	/* absolute, in the root */
	symlink_at(root, "loop1", "loop2");
	symlink_at(root, "loop2", "loop1");
	manifest_init(&m, root);

	assert_int_equal(manifest_walk_host(&m, "/lib64/libfoo.so.1", &canon, &st), 0);
	assert_string_equal(canon, "/usr/lib/libfoo.so.1.2.3");
	assert_true(S_ISREG(st.st_mode));
	free(canon);
	assert_int_equal(type_of(&m, "/lib64"), ENTRY_SLINK);
	assert_string_equal(manifest_get(&m, "/lib64")->target, "/usr/lib/../lib");
	/* ".." is physical: /usr/lib/.. is /usr, so /lib was never met. */
	assert_null(manifest_get(&m, "/lib"));
	assert_string_equal(manifest_get(&m, "/usr/lib/libfoo.so.1")->target,
			    "libfoo.so.1.2");
	assert_int_equal(type_of(&m, "/usr/lib/libfoo.so.1.2"), ENTRY_SLINK);

	assert_int_equal(manifest_add_host(&m, "/lib/libfoo.so.1", "lib", NULL), 0);
	assert_int_equal(type_of(&m, "/usr/lib/libfoo.so.1.2.3"), ENTRY_FILE);
	assert_int_equal(type_of(&m, "/lib"), ENTRY_SLINK);

	canon = NULL;
	assert_int_equal(manifest_walk_host(&m, "/loop1/x", &canon, &st), -ELOOP);
	assert_int_equal(manifest_walk_host(&m, "/usr/lib/libfoo.so.1/x", &canon, &st),
			 -ENOTDIR);
	assert_int_equal(manifest_walk_host(&m, "/nothing", &canon, &st), -ENOENT);
	assert_null(canon);
	manifest_free(&m);
	rm_rf(root);
	free(root);
}

static void test_copy_tree(void **state)
{
	char *src = mktemp_dir(), *a, *b, *fifo;
	struct manifest m;
	struct entry *x, *y;

	(void)state;
	write_at(src, "t/one", "1", 1, 0600);
	write_at(src, "t/sub/two", "22", 2, 0755);
	symlink_at(src, "t/link", "sub/two");
	a = path_join(src, "t/one");
	b = path_join(src, "t/hard");
	assert_int_equal(link(a, b), 0);
	fifo = path_join(src, "t/fifo");
	assert_int_equal(mkfifo(fifo, 0640), 0);
	chmod(fifo, 0640);

	manifest_init(&m, "");
	/* Same path by default... */
	free(a);
	a = path_join(src, "t");
	assert_int_equal(manifest_copy(&m, a, NULL, "copy"), 0);
	/* ...or placed elsewhere. */
	assert_int_equal(manifest_copy(&m, a, "/opt/t", "copy"), 0);
	assert_int_equal(manifest_finalize(&m), 0);

	free(b);
	b = path_join(a, "sub/two");
	x = manifest_get(&m, b);
	assert_non_null(x);
	assert_int_equal(x->mode, 0755);
	assert_int_equal(type_of(&m, "/opt/t/link"), ENTRY_SLINK);
	assert_string_equal(manifest_get(&m, "/opt/t/link")->target, "sub/two");
	assert_int_equal(type_of(&m, "/opt/t/fifo"), ENTRY_PIPE);
	assert_int_equal(manifest_get(&m, "/opt/t/fifo")->mode, 0640);
	/* Hardlinks in the tree stay hardlinks. */
	x = manifest_get(&m, "/opt/t/one");
	y = manifest_get(&m, "/opt/t/hard");
	assert_int_equal(x->ino, y->ino);
	assert_int_equal(x->nlink, 2);
	assert_int_equal(x->mode, 0600);
	/* The other copy of the same tree is other inodes. */
	free(b);
	b = path_join(a, "one");
	assert_int_not_equal(manifest_get(&m, b)->ino, x->ino);
	assert_int_equal(manifest_get(&m, b)->nlink, 2);

	log_level = LOG_QUIET;
	assert_true(manifest_copy(&m, "/nonexistent/x", NULL, NULL) < 0);
	manifest_free(&m);
	rm_rf(src);
	free(src);
	free(a);
	free(b);
	free(fifo);
}

static void test_add_file_errors(void **state)
{
	struct manifest m;

	(void)state;
	log_level = LOG_QUIET;
	manifest_init(&m, "");
	assert_int_equal(manifest_add_file(&m, "/x", "/nonexistent", 0644, 0, 0, NULL), -ENOENT);
	assert_int_equal(manifest_add_file(&m, "/x", "/", 0644, 0, 0, NULL), -EINVAL);
	assert_int_equal(manifest_add_nod(&m, "/n", 0600, 0, 0, 'x', 1, 1, NULL), -EINVAL);
	assert_int_equal(manifest_add_slink(&m, "/s", "", 0777, 0, 0, NULL), -EINVAL);
	assert_int_equal(m.n, 0);
	manifest_free(&m);
}

/* Compressed sources keep their compression only when the name does. */
static void test_decompress_rule(void **state)
{
	char *d = mktemp_dir(), *src;
	struct manifest m;

	(void)state;
	write_at(d, "m.ko.xz", "x", 1, 0644);
	src = path_join(d, "m.ko.xz");
	manifest_init(&m, "");
	assert_int_equal(manifest_add_file(&m, "/a/m.ko", src, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_add_file(&m, "/a/m.ko.xz", src, 0644, 0, 0, NULL), 0);
	assert_true(manifest_get(&m, "/a/m.ko")->decompress);
	assert_false(manifest_get(&m, "/a/m.ko.xz")->decompress);
	assert_int_equal(manifest_finalize(&m), 0);
	/* Not hardlinks of each other: the bytes differ. */
	assert_int_not_equal(manifest_get(&m, "/a/m.ko")->ino,
			     manifest_get(&m, "/a/m.ko.xz")->ino);
	manifest_free(&m);
	rm_rf(d);
	free(d);
	free(src);
}

/* An empty manifest (a run's segment without a command) finalizes. */
static void test_empty(void **state)
{
	struct manifest m;
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	manifest_init(&m, "");
	assert_int_equal(manifest_finalize(&m), 0);
	assert_int_equal(m.n, 0);
	f = open_memstream(&out, &n);
	manifest_print(&m, f);
	fclose(f);
	assert_int_equal(n, 0);
	free(out);
	manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parents_and_merges),
		cmocka_unit_test(test_canonical_through_image_symlinks),
		cmocka_unit_test(test_image_symlink_loop),
		cmocka_unit_test(test_walk_host),
		cmocka_unit_test(test_copy_tree),
		cmocka_unit_test(test_add_file_errors),
		cmocka_unit_test(test_decompress_rule),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
