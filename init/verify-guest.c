// SPDX-License-Identifier: MIT
/*
 * The guest's data-path check: for every file of the manifest, its size
 * and st_blocks, SEEK_DATA/SEEK_HOLE over the host's data extents, and
 * its bytes read several ways (read() with 4 KiB and msize requests,
 * pread() tiling it at odd offsets with sizes around 4 KiB and msize,
 * mmap()), each pass summed and compared with the host's CRC32Cs; then
 * the sweep files written in tagged blocks for the host to check. Each
 * pass opens the file afresh and drops its cached pages first, so that
 * every pass crosses the transport instead of reading the page cache.
 * Formats: src/common/abi.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify-guest.h"
#include "verify-manifest.h"
#include "../src/common/crc32c.h"
#include "../src/common/verify.h"

#define NONE		UINT64_MAX
#define MAP_WINDOW	(64u << 20)	/* fits a 32-bit guest's address space */
#define DETAIL_MAX	200

struct ctx {
	const struct verify_ops *ops;
	FILE *out;
	const struct vmanifest *m;
	uint8_t *buf;
	size_t bufsize;
	int failures;
};

/* Result lines. */

static void put_path(struct ctx *c, const char *path)
{
	char *esc = malloc(4 * strlen(path) + 1);

	if (!esc) {
		fputs("?", c->out);	/* the line still parses */
		return;
	}
	verify_escape(esc, path);
	fputs(esc, c->out);
	free(esc);
}

static void ok(struct ctx *c, const char *path, const char *method,
	       uint64_t bytes)
{
	fputs("ok ", c->out);
	put_path(c, path);
	fprintf(c->out, " %s %" PRIu64 "\n", method, bytes);
	fflush(c->out);
}

__attribute__((format(printf, 6, 7)))
static void fail(struct ctx *c, enum verify_class cls, const char *path,
		 uint64_t off, const char *method, const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	for (char *d = detail; *d; d++)
		if (*d < 0x20 || *d >= 0x7f)
			*d = '?';
	fprintf(c->out, "fail %s ", verify_class_name(cls));
	put_path(c, path);
	fprintf(c->out, " %" PRIu64 " %s %s\n", off, method, detail);
	fflush(c->out);
	c->failures++;
}

/* A fresh descriptor with no cached pages behind it, or -1 (reported). */
static int reopen(struct ctx *c, const struct vfile *f, const char *method)
{
	int fd = c->ops->open(f->path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0) {
		fail(c, VERIFY_IO_ERROR, f->path, 0, method, "open: %s",
		     strerror(errno));
		return -1;
	}
	c->ops->fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return fd;
}

/*
 * The first bad 4 KiB page of what a pass read (s, summed over its first
 * s->len bytes, at most the file's size), NONE when all matched. Blocks
 * that were read whole are judged by their CRC, pages by their tags only
 * to place the damage; in a block cut short by the end of the data, the
 * whole pages read are compared by tag (a tag alone may miss, 1 in 65536).
 */
static uint64_t first_bad(const struct vfile *f, const struct verify_sum *s,
			  size_t *nbad)
{
	uint64_t first = NONE;

	*nbad = 0;
	for (size_t b = 0; b < s->nblocks; b++) {
		uint64_t start = (uint64_t)b * VERIFY_BLOCK;
		uint64_t want = f->size - start, got = s->len - start;
		uint64_t page = start / VERIFY_PAGE, end;
		bool bad;

		want = want < VERIFY_BLOCK ? want : VERIFY_BLOCK;
		got = got < VERIFY_BLOCK ? got : VERIFY_BLOCK;
		if (got == want) {
			bad = s->crcs[b] != f->crcs[b];
			end = div_up(start + got, VERIFY_PAGE);
		} else {
			end = (start + got) / VERIFY_PAGE;
			bad = false;
			for (uint64_t p = page; f->tags && p < end && !bad; p++)
				bad = s->tags[p] != f->tags[p];
		}
		if (!bad)
			continue;
		++*nbad;
		if (first != NONE)
			continue;
		first = start;
		for (uint64_t p = page; f->tags && p < end; p++)
			if (s->tags[p] != f->tags[p]) {
				first = p * VERIFY_PAGE;
				break;
			}
	}
	return first;
}

/* Judge one pass: the data summed in s, read up to end (past the size
 * when the file gave more), stopped by err (errno, 0) from what. */
static void conclude(struct ctx *c, const struct vfile *f, const char *method,
		     struct verify_sum *s, uint64_t end, int err,
		     const char *what)
{
	char then[80] = "";
	size_t nbad = 0;
	uint64_t bad, data = f->nmap ? f->map[0].off / VERIFY_PAGE * VERIFY_PAGE : 0;

	if (verify_sum_finish(s)) {
		fail(c, VERIFY_IO_ERROR, f->path, 0, method, "out of memory");
		goto out;
	}
	bad = first_bad(f, s, &nbad);
	if (err)
		snprintf(then, sizeof(then), "; then %s: %s at %" PRIu64, what,
			 strerror(err), end);
	else if (end < f->size)
		snprintf(then, sizeof(then), "; then EOF at %" PRIu64, end);

	if (f->size && !end && !err)
		fail(c, VERIFY_EMPTY_READ, f->path, 0, method,
		     "%s returned no data (EOF at 0 of %" PRIu64 " bytes)",
		     what, f->size);
	/* Zeros from where the host's data starts on, and nothing else:
	 * the same broken data path as no data at all. */
	else if (f->size && nbad && !s->nonzero && bad <= data)
		fail(c, VERIFY_EMPTY_READ, f->path, 0, method,
		     "%s returned only zeros (%" PRIu64 " bytes)%s", what,
		     s->len, then);
	else if (bad != NONE)
		fail(c, VERIFY_CORRUPT, f->path, bad, method,
		     "%s, %zu of %zu MiB blocks bad%s",
		     verify_sum_page_zero(s, bad / VERIFY_PAGE) ? "zeroed" :
		     "bad-crc", nbad, (size_t)div_up(f->size, VERIFY_BLOCK),
		     then);
	else if (err)
		fail(c, VERIFY_IO_ERROR, f->path, end, method, "%s: %s", what,
		     strerror(err));
	else if (end < f->size)
		fail(c, VERIFY_SHORT_READ, f->path, end, method,
		     "EOF at %" PRIu64 " of %" PRIu64 " bytes", end, f->size);
	else if (end > f->size)
		fail(c, VERIFY_CORRUPT, f->path, f->size, method,
		     "%" PRIu64 "+ bytes past the end", end - f->size);
	else if (s->whole != f->crc)
		fail(c, VERIFY_CORRUPT, f->path, 0, method,
		     "bad-crc of the whole file, but not of any block");
	else
		ok(c, f->path, method, f->size);
out:
	verify_sum_free(s);
}

/* The data between pos and the size goes to the sums; returns false
 * when the pass must stop (past the end). */
static bool take(const struct vfile *f, struct verify_sum *s, uint64_t *pos,
		 const uint8_t *p, size_t n)
{
	if (*pos < f->size)
		verify_sum_feed(s, p, n < f->size - *pos ? n : f->size - *pos);
	*pos += n;
	return *pos <= f->size;
}

/* read() from start to end with requests of req bytes. */
static void pass_read(struct ctx *c, const struct vfile *f, size_t req)
{
	char method[32];
	struct verify_sum s;
	uint64_t pos = 0;
	int fd, err = 0;

	snprintf(method, sizeof(method), "read:%zu", req);
	fd = reopen(c, f, method);
	if (fd < 0)
		return;
	verify_sum_init(&s);
	for (;;) {
		ssize_t n = c->ops->read(fd, c->buf, req);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (size_t)n > req) {
			err = n < 0 ? errno : EOVERFLOW;
			break;
		}
		if (!n || !take(f, &s, &pos, c->buf, (size_t)n))
			break;
	}
	c->ops->close(fd);
	conclude(c, f, method, &s, pos, err, "read");
}

/* pread() tiling the file: after the first request every offset is odd
 * and the sizes step around the page and the transport's limit (msize,
 * and msize - 24, the data a 9p read carries). */
static void pass_pread(struct ctx *c, const struct vfile *f)
{
	const size_t ms = c->m->msize, io = ms - VERIFY_9P_IOHDR;
	const size_t sizes[] = {
		VERIFY_PAGE - 1, VERIFY_PAGE + 1, 1, io - 1, io, io + 1,
		VERIFY_PAGE, ms + 1, 3, ms, ms - 1,
	};
	struct verify_sum s;
	uint64_t pos = 0;
	int fd = reopen(c, f, "pread"), err = 0;

	if (fd < 0)
		return;
	verify_sum_init(&s);
	/* One more request at the end: it must find nothing. */
	for (size_t i = 0; pos <= f->size; i++) {
		size_t req = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		ssize_t n = c->ops->pread(fd, c->buf, req, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (size_t)n > req) {
			err = n < 0 ? errno : EOVERFLOW;
			break;
		}
		if (!n || !take(f, &s, &pos, c->buf, (size_t)n))
			break;
	}
	c->ops->close(fd);
	conclude(c, f, "pread", &s, pos, err, "pread");
}

/*
 * A mapping whose page cannot be read (an I/O error, a file shorter than
 * its size) raises SIGBUS on access, which would end PID 1 and with it
 * the machine: caught for the length of the pass and turned into a
 * failure at the page.
 */
static sigjmp_buf bus_jump;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (!bus_armed) {
		signal(sig, SIG_DFL);	/* not ours: fault again, and die */
		return;
	}
	bus_armed = 0;
	siglongjmp(bus_jump, 1);
}

/* Sums len bytes of the mapping at p; returns how far it got, with *bus
 * set when a SIGBUS stopped it. Nothing local changes after the jump
 * point but the volatile offset. */
static uint64_t feed_mapping(const struct vfile *f, struct verify_sum *s,
			     const uint8_t *p, uint64_t from, size_t len,
			     bool *bus)
{
	volatile uint64_t at = from;

	if (sigsetjmp(bus_jump, 1)) {
		*bus = true;
		return at;
	}
	bus_armed = 1;
	for (size_t o = 0; o < len; o += VERIFY_PAGE) {
		size_t n = len - o < VERIFY_PAGE ? len - o : VERIFY_PAGE;
		uint64_t pos = at;

		take(f, s, &pos, p + o, n);
		at = pos;
	}
	bus_armed = 0;
	return at;
}

static void pass_mmap(struct ctx *c, const struct vfile *f)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	struct verify_sum s;
	uint64_t pos = 0;
	int fd, err = 0;
	bool bus = false;
	const char *what = "mmap";

	if (!f->size) {
		ok(c, f->path, "mmap", 0);	/* nothing to map */
		return;
	}
	fd = reopen(c, f, "mmap");
	if (fd < 0)
		return;
	verify_sum_init(&s);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	while (pos < f->size && !bus) {
		size_t len = f->size - pos < MAP_WINDOW ? f->size - pos : MAP_WINDOW;
		void *p = c->ops->mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd,
				       (off_t)pos);

		if (p == MAP_FAILED) {
			err = errno;
			break;
		}
		pos = feed_mapping(f, &s, p, pos, len, &bus);
		c->ops->munmap(p, len);
	}
	sigaction(SIGBUS, &old, NULL);
	if (bus) {
		err = EIO;
		what = "SIGBUS reading the mapping";
	}
	c->ops->close(fd);
	conclude(c, f, "mmap", &s, pos, err, what);
}

static void check_stat(struct ctx *c, const struct vfile *f, int fd)
{
	struct stat st;

	if (c->ops->fstat(fd, &st) < 0) {
		fail(c, VERIFY_IO_ERROR, f->path, 0, "stat", "fstat: %s",
		     strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode))
		fail(c, VERIFY_IO_ERROR, f->path, 0, "stat",
		     "not a regular file (mode 0%o)", (unsigned)st.st_mode);
	else if ((uint64_t)st.st_size < f->size)
		fail(c, VERIFY_SHORT_READ, f->path, (uint64_t)st.st_size, "stat",
		     "size %jd, the host's %" PRIu64, (intmax_t)st.st_size,
		     f->size);
	else if ((uint64_t)st.st_size > f->size)
		fail(c, VERIFY_CORRUPT, f->path, f->size, "stat",
		     "size %jd, the host's %" PRIu64, (intmax_t)st.st_size,
		     f->size);
	else
		ok(c, f->path, "stat", f->size);
	/* cp --sparse=auto takes a file with no blocks for all holes. */
	if (f->size && f->nmap && f->blocks && !st.st_blocks)
		fail(c, VERIFY_SPARSE_LIE, f->path, f->map[0].off, "blocks",
		     "st_blocks 0 for %" PRIu64 " bytes with data (host: %"
		     PRIu64 " blocks)", f->size, f->blocks);
	else
		ok(c, f->path, "blocks", f->size);
}

/* Every extent with data on the host must have data in the guest: a hole
 * reported inside one is what makes cp write zeros for it. The guest may
 * see data where the host has holes (9p has no SEEK_HOLE: all data). */
static void check_seek(struct ctx *c, const struct vfile *f, int fd)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < f->nmap; i++) {
		const struct extent *e = &f->map[i];
		off_t d = c->ops->lseek(fd, (off_t)e->off, SEEK_DATA), h;

		if (d < 0 && errno == EINVAL && !i) {
			fprintf(c->out, "skip ");
			put_path(c, f->path);
			fprintf(c->out, " seek SEEK_DATA: %s\n", strerror(EINVAL));
			fflush(c->out);
			return;
		}
		if (d < 0 && errno == ENXIO) {
			fail(c, VERIFY_SPARSE_LIE, f->path, e->off, "seek",
			     "SEEK_DATA at %" PRIu64 ": no data up to the end",
			     e->off);
			return;
		}
		if (d < 0) {
			fail(c, VERIFY_IO_ERROR, f->path, e->off, "seek",
			     "SEEK_DATA: %s", strerror(errno));
			return;
		}
		if ((uint64_t)d != e->off) {
			fail(c, (uint64_t)d > e->off ? VERIFY_SPARSE_LIE :
			     VERIFY_IO_ERROR, f->path, e->off, "seek",
			     "SEEK_DATA at %" PRIu64 " gives %jd", e->off,
			     (intmax_t)d);
			return;
		}
		h = c->ops->lseek(fd, (off_t)e->off, SEEK_HOLE);
		if (h < 0) {
			fail(c, VERIFY_IO_ERROR, f->path, e->off, "seek",
			     "SEEK_HOLE: %s", strerror(errno));
			return;
		}
		if ((uint64_t)h < e->off + e->len) {
			fail(c, VERIFY_SPARSE_LIE, f->path, (uint64_t)h, "seek",
			     "SEEK_HOLE at %" PRIu64 " gives %jd, inside data up "
			     "to %" PRIu64, e->off, (intmax_t)h, e->off + e->len);
			return;
		}
		bytes += e->len;
	}
	ok(c, f->path, "seek", bytes);
}

static void check_file(struct ctx *c, const struct vfile *f)
{
	int fd = c->ops->open(f->path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0) {
		fail(c, VERIFY_IO_ERROR, f->path, 0, "open", "open: %s",
		     strerror(errno));
		return;
	}
	check_stat(c, f, fd);
	check_seek(c, f, fd);
	c->ops->close(fd);
	if (!c->m->quick)
		pass_read(c, f, VERIFY_PAGE);
	pass_read(c, f, c->m->msize);
	pass_pread(c, f);
	pass_mmap(c, f);
}

/* One sweep file, written in requests of msize bytes so that they cross
 * block boundaries at odd places, then synced. */
static void write_one(struct ctx *c, const char *dir, uint64_t size)
{
	char *path = malloc(strlen(dir) + 32);
	uint64_t pos = 0;
	int fd;

	if (!path) {
		fail(c, VERIFY_IO_ERROR, dir, 0, "write", "out of memory");
		return;
	}
	sprintf(path, "%s/" VERIFY_SWEEP_PREFIX "%" PRIu64, dir, size);
	fd = c->ops->open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail(c, VERIFY_IO_ERROR, path, 0, "write", "open: %s",
		     strerror(errno));
		goto out;
	}
	while (pos < size) {
		size_t chunk = size - pos < VERIFY_BLOCK ? size - pos : VERIFY_BLOCK;

		for (size_t o = 0; o < chunk; o += VERIFY_PAGE)
			verify_block_make(c->buf + o, c->m->seed, size, pos + o);
		for (size_t done = 0; done < chunk;) {
			size_t req = chunk - done < c->m->msize ? chunk - done :
				     c->m->msize;
			ssize_t n = c->ops->write(fd, c->buf + done, req);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || (size_t)n > req) {
				fail(c, VERIFY_IO_ERROR, path, pos + done, "write",
				     "write: %s", n < 0 ? strerror(errno) :
				     n ? "more than asked" : "wrote nothing");
				c->ops->close(fd);
				goto out;
			}
			done += (size_t)n;
		}
		pos += chunk;
	}
	if (c->ops->fsync(fd) < 0) {
		fail(c, VERIFY_IO_ERROR, path, size, "write", "fsync: %s",
		     strerror(errno));
		c->ops->close(fd);
		goto out;
	}
	if (c->ops->close(fd) < 0) {
		fail(c, VERIFY_IO_ERROR, path, size, "write", "close: %s",
		     strerror(errno));
		goto out;
	}
	fputs("wrote ", c->out);
	put_path(c, path);
	fprintf(c->out, " %" PRIu64 "\n", size);
	fflush(c->out);
out:
	free(path);
}

static void sweep(struct ctx *c)
{
	const struct vmanifest *m = c->m;

	if (!m->nsweep)
		return;
	if (c->ops->mkdir(m->sweepdir, 0755) < 0 && errno != EEXIST) {
		fail(c, VERIFY_IO_ERROR, m->sweepdir, 0, "write", "mkdir: %s",
		     strerror(errno));
		return;
	}
	for (size_t i = 0; i < m->nsweep; i++)
		write_one(c, m->sweepdir, m->sweep[i]);
}

int verify_run_ops(const char *manifest_path, FILE *out,
		   const struct verify_ops *ops)
{
	struct vmanifest m = { 0 };
	struct ctx c = { .ops = ops, .out = out, .m = &m };
	int r = vmanifest_read(manifest_path, &m);

	if (r)
		goto out;
	c.bufsize = m.msize + 1 > VERIFY_BLOCK ? m.msize + 1 : VERIFY_BLOCK;
	c.buf = malloc(c.bufsize);
	if (!c.buf) {
		r = -ENOMEM;
		goto out;
	}
	fprintf(out, VERIFY_BEGIN "%d\n", VERIFY_VERSION);
	fflush(out);
	for (size_t i = 0; i < m.nfiles; i++)
		check_file(&c, &m.files[i]);
	sweep(&c);
	fprintf(out, VERIFY_END "%d\n", c.failures);
	fflush(out);
	r = c.failures;
out:
	free(c.buf);
	vmanifest_free(&m);
	return r;
}

static int libc_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

const struct verify_ops verify_libc_ops = {
	.open = libc_open,
	.close = close,
	.read = read,
	.pread = pread,
	.write = write,
	.lseek = lseek,
	.fstat = fstat,
	.mmap = mmap,
	.munmap = munmap,
	.fsync = fsync,
	.fadvise = posix_fadvise,
	.mkdir = mkdir,
};

int verify_run(const char *manifest_path, FILE *out)
{
	return verify_run_ops(manifest_path, out, &verify_libc_ops);
}
