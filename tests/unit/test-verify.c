// SPDX-License-Identifier: MIT
/*
 * The data-path check end to end without a guest: the guest's checker
 * (init/verify-guest.c) runs here, the "mount" is the share directory itself,
 * and faults come in through its ops table; the host parses what it
 * printed and checks the sweep files it wrote. Each fault must come out
 * with the right class, file and offset, and nothing else may fail.
 * Then the sweep blocks tampered with on the host, the result-line parser
 * fed garbage, the guest fed bad manifests, the report printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "../../init/verify-guest.h"
#include "../../init/verify-manifest.h"
#include "../../src/common/crc32c.h"
#include "../../src/run/verify-host.h"

#define MiB (1024 * 1024)
#define SEED 0x5eed0123456789abULL
#define TARGET "size-1400000"

static char *tmp, *share;
static struct buf manifest_text;	/* the last one written */

/* Faults, for the file whose path ends in fault.file. */
enum fault_kind {
	F_NONE, F_EMPTY, F_SHORT, F_ZERO, F_EIO, F_NO_DATA, F_HOLE_AT,
	F_NO_BLOCKS, F_SIGBUS, F_WRITE_EIO,
};

static struct {
	enum fault_kind kind;
	const char *file;
	uint64_t at, len;
} fault;

static char *fd_path[4096];

static bool hit(int fd)
{
	return fault.kind != F_NONE && fd >= 0 && fd < 4096 && fd_path[fd] &&
	       str_ends(fd_path[fd], fault.file);
}

static int t_open(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode);

	if (fd >= 0 && fd < 4096) {
		free(fd_path[fd]);
		fd_path[fd] = xstrdup(path);
	}
	return fd;
}

static int t_close(int fd)
{
	if (fd >= 0 && fd < 4096) {
		free(fd_path[fd]);
		fd_path[fd] = NULL;
	}
	return close(fd);
}

static ssize_t t_pread(int fd, void *buf, size_t n, off_t off)
{
	uint64_t o = (uint64_t)off;
	ssize_t r;

	if (!hit(fd))
		return pread(fd, buf, n, off);
	switch (fault.kind) {
	case F_EMPTY:
		return 0;
	case F_SHORT:
	case F_EIO:
		if (o >= fault.at) {
			if (fault.kind == F_SHORT)
				return 0;
			errno = EIO;
			return -1;
		}
		if (n > fault.at - o)
			n = fault.at - o;
		return pread(fd, buf, n, off);
	case F_ZERO:
		r = pread(fd, buf, n, off);
		for (ssize_t i = 0; i < r; i++)
			if (o + (uint64_t)i >= fault.at &&
			    o + (uint64_t)i < fault.at + fault.len)
				((uint8_t *)buf)[i] = 0;
		return r;
	default:
		return pread(fd, buf, n, off);
	}
}

static ssize_t t_read(int fd, void *buf, size_t n)
{
	off_t pos = lseek(fd, 0, SEEK_CUR);
	ssize_t r = t_pread(fd, buf, n, pos);

	if (r > 0)
		lseek(fd, pos + r, SEEK_SET);
	return r;
}

static ssize_t t_write(int fd, const void *buf, size_t n)
{
	if (hit(fd) && fault.kind == F_WRITE_EIO &&
	    (uint64_t)lseek(fd, 0, SEEK_CUR) + n > fault.at) {
		errno = EIO;
		return -1;
	}
	return write(fd, buf, n);
}

static off_t t_lseek(int fd, off_t off, int whence)
{
	if (hit(fd) && whence == SEEK_DATA && fault.kind == F_NO_DATA) {
		errno = ENXIO;
		return -1;
	}
	if (hit(fd) && whence == SEEK_HOLE && fault.kind == F_HOLE_AT)
		return (off_t)fault.at;
	return lseek(fd, off, whence);
}

static int t_fstat(int fd, struct stat *st)
{
	int r = fstat(fd, st);

	if (!r && hit(fd) && fault.kind == F_NO_BLOCKS)
		st->st_blocks = 0;
	return r;
}

/* A mapping of what the faulty reads return; for F_SIGBUS one of a copy
 * cut at fault.at, so that the pages past it raise SIGBUS. */
static void *t_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	uint8_t *p;

	if (!hit(fd) || (fault.kind != F_EMPTY && fault.kind != F_ZERO &&
			 fault.kind != F_SIGBUS))
		return mmap(addr, len, prot, flags, fd, off);
	if (fault.kind == F_SIGBUS) {
		char *path = path_join(tmp, "cut");
		int cut = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		uint8_t *data = malloc(fault.at);

		assert_true(cut >= 0);
		assert_int_equal(pread(fd, data, fault.at, off), (ssize_t)fault.at);
		assert_int_equal(write_all(cut, data, fault.at), 0);
		p = mmap(addr, len, prot, flags, cut, off);
		close(cut);
		unlink(path);
		free(path);
		free(data);
		return p;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	if (fault.kind == F_ZERO)
		for (size_t got = 0; got < len;) {
			ssize_t n = t_pread(fd, p + got, len - got,
					    off + (off_t)got);

			assert_true(n > 0);
			got += (size_t)n;
		}
	return p;
}

static const struct verify_ops test_ops = {
	.open = t_open, .close = t_close, .read = t_read, .pread = t_pread,
	.write = t_write, .lseek = t_lseek, .fstat = t_fstat, .mmap = t_mmap,
	.munmap = munmap, .fsync = fsync, .fadvise = posix_fadvise,
	.mkdir = mkdir,
};

static void set_fault(enum fault_kind kind, const char *file, uint64_t at,
		      uint64_t len)
{
	fault.kind = kind;
	fault.file = file;
	fault.at = at;
	fault.len = len;
}

static int group_setup(void **state)
{
	(void)state;
	tmp = mktemp_dir();
	share = path_join(tmp, "share");
	mkdir(share, 0755);
	return verify_fixture(share);
}

static int group_teardown(void **state)
{
	(void)state;
	rm_rf(tmp);
	free(share);
	free(tmp);
	for (int i = 0; i < 4096; i++)
		free(fd_path[i]);
	buf_free(&manifest_text);
	return 0;
}

static struct verify_params params(bool quick, size_t nsweep)
{
	return (struct verify_params){
		.mount = share, .sweep_dir = ".tinyrd-verify", .seed = SEED,
		.msize = TINYRD_9P_MSIZE, .quick = quick,
		.sweep = verify_sweep_sizes, .nsweep = nsweep,
	};
}

static char *write_manifest(char *const *names, size_t n,
			    const struct verify_params *p)
{
	char *path = path_join(tmp, "manifest");

	buf_reset(&manifest_text);
	assert_int_equal(verify_manifest(&manifest_text, share, names, n, p), 0);
	write_at(tmp, "manifest", manifest_text.p, manifest_text.len, 0644);
	return path;
}

/* Run the guest's checker on the manifest of names; its output parsed
 * into r, the sweep checked; returns what the guest returned. */
static int run(struct verify_report *r, char *const *names, size_t n,
	       const struct verify_params *p, char **text_out)
{
	char *manifest = write_manifest(names, n, p), *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int ret;

	assert_non_null(out);
	ret = verify_run_ops(manifest, out, &test_ops);
	fclose(out);
	verify_report_init(r);
	verify_report_expect(r, manifest_text.p, manifest_text.len);
	verify_report_feed(r, text, len);
	verify_report_finish(r);
	assert_int_equal(verify_sweep_check(r, share, p), 0);
	if (text_out)
		*text_out = text;
	else
		free(text);
	free(manifest);
	set_fault(F_NONE, NULL, 0, 0);
	return ret;
}

static void dump(const struct verify_report *r)
{
	verify_report_print(r, stdout, VERIFY_PRINT_ALL);
}

static unsigned count(const struct verify_report *r, enum verify_kind kind)
{
	unsigned n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->r[i].kind == kind;
	return n;
}

/* The failure of cls for a path ending in file by method, which must be
 * there; NULL method: any. */
static const struct verify_result *expect(const struct verify_report *r,
					  enum verify_class cls,
					  const char *file, const char *method,
					  uint64_t offset)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct verify_result *res = &r->r[i];

		if (res->kind == VERIFY_FAIL && res->cls == cls &&
		    str_ends(res->path, file) &&
		    (!method || !strcmp(res->method, method)) &&
		    res->offset == offset)
			return res;
	}
	dump(r);
	fail_msg("no %s failure of %s by %s at %" PRIu64,
		 verify_class_name(cls), file, method ? method : "any", offset);
	return NULL;
}

/* The PROTOCOL failure whose detail ends in tail, which must be there. */
static const struct verify_result *expect_detail(const struct verify_report *r,
						 const char *tail)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->r[i].kind == VERIFY_FAIL && r->r[i].cls == VERIFY_PROTOCOL &&
		    str_ends(r->r[i].detail, tail))
			return &r->r[i];
	dump(r);
	fail_msg("no PROTOCOL failure ending in \"%s\"", tail);
	return NULL;
}

/* Every failure is of file: a fault must not spill over. */
static void only(const struct verify_report *r, const char *file)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->r[i].kind == VERIFY_FAIL && !str_ends(r->r[i].path, file)) {
			dump(r);
			fail_msg("unexpected failure of %s", r->r[i].path);
		}
}

static void test_clean_pass(void **state)
{
	struct verify_params p = params(false, VERIFY_SWEEP_SMALL);
	struct strv names = { 0 };
	struct verify_report r;
	char *text, *sweepdir = path_join(share, ".tinyrd-verify");
	struct stat st;

	(void)state;
	verify_fixture_names(&names);
	assert_int_equal(run(&r, names.v, names.n, &p, &text), 0);
	if (r.failures)
		dump(&r);
	assert_int_equal(r.failures, 0);
	assert_int_equal(verify_report_status(&r), 0);
	/* Per file: stat, blocks, seek, 2 reads, pread, mmap; 6 sweeps. */
	assert_int_equal(r.passed, names.n * 7 + VERIFY_SWEEP_SMALL);
	assert_int_equal(count(&r, VERIFY_WROTE), VERIFY_SWEEP_SMALL);
	assert_non_null(strstr(text, "name\\x20with\\x20blanks read:4096 4097"));
	assert_non_null(strstr(text, "verify end 0\n"));
	/* The sweep is gone from the share. */
	assert_int_equal(stat(sweepdir, &st), -1);
	verify_report_free(&r);
	free(text);
	free(sweepdir);
	strv_free(&names);
}

/* Quick: fewer read passes, and the sweep the caller asks for: tinyrd
 * verify --quick's small one (its man page: no 64 MiB file), none for run
 * --rootfs's sample. Quick used to drop the sweep whatever was asked, so
 * verify --quick checked no guest write at all. */
static void test_quick(void **state)
{
	struct verify_params p = params(true, VERIFY_SWEEP_SMALL);
	char *names[] = { "size-4097", "sparse" };
	struct verify_report r;
	char *text, *want;

	(void)state;
	assert_int_equal(run(&r, names, 2, &p, &text), 0);
	assert_int_equal(r.failures, 0);
	assert_null(strstr(text, "read:4096"));
	assert_non_null(strstr(text, "read:512000"));
	for (size_t i = 0; i < VERIFY_SWEEP_ALL; i++) {
		want = xasprintf("/" VERIFY_SWEEP_PREFIX "%" PRIu64 " %" PRIu64 "\n",
				 verify_sweep_sizes[i], verify_sweep_sizes[i]);
		if (i < VERIFY_SWEEP_SMALL)
			assert_non_null(strstr(text, want));
		else
			assert_null(strstr(text, want));
		free(want);
	}
	verify_report_free(&r);
	free(text);

	p = params(true, 0);
	assert_int_equal(run(&r, names, 2, &p, &text), 0);
	assert_int_equal(r.failures, 0);
	assert_null(strstr(text, "wrote"));
	verify_report_free(&r);
	free(text);
}

/* The faults, on a 1.4 MB file between two good ones, without a sweep. */
static char *fault_files[] = { "size-4097", TARGET, "sparse" };

static void run_fault(struct verify_report *r)
{
	struct verify_params p = params(false, 0);
	int ret = run(r, fault_files, 3, &p, NULL);

	assert_int_equal(ret, (int)r->failures);
	assert_int_equal(verify_report_status(r), 1);
}

static void test_empty_read(void **state)
{
	struct verify_report r;
	const struct verify_result *res;

	(void)state;
	set_fault(F_EMPTY, TARGET, 0, 0);
	run_fault(&r);
	expect(&r, VERIFY_EMPTY_READ, TARGET, "read:4096", 0);
	expect(&r, VERIFY_EMPTY_READ, TARGET, "read:512000", 0);
	expect(&r, VERIFY_EMPTY_READ, TARGET, "pread", 0);
	/* The mapping is all zeros: the same broken path. */
	res = expect(&r, VERIFY_EMPTY_READ, TARGET, "mmap", 0);
	assert_non_null(strstr(res->detail, "only zeros"));
	assert_int_equal(r.failures, 4);
	only(&r, TARGET);
	verify_report_free(&r);
}

static void test_short_read(void **state)
{
	struct verify_report r;
	uint64_t cut = TINYRD_9P_MSIZE - VERIFY_9P_IOHDR;

	(void)state;
	set_fault(F_SHORT, TARGET, cut, 0);
	run_fault(&r);
	expect(&r, VERIFY_SHORT_READ, TARGET, "read:4096", cut);
	expect(&r, VERIFY_SHORT_READ, TARGET, "read:512000", cut);
	expect(&r, VERIFY_SHORT_READ, TARGET, "pread", cut);
	assert_int_equal(r.failures, 3);
	only(&r, TARGET);
	verify_report_free(&r);
}

static void test_zeroed_page(void **state)
{
	struct verify_report r;
	const struct verify_result *res;
	uint64_t at = 1310720;		/* in the second MiB block */

	(void)state;
	set_fault(F_ZERO, TARGET, at, 4096);
	run_fault(&r);
	res = expect(&r, VERIFY_CORRUPT, TARGET, "read:4096", at);
	assert_true(str_starts(res->detail, "zeroed, 1 of 2 MiB blocks bad"));
	expect(&r, VERIFY_CORRUPT, TARGET, "read:512000", at);
	expect(&r, VERIFY_CORRUPT, TARGET, "pread", at);
	expect(&r, VERIFY_CORRUPT, TARGET, "mmap", at);
	assert_int_equal(r.failures, 4);
	only(&r, TARGET);
	verify_report_free(&r);

	/* Damage that is not a page of zeros: the page it starts in. */
	set_fault(F_ZERO, TARGET, 300001, 100);
	run_fault(&r);
	res = expect(&r, VERIFY_CORRUPT, TARGET, "pread", 299008);
	assert_true(str_starts(res->detail, "bad-crc"));
	assert_int_equal(r.failures, 4);
	verify_report_free(&r);
}

static void test_sparse_lie(void **state)
{
	struct verify_report r;

	(void)state;
	set_fault(F_NO_DATA, TARGET, 0, 0);
	run_fault(&r);
	expect(&r, VERIFY_SPARSE_LIE, TARGET, "seek", 0);
	assert_int_equal(r.failures, 1);
	only(&r, TARGET);
	verify_report_free(&r);

	/* A hole that starts inside the host's data. */
	set_fault(F_HOLE_AT, TARGET, 65536, 0);
	run_fault(&r);
	expect(&r, VERIFY_SPARSE_LIE, TARGET, "seek", 65536);
	assert_int_equal(r.failures, 1);
	verify_report_free(&r);

	/* No blocks at all for a file with data: cp takes it for a hole. */
	set_fault(F_NO_BLOCKS, TARGET, 0, 0);
	run_fault(&r);
	expect(&r, VERIFY_SPARSE_LIE, TARGET, "blocks", 0);
	assert_int_equal(r.failures, 1);
	verify_report_free(&r);
}

static void test_io_error(void **state)
{
	struct verify_report r;
	const struct verify_result *res;

	(void)state;
	set_fault(F_EIO, TARGET, MiB, 0);
	run_fault(&r);
	res = expect(&r, VERIFY_IO_ERROR, TARGET, "read:4096", MiB);
	assert_non_null(strstr(res->detail, strerror(EIO)));
	expect(&r, VERIFY_IO_ERROR, TARGET, "read:512000", MiB);
	expect(&r, VERIFY_IO_ERROR, TARGET, "pread", MiB);
	assert_int_equal(r.failures, 3);
	only(&r, TARGET);
	verify_report_free(&r);
}

/* A mapping whose pages past 1 MiB are gone: SIGBUS, caught. */
static void test_mmap_sigbus(void **state)
{
	struct verify_report r;

	(void)state;
	set_fault(F_SIGBUS, TARGET, MiB, 0);
	run_fault(&r);
	expect(&r, VERIFY_IO_ERROR, TARGET, "mmap", MiB);
	assert_int_equal(r.failures, 1);
	verify_report_free(&r);
}

static void test_sweep_write_error(void **state)
{
	struct verify_params p = params(false, 2);
	char *names[] = { "size-1" };
	struct verify_report r;

	(void)state;
	set_fault(F_WRITE_EIO, "sweep-786432", 600000, 0);
	assert_int_equal(run(&r, names, 1, &p, NULL), 1);
	expect(&r, VERIFY_IO_ERROR, "sweep-786432", "write", 512000);
	/* The host does not check again what the guest could not write. */
	assert_int_equal(r.failures, 1);
	assert_int_equal(count(&r, VERIFY_WROTE), 1);
	verify_report_free(&r);
}

/* The sweep files damaged on the host between the guest's writing and
 * the host's check. */
static void put_block(const char *file, uint64_t off, const uint8_t *blk)
{
	char *path = path_join(share, file);
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, blk, 4096, (off_t)off), 4096);
	close(fd);
	free(path);
}

static void get_block(const char *file, uint64_t off, uint8_t *blk)
{
	char *path = path_join(share, file);
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, blk, 4096, (off_t)off), 4096);
	close(fd);
	free(path);
}

static void test_sweep_damage(void **state)
{
	struct verify_params p = params(false, VERIFY_SWEEP_SMALL);
	char *names[] = { "size-1" }, *manifest = write_manifest(names, 1, &p);
	char *text = NULL, *path;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct verify_report r;
	const struct verify_result *res;
	uint8_t zero[4096] = { 0 }, a[4096], b[4096];
	struct stat st;

	(void)state;
	assert_int_equal(verify_run_ops(manifest, out, &verify_libc_ops), 0);
	fclose(out);
	/* sweep-524288: a block of zeros */
	put_block(".tinyrd-verify/sweep-524288", 65536, zero);
	/* sweep-786432: a block of an earlier run */
	verify_block_make(a, SEED + 1, 786432, 8192);
	put_block(".tinyrd-verify/sweep-786432", 8192, a);
	/* sweep-1048576: two blocks swapped */
	get_block(".tinyrd-verify/sweep-1048576", 4096, a);
	get_block(".tinyrd-verify/sweep-1048576", 12288, b);
	put_block(".tinyrd-verify/sweep-1048576", 4096, b);
	put_block(".tinyrd-verify/sweep-1048576", 12288, a);
	/* sweep-1310720: cut short */
	path = path_join(share, ".tinyrd-verify/sweep-1310720");
	assert_int_equal(truncate(path, 1000000), 0);
	free(path);
	/* sweep-1572864: gone */
	path = path_join(share, ".tinyrd-verify/sweep-1572864");
	assert_int_equal(unlink(path), 0);
	free(path);
	/* sweep-2097152: its second MiB zeroed, and a block of another file
	 * at its start, and one damaged byte */
	for (uint64_t o = MiB; o < 2 * MiB; o += 4096)
		put_block(".tinyrd-verify/sweep-2097152", o, zero);
	get_block(".tinyrd-verify/sweep-524288", 0, a);
	put_block(".tinyrd-verify/sweep-2097152", 0, a);
	get_block(".tinyrd-verify/sweep-2097152", 40960, a);
	a[1000] ^= 1;
	put_block(".tinyrd-verify/sweep-2097152", 40960, a);

	verify_report_init(&r);
	verify_report_expect(&r, manifest_text.p, manifest_text.len);
	verify_report_feed(&r, text, len);
	verify_report_finish(&r);
	assert_int_equal(r.failures, 0);
	assert_int_equal(verify_sweep_check(&r, share, &p), 0);

	res = expect(&r, VERIFY_CORRUPT, "sweep-524288", "sweep", 65536);
	assert_string_equal(res->detail, "zeroed");
	res = expect(&r, VERIFY_CORRUPT, "sweep-786432", "sweep", 8192);
	assert_true(str_starts(res->detail, "stale (seed 0x5eed0123456789ac"));
	res = expect(&r, VERIFY_CORRUPT, "sweep-1048576", "sweep", 4096);
	assert_string_equal(res->detail, "misplaced-from-offset-12288");
	res = expect(&r, VERIFY_CORRUPT, "sweep-1048576", "sweep", 12288);
	assert_string_equal(res->detail, "misplaced-from-offset-4096");
	res = expect(&r, VERIFY_SHORT_READ, "sweep-1310720", "sweep", 1000000);
	assert_string_equal(res->detail, "size 1000000, written 1310720");
	res = expect(&r, VERIFY_IO_ERROR, "sweep-1572864", "sweep", 0);
	assert_true(str_starts(res->detail, "missing"));
	res = expect(&r, VERIFY_CORRUPT, "sweep-2097152", "sweep", 0);
	assert_string_equal(res->detail,
			    "misplaced-from-offset-0 of sweep-524288");
	res = expect(&r, VERIFY_CORRUPT, "sweep-2097152", "sweep", 40960);
	assert_string_equal(res->detail, "bad-crc");
	res = expect(&r, VERIFY_CORRUPT, "sweep-2097152", "sweep", MiB);
	assert_string_equal(res->detail, "zeroed, 256 blocks");
	assert_int_equal(r.failures, 9);
	assert_int_equal(verify_report_status(&r), 1);

	path = path_join(share, ".tinyrd-verify");
	assert_int_equal(stat(path, &st), -1);
	free(path);
	verify_report_free(&r);
	free(text);
	free(manifest);
}

/* Output that lost lines, or a guest that skipped checks, fails: the
 * host knows from its manifest what every file owes. */
static void test_missing_results(void **state)
{
	struct verify_params p = params(false, 2);
	char *names[] = { "size-4097", "size-1" };
	char *manifest = write_manifest(names, 2, &p), *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct verify_report r;
	const struct verify_result *res;

	(void)state;
	assert_int_equal(verify_run_ops(manifest, out, &verify_libc_ops), 0);
	fclose(out);
	/* Drop the pread line of size-1 and the wrote line of the second
	 * sweep file. */
	{
		char *a = strstr(text, "/size-1 pread 1\n"), *b;

		assert_non_null(a);
		while (a > text && a[-1] != '\n')
			a--;
		b = strchr(a, '\n') + 1;
		memmove(a, b, strlen(b) + 1);
		a = strstr(text, "wrote ");
		a = strstr(a + 1, "wrote ");
		b = strchr(a, '\n') + 1;
		memmove(a, b, strlen(b) + 1);
	}
	verify_report_init(&r);
	verify_report_expect(&r, manifest_text.p, manifest_text.len);
	verify_report_feed(&r, text, strlen(text));
	verify_report_finish(&r);
	assert_int_equal(r.classes[VERIFY_PROTOCOL], 2);
	res = &r.r[r.n - 2];
	assert_true(str_ends(res->detail, "/size-1 pread"));
	res = &r.r[r.n - 1];
	assert_true(str_ends(res->detail, "/sweep-786432 write"));
	verify_report_free(&r);

	/* Results that checked less than the manifest sent: a guest that
	 * saw a smaller data extent (a map damaged on its way passes every
	 * seek in the guest) or wrote a shorter sweep file. */
	{
		char *a = strstr(text, "/size-4097 seek 4097\n"), *b;

		assert_non_null(a);
		memcpy(strstr(a, " 4097\n"), " 4000\n", 6);
		b = strstr(text, "/sweep-524288 524288\n");
		assert_non_null(b);
		memcpy(strstr(b, " 524288\n"), " 520192\n", 8);
	}
	verify_report_init(&r);
	verify_report_expect(&r, manifest_text.p, manifest_text.len);
	verify_report_feed(&r, text, strlen(text));
	verify_report_finish(&r);
	assert_int_equal(verify_report_status(&r), 1);
	assert_int_equal(r.classes[VERIFY_PROTOCOL], 2 + 2);
	assert_non_null(expect_detail(&r, "/size-4097 seek checked 4000 bytes, not "
				      "the 4097 of the manifest sent"));
	assert_non_null(expect_detail(&r, "/sweep-524288 write checked 520192 "
				      "bytes, not the 524288 of the manifest sent"));
	verify_report_free(&r);

	/* Only the frame: every check missing. */
	verify_report_init(&r);
	verify_report_expect(&r, manifest_text.p, manifest_text.len);
	verify_report_feed(&r, "verify begin 1\nverify end 0\n", 28);
	verify_report_finish(&r);
	assert_int_equal(r.classes[VERIFY_PROTOCOL], 2 * 7 + 2);
	assert_int_equal(verify_report_status(&r), 1);
	verify_report_free(&r);

	/* A file that cannot be opened answers for all its methods. */
	verify_report_init(&r);
	verify_report_expect(&r, manifest_text.p, manifest_text.len);
	verify_report_feed(&r, "verify begin 1\n", 15);
	for (size_t i = 0; i < 2; i++) {
		char *l = xasprintf("fail IO_ERROR %s/%s 0 open open: x\n", share,
				    names[i]);

		verify_report_feed(&r, l, strlen(l));
		free(l);
	}
	{
		char *l = xasprintf("fail IO_ERROR %s/.tinyrd-verify 0 write "
				    "mkdir: x\nverify end 3\n", share);

		verify_report_feed(&r, l, strlen(l));
		free(l);
	}
	verify_report_finish(&r);
	assert_int_equal(r.failures, 3);
	assert_int_equal(r.classes[VERIFY_PROTOCOL], 0);
	verify_report_free(&r);

	/* A guest that stopped during the sweep: what it wrote is checked,
	 * the rest is the missing end's failure, not one per file. */
	{
		uint8_t zero[4096] = { 0 };

		put_block(".tinyrd-verify/sweep-786432", 0, zero);
	}
	verify_report_init(&r);
	verify_report_expect(&r, manifest_text.p, manifest_text.len);
	*strstr(text, "wrote ") = '\0';
	{
		char *l = xasprintf("%swrote %s/.tinyrd-verify/sweep-524288 "
				    "524288\n", text, share);

		verify_report_feed(&r, l, strlen(l));
		free(l);
	}
	verify_report_finish(&r);
	assert_int_equal(verify_sweep_check(&r, share, &p), 0);
	assert_int_equal(r.failures, 1);
	assert_int_equal(r.classes[VERIFY_PROTOCOL], 1);
	res = &r.r[r.n - 1];
	assert_int_equal(res->kind, VERIFY_OK);
	assert_true(str_ends(res->path, "/sweep-524288"));
	verify_report_free(&r);
	free(manifest);
	free(text);
}

static void test_blocks(void **state)
{
	uint8_t blk[4096], copy[4096];
	struct verify_block_hdr h;

	(void)state;
	verify_block_make(blk, 7, 8192, 4096);
	assert_memory_equal(blk, "tinyrdVB", 8);
	assert_int_equal(verify_block_check(blk, 7, 8192, 4096, &h),
			 VERIFY_BLOCK_OK);
	assert_int_equal(verify_block_check(blk, 8, 8192, 4096, &h),
			 VERIFY_BLOCK_STALE);
	assert_int_equal(h.seed, 7);
	assert_int_equal(verify_block_check(blk, 7, 8192, 0, &h),
			 VERIFY_BLOCK_MISPLACED);
	assert_int_equal(h.offset, 4096);
	assert_int_equal(verify_block_check(blk, 7, 12288, 4096, &h),
			 VERIFY_BLOCK_MISPLACED);
	assert_int_equal(h.size, 8192);
	memcpy(copy, blk, sizeof(copy));
	copy[4095] ^= 0x80;
	assert_int_equal(verify_block_check(copy, 7, 8192, 4096, &h),
			 VERIFY_BLOCK_BAD_CRC);
	memset(copy, 0, sizeof(copy));
	assert_int_equal(verify_block_check(copy, 7, 8192, 4096, &h),
			 VERIFY_BLOCK_ZEROED);
	/* The stream at any offset is the same bytes. */
	{
		uint8_t whole[64], part[64];

		verify_fill(whole, 64, 99, 1000);
		for (size_t o = 0; o < 64; o++) {
			verify_fill(part, 64 - o, 99, 1000 + o);
			assert_memory_equal(part, whole + o, 64 - o);
		}
	}
}

static void test_escape(void **state)
{
	char raw[256], esc[4 * 256 + 1], bad[][12] = {
		"a\\", "a\\x", "a\\x4", "a\\xg0", "a\\X41", "a\\x00b", "a\\n",
		"a b", "a\tb", "a\x7f", "a\xc3\xa9", "a\\xA0",
	};

	(void)state;
	for (int i = 1; i < 256; i++)
		raw[i - 1] = (char)i;
	raw[255] = '\0';
	verify_escape(esc, raw);
	for (char *e = esc; *e; e++)
		assert_true(*e > 0x20 && *e < 0x7f);
	assert_int_equal(verify_unescape(esc), 255);
	assert_memory_equal(esc, raw, 256);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(verify_unescape(bad[i]), -EINVAL);
}

/* The manifest's CRC is the file's CRC32C, computed straight. */
static void test_manifest(void **state)
{
	struct verify_params p = params(false, VERIFY_SWEEP_ALL);
	char *names[] = { "size-3145851", "link", "sparse" };
	struct buf b = { 0 }, data = { 0 };
	char *path = path_join(share, "size-3145851"), *want, *line;

	(void)state;
	symlink_at(share, "link", "size-1");
	assert_int_equal(read_file(path, &data), 0);
	assert_int_equal(verify_manifest(&b, share, names, 3, &p), 0);
	want = xasprintf("\nfile %s/size-3145851 3145851 %08x ", share,
			 crc32c(0, data.p, data.len));
	assert_non_null(strstr(b.p, want));
	assert_true(str_starts(b.p, "tinyrd-verify 1\nmsize 512000\n"
			       "seed 0x5eed0123456789ab\nquick 0\n"));
	assert_non_null(strstr(b.p, "\nsweep 524288 786432 1048576 1310720 "
			       "1572864 2097152 67108864\n"));
	/* The link is read where it leads. */
	assert_non_null(strstr(b.p, "/size-1 1 "));
	assert_null(strstr(b.p, "/link "));
	/* Where the file system keeps holes, the sparse file has two
	 * extents: 64 KiB, a hole of 5 MiB, 64 KiB. */
	line = strstr(b.p, "/sparse ");
	assert_non_null(line);
	if (strstr(line, " 0+65536,5308416+65536 "))
		print_message("sparse: holes kept\n");
	else
		assert_non_null(strstr(line, " 0+5373952 "));
	free(want);
	free(path);
	buf_free(&b);
	buf_free(&data);
	path = path_join(share, "link");
	unlink(path);
	free(path);
}

static void test_manifest_errors(void **state)
{
	struct verify_params p = params(false, 2), bad;
	struct buf b = { 0 };
	struct capture c;
	char *names[] = { "outside" }, *dirs[] = { "." }, *none[] = { "nope" };
	char *msg;
	uint64_t odd[] = { 4097 };

	(void)state;
	symlink_at(share, "outside", "/etc/passwd");
	capture_begin(&c);
	assert_true(verify_manifest(&b, share, names, 1, &p) < 0);
	assert_true(verify_manifest(&b, share, dirs, 1, &p) < 0);
	assert_true(verify_manifest(&b, share, none, 1, &p) < 0);
	bad = p;
	bad.msize = 100;
	assert_true(verify_manifest(&b, share, NULL, 0, &bad) < 0);
	bad = p;
	bad.sweep = odd;
	bad.nsweep = 1;
	assert_true(verify_manifest(&b, share, NULL, 0, &bad) < 0);
	bad = p;
	bad.sweep_dir = "../x";
	assert_true(verify_manifest(&b, share, NULL, 0, &bad) < 0);
	msg = capture_end(&c);
	assert_non_null(strstr(msg, "outside the share"));
	free(msg);
	buf_free(&b);
	/* The fixture never overwrites. */
	capture_begin(&c);
	assert_true(verify_fixture(share) < 0);
	free(capture_end(&c));
	{
		char *path = path_join(share, "outside");

		unlink(path);
		free(path);
	}
}

/* A manifest the guest cannot use: an error, nothing printed. */
static void test_bad_manifests(void **state)
{
	static const char *const bad[] = {
		"",
		"tinyrd-verify 2\nmsize 512000\nseed 1\nquick 0\n",
		"msize 512000\nseed 1\nquick 0\n",
		"tinyrd-verify 1\nseed 1\nquick 0\n",
		"tinyrd-verify 1\nmsize 100\nseed 1\nquick 0\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 2\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\nsweep 4096\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\nbogus 1\n",
		"tinyrd-verify 1\nmsize 512000 1\nseed 1\nquick 0\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"sweepdir /x\nsweep 4097\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"file /a 5 00000000 0 0+5 00000000\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"file /a 5 00000000 0 0+5 00000000,00000000 -\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"file /a 5 00000000 0 0+6 00000000 -\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"file /a 5 00000000 0 0+5 00000000 00000\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"file /a\\x 5 00000000 0 0+5 00000000 -\n",
		"tinyrd-verify 1\nmsize 512000\nseed 1\nquick 0\n"
			"file /a 5 00000000 0 0+5 00000000 - x\n",
		"tinyrd-verify 1\nmsize 99999999999999999999999\nseed 1\nquick 0\n",
	};
	char *path = path_join(tmp, "manifest");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);

		write_at(tmp, "manifest", bad[i], strlen(bad[i]), 0644);
		if (verify_run_ops(path, out, &test_ops) >= 0)
			fail_msg("manifest %zu was taken", i);
		fclose(out);
		assert_int_equal(len, 0);
		free(text);
	}
	write_at(tmp, "manifest", "tinyrd-verify 1\nquick\0 0\n", 24, 0644);
	assert_int_equal(verify_run(path, stdout), -EINVAL);
	unlink(path);
	assert_int_equal(verify_run(path, stdout), -ENOENT);
	free(path);
}

/* The fields of one parsed manifest that the guest's checks depend on:
 * not the seed (a manifest without sweep uses none), BLOCKS beyond zero
 * or not, nor TAGS (they only place a bad page). Equal checks must give
 * equal verdicts. */
static bool same_checks(const struct vmanifest *a, const struct vmanifest *b)
{
	if (a->msize != b->msize || a->quick != b->quick ||
	    a->nsweep != b->nsweep || a->nfiles != b->nfiles)
		return false;
	for (size_t i = 0; i < a->nsweep; i++)
		if (a->sweep[i] != b->sweep[i])
			return false;
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct vfile *f = &a->files[i], *g = &b->files[i];

		if (strcmp(f->path, g->path) || f->size != g->size ||
		    f->crc != g->crc || !f->blocks != !g->blocks ||
		    f->nmap != g->nmap ||
		    (f->nmap && memcmp(f->map, g->map, f->nmap * sizeof(*f->map))) ||
		    (f->size && memcmp(f->crcs, g->crcs, div_up(f->size, VERIFY_BLOCK) *
				       sizeof(*f->crcs))))
			return false;
	}
	return true;
}

/* Where a mutation may land: not in the seed's value, a file's BLOCKS or
 * TAGS (see same_checks), so that every mutation damages a check. */
static bool mutable_at(const char *text, size_t at)
{
	const char *line = text + at, *p;
	int word = 0;

	while (line > text && line[-1] != '\n')
		line--;
	for (p = line; p < text + at; p++)
		word += *p == ' ';
	if (text[at] == ' ' || text[at] == '\n')
		return true;
	if (str_starts(line, "seed "))
		return word != 1;
	if (str_starts(line, "file "))
		return word != 4 && word != 7;
	return true;
}

/*
 * Damaged manifests, as a transport that garbles the manifest on its way
 * would deliver it: characters replaced in the fields the checks use, or
 * the text cut short. The guest's checker must return a status (the
 * number of its failures, or -errno with nothing printed), and the host,
 * which knows the manifest it sent, must fail the run: each damage comes
 * out as a failure class or a PROTOCOL error, never as a pass. Where the
 * damaged text reads back as the same checks, the run must pass instead.
 * Quick manifests without sweep, so that no mutation can make the guest
 * write.
 */
static void test_manifest_fuzz(void **state)
{
	struct verify_params p = params(true, 0);
	char *names[] = { "size-0", "size-1", "size-4097", "size-1400000", "sparse" };
	char *path = write_manifest(names, ARRAY_SIZE(names), &p), *good;
	static const char alphabet[] = " \n,+-0f9x\\", digits[] = "0123456789abcdef";
	struct vmanifest truth = { 0 };
	size_t len;
	unsigned outcomes[4] = { 0 };	/* parse error, guest failure, protocol, same */

	(void)state;
	good = xstrndup(manifest_text.p, manifest_text.len);
	len = manifest_text.len;
	assert_int_equal(vmanifest_read(path, &truth), 0);
	srand(7);
	for (int iter = 0; iter < 1500; iter++) {
		char *t = xstrndup(good, len), *text = NULL;
		size_t n = len, outlen = 0;
		struct verify_report r;
		struct vmanifest m = { 0 };
		bool same;
		int ret, parsed;
		FILE *out;

		for (int k = rand() % 3; k >= 0 && n; k--) {
			size_t at;
			char c;

			do
				at = (size_t)rand() % n;
			while (!mutable_at(t, at));
			if (rand() % 5) {
				/* Half the time a digit for a digit: the field
				 * still reads, and says something else. */
				do
					c = rand() % 2 ? digits[rand() % 16] :
					    alphabet[rand() % (sizeof(alphabet) - 1)];
				while (c == t[at]);
				t[at] = c;
			} else {
				n = at;
			}
		}
		write_at(tmp, "manifest", t, n, 0644);
		parsed = vmanifest_read(path, &m);
		same = !parsed && same_checks(&m, &truth);
		vmanifest_free(&m);
		out = open_memstream(&text, &outlen);
		assert_non_null(out);
		ret = verify_run_ops(path, out, &test_ops);
		fclose(out);
		/* A status: failures counted, or an error and nothing said. */
		if (parsed) {
			if (ret != parsed || outlen)
				fail_msg("mutation %d: unreadable manifest gave %d "
					 "and %zu bytes of output:\n%.*s", iter, ret,
					 outlen, (int)n, t);
		} else if (ret < 0) {
			fail_msg("mutation %d: a manifest that reads gave %d", iter, ret);
		}
		verify_report_init(&r);
		verify_report_expect(&r, good, len);
		verify_report_feed(&r, text, outlen);
		verify_report_finish(&r);
		if (same) {
			if (verify_report_status(&r)) {
				dump(&r);
				fail_msg("mutation %d: the same checks failed:\n%.*s",
					 iter, (int)n, t);
			}
			outcomes[3]++;
		} else {
			if (!verify_report_status(&r) || !r.failures) {
				dump(&r);
				fail_msg("mutation %d: a damaged manifest passed:\n%.*s",
					 iter, (int)n, t);
			}
			for (size_t i = 0; i < r.n; i++)
				if (r.r[i].kind == VERIFY_FAIL)
					assert_in_range(r.r[i].cls, VERIFY_EMPTY_READ,
							VERIFY_PROTOCOL);
			outcomes[parsed ? 0 : r.classes[VERIFY_PROTOCOL] &&
					 r.failures == r.classes[VERIFY_PROTOCOL] ? 2 : 1]++;
		}
		/* The guest's count is the host's count of guest failures. */
		if (ret > 0)
			assert_int_equal((unsigned)ret, r.guest_fails);
		verify_report_free(&r);
		free(text);
		free(t);
	}
	print_message("mutations: %u unreadable, %u failed by the guest, %u "
		      "caught as PROTOCOL, %u the same checks\n", outcomes[0],
		      outcomes[1], outcomes[2], outcomes[3]);
	/* Each outcome must have come up: the mutations reach every path. */
	for (int i = 0; i < 3; i++)
		assert_true(outcomes[i] > 0);
	vmanifest_free(&truth);
	free(good);
	free(path);
}

static struct verify_report *parse_text(const char *text)
{
	static struct verify_report r;

	verify_report_init(&r);
	verify_report_feed(&r, text, strlen(text));
	verify_report_finish(&r);
	return &r;
}

static void test_parser(void **state)
{
	static const char *const garbled[] = {
		"ok /a read:4096",
		"ok /a read:4096 1 2",
		"ok /a read:4096 -1",
		"ok /a read:4096 99999999999999999999999",
		"ok /a READ 1",
		"ok  /a read 1",
		"ok /a\\x4 read 1",
		"ok /a\\xzz read 1",
		"ok /a\\ read 1",
		"ok /a\\x00 read 1",
		"ok /\xff read 1",
		"ok \\x41\x01 read 1",
		"fail CORRUPT /a 12",
		"fail BOGUS /a 1 read x",
		"fail /a 1 read x",
		"fail CORRUPT /a x read x",
		"wrote /a",
		"wrote /a 1 2",
		"skip /a",
		"verify end x",
		"verify middle 0",
		"hello",
		"",
		"ok /a read:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1",
	};
	struct verify_report *r;

	(void)state;
	/* Chatter around the results, CRLF, a detail with blanks. */
	r = parse_text("[    1.0] kernel says hi\nok not/parsed\r\n"
		       "verify begin 1\r\nok /a\\x20b read:4096 10\r\n"
		       "skip /a seek SEEK_DATA: Invalid argument\n"
		       "fail CORRUPT /c 4096 mmap zeroed, 1 of 1 MiB blocks bad\n"
		       "wrote /d/sweep-4096 4096\nverify end 1\nfail junk\n");
	assert_int_equal(r->failures, 1);
	assert_int_equal(r->passed, 1);
	assert_int_equal(r->n, 4);
	assert_string_equal(r->r[0].path, "/a b");
	assert_string_equal(r->r[1].detail, "SEEK_DATA: Invalid argument");
	assert_string_equal(r->r[2].detail, "zeroed, 1 of 1 MiB blocks bad");
	assert_int_equal(r->r[2].offset, 4096);
	assert_int_equal(r->r[3].bytes, 4096);
	verify_report_free(r);

	for (size_t i = 0; i < ARRAY_SIZE(garbled); i++) {
		char *t = xasprintf("verify begin 1\n%s\nverify end 0\n",
				    garbled[i]);

		r = parse_text(t);
		if (r->classes[VERIFY_PROTOCOL] != 1 || r->passed)
			fail_msg("line %zu was taken: %s", i, garbled[i]);
		verify_report_free(r);
		free(t);
	}

	/* No begin, no end, a count that does not add up, a restart,
	 * another version. */
	r = parse_text("ok /a read 1\n");
	assert_int_equal(r->classes[VERIFY_PROTOCOL], 1);
	assert_int_equal(verify_report_status(r), 1);
	verify_report_free(r);
	r = parse_text("verify begin 1\nok /a read 1\n");
	assert_int_equal(r->classes[VERIFY_PROTOCOL], 1);
	verify_report_free(r);
	r = parse_text("verify begin 1\nverify end 3\n");
	assert_int_equal(r->classes[VERIFY_PROTOCOL], 1);
	verify_report_free(r);
	r = parse_text("verify begin 1\nok /a read 1\nverify begin 1\n"
		       "verify end 0\n");
	assert_int_equal(r->classes[VERIFY_PROTOCOL], 1);
	verify_report_free(r);
	r = parse_text("verify begin 2\nverify end 0\n");
	assert_int_equal(r->classes[VERIFY_PROTOCOL], 2);
	verify_report_free(r);
	r = parse_text("[ 2.5] random: crng init doneverify begin 1\n"
		       "ok /a read 1\nverify end 0\n");
	assert_int_equal(r->passed, 1);
	assert_int_equal(r->failures, 0);
	verify_report_free(r);
	r = parse_text("verify begin 1\nverify end 0");	/* no newline */
	assert_int_equal(r->failures, 0);
	assert_int_equal(verify_report_status(r), 0);
	verify_report_free(r);
	/* A hostile detail is cut and cleaned. */
	{
		struct buf t = { 0 };

		buf_adds(&t, "verify begin 1\nfail IO_ERROR /a 0 read \x1b[31m");
		for (int i = 0; i < 1000; i++)
			buf_addc(&t, 'x');
		buf_adds(&t, "\nverify end 1\n");
		r = parse_text(t.p);
		assert_int_equal(r->failures, 1);
		assert_int_equal(strlen(r->r[0].detail), 256);
		assert_true(str_starts(r->r[0].detail, "?[31m"));
		verify_report_free(r);
		buf_free(&t);
	}
}

/* Lines far past the limit, in pieces of every size, and NUL bytes: a
 * failure each, and the lines after them still count. */
static void test_parser_long_lines(void **state)
{
	struct verify_report r;
	size_t n = 3 * MiB;
	char *big = xmalloc(n);
	static const char nul_line[] = "ok /a read 1\0 2\n";

	(void)state;
	memset(big, 'a', n);
	for (size_t piece = 1; piece <= 1 << 20; piece *= 32) {
		verify_report_init(&r);
		verify_report_feed(&r, "verify begin 1\nok /x read 5\nok /", 32);
		for (size_t o = 0; o < n; o += piece)
			verify_report_feed(&r, big + o, o + piece < n ? piece :
					   n - o);
		verify_report_feed(&r, " read 1\nok /y read 2\n", 21);
		verify_report_feed(&r, nul_line, sizeof(nul_line) - 1);
		verify_report_feed(&r, "verify end 0\n", 13);
		verify_report_finish(&r);
		assert_int_equal(r.passed, 2);
		assert_int_equal(r.classes[VERIFY_PROTOCOL], 2);
		assert_int_equal(r.failures, 2);
		assert_true(r.partial.alloc <= 64 * 1024);
		verify_report_free(&r);
	}
	/* Before the begin line a long line is chatter, not a failure. */
	verify_report_init(&r);
	verify_report_feed(&r, big, n);
	verify_report_feed(&r, "\nverify begin 1\nverify end 0\n", 29);
	verify_report_finish(&r);
	assert_int_equal(r.failures, 0);
	verify_report_free(&r);
	free(big);
}

/* Past the results kept, failures still count. */
static void test_parser_flood(void **state)
{
	struct buf t = { 0 };
	struct verify_report *r;

	(void)state;
	buf_adds(&t, "verify begin 1\n");
	for (int i = 0; i < 100010; i++)
		buf_adds(&t, "ok /a read 1\n");
	buf_adds(&t, "fail CORRUPT /a 0 read x\nverify end 1\n");
	r = parse_text(t.p);
	assert_int_equal(r->passed, 100010);
	assert_int_equal(r->classes[VERIFY_CORRUPT], 1);
	assert_int_equal(r->classes[VERIFY_PROTOCOL], 1);	/* dropped */
	assert_true(r->n <= 100002);
	verify_report_free(r);
	buf_free(&t);
}

/* Valid output mutated at random and fed in random pieces: never a
 * crash, never a pass with a failure in it. */
static void test_parser_fuzz(void **state)
{
	const char *good = "verify begin 1\nok /a\\x20b read:4096 10\n"
			   "skip /a seek SEEK_DATA: x\n"
			   "fail SHORT_READ /c 511976 pread EOF at 511976\n"
			   "wrote /d/sweep-4096 4096\nverify end 1\n";
	size_t len = strlen(good);
	static const char alphabet[] = "\\x0a \n\r\0\xff:9";

	(void)state;
	srand(42);
	for (int iter = 0; iter < 3000; iter++) {
		char t[512];
		size_t n = len;
		struct verify_report r;

		memcpy(t, good, len);
		for (int k = rand() % 6; k >= 0; k--) {
			size_t at = (size_t)rand() % n;

			switch (rand() % 3) {
			case 0:
				t[at] = alphabet[rand() % (sizeof(alphabet) - 1)];
				break;
			case 1:
				n = at;		/* cut */
				break;
			default:
				if (n < sizeof(t) - 1) {
					memmove(t + at + 1, t + at, n - at);
					t[at] = alphabet[rand() %
							 (sizeof(alphabet) - 1)];
					n++;
				}
			}
			if (!n)
				break;
		}
		verify_report_init(&r);
		for (size_t o = 0; o < n;) {
			size_t piece = 1 + (size_t)rand() % 40;

			if (piece > n - o)
				piece = n - o;
			verify_report_feed(&r, t + o, piece);
			o += piece;
		}
		verify_report_finish(&r);
		{
			unsigned sum = 0;

			for (int c = 0; c < VERIFY_NCLASSES; c++)
				sum += r.classes[c];
			assert_int_equal(sum, r.failures);
		}
		verify_report_free(&r);
	}
}

static void test_print(void **state)
{
	struct verify_report *r;
	char *path = path_join(tmp, "out.json"), *text = NULL, *cmd;
	size_t len = 0;
	FILE *out;

	(void)state;
	r = parse_text("verify begin 1\nok /a read:4096 10\n"
		       "fail EMPTY_READ /the\\x20file 0 read:4096 read returned "
		       "no data\nverify end 1\n");
	verify_report_add(r, VERIFY_FAIL, VERIFY_CORRUPT, "/odd\xff\x01\"\\\xc3\xa9",
			  "sweep", 8192, 0, "zeroed");
	out = open_memstream(&text, &len);
	verify_report_print(r, out, 0);
	fclose(out);
	assert_non_null(strstr(text, "RESULT  CLASS"));
	assert_non_null(strstr(text, "FAIL    EMPTY_READ  /the\\x20file"));
	assert_null(strstr(text, "read:4096  10 bytes"));	/* failures only */
	assert_non_null(strstr(text, "verify: 1 passed, 2 failed (EMPTY_READ 1, "
			       "CORRUPT 1)\n"));
	assert_non_null(strstr(text, "EMPTY_READ: metadata works, reads return "
			       "no data: the virtio data path is broken"));
	free(text);
	out = open_memstream(&text, &len);
	verify_report_print(r, out, VERIFY_PRINT_ALL);
	fclose(out);
	assert_non_null(strstr(text, "ok      -           /a"));
	free(text);

	out = fopen(path, "w");
	verify_report_print(r, out, VERIFY_PRINT_JSON);
	fclose(out);
	assert_int_equal(verify_report_status(r), 1);
	verify_report_free(r);
	if (!have_program("python3")) {
		print_message("SKIP JSON validation: no python3\n");
		free(path);
		return;
	}
	cmd = xasprintf("python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
			"assert d[\"failed\"] == 2; assert d[\"passed\"] == 1;"
			"assert d[\"results\"][2][\"path\"] == \"/odd\\u00ff\\u0001\\\"\\\\\\u00e9\";"
			"assert d[\"results\"][1][\"class\"] == \"EMPTY_READ\";"
			"print(\"ok\")' %s", path);
	text = run_capture(cmd);
	assert_non_null(text);
	assert_string_equal(text, "ok\n");
	free(text);
	free(cmd);
	free(path);
}

/* The fixture is the same bytes every time. */
static void test_fixture(void **state)
{
	char *other = path_join(tmp, "other");
	struct strv names = { 0 };

	(void)state;
	mkdir(other, 0755);
	assert_int_equal(verify_fixture(other), 0);
	verify_fixture_names(&names);
	for (size_t i = 0; i < names.n; i++) {
		char *a = path_join(share, names.v[i]);
		char *b = path_join(other, names.v[i]);
		struct buf x = { 0 }, y = { 0 };

		assert_int_equal(read_file(a, &x), 0);
		assert_int_equal(read_file(b, &y), 0);
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.p, y.p, x.len);
		buf_free(&x);
		buf_free(&y);
		free(a);
		free(b);
	}
	strv_free(&names);
	rm_rf(other);
	free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_manifest_errors),
		cmocka_unit_test(test_clean_pass),
		cmocka_unit_test(test_quick),
		cmocka_unit_test(test_empty_read),
		cmocka_unit_test(test_short_read),
		cmocka_unit_test(test_zeroed_page),
		cmocka_unit_test(test_sparse_lie),
		cmocka_unit_test(test_io_error),
		cmocka_unit_test(test_mmap_sigbus),
		cmocka_unit_test(test_sweep_write_error),
		cmocka_unit_test(test_sweep_damage),
		cmocka_unit_test(test_missing_results),
		cmocka_unit_test(test_bad_manifests),
		cmocka_unit_test(test_manifest_fuzz),
		cmocka_unit_test(test_parser),
		cmocka_unit_test(test_parser_long_lines),
		cmocka_unit_test(test_parser_flood),
		cmocka_unit_test(test_parser_fuzz),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
