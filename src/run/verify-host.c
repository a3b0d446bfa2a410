// SPDX-License-Identifier: MIT
/*
 * The host's half of the data-path check, before and after the guest's:
 * the fixture, the manifest, and the check of the sweep files the guest
 * wrote. The report (the guest's result lines, the table, JSON) is in
 * verify-report.c. Formats: src/common/abi.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "verify-host.h"
#include "../common/crc32c.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define TAGS_MAX_SIZE (256 * MiB)	/* past it, tags make a line too long */
#define SWEEP_RUNS_MAX 16		/* failures named per sweep file */

const uint64_t verify_sweep_sizes[VERIFY_SWEEP_ALL] = {
	512 * KiB, 768 * KiB, 1 * MiB, 1280 * KiB, 1536 * KiB, 2 * MiB, 64 * MiB,
};

uint64_t verify_seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
	       ((uint64_t)getpid() << 32);
}

/*
 * The fixture: sizes on both sides of the page, of 64 and 128 KiB, of
 * 9p's msize (512000), of 512 KiB and 1 MiB (the manifest's blocks); a
 * file past 3 MiB; one of 1.4 MB, where nested ARM guests were seen to
 * corrupt data (~1.3 MB); a sparse file for SEEK_DATA/SEEK_HOLE; a name
 * with blanks for the escaping.
 */
static const struct fixture {
	const char *name;
	uint64_t size;
	uint64_t hole;		/* sparse: data, a hole this long, data */
} fixture[] = {
	{ "size-0", 0, 0 },
	{ "size-1", 1, 0 },
	{ "size-4095", 4095, 0 },
	{ "size-4096", 4096, 0 },
	{ "size-4097", 4097, 0 },
	{ "size-65535", 65535, 0 },
	{ "size-65536", 65536, 0 },
	{ "size-131071", 131071, 0 },
	{ "size-131073", 131073, 0 },
	{ "size-511999", 511999, 0 },
	{ "size-512000", 512000, 0 },
	{ "size-512001", 512001, 0 },
	{ "size-524287", 524287, 0 },
	{ "size-524289", 524289, 0 },
	{ "size-1048575", 1048575, 0 },
	{ "size-1048577", 1048577, 0 },
	{ "size-1400000", 1400000, 0 },
	{ "size-3145851", 3 * MiB + 123, 0 },
	{ "sparse", 128 * KiB, 5 * MiB },
	{ "name with blanks", 4097, 0 },
};

static uint64_t name_seed(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ull;
	return h;
}

void verify_fixture_names(struct strv *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture); i++)
		strv_push(out, fixture[i].name);
}

/* n bytes of the stream of seed, file offsets off on, at file offset at. */
static int put_stream(int fd, uint64_t seed, uint64_t off, uint64_t at,
		      uint64_t n, uint8_t *buf)
{
	while (n) {
		size_t chunk = n < MiB ? (size_t)n : MiB;
		ssize_t w;

		verify_fill(buf, chunk, seed, off);
		w = pwrite(fd, buf, chunk, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)w;
		at += (uint64_t)w;
		n -= (uint64_t)w;
	}
	return 0;
}

int verify_fixture(const char *dir)
{
	uint8_t *buf = xmalloc(MiB);
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixture) && !r; i++) {
		const struct fixture *f = &fixture[i];
		char *path = path_join(dir, f->name);
		/* A sparse file's second half of data goes past the hole;
		 * the offsets of the stream are the file's. */
		uint64_t seed = name_seed(f->name), half = f->size / 2;
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			      O_CLOEXEC, 0644);

		if (fd < 0) {
			r = error_errno(errno, "create %s", path);
		} else {
			if (!f->hole) {
				r = put_stream(fd, seed, 0, 0, f->size, buf);
			} else {
				r = put_stream(fd, seed, 0, 0, half, buf);
				if (!r)
					r = put_stream(fd, seed, half + f->hole,
						       half + f->hole,
						       f->size - half, buf);
			}
			if (r)
				r = error_errno(r, "write %s", path);
			if (close(fd) < 0 && !r)
				r = error_errno(errno, "write %s", path);
		}
		free(path);
	}
	free(buf);
	return r;
}

/* The extents with data as the host sees them; a file system without
 * SEEK_DATA has data everywhere. */
static int data_map(int fd, uint64_t size, struct buf *out)
{
	uint64_t pos = 0;
	size_t start = out->len;

	while (pos < size) {
		off_t d = lseek(fd, (off_t)pos, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0 && errno == EINVAL && !pos) {
			buf_printf(out, "0+%" PRIu64, size);
			return 0;
		}
		if (d < 0)
			return -errno;
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0)
			return -errno;
		if ((uint64_t)h > size)
			h = (off_t)size;
		if (h <= d)
			break;
		buf_printf(out, "%s%jd+%jd", out->len > start ? "," : "",
			   (intmax_t)d, (intmax_t)(h - d));
		pos = (uint64_t)h;
	}
	if (out->len == start)
		buf_addc(out, '-');
	return 0;
}

static void add_path(struct buf *out, const char *path)
{
	char *esc = xmalloc(4 * strlen(path) + 1);

	verify_escape(esc, path);
	buf_adds(out, esc);
	free(esc);
}

/* One "file" line: the sums of what is in the file now. */
static int manifest_file(struct buf *out, const char *host, const char *guest)
{
	struct verify_sum s;
	struct stat st;
	uint8_t *buf = NULL;
	int fd = open(host, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return error_errno(errno, "open %s", host);
	verify_sum_init(&s);
	if (fstat(fd, &st) < 0) {
		r = error_errno(errno, "stat %s", host);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = error("%s: not a regular file", host);
		goto out;
	}
	buf = xmalloc(MiB);
	for (;;) {
		ssize_t n = read(fd, buf, MiB);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = error_errno(errno, "read %s", host);
			goto out;
		}
		if (!n)
			break;
		verify_sum_feed(&s, buf, (size_t)n);
	}
	if (verify_sum_finish(&s))
		abort();	/* out of memory, as xmalloc would */
	if (s.len != (uint64_t)st.st_size) {
		r = error("%s: changed while it was read", host);
		goto out;
	}
	buf_adds(out, "file ");
	add_path(out, guest);
	buf_printf(out, " %" PRIu64 " %08" PRIx32 " %" PRIu64 " ", s.len, s.whole,
		   (uint64_t)st.st_blocks);
	r = data_map(fd, s.len, out);
	if (r) {
		r = error_errno(r, "seek %s", host);
		goto out;
	}
	buf_addc(out, ' ');
	for (size_t i = 0; i < s.nblocks; i++)
		buf_printf(out, "%s%08" PRIx32, i ? "," : "", s.crcs[i]);
	buf_adds(out, s.nblocks ? " " : "- ");
	if (s.len > TAGS_MAX_SIZE || !s.npages)
		buf_addc(out, '-');
	for (size_t i = 0; s.len <= TAGS_MAX_SIZE && i < s.npages; i++)
		buf_printf(out, "%04" PRIx16, s.tags[i]);
	buf_addc(out, '\n');
out:
	verify_sum_free(&s);
	free(buf);
	close(fd);
	return r;
}

static int check_params(const struct verify_params *p)
{
	if (!p->mount || p->mount[0] != '/')
		return error("verify: the mount point must be an absolute path");
	if (p->msize < 4096 || p->msize > 64 * MiB)
		return error("verify: msize %u out of range (4096 to 64M)",
			     p->msize);
	if (p->nsweep && (!p->sweep_dir || !*p->sweep_dir ||
				       p->sweep_dir[0] == '/' ||
				       strstr(p->sweep_dir, "..")))
		return error("verify: the sweep directory must be a path "
			     "inside the share");
	for (size_t i = 0; i < p->nsweep; i++)
		if (!p->sweep[i] || p->sweep[i] % VERIFY_PAGE)
			return error("verify: sweep size %" PRIu64 " is not a "
				     "multiple of 4096", p->sweep[i]);
	return 0;
}

int verify_manifest(struct buf *out, const char *dir, char *const *paths,
		    size_t npaths, const struct verify_params *p)
{
	char *root;
	size_t rlen;
	int r = check_params(p);

	if (r)
		return r;
	root = realpath(dir, NULL);
	if (!root)
		return error_errno(errno, "share %s", dir);
	rlen = strcmp(root, "/") ? strlen(root) : 0;
	buf_printf(out, VERIFY_MAGIC " %d\nmsize %u\nseed 0x%016" PRIx64
		   "\nquick %d\n", VERIFY_VERSION, p->msize, p->seed, p->quick);
	if (p->nsweep) {
		char *sweep = path_join(p->mount, p->sweep_dir);

		buf_adds(out, "sweepdir ");
		add_path(out, sweep);
		buf_adds(out, "\nsweep");
		for (size_t i = 0; i < p->nsweep; i++)
			buf_printf(out, " %" PRIu64, p->sweep[i]);
		buf_addc(out, '\n');
		free(sweep);
	}
	for (size_t i = 0; i < npaths && !r; i++) {
		char *host = paths[i][0] == '/' ? xstrdup(paths[i]) :
			     path_join(dir, paths[i]);
		char *real = realpath(host, NULL), *guest;

		if (!real) {
			r = error_errno(errno, "verify %s", host);
		} else if (strncmp(real, root, rlen) ||
			   (real[rlen] && real[rlen] != '/')) {
			r = error("verify %s: %s is outside the share %s", host,
				  real, root);
		} else {
			guest = path_join(p->mount, real + rlen);
			r = manifest_file(out, real, guest);
			free(guest);
		}
		free(real);
		free(host);
	}
	free(root);
	return r;
}

/* Sweep check. A run of blocks that went wrong the same way is one
 * failure: a zeroed 64 MiB file is one line, not 16384. */
struct sweep_run {
	enum verify_block_state state;
	uint64_t start, count;
	struct verify_block_hdr hdr;	/* what the first block said */
};

static const char *const state_names[] = {
	[VERIFY_BLOCK_OK] = "ok",
	[VERIFY_BLOCK_ZEROED] = "zeroed",
	[VERIFY_BLOCK_STALE] = "stale",
	[VERIFY_BLOCK_MISPLACED] = "misplaced",
	[VERIFY_BLOCK_BAD_CRC] = "bad-crc",
};

static bool run_continues(const struct sweep_run *run,
			  enum verify_block_state st,
			  const struct verify_block_hdr *h, uint64_t off)
{
	if (!run->count || run->state != st ||
	    run->start + run->count * VERIFY_PAGE != off)
		return false;
	if (st == VERIFY_BLOCK_STALE)
		return h->seed == run->hdr.seed;
	if (st == VERIFY_BLOCK_MISPLACED)
		return h->size == run->hdr.size &&
		       h->offset == run->hdr.offset + run->count * VERIFY_PAGE;
	return true;
}

static void report_run(struct verify_report *r, const char *path,
		       const struct sweep_run *run, uint64_t size, uint64_t seed)
{
	struct buf d = { 0 };

	buf_adds(&d, state_names[run->state]);
	if (run->state == VERIFY_BLOCK_MISPLACED) {
		buf_printf(&d, "-from-offset-%" PRIu64, run->hdr.offset);
		if (run->hdr.size != size)
			buf_printf(&d, " of " VERIFY_SWEEP_PREFIX "%" PRIu64,
				   run->hdr.size);
	} else if (run->state == VERIFY_BLOCK_STALE) {
		buf_printf(&d, " (seed 0x%016" PRIx64 ", this run's 0x%016"
			   PRIx64 ")", run->hdr.seed, seed);
	}
	if (run->count > 1)
		buf_printf(&d, ", %" PRIu64 " blocks", run->count);
	verify_report_add(r, VERIFY_FAIL, VERIFY_CORRUPT, path, "sweep",
			  run->start, 0, d.p);
	buf_free(&d);
}

/* pread until n bytes or the end; the count, or -errno. */
static ssize_t pread_full(int fd, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (!k)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static void sweep_fail(struct verify_report *r, enum verify_class cls,
		       const char *path, uint64_t off, const char *fmt, ...)
	PRINTF(5, 6);

static void sweep_fail(struct verify_report *r, enum verify_class cls,
		       const char *path, uint64_t off, const char *fmt, ...)
{
	char d[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	verify_report_add(r, VERIFY_FAIL, cls, path, "sweep", off, 0, d);
}

struct sweep_check {
	struct verify_report *r;
	const char *path;
	uint64_t size, seed;
	struct sweep_run run;
	unsigned nruns;
	uint64_t more, more_at;
};

static void end_run(struct sweep_check *c)
{
	if (!c->run.count)
		return;
	if (c->nruns++ < SWEEP_RUNS_MAX)
		report_run(c->r, c->path, &c->run, c->size, c->seed);
	else if (!c->more++)
		c->more_at = c->run.start;
	c->run.count = 0;
}

static void check_block(struct sweep_check *c, const uint8_t *blk, uint64_t off)
{
	struct verify_block_hdr h = { 0 };
	enum verify_block_state bs = verify_block_check(blk, c->seed, c->size,
							off, &h);

	if (bs == VERIFY_BLOCK_OK)
		return;
	if (run_continues(&c->run, bs, &h, off)) {
		c->run.count++;
		return;
	}
	end_run(c);
	c->run = (struct sweep_run){ bs, off, 1, h };
}

static void check_sweep_file(struct verify_report *r, const char *path,
			     uint64_t size, uint64_t seed)
{
	struct sweep_check c = { .r = r, .path = path, .size = size,
				 .seed = seed };
	uint64_t have, pos;
	uint8_t *buf;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) < 0) {
		sweep_fail(r, VERIFY_IO_ERROR, path, 0, "%s: %s",
			   errno == ENOENT ? "missing" : "open", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The whole blocks there are; a cut one is in the size's failure. */
	have = (uint64_t)st.st_size < size ? (uint64_t)st.st_size : size;
	have -= have % VERIFY_PAGE;
	buf = xmalloc(MiB);
	for (pos = 0; pos < have;) {
		size_t chunk = have - pos < MiB ? (size_t)(have - pos) : MiB;
		ssize_t n = pread_full(fd, buf, chunk, pos);

		if (n < 0) {
			sweep_fail(r, VERIFY_IO_ERROR, path, pos, "read: %s",
				   strerror((int)-n));
			break;
		}
		for (size_t o = 0; o + VERIFY_PAGE <= (size_t)n; o += VERIFY_PAGE)
			check_block(&c, buf + o, pos + o);
		pos += (uint64_t)n;
		if ((size_t)n < chunk) {
			/* Shrunk under us: the end of the data is here. */
			st.st_size = (off_t)pos;
			break;
		}
	}
	end_run(&c);
	if (c.more)
		sweep_fail(r, VERIFY_CORRUPT, path, c.more_at,
			   "%" PRIu64 " more runs of bad blocks", c.more);
	if ((uint64_t)st.st_size < size)
		sweep_fail(r, VERIFY_SHORT_READ, path, (uint64_t)st.st_size,
			   "size %jd, written %" PRIu64, (intmax_t)st.st_size,
			   size);
	else if ((uint64_t)st.st_size > size)
		sweep_fail(r, VERIFY_CORRUPT, path, size,
			   "size %jd, written %" PRIu64, (intmax_t)st.st_size,
			   size);
	else if (!c.nruns && pos == size)
		verify_report_add(r, VERIFY_OK, 0, path, "sweep", 0, size, NULL);
	free(buf);
	close(fd);
}

static char *sweep_name(const char *dir, uint64_t size)
{
	char name[32];

	snprintf(name, sizeof(name), VERIFY_SWEEP_PREFIX "%" PRIu64, size);
	return path_join(dir, name);
}

/* Did the guest say it wrote the file (VERIFY_WROTE), or that it failed
 * to (VERIFY_FAIL)? */
static bool guest_said(const struct verify_report *r, enum verify_kind kind,
		       const char *guest)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->r[i].kind == kind && !r->r[i].host &&
		    !strcmp(r->r[i].method, "write") &&
		    !strcmp(r->r[i].path, guest))
			return true;
	return false;
}

int verify_sweep_check(struct verify_report *r, const char *dir,
		       const struct verify_params *p)
{
	char *hdir, *gdir;

	if (!p->nsweep || !p->sweep_dir)
		return 0;
	hdir = path_join(dir, p->sweep_dir);
	gdir = path_join(p->mount, p->sweep_dir);
	for (size_t i = 0; i < p->nsweep; i++) {
		char *host = sweep_name(hdir, p->sweep[i]);
		char *guest = sweep_name(gdir, p->sweep[i]);

		if (!guest_said(r, VERIFY_FAIL, guest) &&
		    (r->state == VERIFY_ENDED ||
		     guest_said(r, VERIFY_WROTE, guest)))
			check_sweep_file(r, host, p->sweep[i], p->seed);
		free(guest);
		free(host);
	}
	free(gdir);
	free(hdir);
	verify_sweep_clean(dir, p);
	return 0;
}

void verify_sweep_clean(const char *dir, const struct verify_params *p)
{
	char *hdir;

	if (!p->sweep_dir)
		return;
	hdir = path_join(dir, p->sweep_dir);
	/* Only the files a sweep writes: never a recursive delete in a
	 * directory of the user's. */
	for (size_t i = 0; i < p->nsweep; i++) {
		char *host = sweep_name(hdir, p->sweep[i]);

		if (unlink(host) < 0 && errno != ENOENT)
			warn("verify: remove %s: %s", host, strerror(errno));
		free(host);
	}
	rmdir(hdir);
	free(hdir);
}
