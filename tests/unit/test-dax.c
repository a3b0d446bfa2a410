// SPDX-License-Identifier: MIT
/* The DAX window's host memory (src/vmm/dax.c): files mapped and taken out
 * again, what the guest's reads and writes do to the file (a read-only
 * mapping never changes it, a writable one does), ranges outside the
 * window or misaligned, and a file truncated under its mapping: without
 * dax_fixup() its pages past the end have no memory (SIGBUS here, a hang
 * or EFAULT for KVM); the file's watch reports the truncation
 * (dax_events()), after which they read as zeros, and its pages come
 * back once the file has grown. A mapping that reaches past the end of
 * its file from the start gets zeros there too, and the file's pages as
 * it grows. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/dax.h"

#define MIB (1ull << 20)

struct fix {
	char *dir, *path;
	struct dax_window w;
};

/* A 3 MiB file: byte i is i / 4096 + i (mod 256), so pages differ. */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i / 4096 + i);
}

static int setup(void **state)
{
	struct fix *f = xcalloc(1, sizeof(*f));
	uint8_t *b = xmalloc(3 * MIB);

	log_level = LOG_QUIET;
	for (uint64_t i = 0; i < 3 * MIB; i++)
		b[i] = pattern(i);
	f->dir = mktemp_dir();
	write_at(f->dir, "f", b, 3 * MIB, 0644);
	f->path = xasprintf("%s/f", f->dir);
	free(b);
	assert_int_equal(dax_init(&f->w, 16 * MIB), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	dax_free(&f->w);
	rm_rf(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static int open_file(struct fix *f, int flags)
{
	int fd = open(f->path, flags | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void test_init_sizes(void **state)
{
	struct dax_window w;

	(void)state;
	assert_int_equal(dax_init(&w, 0), -EINVAL);
	assert_int_equal(dax_init(&w, MIB), -EINVAL);
	assert_int_equal(dax_init(&w, 3 * DAX_CHUNK), -EINVAL);
	assert_int_equal(dax_init(&w, DAX_SIZE_MAX * 2), -EINVAL);
	assert_int_equal(dax_init(&w, DAX_CHUNK), 0);
	assert_int_equal((uintptr_t)w.host % DAX_CHUNK, 0);
	assert_int_equal(w.nchunks, 1);
	/* Unmapped, the window is memory the guest may use: zeros. */
	assert_int_equal(w.host[0], 0);
	w.host[DAX_CHUNK - 1] = 7;
	dax_free(&w);
	dax_free(&w);		/* twice is harmless */
}

/* The file's bytes at the mapping's place; the tail of a short mapping
 * and the chunks around it are anonymous. */
static void test_map_reads_file(void **state)
{
	struct fix *f = *state;
	uint8_t *m = f->w.host + 4 * MIB;

	assert_int_equal(dax_map(&f->w, open_file(f, O_RDONLY), 2 * MIB, MIB,
				 4 * MIB, false), 0);
	for (uint64_t i = 0; i < MIB; i += 4093)
		assert_int_equal(m[i], pattern(2 * MIB + i));
	assert_int_equal(m[MIB], 0);		/* past len: anonymous */
	assert_true(f->w.chunk[2].fd >= 0);
	assert_true(f->w.chunk[1].fd == -1 && f->w.chunk[3].fd == -1);
	/* Read-only: a write copies the page, the file stays. */
	m[0] = (uint8_t)~m[0];
	assert_int_equal(dax_unmap(&f->w, 4 * MIB, DAX_CHUNK), 0);
	assert_int_equal(m[0], 0);
	assert_int_equal(f->w.chunk[2].fd, -1);
	assert_int_equal(dax_map(&f->w, open_file(f, O_RDONLY), 2 * MIB, MIB,
				 0, false), 0);
	assert_int_equal(f->w.host[0], pattern(2 * MIB));
}

/* Writable mappings write the file; several chunks in one mapping. */
static void test_map_write_shared(void **state)
{
	struct fix *f = *state;
	uint8_t *m = f->w.host + 8 * MIB;
	uint8_t b[2];
	int fd;

	assert_int_equal(dax_map(&f->w, open_file(f, O_RDWR), 0, 3 * MIB,
				 8 * MIB, true), 0);
	assert_true(f->w.chunk[4].fd >= 0 && f->w.chunk[5].fd >= 0);
	assert_int_equal(f->w.chunk[5].foff, DAX_CHUNK);
	assert_int_equal(f->w.chunk[5].len, MIB);
	assert_int_equal(m[3 * MIB - 1], pattern(3 * MIB - 1));
	m[5] = 0xaa;
	m[2 * MIB + 1] = 0xbb;
	fd = open_file(f, O_RDONLY);
	assert_int_equal(pread(fd, b, 1, 5), 1);
	assert_int_equal(b[0], 0xaa);
	assert_int_equal(pread(fd, b, 1, 2 * MIB + 1), 1);
	assert_int_equal(b[0], 0xbb);
	close(fd);
	/* Remapping a chunk replaces what was there. */
	assert_int_equal(dax_map(&f->w, open_file(f, O_RDONLY), 2 * MIB, MIB,
				 8 * MIB, false), 0);
	assert_int_equal(m[1], 0xbb);
	dax_clear(&f->w);
	for (unsigned i = 0; i < f->w.nchunks; i++)
		assert_int_equal(f->w.chunk[i].fd, -1);
	assert_int_equal(m[5], 0);
}

/* Past the end of the file from the start: zeros there (not SIGBUS),
 * and the file's bytes once it has grown into them. */
static void test_map_past_end(void **state)
{
	struct fix *f = *state;
	uint8_t *m = f->w.host + 6 * MIB, *b = xmalloc(MIB);
	int fd;

	assert_int_equal(dax_map(&f->w, open_file(f, O_RDONLY), 2 * MIB,
				 DAX_CHUNK, 6 * MIB, false), 0);
	assert_int_equal(f->w.chunk[3].valid, MIB);
	assert_int_equal(f->w.cut, 1);
	assert_int_equal(m[MIB - 1], pattern(3 * MIB - 1));
	assert_int_equal(m[MIB], 0);
	assert_int_equal(m[2 * MIB - 1], 0);
	for (uint64_t i = 0; i < MIB; i++)
		b[i] = (uint8_t)(i * 7);
	fd = open_file(f, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, b, 4096 + 10), 4096 + 10);
	close(fd);
	assert_int_equal(dax_events(&f->w), 0);
	assert_int_equal(f->w.chunk[3].valid, MIB + 8192);
	assert_int_equal(f->w.cut, 1);
	assert_int_equal(m[MIB + 4096 + 9], b[4096 + 9]);
	assert_int_equal(m[MIB + 8192], 0);
	/* A whole chunk past the end: all zeros, the file's once there. */
	assert_int_equal(dax_map(&f->w, open_file(f, O_RDONLY), 4 * MIB,
				 DAX_CHUNK, 0, false), 0);
	assert_int_equal(f->w.chunk[0].valid, 0);
	assert_int_equal(f->w.host[0], 0);
	assert_int_equal(dax_unmap(&f->w, 0, 8 * MIB), 0);
	assert_int_equal(f->w.cut, 0);
	assert_int_equal(f->w.mapped, 0);
	free(b);
}

/* Outside the window, misaligned, or empty: refused, fd closed. */
static void test_bad_ranges(void **state)
{
	struct fix *f = *state;
	static const uint64_t bad[][3] = {	/* foff, len, moff */
		{ 0, MIB, 16 * MIB },		/* at the end */
		{ 0, 4 * MIB, 14 * MIB },	/* over the end */
		{ 0, MIB, MIB },		/* moff misaligned */
		{ MIB, MIB, 0 },		/* foff misaligned */
		{ 0, 0, 0 },			/* empty */
		{ 0, UINT64_MAX, 2 * MIB },	/* wraps */
		{ UINT64_MAX - DAX_CHUNK + 1, MIB, 0 },	/* past off_t */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = open_file(f, O_RDONLY);

		assert_int_equal(dax_map(&f->w, fd, bad[i][0], bad[i][1],
					 bad[i][2], false), -EINVAL);
		assert_int_equal(fcntl(fd, F_GETFD), -1);	/* closed */
	}
	assert_int_equal(dax_unmap(&f->w, 16 * MIB, DAX_CHUNK), -EINVAL);
	assert_int_equal(dax_unmap(&f->w, 4096, DAX_CHUNK), -EINVAL);
	assert_int_equal(dax_unmap(&f->w, 0, 0), -EINVAL);
	assert_int_equal(dax_unmap(&f->w, 0, 16 * MIB), 0);
}

/* A file cut short under its mapping: the pages past the end get zeros,
 * the page holding the end keeps its bytes; grown again, the file's
 * pages come back. */
static void test_fixup_and_refresh(void **state)
{
	struct fix *f = *state;
	uint8_t *m = f->w.host + 2 * MIB;
	uint8_t *b = xmalloc(MIB);
	int fd;

	assert_int_equal(dax_map(&f->w, open_file(f, O_RDONLY), 2 * MIB,
				 MIB, 2 * MIB, false), 0);
	assert_int_equal(dax_fixup(&f->w), 0);	/* nothing to fix */
	assert_int_equal(dax_events(&f->w), 0);	/* no events yet */
	assert_int_equal(truncate(f->path, 2 * MIB + 5000), 0);
	/* The watch saw the truncation; a warning, once. */
	assert_false(f->w.warned);
	assert_int_equal(dax_events(&f->w), 1);
	assert_true(f->w.warned);
	assert_int_equal(f->w.cut, 1);
	assert_int_equal(f->w.chunk[1].valid, 8192);
	assert_int_equal(m[4999], pattern(2 * MIB + 4999));
	assert_int_equal(m[5000], 0);		/* the page of the end: zeros */
	assert_int_equal(m[8192], 0);		/* past it: anonymous */
	assert_int_equal(m[MIB - 1], 0);
	assert_int_equal(dax_fixup(&f->w), 0);	/* done once */
	/* Still short: nothing to give back. */
	assert_int_equal(dax_events(&f->w), 0);
	assert_int_equal(f->w.chunk[1].valid, 8192);
	/* The host writes it back to 3 MiB. */
	for (uint64_t i = 0; i < MIB; i++)
		b[i] = pattern(2 * MIB + i);
	fd = open_file(f, O_WRONLY);
	assert_int_equal(pwrite(fd, b, MIB, 2 * MIB), MIB);
	close(fd);
	assert_int_equal(dax_events(&f->w), 0);	/* nothing cut, pages back */
	assert_int_equal(f->w.cut, 0);
	assert_int_equal(f->w.chunk[1].valid, MIB);
	assert_int_equal(m[MIB - 1], pattern(3 * MIB - 1));
	assert_int_equal(m[100000], pattern(2 * MIB + 100000));
	/* Truncated to nothing: the whole mapping is zeros; unmapping it
	 * forgets the cut. */
	assert_int_equal(truncate(f->path, 0), 0);
	assert_int_equal(dax_fixup(&f->w), 1);
	assert_int_equal(m[0], 0);
	assert_int_equal(dax_unmap(&f->w, 2 * MIB, DAX_CHUNK), 0);
	assert_int_equal(f->w.cut, 0);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_sizes),
		cmocka_unit_test_setup_teardown(test_map_reads_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_write_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_past_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixup_and_refresh, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
