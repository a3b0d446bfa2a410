/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_BLK_H
#define TINYRD_VIRTIO_BLK_H

#include "virtio.h"

/*
 * virtio-blk over a host file or block device: read, write, flush,
 * get-id, and discard (hole punching, where the file system has it) and
 * write-zeroes. A read-only disk answers writes with IOERR. Every request
 * is checked: header present, sector range inside the disk, lengths in
 * whole sectors, the status byte the last writable byte.
 */
struct virtio_blk {
	struct virtio_dev dev;
	int fd;
	bool ro, discard;
	uint64_t sectors;
	char id[21];			/* VIRTIO_BLK_ID_BYTES + NUL */
};

/* Open path (an error naming it when it cannot be a disk). */
int virtio_blk_open(struct virtio_blk *b, const struct gmem *mem,
		    const char *path, bool ro);
void virtio_blk_close(struct virtio_blk *b);
/* Can path serve as a disk, as virtio_blk_open would take it (either
 * VMM): it opens for reading (and writing unless ro), is a regular file
 * or a block device, whole 512-byte sectors long. 0 or -errno, said. */
int virtio_blk_check(const char *path, bool ro);

#endif
