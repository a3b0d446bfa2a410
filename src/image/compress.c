// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <libdeflate.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lzma.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "compress.h"
#include "../common/progress.h"
#include "../common/util.h"

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)	/* fixed by the format */

static const struct {
	const char *name;
	int def, max;
} algs[] = {
	[COMP_NONE] = { "none", 0, 99 },	/* a level means nothing */
	[COMP_GZIP] = { "gzip", 1, 12 },
	[COMP_XZ] = { "xz", 6, 9 },
	[COMP_ZSTD] = { "zstd", 3, 19 },
	[COMP_LZ4] = { "lz4", 1, 12 },
	[COMP_BZIP2] = { "bzip2", 0, 0 },
	[COMP_LZMA] = { "lzma", 0, 0 },
	[COMP_LZO] = { "lzo", 0, 0 },
	[COMP_LZ4_FRAME] = { "lz4 (frame format)", 0, 0 },
	[COMP_UNKNOWN] = { "unknown", 0, 0 },
};

int compress_parse(const char *name, enum compression *out)
{
	for (int c = COMP_NONE; c <= COMP_LZ4; c++) {
		if (!strcmp(name, algs[c].name)) {
			*out = (enum compression)c;
			return 0;
		}
	}
	return error("%s: unknown compression (none, gzip, xz, zstd, lz4)", name);
}

const char *compress_name(enum compression c)
{
	return algs[c].name;
}

int compress_default_level(enum compression c)
{
	return algs[c].def;
}

int compress_max_level(enum compression c)
{
	return algs[c].max;
}

enum compression compress_detect(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len >= 6 && !memcmp(p, "07070", 5) && (p[5] == '1' || p[5] == '2'))
		return COMP_NONE;
	if (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return COMP_GZIP;
	if (len >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return COMP_XZ;
	if (len >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return COMP_ZSTD;
	if (len >= 4 && !memcmp(p, "\x02\x21\x4c\x18", 4))
		return COMP_LZ4;
	if (len >= 4 && !memcmp(p, "\x04\x22\x4d\x18", 4))
		return COMP_LZ4_FRAME;
	if (len >= 3 && !memcmp(p, "BZh", 3))
		return COMP_BZIP2;
	if (len >= 3 && !memcmp(p, "\x5d\x00\x00", 3))
		return COMP_LZMA;
	if (len >= 4 && !memcmp(p, "\x89LZO", 4))
		return COMP_LZO;
	return COMP_UNKNOWN;
}

/* ---- gzip ------------------------------------------------------------- */

/*
 * One member, libdeflate (several times zlib's speed at the same ratio).
 * Not split into parallel members: the kernel requires each compressed
 * member to end on a cpio trailer (init/initramfs.c: "junk at the end of
 * compressed archive"), so members could only break between archives.
 */
static int write_gzip(int level, const char *in, size_t len, int fd,
		      const char *name)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t bound, n;
	char *out;
	int r;

	if (!c)
		return error("%s: gzip level %d is not available", name, level);
	bound = libdeflate_gzip_compress_bound(c, len);
	out = xmalloc(bound);
	n = libdeflate_gzip_compress(c, in, len, out, bound);
	libdeflate_free_compressor(c);
	if (!n)
		r = error("%s: gzip compression failed", name);
	else if ((r = write_all(fd, out, n)))
		error_errno(r, "write %s", name);
	free(out);
	return r;
}

/* ---- xz ----------------------------------------------------------------- */

static int write_xz(int level, const char *in, size_t len, int fd,
		    const char *name)
{
	size_t bound = lzma_stream_buffer_bound(len), pos = 0;
	uint8_t *out = xmalloc(bound);
	lzma_ret ret;
	int r;

	ret = lzma_easy_buffer_encode((uint32_t)level, LZMA_CHECK_CRC32, NULL,
				      (const uint8_t *)in, len, out, &pos,
				      bound);
	if (ret != LZMA_OK)
		r = error("%s: xz compression failed (liblzma error %d)", name,
			  (int)ret);
	else if ((r = write_all(fd, out, pos)))
		error_errno(r, "write %s", name);
	free(out);
	return r;
}

/* ---- zstd --------------------------------------------------------------- */

static int write_zstd(int level, const char *in, size_t len, int fd,
		      const char *name)
{
	size_t bound = ZSTD_compressBound(len);
	void *out = xmalloc(bound);
	size_t n = ZSTD_compress(out, bound, in, len, level);
	int r;

	if (ZSTD_isError(n))
		r = error("%s: zstd compression failed (%s)", name,
			  ZSTD_getErrorName(n));
	else if ((r = write_all(fd, out, n)))
		error_errno(r, "write %s", name);
	free(out);
	return r;
}

/* ---- lz4 legacy ---------------------------------------------------------- */

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static int write_lz4(int level, const char *in, size_t len, int fd,
		     const char *name)
{
	int bound = LZ4_compressBound(LZ4_LEGACY_BLOCK);
	char *out = xmalloc((size_t)bound + 4);
	unsigned char magic[4];
	int r;

	put_le32(magic, LZ4_LEGACY_MAGIC);
	r = write_all(fd, magic, 4);
	for (size_t off = 0; !r && off < len; off += LZ4_LEGACY_BLOCK) {
		int n = (int)(len - off < LZ4_LEGACY_BLOCK ? len - off
							   : LZ4_LEGACY_BLOCK);
		int c = level >= 3
			? LZ4_compress_HC(in + off, out + 4, n, bound, level)
			: LZ4_compress_default(in + off, out + 4, n, bound);

		if (c <= 0) {
			free(out);
			return error("%s: lz4 compression failed", name);
		}
		put_le32((unsigned char *)out, (uint32_t)c);
		r = write_all(fd, out, (size_t)c + 4);
	}
	free(out);
	if (r)
		error_errno(r, "write %s", name);
	return r;
}

int compress_write(enum compression c, int level, const void *in, size_t len,
		   int fd, const char *name)
{
	int r;

	if (level < 0)
		level = algs[c].def;
	if (c != COMP_NONE)
		progress_set("tinyrd: compressing %s: %zu MiB with %s", name,
			     len >> 20, algs[c].name);
	switch (c) {
	case COMP_NONE:
		r = write_all(fd, in, len);
		return r ? error_errno(r, "write %s", name) : 0;
	case COMP_GZIP:
		return write_gzip(level, in, len, fd, name);
	case COMP_XZ:
		return write_xz(level, in, len, fd, name);
	case COMP_ZSTD:
		return write_zstd(level, in, len, fd, name);
	case COMP_LZ4:
		return write_lz4(level, in, len, fd, name);
	default:
		return error("%s: cannot write %s", name, algs[c].name);
	}
}

/* ---- where a stream ends ------------------------------------------------ */

static size_t gzip_length(const void *data, size_t len)
{
	unsigned char scratch[65536];
	z_stream z = { 0 };
	size_t n = 0;
	int r;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)data;
	z.avail_in = len > UINT_MAX ? UINT_MAX : (unsigned)len;
	do {
		z.next_out = scratch;
		z.avail_out = sizeof(scratch);
		r = inflate(&z, Z_NO_FLUSH);
	} while (r == Z_OK);
	if (r == Z_STREAM_END)
		n = z.total_in;
	inflateEnd(&z);
	return n;
}

static size_t xz_length(const void *data, size_t len)
{
	uint8_t scratch[65536];
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r;
	size_t n = 0;

	if (lzma_stream_decoder(&z, UINT64_MAX, 0) != LZMA_OK)
		return 0;
	z.next_in = data;
	z.avail_in = len;
	do {
		z.next_out = scratch;
		z.avail_out = sizeof(scratch);
		r = lzma_code(&z, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (r == LZMA_STREAM_END)
		n = (size_t)z.total_in;
	lzma_end(&z);
	return n;
}

size_t compress_stream_length(enum compression c, const void *data, size_t len)
{
	size_t n;

	switch (c) {
	case COMP_GZIP:
		return gzip_length(data, len);
	case COMP_XZ:
		return xz_length(data, len);
	case COMP_ZSTD:
		n = ZSTD_findFrameCompressedSize(data, len);
		return ZSTD_isError(n) ? 0 : n;
	default:
		return len;
	}
}
