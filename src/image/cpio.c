// SPDX-License-Identifier: MIT
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "busybox.h"
#include "cpio.h"
#include "../common/progress.h"

#define DATA_MAX (1u << 20)
#define WHOLE_MAX (256u << 20)

static la_ssize_t to_buf(struct archive *a, void *ctx, const void *p, size_t n)
{
	(void)a;
	buf_add(ctx, p, n);
	return (la_ssize_t)n;
}

/* libarchive's statuses are graded: WARN carries on, below is an error. */
static int check(struct archive *a, int status, const char *what)
{
	if (status == ARCHIVE_OK)
		return 0;
	if (status == ARCHIVE_WARN) {
		warn("%s: %s", what, archive_error_string(a));
		return 0;
	}
	return error("%s: %s", what, archive_error_string(a));
}

static int write_bytes(struct archive *a, const void *p, size_t n,
		       const char *what)
{
	const char *c = p;

	while (n) {
		la_ssize_t w = archive_write_data(a, c, n);

		if (w <= 0)
			return error("%s: %s", what, archive_error_string(a));
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The bytes of a file entry: inline, decompressed, or mapped from disk. */
struct contents {
	const void *p;
	size_t len;
	struct buf owned;
	void *map;
};

static int load(const struct entry *e, struct contents *c)
{
	struct stat st;
	int fd, r = 0;

	memset(c, 0, sizeof(*c));
	if (e->data) {
		c->p = e->data;
		c->len = e->size;
		return 0;
	}
	if (e->decompress) {
		r = cpio_decompress(e->source, &c->owned);
		c->p = c->owned.p;
		c->len = c->owned.len;
		return r;
	}
	if (e->hide.n) {
		r = read_file(e->source, &c->owned);
		if (r)
			return error_errno(r, "%s", e->source);
		r = busybox_hide(c->owned.p, c->owned.len, &e->hide, NULL);
		if (r)
			return error("%s: its applets cannot be hidden any more "
				     "(changed since the image was resolved?)",
				     e->source);
		c->p = c->owned.p;
		c->len = c->owned.len;
		return 0;
	}
	fd = open(e->source, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(errno, "%s", e->source);
	if (fstat(fd, &st) < 0) {
		r = error_errno(errno, "%s", e->source);
	} else if (!S_ISREG(st.st_mode)) {
		r = error("%s: not a regular file", e->source);
	} else if (st.st_size > 0) {
		c->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			      fd, 0);
		if (c->map == MAP_FAILED) {
			c->map = NULL;
			r = error_errno(errno, "%s", e->source);
		} else {
			c->p = c->map;
			c->len = (size_t)st.st_size;
		}
	}
	close(fd);
	return r;
}

static void unload(struct contents *c)
{
	if (c->map)
		munmap(c->map, c->len);
	buf_free(&c->owned);
}

static unsigned type_bits(const struct entry *e)
{
	switch (e->type) {
	case ENTRY_FILE:
		return AE_IFREG;
	case ENTRY_DIR:
		return AE_IFDIR;
	case ENTRY_SLINK:
		return AE_IFLNK;
	case ENTRY_NOD:
		return e->devtype == 'b' ? AE_IFBLK : AE_IFCHR;
	case ENTRY_PIPE:
		return AE_IFIFO;
	case ENTRY_SOCK:
		return AE_IFSOCK;
	}
	return 0;
}

static int write_entry(struct archive *a, struct archive_entry *ae,
		       const struct entry *e, long long mtime)
{
	struct contents c = { 0 };
	bool carries = e->type == ENTRY_FILE && !e->link_next;
	int r;

	archive_entry_clear(ae);
	/* gen_init_cpio's names: relative, no leading '/'. */
	archive_entry_set_pathname(ae, e->path + 1);
	archive_entry_set_mode(ae, type_bits(e) | e->mode);
	archive_entry_set_uid(ae, e->uid);
	archive_entry_set_gid(ae, e->gid);
	archive_entry_set_mtime(ae, mtime, 0);
	archive_entry_set_nlink(ae, e->nlink);
	archive_entry_set_ino64(ae, (la_int64_t)e->ino);
	archive_entry_set_size(ae, 0);
	if (e->type == ENTRY_SLINK)
		archive_entry_set_symlink(ae, e->target);
	if (e->type == ENTRY_NOD) {
		archive_entry_set_rdevmajor(ae, e->major);
		archive_entry_set_rdevminor(ae, e->minor);
	}
	if (carries) {
		r = load(e, &c);
		if (r)
			goto out;
		archive_entry_set_size(ae, (la_int64_t)c.len);
	}
	r = check(a, archive_write_header(a, ae), e->path);
	if (!r && c.len)
		r = write_bytes(a, c.p, c.len, e->path);
out:
	unload(&c);
	return r;
}

int cpio_write(const struct manifest *m, long long mtime, struct buf *out)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	int r;

	if (!a || !ae) {
		r = error("libarchive: out of memory");
		goto out;
	}
	if (!m->finalized) {
		r = error("internal: manifest not finalized");
		goto out;
	}
	/* No blocking, no padding: the kernel needs neither, and appended
	 * segments only need 4-byte alignment (newc pads to that). */
	r = check(a, archive_write_set_format_cpio_newc(a), "libarchive");
	if (!r)
		r = check(a, archive_write_add_filter_none(a), "libarchive");
	if (!r)
		r = check(a, archive_write_set_bytes_per_block(a, 0), "libarchive");
	if (!r)
		r = check(a, archive_write_open2(a, out, NULL, to_buf, NULL, NULL),
			  "libarchive");
	for (size_t i = 0; !r && i < m->n; i++) {
		progress_set("tinyrd: writing the image: %zu of %zu entries",
			     i + 1, m->n);
		r = write_entry(a, ae, m->v[i], mtime);
	}
	if (!r)
		r = check(a, archive_write_close(a), "libarchive");
out:
	archive_entry_free(ae);
	archive_write_free(a);
	return r;
}

int cpio_decompress(const char *path, struct buf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	r = check(a, archive_read_open_filename(a, path, 65536), path);
	if (!r)
		r = check(a, archive_read_next_header(a, &ae), path);
	while (!r) {
		la_ssize_t n;

		buf_reserve(out, 65536);
		n = archive_read_data(a, out->p + out->len, out->alloc - out->len - 1);
		if (n < 0)
			r = error("%s: %s", path, archive_error_string(a));
		else if (!n)
			break;
		else
			out->len += (size_t)n;
	}
	archive_read_free(a);
	return r;
}

int cpio_read(const void *data, size_t len, cpio_item_fn fn, void *ctx,
	      const char *name, struct cpio_stats *stats)
{
	return cpio_read_whole(data, len, fn, NULL, ctx, name, stats);
}

int cpio_read_whole(const void *data, size_t len, cpio_item_fn fn,
		    cpio_whole_fn whole, void *ctx, const char *name,
		    struct cpio_stats *stats)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct buf contents = { 0 };
	int r = 0;

	memset(stats, 0, sizeof(*stats));
	archive_read_support_filter_all(a);
	archive_read_support_format_cpio(a);
	if (archive_read_open_memory(a, data, len) < ARCHIVE_WARN)
		r = error("%s: not a cpio initrd (%s)", name,
			  archive_error_string(a));
	while (!r) {
		struct cpio_item it = { 0 };
		int st = archive_read_next_header(a, &ae);

		if (st == ARCHIVE_EOF)
			break;
		if (st < ARCHIVE_WARN && !stats->entries) {
			r = error("%s: not a cpio initrd (%s)", name,
				  archive_error_string(a));
			break;
		}
		r = check(a, st, name);
		if (r)
			break;
		stats->filter = archive_filter_name(a, 0);
		it.path = archive_entry_pathname(ae);
		it.mode = archive_entry_mode(ae);
		it.uid = (unsigned)archive_entry_uid(ae);
		it.gid = (unsigned)archive_entry_gid(ae);
		it.nlink = archive_entry_nlink(ae);
		it.ino = (unsigned long long)archive_entry_ino64(ae);
		it.size = (unsigned long long)archive_entry_size(ae);
		it.mtime = archive_entry_mtime(ae);
		it.rdevmajor = archive_entry_rdevmajor(ae);
		it.rdevminor = archive_entry_rdevminor(ae);
		it.symlink = archive_entry_symlink(ae);
		if (!it.path)
			it.path = "";
		buf_reset(&contents);
		if (S_ISREG(it.mode) && it.size) {
			size_t max = whole && whole(ctx, &it) ? WHOLE_MAX : DATA_MAX;
			size_t want = it.size > max ? max : (size_t)it.size;
			la_ssize_t n;

			it.partial = it.size > max;
			buf_reserve(&contents, want);
			n = archive_read_data(a, contents.p, want);

			if (n < 0) {
				r = error("%s: %s: %s", name, it.path,
					  archive_error_string(a));
				break;
			}
			contents.len = (size_t)n;
			it.data = contents.p;
			it.datalen = contents.len;
		}
		stats->entries++;
		r = fn(ctx, &it);
	}
	stats->bytes = (unsigned long long)archive_filter_bytes(a, 0);
	if (!stats->filter)
		stats->filter = archive_filter_name(a, 0);
	archive_read_free(a);
	buf_free(&contents);
	return r;
}

static bool hex8(const char *p, unsigned long *out)
{
	unsigned long v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned long)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

#define ALIGN4(x) (((x) + 3) & ~(size_t)3)

size_t cpio_newc_length(const void *data, size_t len)
{
	const char *p = data;
	size_t pos = 0;

	for (;;) {
		unsigned long filesize, namesize;
		size_t name;

		if (len - pos < 110 || memcmp(p + pos, "07070", 5) ||
		    !hex8(p + pos + 54, &filesize) ||
		    !hex8(p + pos + 94, &namesize) || !namesize)
			return 0;
		name = pos + 110;
		if (namesize > len - name)
			return 0;
		pos = ALIGN4(name + namesize);
		if (pos > len || filesize > len - pos)
			return 0;
		if (namesize == 11 && !memcmp(p + name, "TRAILER!!!", 11))
			return ALIGN4(pos + filesize) <= len ? ALIGN4(pos + filesize)
							     : len;
		pos = ALIGN4(pos + filesize);
		if (pos > len)
			return 0;
	}
}
