// SPDX-License-Identifier: MIT
/*
 * A bzImage unpacked on the host, once (run.h): its payload, the ELF
 * vmlinux, decompressed with libarchive's raw filters (gzip, xz, lzma,
 * lz4, zstd, bzip2) and kept in the cache under the bzImage's SHA-256,
 * so that QEMU enters it at its PVH entry and a guest under TCG does not
 * spend its first seconds decompressing itself (4.7 of a 7.3 s boot of
 * Debian's kernel here). A bzImage whose payload has no PVH entry is
 * remembered as an empty file, and booted as it is.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "run.h"
#include "../common/kernel.h"
#include "../common/sha256.h"

/*
 * Decompress a bzImage's payload into fd; 0 or -errno (said). The build
 * appends the vmlinux's size to the compressed stream (scripts/
 * Makefile.lib, size_append: 4 bytes, little-endian): the stream is what
 * comes before, and exactly that many bytes must come out of it.
 */
static int inflate_to(const char *kernel, const uint8_t *p, size_t n, int fd)
{
	struct archive *a;
	struct archive_entry *e;
	char chunk[1 << 16];
	la_ssize_t got = 0;
	uint64_t want, total = 0;
	int r = 0;

	if (n < 8)
		return error("%s: its payload is too short", kernel);
	n -= 4;
	want = p[n] | p[n + 1] << 8 | p[n + 2] << 16 | (uint64_t)p[n + 3] << 24;
	a = archive_read_new();
	if (!a)
		return error("%s: libarchive: out of memory", kernel);
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = error("%s: its payload: %s", kernel, archive_error_string(a));
		goto out;
	}
	while (total < want &&
	       (got = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (write_all(fd, chunk, (size_t)got)) {
			r = error_errno(errno, "%s: the unpacked kernel", kernel);
			goto out;
		}
		total += (uint64_t)got;
	}
	if (total != want)
		r = error("%s: its payload gave %llu bytes, not the %llu it says%s%s",
			  kernel, (unsigned long long)total,
			  (unsigned long long)want, got < 0 ? ": " : "",
			  got < 0 ? archive_error_string(a) : "");
out:
	archive_read_free(a);
	return r;
}

int run_unpack_kernel(const char *kernel, char **out)
{
	struct file_view v;
	struct sha256 h;
	struct stat st;
	char hex[65], *dir = NULL, *path = NULL, *tmp = NULL;
	size_t off, len;
	uint64_t entry;
	bool pvh;
	int fd = -1, r = 0;

	*out = NULL;
	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(errno, "%s", kernel);
	r = file_view_open(fd, &v);
	close(fd);
	fd = -1;
	if (r)
		return error_errno(r, "%s", kernel);
	if (kernel_bzimage_payload(v.p, v.len, &off, &len))
		goto out;		/* not a bzImage: nothing to do */
	dir = cache_dir();
	if (!dir)
		goto out;
	sha256_init(&h);
	sha256_update(&h, v.p, v.len);
	sha256_hex(&h, hex);
	path = xasprintf("%s/%s.vmlinux", dir, hex);
	if (!stat(path, &st)) {
		utimensat(AT_FDCWD, path, NULL, 0);
		if (st.st_size)
			*out = xstrdup(path);
		goto out;
	}
	tmp = xasprintf("%s/.vmlinux.XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = error_errno(errno, "%s", tmp);
		goto out;
	}
	r = inflate_to(kernel, v.p + off, len, fd);
	if (r)
		goto out;
	file_view_close(&v);
	if (lseek(fd, 0, SEEK_SET) || (r = file_view_open(fd, &v))) {
		r = error_errno(r ? r : errno, "%s", tmp);
		memset(&v, 0, sizeof(v));
		goto out;
	}
	pvh = !kernel_pvh_entry(v.p, v.len, &entry);
	if (!pvh) {
		verbose("%s: its vmlinux has no PVH entry: booted as it is", kernel);
		if (ftruncate(fd, 0))
			r = error_errno(errno, "%s", tmp);
	}
	if (!r && rename(tmp, path))
		r = error_errno(errno, "%s", path);
	if (!r) {
		free(tmp);
		tmp = NULL;
		if (pvh)
			*out = xstrdup(path);
		cache_touch(dir, path);
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	file_view_close(&v);
	free(tmp);
	free(path);
	free(dir);
	return r;
}
