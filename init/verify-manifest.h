/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_INIT_VERIFY_MANIFEST_H
#define TINYRD_INIT_VERIFY_MANIFEST_H

/* The verify manifest as the guest reads it (src/common/abi.h, "THE
 * DATA-PATH CHECK", 1.). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct extent {
	uint64_t off, len;
};

struct vfile {
	char *path;
	uint64_t size, blocks;	/* blocks: the host's st_blocks */
	uint32_t crc;
	struct extent *map;	/* the host's data extents, in order */
	size_t nmap;
	uint32_t *crcs;		/* one per 1 MiB block */
	uint16_t *tags;		/* one per 4 KiB page, or NULL */
};

struct vmanifest {
	char *text;		/* the file; the strings point into it */
	uint64_t msize, seed;
	bool quick, have_msize, have_seed, have_quick;
	char *sweepdir;
	uint64_t *sweep;
	size_t nsweep;
	struct vfile *files;
	size_t nfiles;
};

static inline uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + !!(a % b);
}

/* 0, or -errno (-EINVAL for anything that does not parse); free it
 * either way. */
int vmanifest_read(const char *path, struct vmanifest *m);
void vmanifest_free(struct vmanifest *m);

#endif
