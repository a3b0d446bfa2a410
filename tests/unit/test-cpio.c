// SPDX-License-Identifier: MIT
/* The newc writer, read back field by field with an independent parser;
 * determinism; the compressors in their kernel variants; reading back. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/image/compress.h"
#include "../../src/image/cpio.h"

struct hdr {
	unsigned long f[13];	/* ino mode uid gid nlink mtime filesize
				 * devmajor devminor rdevmajor rdevminor
				 * namesize check */
	char name[256];
	const char *data;
};

enum { INO, MODE, UID, GID, NLINK, MTIME, FSIZE, DMAJ, DMIN, RMAJ, RMIN,
       NSIZE, CHECK };

/* Parse every header of a newc archive; returns the count, trailer
 * excluded, and asserts the layout (magic, alignment, trailer). */
static size_t parse(const struct buf *b, struct hdr *out, size_t max)
{
	size_t pos = 0, n = 0;

	for (;;) {
		struct hdr h = { 0 };

		assert_true(pos + 110 <= b->len);
		assert_memory_equal(b->p + pos, "070701", 6);
		for (int i = 0; i < 13; i++) {
			char field[9] = { 0 };

			memcpy(field, b->p + pos + 6 + 8 * i, 8);
			h.f[i] = strtoul(field, NULL, 16);
		}
		assert_true(h.f[NSIZE] > 0 && h.f[NSIZE] < sizeof(h.name));
		memcpy(h.name, b->p + pos + 110, h.f[NSIZE]);
		assert_int_equal(h.name[h.f[NSIZE] - 1], '\0');
		pos = (pos + 110 + h.f[NSIZE] + 3) & ~(size_t)3;
		h.data = b->p + pos;
		pos = (pos + h.f[FSIZE] + 3) & ~(size_t)3;
		assert_true(pos <= b->len);
		if (!strcmp(h.name, "TRAILER!!!")) {
			assert_int_equal(pos, b->len);
			return n;
		}
		assert_true(n < max);
		out[n++] = h;
	}
}

static char *dir;

static int group_setup(void **state)
{
	(void)state;
	dir = mktemp_dir();
	write_at(dir, "a.txt", "hello, world\n", 13, 0640);
	write_at(dir, "b.bin", "\0\1\2\3", 4, 0755);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rm_rf(dir);
	free(dir);
	return 0;
}

static void fill(struct manifest *m, bool reverse)
{
	char *a = path_join(dir, "a.txt"), *b = path_join(dir, "b.bin");

	manifest_init(m, "");
	if (reverse) {
		assert_int_equal(manifest_add_slink(m, "/bin/sh", "busybox", 0777, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_file(m, "/x/hard2", b, 0755, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_file(m, "/x/hard1", b, 0755, 0, 0, NULL), 0);
		assert_int_equal(manifest_link(m, "/x/hard2", "k"), 0);
		assert_int_equal(manifest_link(m, "/x/hard1", "k"), 0);
		assert_int_equal(manifest_add_nod(m, "/dev/null", 0666, 0, 0, 'c', 1, 3, NULL), 0);
		assert_int_equal(manifest_add_file(m, "/etc/a", a, 0640, 7, 8, NULL), 0);
		assert_int_equal(manifest_add_data(m, "/etc/t", "text\n", 5, 0600, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_special(m, ENTRY_PIPE, "/run/fifo", 0600, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_dir(m, "/tmp", 01777, 0, 0, NULL), 0);
	} else {
		assert_int_equal(manifest_add_dir(m, "/tmp", 01777, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_special(m, ENTRY_PIPE, "/run/fifo", 0600, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_data(m, "/etc/t", "text\n", 5, 0600, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_file(m, "/etc/a", a, 0640, 7, 8, NULL), 0);
		assert_int_equal(manifest_add_nod(m, "/dev/null", 0666, 0, 0, 'c', 1, 3, NULL), 0);
		assert_int_equal(manifest_add_file(m, "/x/hard1", b, 0755, 0, 0, NULL), 0);
		assert_int_equal(manifest_add_file(m, "/x/hard2", b, 0755, 0, 0, NULL), 0);
		assert_int_equal(manifest_link(m, "/x/hard1", "k"), 0);
		assert_int_equal(manifest_link(m, "/x/hard2", "k"), 0);
		assert_int_equal(manifest_add_slink(m, "/bin/sh", "busybox", 0777, 0, 0, NULL), 0);
	}
	assert_int_equal(manifest_finalize(m), 0);
	free(a);
	free(b);
}

static const struct hdr *find(const struct hdr *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(h[i].name, name))
			return &h[i];
	fail_msg("no entry %s", name);
	return NULL;
}

static void test_every_field(void **state)
{
	struct manifest m;
	struct buf out = { 0 };
	struct hdr h[32];
	const struct hdr *e;
	size_t n;

	(void)state;
	fill(&m, false);
	assert_int_equal(cpio_write(&m, 1234567, &out), 0);
	n = parse(&out, h, ARRAY_SIZE(h));
	/* Sorted, relative names, parents before children. */
	static const char *const names[] = {
		"bin", "bin/sh", "dev", "dev/null", "etc", "etc/a", "etc/t",
		"run", "run/fifo", "tmp", "x", "x/hard1", "x/hard2",
	};
	assert_int_equal(n, ARRAY_SIZE(names));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(h[i].name, names[i]);
		assert_int_equal(h[i].f[MTIME], 1234567);
		assert_int_equal(h[i].f[DMAJ], 0);
		assert_int_equal(h[i].f[DMIN], 0);
		assert_int_equal(h[i].f[CHECK], 0);
		assert_int_equal(h[i].f[NSIZE], strlen(names[i]) + 1);
	}
	/* Sequential inode numbers; the hardlink pair shares one. */
	for (size_t i = 0; i + 1 < n; i++)
		assert_int_equal(h[i].f[INO], i + 1);
	assert_int_equal(h[n - 1].f[INO], h[n - 2].f[INO]);

	e = find(h, n, "etc/a");
	assert_int_equal(e->f[MODE], 0100640);
	assert_int_equal(e->f[UID], 7);
	assert_int_equal(e->f[GID], 8);
	assert_int_equal(e->f[NLINK], 1);
	assert_int_equal(e->f[FSIZE], 13);
	assert_memory_equal(e->data, "hello, world\n", 13);
	e = find(h, n, "etc/t");
	assert_int_equal(e->f[MODE], 0100600);
	assert_memory_equal(e->data, "text\n", 5);
	e = find(h, n, "tmp");
	assert_int_equal(e->f[MODE], 041777);
	assert_int_equal(e->f[NLINK], 2);
	e = find(h, n, "bin/sh");
	assert_int_equal(e->f[MODE], 0120777);
	assert_int_equal(e->f[FSIZE], 7);
	assert_memory_equal(e->data, "busybox", 7);
	e = find(h, n, "dev/null");
	assert_int_equal(e->f[MODE], 020666);
	assert_int_equal(e->f[RMAJ], 1);
	assert_int_equal(e->f[RMIN], 3);
	assert_int_equal(e->f[FSIZE], 0);
	e = find(h, n, "run/fifo");
	assert_int_equal(e->f[MODE], 010600);
	/* Hardlinks: nlink 2 on both, the data with the last name only. */
	e = find(h, n, "x/hard1");
	assert_int_equal(e->f[NLINK], 2);
	assert_int_equal(e->f[FSIZE], 0);
	e = find(h, n, "x/hard2");
	assert_int_equal(e->f[NLINK], 2);
	assert_int_equal(e->f[FSIZE], 4);
	assert_memory_equal(e->data, "\0\1\2\3", 4);

	buf_free(&out);
	manifest_free(&m);
}

/* The same contents added in another order give the same bytes. */
static void test_deterministic(void **state)
{
	struct manifest a, b;
	struct buf x = { 0 }, y = { 0 };

	(void)state;
	fill(&a, false);
	fill(&b, true);
	assert_int_equal(cpio_write(&a, 0, &x), 0);
	assert_int_equal(cpio_write(&b, 0, &y), 0);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.p, y.p, x.len);
	assert_int_equal(cpio_newc_length(x.p, x.len), x.len);
	assert_int_equal(cpio_newc_length(x.p, x.len - 1), 0);
	assert_int_equal(cpio_newc_length(x.p, 100), 0);
	buf_free(&x);
	buf_free(&y);
	manifest_free(&a);
	manifest_free(&b);
}

static void test_unreadable_source_fails(void **state)
{
	struct manifest m;
	struct buf out = { 0 };
	char *p = path_join(dir, "vanishing");

	(void)state;
	write_at(dir, "vanishing", "x", 1, 0644);
	manifest_init(&m, "");
	assert_int_equal(manifest_add_file(&m, "/v", p, 0644, 0, 0, NULL), 0);
	assert_int_equal(manifest_finalize(&m), 0);
	unlink(p);
	log_level = LOG_QUIET;
	assert_true(cpio_write(&m, 0, &out) < 0);
	buf_free(&out);
	manifest_free(&m);
	free(p);
}

struct collect {
	struct buf names;
	struct buf data;
};

static int on_item(void *ctx, const struct cpio_item *it)
{
	struct collect *c = ctx;

	buf_printf(&c->names, "%s %o %llu\n", it->path, it->mode, it->size);
	if (it->data)
		buf_add(&c->data, it->data, it->datalen);
	return 0;
}

/* Every algorithm: the kernel's variant of the format, and what it
 * decompresses to reads back as the same archive. */
static void test_compressors(void **state)
{
	static const enum compression algs[] = {
		COMP_NONE, COMP_GZIP, COMP_XZ, COMP_ZSTD, COMP_LZ4,
	};
	struct manifest m;
	struct buf raw = { 0 }, big = { 0 };
	char *expect;

	(void)state;
	/* Several MiB, more than any one block. */
	manifest_init(&m, "");
	for (unsigned i = 0; i < 600000; i++)
		buf_printf(&big, "%u ", i * 2654435761u);
	assert_int_equal(manifest_add_data(&m, "/big", big.p, big.len, 0644, 0,
					   0, NULL), 0);
	expect = xasprintf("big 100644 %zu\n", big.len);
	assert_int_equal(manifest_finalize(&m), 0);
	assert_int_equal(cpio_write(&m, 0, &raw), 0);
	assert_true(raw.len > 2u << 20);

	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		char *p = xasprintf("%s/img.%zu", dir, i);
		struct collect c = { 0 };
		struct cpio_stats st;
		struct buf img = { 0 }, again = { 0 };
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		assert_true(fd >= 0);
		assert_int_equal(compress_write(algs[i], -1, raw.p, raw.len, fd, p), 0);
		close(fd);
		assert_int_equal(read_file(p, &img), 0);
		assert_int_equal(compress_detect(img.p, img.len), algs[i]);
		switch (algs[i]) {
		case COMP_XZ:
			/* Stream flags: check type 1 is CRC32 (kernel xz). */
			assert_int_equal(img.p[7], 0x01);
			break;
		case COMP_LZ4:
			assert_memory_equal(img.p, "\x02\x21\x4c\x18", 4);
			break;
		case COMP_GZIP:
			/* One member: ISIZE at the end is the whole length. */
			assert_int_equal((unsigned char)img.p[img.len - 4] |
					 (unsigned char)img.p[img.len - 3] << 8 |
					 (unsigned char)img.p[img.len - 2] << 16 |
					 (unsigned)(unsigned char)img.p[img.len - 1] << 24,
					 (unsigned)raw.len);
			break;
		default:
			break;
		}
		assert_int_equal(cpio_read(img.p, img.len, on_item, &c, p, &st), 0);
		assert_int_equal(st.entries, 1);
		assert_string_equal(c.names.p, expect);
		assert_int_equal(c.data.len, 1u << 20);	/* the first MiB only */
		/* Identical output for identical input. */
		fd = open(p, O_WRONLY | O_TRUNC);
		assert_int_equal(compress_write(algs[i], -1, raw.p, raw.len, fd, p), 0);
		close(fd);
		assert_int_equal(read_file(p, &again), 0);
		assert_int_equal(again.len, img.len);
		assert_memory_equal(again.p, img.p, img.len);
		buf_free(&again);
		buf_free(&img);
		buf_free(&c.names);
		buf_free(&c.data);
		free(p);
	}
	buf_free(&raw);
	buf_free(&big);
	free(expect);
	manifest_free(&m);
}

/* Module decompression through libarchive's raw format. */
static void test_decompress(void **state)
{
	static const enum compression algs[] = { COMP_GZIP, COMP_XZ, COMP_ZSTD };
	static const char *const sfx[] = { "gz", "xz", "zst" };
	const char text[] = "\177ELF pretend module contents";

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		char *p = xasprintf("%s/m.ko.%s", dir, sfx[i]);
		struct buf out = { 0 };
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		assert_int_equal(compress_write(algs[i], -1, text, sizeof(text), fd, p), 0);
		close(fd);
		assert_int_equal(cpio_decompress(p, &out), 0);
		assert_int_equal(out.len, sizeof(text));
		assert_memory_equal(out.p, text, sizeof(text));
		buf_free(&out);
		free(p);
	}
}

static void test_detect_and_names(void **state)
{
	enum compression c;

	(void)state;
	assert_int_equal(compress_detect("070701", 6), COMP_NONE);
	assert_int_equal(compress_detect("BZh9", 4), COMP_BZIP2);
	assert_int_equal(compress_detect("hello", 5), COMP_UNKNOWN);
	assert_int_equal(compress_parse("zstd", &c), 0);
	assert_int_equal(c, COMP_ZSTD);
	log_level = LOG_QUIET;
	assert_true(compress_parse("rar", &c) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_unreadable_source_fails),
		cmocka_unit_test(test_compressors),
		cmocka_unit_test(test_decompress),
		cmocka_unit_test(test_detect_and_names),
	};

	return cmocka_run_group_tests_name("cpio", tests, group_setup,
					   group_teardown);
}
