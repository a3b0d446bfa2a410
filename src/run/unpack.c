// SPDX-License-Identifier: MIT
/*
 * A bzImage unpacked on the host, once (run.h): its payload, the ELF
 * vmlinux, decompressed with libarchive's raw filters (gzip, xz, lzma,
 * lz4, zstd, bzip2) and kept in the cache under the bzImage's SHA-256,
 * so that either VMM enters it at its PVH entry and the guest does not
 * spend its first seconds decompressing itself (4.7 of a 7.3 s boot of
 * Debian's kernel under TCG here; under the nested launcher the whole
 * lead over QEMU microvm). A bzImage whose payload has no PVH entry is
 * remembered as an empty file, and booted as it is; one whose payload
 * does not unpack is booted as it is too, and the plan says why (its own
 * decompressor will say what is wrong, or knows a format we do not).
 *
 * Hashing the bzImage on every run would cost what the unpacking saves
 * where the host is slow (95 ms for Debian's 8 MB here; seconds in the
 * nested harness's TCG L1): a symlink named by the file's identity
 * (device, inode, size, mtime, ctime, as the image cache keys its
 * sources) leads to the hash's file, so a bzImage seen before is found
 * with a stat and a readlink. A changed file has another ctime, so
 * another name, and is hashed again.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cache.h"
#include "run.h"
#include "../common/kernel.h"
#include "../common/sha256.h"

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The build appends the vmlinux's size to the compressed stream
 * (scripts/Makefile.lib, size_append: 4 bytes, little-endian): the
 * stream is what comes before, and exactly that many bytes must come out
 * of it, no more and no fewer. The lz4 stream is the legacy format
 * (lz4 -l), which has no end mark: without the size cut off its reader
 * would take those 4 bytes for a block. libarchive does not check a gzip
 * stream's CRC-32 (RFC 1952, 2.3.1): we do, so that a corrupt byte is
 * caught in gzip as liblzma, libbz2 and libzstd catch it in theirs
 * (lzma's and lz4's legacy streams have no checksum to check).
 */
int run_unpack_payload(const uint8_t *p, size_t n, int fd, char *why,
		       size_t nwhy)
{
	struct archive *a;
	struct archive_entry *e;
	char chunk[1 << 16];
	la_ssize_t got = 0;
	uint64_t want, total = 0;
	uLong crc = crc32(0, NULL, 0);
	const char *filter;
	int r = 0;

	if (n < 8) {
		snprintf(why, nwhy, "its payload is too short (%zu bytes)", n);
		return -EINVAL;
	}
	n -= 4;
	want = rd32(p + n);
	a = archive_read_new();
	if (!a) {
		snprintf(why, nwhy, "libarchive: out of memory");
		return -ENOMEM;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		snprintf(why, nwhy, "its payload: %s", archive_error_string(a));
		r = -EINVAL;
		goto out;
	}
	filter = archive_filter_count(a) > 1 ? archive_filter_name(a, 0) : NULL;
	if (!filter) {
		snprintf(why, nwhy, "its payload is in no compression libarchive "
			 "reads");
		r = -EINVAL;
		goto out;
	}
	/* One byte past the size, to see a stream that gives more. */
	while (total <= want &&
	       (got = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		size_t keep = total + (uint64_t)got > want ? (size_t)(want - total)
							   : (size_t)got;

		crc = crc32(crc, (const Bytef *)chunk, (uInt)keep);
		if (keep && write_all(fd, chunk, keep)) {
			r = -errno;
			snprintf(why, nwhy, "the unpacked kernel: %s", strerror(errno));
			goto out;
		}
		total += (uint64_t)got;
	}
	if (total != want) {
		snprintf(why, nwhy, "its %s payload gave %s%llu bytes, not the %llu "
			 "it says%s%s", filter, total > want ? "more than " : "",
			 (unsigned long long)(total > want ? want : total),
			 (unsigned long long)want, got < 0 ? ": " : "",
			 got < 0 ? archive_error_string(a) : "");
		r = -EINVAL;
		goto out;
	}
	if (!strcmp(filter, "gzip") && (n < 18 || rd32(p + n - 8) != crc ||
					rd32(p + n - 4) != (uint32_t)want)) {
		snprintf(why, nwhy, "its gzip payload fails its CRC-32");
		r = -EINVAL;
		goto out;
	}
	snprintf(why, nwhy, "%s", filter);
out:
	archive_read_free(a);
	return r;
}

/* The name of the link for the file fd: its identity, hashed. */
static char *identity(int fd, const char *dir)
{
	struct sha256 h;
	struct stat st;
	char line[160], hex[65];

	if (fstat(fd, &st) < 0)
		return NULL;
	snprintf(line, sizeof(line), "%lx %lx %lld %lld.%09ld %lld.%09ld",
		 (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		 st.st_ctim.tv_nsec);
	sha256_init(&h);
	sha256_update(&h, line, strlen(line));
	sha256_hex(&h, hex);
	return xasprintf("%s/%s.bzimage", dir, hex);
}

/* The cached file the link at id leads to, or NULL. */
static char *by_identity(const char *id, const char *dir)
{
	char to[80];
	ssize_t n = id ? readlink(id, to, sizeof(to) - 1) : -1;

	if (n <= 0 || n == sizeof(to) - 1)
		return NULL;
	to[n] = '\0';
	if (!str_ends(to, ".vmlinux") || strchr(to, '/'))
		return NULL;
	return path_join(dir, to);
}

/* Leave the link at id to path's name (a failure only costs a hash). */
static void link_identity(const char *id, const char *path)
{
	char *tmp;

	if (!id)
		return;
	tmp = xasprintf("%s.tmp", id);
	unlink(tmp);
	if (symlink(strrchr(path, '/') + 1, tmp) || rename(tmp, id))
		unlink(tmp);
	free(tmp);
}

int run_unpack_kernel(const char *kernel, char **out, char *why, size_t nwhy)
{
	struct file_view v;
	struct sha256 h;
	struct stat st;
	char hex[65], how[160], *dir = NULL, *path = NULL, *tmp = NULL, *id = NULL;
	long long t0 = now_ms();
	size_t off, len;
	uint64_t entry;
	bool pvh;
	int fd = -1, r = 0;

	*out = NULL;
	memset(&v, 0, sizeof(v));
	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(why, nwhy, "%s", strerror(errno));
		return r;
	}
	r = file_view_open(fd, &v);
	dir = cache_dir();
	if (!r && dir)
		id = identity(fd, dir);
	close(fd);
	fd = -1;
	if (r) {
		snprintf(why, nwhy, "%s", strerror(-r));
		goto out;
	}
	r = kernel_bzimage_payload(v.p, v.len, &off, &len);
	if (r) {
		snprintf(why, nwhy, r == -ENOTSUP ? "a bzImage of boot protocol "
			 "before 2.08: no payload to find" : "not a bzImage");
		goto out;
	}
	if (!dir) {
		snprintf(why, nwhy, "no cache to unpack its vmlinux into "
			 "(neither XDG_CACHE_HOME nor HOME)");
		r = -ENOENT;
		goto out;
	}
	path = by_identity(id, dir);
	if (path && !stat(path, &st)) {
		free(id);		/* found by it: no link to leave */
		id = NULL;
	} else {
		free(path);
		sha256_init(&h);
		sha256_update(&h, v.p, v.len);
		sha256_hex(&h, hex);
		path = xasprintf("%s/%s.vmlinux", dir, hex);
	}
	if (!stat(path, &st)) {
		utimensat(AT_FDCWD, path, NULL, 0);
		link_identity(id, path);
		if (st.st_size) {
			*out = xstrdup(path);
			snprintf(why, nwhy, "in the cache");
		} else {
			snprintf(why, nwhy, "its vmlinux has no PVH entry "
				 "(remembered in the cache)");
			r = -ENOENT;
		}
		goto out;
	}
	tmp = xasprintf("%s/.vmlinux.XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		snprintf(why, nwhy, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	r = run_unpack_payload(v.p + off, len, fd, how, sizeof(how));
	if (r) {
		snprintf(why, nwhy, "%s", how);
		goto out;
	}
	file_view_close(&v);
	memset(&v, 0, sizeof(v));
	if (lseek(fd, 0, SEEK_SET) || (r = file_view_open(fd, &v))) {
		r = r ? r : -errno;
		snprintf(why, nwhy, "%s: %s", tmp, strerror(-r));
		goto out;
	}
	pvh = !kernel_pvh_entry(v.p, v.len, &entry);
	if (!pvh) {
		snprintf(why, nwhy, "its vmlinux (%s) has no PVH entry", how);
		if (ftruncate(fd, 0)) {
			r = -errno;
			snprintf(why, nwhy, "%s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (rename(tmp, path)) {
		r = -errno;
		snprintf(why, nwhy, "%s: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	cache_touch(dir, path);
	link_identity(id, path);
	if (!pvh) {
		r = -ENOENT;
		goto out;
	}
	*out = xstrdup(path);
	snprintf(why, nwhy, "%s, %lld ms", how, now_ms() - t0);
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	file_view_close(&v);
	free(tmp);
	free(path);
	free(id);
	free(dir);
	return r;
}
