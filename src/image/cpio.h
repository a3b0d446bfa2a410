/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CPIO_H
#define TINYRD_CPIO_H

#include "manifest.h"

/*
 * The libarchive boundary: the only file that includes it. Writes newc
 * ("SVR4 no CRC", what the kernel's initramfs unpacker reads) into memory
 * for compress.c, reads archives back for inspect, and decompresses single
 * files (kernel modules) through libarchive's raw format.
 */

/* Write a finalized manifest as newc. mtime applies to every entry.
 * Hardlinked names share an inode; the data goes with the last name, as
 * gen_init_cpio does. */
int cpio_write(const struct manifest *m, long long mtime, struct buf *out);

/* Decompress a whole .gz/.xz/.zst (or plain) file into out. */
int cpio_decompress(const char *path, struct buf *out);

struct cpio_item {
	const char *path;	/* as stored, usually without a leading '/' */
	unsigned mode;		/* type and permissions, as st_mode */
	unsigned uid, gid;
	unsigned nlink;
	unsigned long long ino;
	unsigned long long size;
	long long mtime;
	unsigned rdevmajor, rdevminor;
	const char *symlink;	/* target, or NULL */
	const void *data;	/* contents of a regular file, at most 1 MiB
				 * (cpio_read_whole: more) */
	size_t datalen;
	bool partial;		/* data is only the start of a larger file */
};

typedef int (*cpio_item_fn)(void *ctx, const struct cpio_item *it);

struct cpio_stats {
	const char *filter;	/* libarchive's name for the compression */
	unsigned long entries;
	unsigned long long bytes;	/* uncompressed archive bytes read */
};

/* Read the (possibly compressed) archive at data[0..len), calling fn for
 * every entry; a non-zero return from fn stops and is returned. name is
 * used in messages. */
int cpio_read(const void *data, size_t len, cpio_item_fn fn, void *ctx,
	      const char *name, struct cpio_stats *stats);
/* The same, and the regular files whole() says yes to (given the entry
 * without its data) come whole, up to 256 MiB. */
typedef bool (*cpio_whole_fn)(void *ctx, const struct cpio_item *it);
int cpio_read_whole(const void *data, size_t len, cpio_item_fn fn,
		    cpio_whole_fn whole, void *ctx, const char *name,
		    struct cpio_stats *stats);

/* Length of the uncompressed newc archive at data, through its TRAILER!!!
 * entry and padding; 0 when it is malformed or cut short. */
size_t cpio_newc_length(const void *data, size_t len);

#endif
