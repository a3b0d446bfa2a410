/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_COMPRESS_H
#define TINYRD_COMPRESS_H

#include <stddef.h>

/*
 * Compression of a finished newc archive, in the variants the kernel's
 * initramfs unpacker accepts (init/initramfs.c, lib/decompress_*.c):
 *   gzip  one member, with libdeflate;
 *   xz    with CRC32 checks (the kernel's xz decoder has no CRC64);
 *   zstd  one frame;
 *   lz4   the legacy frame format (the only one lib/decompress_unlz4.c
 *         reads), 8 MiB blocks.
 * Output is a function of the input and level only.
 */
enum compression {
	COMP_NONE,
	COMP_GZIP,
	COMP_XZ,
	COMP_ZSTD,
	COMP_LZ4,
	/* Recognised when reading only. */
	COMP_BZIP2,
	COMP_LZMA,
	COMP_LZO,
	COMP_LZ4_FRAME,
	COMP_UNKNOWN,
};

#define COMP_DEFAULT COMP_GZIP

int compress_parse(const char *name, enum compression *out);
const char *compress_name(enum compression c);
/* Default level for an algorithm; levels accepted are 0..max. */
int compress_default_level(enum compression c);
int compress_max_level(enum compression c);

/* Compress in[0..len) and write it all to fd. -errno, logged. */
int compress_write(enum compression c, int level, const void *in, size_t len,
		   int fd, const char *name);

/* Length of the compressed stream at data: one gzip member, one xz
 * stream, one zstd frame; for lz4's legacy format (which has no end: the
 * kernel reads it to the end of the image) and for the formats tinyrd only
 * recognises, all of len. 0 when the stream is corrupt or cut short. */
size_t compress_stream_length(enum compression c, const void *data, size_t len);

/* What compression does this data start with? COMP_NONE for a cpio
 * header, COMP_UNKNOWN for anything else. */
enum compression compress_detect(const void *data, size_t len);

#endif
