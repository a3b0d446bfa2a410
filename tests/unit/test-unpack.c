// SPDX-License-Identifier: MIT
/*
 * A bzImage unpacked on the host (src/run/unpack.c): synthetic bzImages
 * whose payload is a small ELF vmlinux compressed as the kernel's build
 * compresses it (scripts/Makefile.lib: the same programs and options,
 * and the size appended), in each compression it offers that libarchive
 * reads: gzip, bzip2, lzma, xz, lz4 (legacy), zstd. Each unpacks to the
 * very bytes, once, into the cache; a payload cut short, corrupt, or of
 * another size than it says is refused with a reason and nothing left in
 * the cache; a vmlinux without a PVH note is remembered as such.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/run/run.h"

struct comp {
	const char *name;	/* archive_filter_name()'s */
	const char *program;
	const char *cmd;	/* Makefile.lib's cmd_<name>, without the size */
	bool checksum;		/* a corrupt byte is caught */
};

static const struct comp comps[] = {
	{ "gzip", "gzip", "gzip -n -9", true },
	{ "bzip2", "bzip2", "bzip2 -9", true },
	/* lzma's .lzma (lzma_alone) and lz4's legacy frames carry no
	 * checksum: neither the kernel's decompressor nor libarchive can
	 * tell a flipped byte in them. */
	{ "lzma", "lzma", "lzma -9", false },
	/* scripts/xz_wrap.sh on x86 */
	{ "xz", "xz", "xz --check=crc32 --x86 --lzma2=,dict=32MiB", true },
	{ "lz4", "lz4", "lz4 -l -9 - -", false },
	{ "zstd", "zstd", "zstd -22 --ultra -q", true },
};

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = mktemp_dir();
	setenv("XDG_CACHE_HOME", dir, 1);
	log_level = LOG_QUIET;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_rf(dir);
	free(dir);
	return 0;
}

/* An ELF vmlinux: a PT_NOTE segment with Xen's PHYS32_ENTRY note (or
 * another note), and 256 KiB that compress, but not to nothing. */
static void vmlinux(struct buf *b, bool pvh)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		Elf64_Nhdr nh;
		char name[4];
		uint32_t desc;
	} h = { 0 };
	uint32_t x = 12345;

	memcpy(h.eh.e_ident, ELFMAG, SELFMAG);
	h.eh.e_ident[EI_CLASS] = ELFCLASS64;
	h.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	h.eh.e_ident[EI_VERSION] = EV_CURRENT;
	h.eh.e_type = ET_EXEC;
	h.eh.e_machine = EM_X86_64;
	h.eh.e_phoff = offsetof(__typeof__(h), ph);
	h.eh.e_phentsize = sizeof(Elf64_Phdr);
	h.eh.e_phnum = 1;
	h.eh.e_ehsize = sizeof(Elf64_Ehdr);
	h.ph.p_type = PT_NOTE;
	h.ph.p_offset = offsetof(__typeof__(h), nh);
	h.ph.p_filesz = sizeof(h.nh) + sizeof(h.name) + sizeof(h.desc);
	h.nh.n_namesz = 4;
	h.nh.n_descsz = 4;
	h.nh.n_type = pvh ? 18 : 1;		/* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(h.name, "Xen", 4);
	h.desc = 0x1000000 + 0x1234;
	buf_add(b, &h, sizeof(h));
	for (unsigned i = 0; i < (256u << 10) / 4; i++) {
		x = x * 1103515245 + 12345;
		buf_add(b, (uint8_t[]){ 'A' + (x >> 28), (uint8_t)i, 0, 0x90 }, 4);
	}
}

/* in compressed by cmd, with the size appended (size_append). */
static void compress(const char *cmd, const struct buf *in, struct buf *out,
		     uint32_t size)
{
	char *path = path_join(dir, "in"), *sh;
	struct buf b = { 0 };

	write_at(dir, "in", in->p, in->len, 0644);
	sh = xasprintf("%s <%s >%s/out", cmd, path, dir);
	assert_int_equal(system(sh), 0);
	free(sh);
	sh = path_join(dir, "out");
	assert_int_equal(read_file(sh, &b), 0);
	buf_add(out, b.p, b.len);
	buf_free(&b);
	buf_add(out, (uint8_t[]){ size, size >> 8, size >> 16, size >> 24 }, 4);
	unlink(path);
	unlink(sh);
	free(path);
	free(sh);
}

/* A bzImage around a payload: the setup header's fields that
 * kernel_bzimage_payload() reads (boot protocol 2.15, one setup sector,
 * the payload 0x100 into the protected-mode code). */
static char *bzimage(const struct buf *payload)
{
	struct buf k = { 0 };
	uint8_t h[1024 + 0x100] = { 0 };
	uint32_t len = (uint32_t)payload->len;
	char *path;

	h[0x1f1] = 1;
	memcpy(h + 0x202, "HdrS", 4);
	h[0x206] = 0x0f;
	h[0x207] = 0x02;
	h[0x248] = 0x00;
	h[0x249] = 0x01;
	memcpy(h + 0x24c, (uint8_t[]){ len, len >> 8, len >> 16, len >> 24 }, 4);
	buf_add(&k, h, sizeof(h));
	buf_add(&k, payload->p, payload->len);
	buf_add(&k, "trailer", 7);
	write_at(dir, "bzImage", k.p, k.len, 0644);
	buf_free(&k);
	path = path_join(dir, "bzImage");
	return path;
}

/* The files in the cache (dir/tinyrd): .vmlinux ones, and any other
 * but the .bzimage links (counted in links). */
static unsigned links;

static unsigned cached(unsigned *other)
{
	char *c = path_join(dir, "tinyrd");
	DIR *d = opendir(c);
	struct dirent *e;
	unsigned n = 0;

	*other = 0;
	links = 0;
	free(c);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.' && (l == 1 || !strcmp(e->d_name, "..")))
			continue;
		if (str_ends(e->d_name, ".bzimage") && e->d_type == DT_LNK)
			links++;
		else if (l > 8 && !strcmp(e->d_name + l - 8, ".vmlinux") &&
		    e->d_name[0] != '.')
			n++;
		else
			(*other)++;
	}
	closedir(d);
	return n;
}

/* Unpack path; r, and *why. */
static int unpack(const char *path, char **out, char *why, size_t n)
{
	why[0] = '\0';
	return run_unpack_kernel(path, out, why, n);
}

static void test_each_compression(void **state)
{
	struct buf v = { 0 };
	char why[320], *k, *out, *missing = NULL;
	unsigned other, tested = 0;

	(void)state;
	vmlinux(&v, true);
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		const struct comp *c = &comps[i];
		struct buf p = { 0 }, got = { 0 };

		if (!have_program(c->program)) {
			missing = xasprintf("%s%s%s", missing ? missing : "",
					    missing ? ", " : "", c->program);
			continue;
		}
		compress(c->cmd, &v, &p, (uint32_t)v.len);
		k = bzimage(&p);
		assert_int_equal(unpack(k, &out, why, sizeof(why)), 0);
		assert_non_null(out);
		assert_true(strncmp(why, c->name, strlen(c->name)) == 0);
		assert_int_equal(read_file(out, &got), 0);
		assert_int_equal(got.len, v.len);
		assert_memory_equal(got.p, v.p, v.len);
		buf_free(&got);
		free(out);
		/* Once: the second time from the cache. */
		assert_int_equal(unpack(k, &out, why, sizeof(why)), 0);
		assert_non_null(out);
		assert_string_equal(why, "in the cache");
		free(out);
		assert_int_equal(cached(&other), ++tested);
		assert_int_equal(other, 0);
		assert_int_equal(links, tested);
		free(k);
		buf_free(&p);
	}
	buf_free(&v);
	if (missing) {
		skip_because("not installed: %s (their payloads untested)", missing);
		free(missing);
	}
}

/* Each way a payload can be wrong, in each compression: refused, the
 * reason said, nothing cached. */
static void test_bad_payloads(void **state)
{
	struct buf v = { 0 };
	char why[320], *k, *out;
	unsigned other;

	(void)state;
	vmlinux(&v, true);
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
		const struct comp *c = &comps[i];
		struct buf p = { 0 }, q = { 0 };
		uint32_t size = (uint32_t)v.len;

		if (!have_program(c->program))
			continue;
		compress(c->cmd, &v, &p, size);

		/* Cut in half, the size still appended. */
		buf_add(&q, p.p, (p.len - 4) / 2);
		buf_add(&q, p.p + p.len - 4, 4);
		k = bzimage(&q);
		assert_int_not_equal(unpack(k, &out, why, sizeof(why)), 0);
		assert_null(out);
		assert_true(why[0]);
		free(k);
		buf_free(&q);

		/* A size one more than the stream gives, and one fewer. */
		for (int d = 1; d >= -1; d -= 2) {
			uint32_t s = size + (uint32_t)d;
			char want[64];

			buf_add(&q, p.p, p.len - 4);
			buf_add(&q, (uint8_t[]){ s, s >> 8, s >> 16, s >> 24 }, 4);
			k = bzimage(&q);
			assert_int_equal(unpack(k, &out, why, sizeof(why)), -EINVAL);
			assert_null(out);
			snprintf(want, sizeof(want), "gave %s%u bytes, not the %u",
				 d > 0 ? "" : "more than ", d > 0 ? size : s, s);
			if (!strstr(why, want))
				fail_msg("%s: \"%s\" says nothing of \"%s\"",
					 c->name, why, want);
			free(k);
			buf_free(&q);
		}

		/* A byte flipped mid-stream, where a checksum catches it. */
		if (c->checksum) {
			buf_add(&q, p.p, p.len);
			q.p[(p.len - 4) / 2] ^= 0x55;
			k = bzimage(&q);
			if (!unpack(k, &out, why, sizeof(why)))
				fail_msg("%s: a corrupt byte unpacked", c->name);
			assert_null(out);
			free(k);
			buf_free(&q);
		}
		assert_int_equal(cached(&other), 0);
		assert_int_equal(other, 0);
		buf_free(&p);
	}
	buf_free(&v);

	/* Not compressed at all; too short; not a bzImage. */
	{
		struct buf q = { 0 };

		buf_add(&q, "just bytes, no stream", 21);
		buf_add(&q, (uint8_t[]){ 21, 0, 0, 0 }, 4);
		k = bzimage(&q);
		assert_int_equal(unpack(k, &out, why, sizeof(why)), -EINVAL);
		assert_string_equal(why, "its payload is in no compression "
				    "libarchive reads");
		free(k);
		buf_free(&q);
		buf_add(&q, "abcd", 4);
		k = bzimage(&q);
		assert_int_equal(unpack(k, &out, why, sizeof(why)), -EINVAL);
		assert_string_equal(why, "its payload is too short (4 bytes)");
		free(k);
		buf_free(&q);
		write_at(dir, "elf", "\177ELF", 4, 0644);
		k = path_join(dir, "elf");
		assert_int_equal(unpack(k, &out, why, sizeof(why)), -EINVAL);
		assert_string_equal(why, "not a bzImage");
		free(k);
	}
	assert_int_equal(cached(&other), 0);
	assert_int_equal(other, 0);
}

/* A vmlinux without a PVH note: booted as it is, and remembered. */
static void test_no_pvh(void **state)
{
	struct buf v = { 0 }, p = { 0 };
	char why[320], *k, *out;
	unsigned other;

	(void)state;
	if (!have_program("gzip"))
		skip_because("no gzip");
	vmlinux(&v, false);
	compress("gzip -n -9", &v, &p, (uint32_t)v.len);
	k = bzimage(&p);
	assert_int_equal(unpack(k, &out, why, sizeof(why)), -ENOENT);
	assert_null(out);
	assert_string_equal(why, "its vmlinux (gzip) has no PVH entry");
	assert_int_equal(unpack(k, &out, why, sizeof(why)), -ENOENT);
	assert_null(out);
	assert_string_equal(why, "its vmlinux has no PVH entry (remembered in "
			    "the cache)");
	assert_int_equal(cached(&other), 1);
	assert_int_equal(other, 0);
	free(k);
	buf_free(&p);
	buf_free(&v);
}

/* Found again by the file's identity (a link), without hashing it; a
 * link whose vmlinux the cache dropped unpacks again; a file written
 * anew (another ctime) is hashed again, and finds the same vmlinux. */
static void test_identity(void **state)
{
	struct buf v = { 0 }, p = { 0 };
	char why[320], *k, *out, *first, *to;
	unsigned other;

	(void)state;
	if (!have_program("gzip"))
		skip_because("no gzip");
	vmlinux(&v, true);
	compress("gzip -n -9", &v, &p, (uint32_t)v.len);
	k = bzimage(&p);
	assert_int_equal(unpack(k, &out, why, sizeof(why)), 0);
	first = out;
	assert_int_equal(cached(&other), 1);
	assert_int_equal(links, 1);
	/* The link leads to the vmlinux: emptied, it is a vmlinux without a
	 * PVH entry, and the link found it without hashing. */
	to = xasprintf("%s.keep", first);
	assert_int_equal(rename(first, to), 0);
	write_at(dir, "tinyrd/x", "", 0, 0644);
	out = path_join(dir, "tinyrd/x");
	assert_int_equal(rename(out, first), 0);
	free(out);
	assert_int_equal(unpack(k, &out, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "its vmlinux has no PVH entry (remembered in "
			    "the cache)");
	assert_int_equal(rename(to, first), 0);
	free(to);
	/* Dropped by the cache: unpacked again. */
	assert_int_equal(unlink(first), 0);
	assert_int_equal(unpack(k, &out, why, sizeof(why)), 0);
	assert_true(!strncmp(why, "gzip, ", 6));
	assert_string_equal(out, first);
	free(out);
	/* The same bytes written anew: a second link, the same vmlinux. */
	unlink(k);
	free(k);
	k = bzimage(&p);
	assert_int_equal(unpack(k, &out, why, sizeof(why)), 0);
	assert_string_equal(why, "in the cache");
	assert_string_equal(out, first);
	assert_int_equal(cached(&other), 1);
	assert_int_equal(other, 0);
	assert_int_equal(links, 2);
	free(out);
	free(first);
	free(k);
	buf_free(&p);
	buf_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_compression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pvh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
