// SPDX-License-Identifier: MIT
/* kmod's binary module index as modindex.c writes it, read back by a small
 * reader of the format here (libkmod's reader is not a public API), and
 * depmod's own index files rebuilt byte for byte: the fixture tree's, and
 * Debian's when the tests' kernel is there. */
#include <errno.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../src/image/modindex.h"

/* One key and value read back, in the file's order. */
struct kv {
	char *key;
	char *value;
	uint32_t prio;
};

struct reader {
	const unsigned char *p;
	size_t len;
	struct kv *v;
	size_t n, alloc;
	bool bad;		/* the file breaks the format */
};

static uint32_t get32(struct reader *r, size_t at)
{
	if (at + 4 > r->len) {
		r->bad = true;
		return 0;
	}
	return (uint32_t)r->p[at] << 24 | (uint32_t)r->p[at + 1] << 16 |
	       (uint32_t)r->p[at + 2] << 8 | r->p[at + 3];
}

/* A NUL-terminated string at *at, which moves past it. */
static const char *getstr(struct reader *r, size_t *at)
{
	const char *s = (const char *)r->p + *at;
	const void *nul = *at < r->len ? memchr(s, 0, r->len - *at) : NULL;

	if (!nul) {
		r->bad = true;
		return "";
	}
	*at += strlen(s) + 1;
	return s;
}

/* Every node below off, children before values as the trie orders keys;
 * each child must lie before its parent (written post-order). */
static void walk(struct reader *r, uint32_t off, size_t parent, struct buf *key)
{
	size_t at = off & MODINDEX_NODE_MASK, keylen = key->len;
	unsigned first = 0, last = 0;
	size_t kids = 0;

	if (r->bad || at < 12 || at >= parent) {
		r->bad = true;
		return;
	}
	if (off & MODINDEX_NODE_PREFIX) {
		const char *pfx = getstr(r, &at);

		if (!*pfx)
			r->bad = true;	/* the flag says a prefix */
		buf_adds(key, pfx);
	}
	if (off & MODINDEX_NODE_CHILDS) {
		if (at + 2 > r->len) {
			r->bad = true;
			return;
		}
		first = r->p[at];
		last = r->p[at + 1];
		if (first > last || last >= MODINDEX_CHILDMAX)
			r->bad = true;
		kids = at + 2;
		at += 2 + 4 * (size_t)(last - first + 1);
	}
	if (off & MODINDEX_NODE_VALUES) {
		uint32_t n = get32(r, at);

		at += 4;
		if (!n)
			r->bad = true;
		for (uint32_t i = 0; i < n && !r->bad; i++) {
			struct kv *e;

			if (r->n == r->alloc) {
				r->alloc = r->alloc ? r->alloc * 2 : 64;
				r->v = xrealloc(r->v, r->alloc * sizeof(*r->v));
			}
			e = &r->v[r->n++];
			e->prio = get32(r, at);
			at += 4;
			e->value = xstrdup(getstr(r, &at));
			buf_reserve(key, 0);
			e->key = xstrndup(key->p ? key->p : "", key->len);
		}
	}
	for (unsigned c = first; kids && c <= last && !r->bad; c++) {
		uint32_t child = get32(r, kids + 4 * (c - first));

		if (!child)
			continue;
		buf_addc(key, (char)c);
		walk(r, child, off & MODINDEX_NODE_MASK, key);
		key->len--;
	}
	key->len = keylen;
}

/* Read a whole index; false when it breaks the format. */
static bool read_index(struct reader *r, const void *p, size_t len)
{
	struct buf key = { 0 };

	memset(r, 0, sizeof(*r));
	r->p = p;
	r->len = len;
	if (get32(r, 0) != MODINDEX_MAGIC || get32(r, 4) != MODINDEX_VERSION)
		return false;
	if ((get32(r, 8) & MODINDEX_NODE_MASK) == 12 && len == 12)
		return true;	/* empty */
	walk(r, get32(r, 8), len, &key);
	buf_free(&key);
	return !r->bad;
}

static void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].value);
	}
	free(r->v);
}

/* A u32 of a written index, for its layout. */
static uint32_t be32(const struct buf *b, size_t at)
{
	const unsigned char *p = (const unsigned char *)b->p + at;

	assert_true(at + 4 <= b->len);
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void write_index(struct modindex *ix, struct buf *out)
{
	assert_int_equal(modindex_write(ix, out), 0);
	modindex_free(ix);
}

static void test_empty(void **state)
{
	static const unsigned char want[] = {
		0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1, 0, 0, 0, 12,
	};
	struct modindex ix;
	struct buf out = { 0 };

	(void)state;
	modindex_init(&ix);
	write_index(&ix, &out);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.p, want, sizeof(want));
	buf_free(&out);
}

/* The example of libkmod-index.c: ask, ate, on, once, one. */
static void test_trie_layout(void **state)
{
	static const char *const keys[] = { "once", "ask", "one", "on", "ate" };
	struct modindex ix;
	struct buf out = { 0 };
	struct reader r;
	uint32_t root, on, c;
	size_t at;

	(void)state;
	modindex_init(&ix);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		assert_int_equal(modindex_add(&ix, keys[i], keys[i], 0), 0);
	write_index(&ix, &out);
	assert_true(read_index(&r, out.p, out.len));
	assert_int_equal(r.n, 5);
	/* In key order, each with its value. */
	assert_string_equal(r.v[0].key, "ask");
	assert_string_equal(r.v[1].key, "ate");
	assert_string_equal(r.v[2].key, "on");
	assert_string_equal(r.v[3].key, "once");
	assert_string_equal(r.v[4].key, "one");
	for (size_t i = 0; i < r.n; i++)
		assert_string_equal(r.v[i].key, r.v[i].value);
	reader_free(&r);

	/* The root: no prefix, children 'a' to 'o', written last. */
	root = be32(&out, 8);
	assert_int_equal(root & ~MODINDEX_NODE_MASK, MODINDEX_NODE_CHILDS);
	at = root & MODINDEX_NODE_MASK;
	assert_int_equal(out.p[at], 'a');
	assert_int_equal(out.p[at + 1], 'o');
	assert_int_equal(at + 2 + 4 * ('o' - 'a' + 1), out.len);
	/* 'o': prefix "n", the value of "on", children 'c' to 'e'. */
	on = be32(&out, at + 2 + 4 * ('o' - 'a'));
	assert_int_equal(on & ~MODINDEX_NODE_MASK, MODINDEX_NODE_PREFIX |
			 MODINDEX_NODE_CHILDS | MODINDEX_NODE_VALUES);
	at = on & MODINDEX_NODE_MASK;
	assert_string_equal(out.p + at, "n");
	assert_int_equal(out.p[at + 2], 'c');
	assert_int_equal(out.p[at + 3], 'e');
	/* 'd' between them: no child. */
	assert_int_equal(be32(&out, at + 4 + 4), 0);
	/* "once" is 'c' then the prefix "e"; "one" is 'e' and no prefix. */
	c = be32(&out, at + 4);
	assert_int_equal(c & ~MODINDEX_NODE_MASK, MODINDEX_NODE_PREFIX | MODINDEX_NODE_VALUES);
	assert_string_equal(out.p + (c & MODINDEX_NODE_MASK), "e");
	c = be32(&out, at + 4 + 8);
	assert_int_equal(c & ~MODINDEX_NODE_MASK, MODINDEX_NODE_VALUES);
	buf_free(&out);
}

/* One key: the root keeps an empty prefix, its child holds the rest. */
static void test_one_key(void **state)
{
	struct modindex ix;
	struct buf out = { 0 };
	struct reader r;
	uint32_t root, kid;

	(void)state;
	modindex_init(&ix);
	modindex_add(&ix, "ext4", "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko", 7);
	write_index(&ix, &out);
	assert_true(read_index(&r, out.p, out.len));
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].key, "ext4");
	assert_string_equal(r.v[0].value, "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko");
	assert_int_equal(r.v[0].prio, 7);
	reader_free(&r);
	root = be32(&out, 8);
	assert_int_equal(root & ~MODINDEX_NODE_MASK, MODINDEX_NODE_CHILDS);
	kid = be32(&out, (root & MODINDEX_NODE_MASK) + 2);
	assert_string_equal(out.p + (kid & MODINDEX_NODE_MASK), "xt4");
	buf_free(&out);
}

/* Values by priority; equal priorities, the later added first. */
static void test_priorities(void **state)
{
	struct modindex ix;
	struct buf out = { 0 };
	struct reader r;

	(void)state;
	modindex_init(&ix);
	modindex_add(&ix, "crc32c", "three", 3);
	modindex_add(&ix, "crc32c", "one", 1);
	modindex_add(&ix, "crc32c", "two-a", 2);
	modindex_add(&ix, "crc32c", "two-b", 2);
	modindex_add(&ix, "crc", "other", 0);
	write_index(&ix, &out);
	assert_true(read_index(&r, out.p, out.len));
	assert_int_equal(r.n, 5);
	assert_string_equal(r.v[0].value, "other");
	assert_string_equal(r.v[1].value, "one");
	assert_string_equal(r.v[2].value, "two-b");
	assert_string_equal(r.v[3].value, "two-a");
	assert_string_equal(r.v[4].value, "three");
	assert_int_equal(r.v[4].prio, 3);
	reader_free(&r);
	buf_free(&out);
}

/* Only 7-bit keys and values: a child array has 128 slots. */
static void test_ascii_only(void **state)
{
	struct modindex ix;

	(void)state;
	modindex_init(&ix);
	assert_int_equal(modindex_add(&ix, "caf\xc3\xa9", "x", 0), -EINVAL);
	assert_int_equal(modindex_add(&ix, "x", "\x80", 0), -EINVAL);
	assert_int_equal(ix.n, 0);
	modindex_free(&ix);
}

static void test_alias_key(void **state)
{
	static const char *const cases[][2] = {
		{ "fs-ext4", "fs_ext4" },
		{ "crypto-crc32c-intel", "crypto_crc32c_intel" },
		{ "pci:v*d*sv*sd*bc0[1-2]sc*i*", "pci:v*d*sv*sd*bc0[1-2]sc*i*" },
		{ "a-[x-z]-b", "a_[x-z]_b" },
		{ "", "" },
		{ "a]b", NULL },
		{ "a[bc", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *k = modindex_alias_key(cases[i][0]);

		if (cases[i][1])
			assert_string_equal(k, cases[i][1]);
		else
			assert_null(k);
		free(k);
	}
}

/* depmod's file read back and written again: the same bytes. A node's
 * values go in backwards, since among equal priorities the later added
 * come first. */
static void same_as_depmod(const char *dir, const char *name)
{
	char *path = path_join(dir, name);
	struct buf in = { 0 }, out = { 0 };
	struct modindex ix;
	struct reader r;
	size_t i, j;

	assert_int_equal(read_file(path, &in), 0);
	if (!read_index(&r, in.p, in.len))
		fail_msg("%s: cannot read it", path);
	modindex_init(&ix);
	for (i = 0; i < r.n; i = j) {
		for (j = i; j < r.n && !strcmp(r.v[j].key, r.v[i].key); j++)
			;
		for (size_t k = j; k-- > i; )
			assert_int_equal(modindex_add(&ix, r.v[k].key, r.v[k].value,
						      r.v[k].prio), 0);
	}
	write_index(&ix, &out);
	if (out.len != in.len || memcmp(out.p, in.p, in.len))
		fail_msg("%s: %zu entries written again differ (%zu bytes, "
			 "depmod's %zu)", path, r.n, out.len, in.len);
	reader_free(&r);
	buf_free(&in);
	buf_free(&out);
	free(path);
}

static const char *const bins[] = {
	"modules.dep.bin", "modules.alias.bin", "modules.symbols.bin",
	"modules.builtin.bin", "modules.builtin.alias.bin",
};

static void test_fixture_tree_like_depmod(void **state)
{
	char *tree = mktemp_dir(), *cmd, *dir;
	const char *src = getenv("TINYRD_SRCDIR");

	(void)state;
	cmd = xasprintf("%s/tests/fixtures/modtree.sh %s 9.9.9-test >/dev/null 2>&1",
			src && *src ? src : ".", tree);
	if (system(cmd)) {
		free(cmd);
		rm_rf(tree);
		free(tree);
		skip_because("cannot build the fixture modules tree (cc, depmod)");
	}
	free(cmd);
	dir = path_join(tree, "lib/modules/9.9.9-test");
	for (size_t i = 0; i < ARRAY_SIZE(bins); i++)
		same_as_depmod(dir, bins[i]);
	free(dir);
	rm_rf(tree);
	free(tree);
}

/* Debian's kernel: 4000 modules, 25000 aliases with wildcards. */
static void test_debian_tree_like_depmod(void **state)
{
	const char *k = kernel_fixture();
	struct buf kver = { 0 };
	char *p, *dir;

	(void)state;
	if (!k)
		skip_because("no Debian kernel: %s", kernel_fixture_why());
	p = path_join(k, "kver");
	assert_int_equal(read_file(p, &kver), 0);
	free(p);
	kver.p[strcspn(kver.p, "\n")] = '\0';
	p = xasprintf("%s/lib/modules/%s", k, kver.p);
	dir = p;
	for (size_t i = 0; i < ARRAY_SIZE(bins); i++)
		same_as_depmod(dir, bins[i]);
	free(dir);
	buf_free(&kver);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_trie_layout),
		cmocka_unit_test(test_one_key),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_ascii_only),
		cmocka_unit_test(test_alias_key),
		cmocka_unit_test(test_fixture_tree_like_depmod),
		cmocka_unit_test(test_debian_tree_like_depmod),
	};

	log_level = LOG_QUIET;
	return cmocka_run_group_tests_name("modindex", tests, NULL, NULL);
}
