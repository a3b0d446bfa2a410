/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_FS_H
#define TINYRD_VIRTIO_FS_H

#include "virtio.h"
#include "../fuse/fuse.h"
#include "../dax.h"
#include "../share.h"

/*
 * virtio-fs (virtio 1.2 §5.11, device ID 26): the hiprio queue (FORGET,
 * BATCH_FORGET, INTERRUPT) and one request queue, served in order by the
 * FUSE server over the share, in the launcher's own address space: no
 * virtiofsd, no shared memory between processes. With a DAX window (the
 * device's shared-memory region VIRTIO_FS_SHMCAP_ID_CACHE), the guest
 * reads and writes mapped files' pages itself.
 */
#define VIRTIO_FS_TAG_MAX 36

struct virtio_fs {
	struct virtio_dev dev;
	struct share share;
	struct fuse_server srv;
	struct dax_window dax;		/* dax.size 0: none */
	char tag[VIRTIO_FS_TAG_MAX + 1];
	bool dead;			/* the server could not restart */
};

/* Share dir under tag (an error naming dir when it cannot be shared),
 * with a DAX window of dax bytes (0: none). */
int virtio_fs_open(struct virtio_fs *f, const struct gmem *mem,
		   const char *dir, const char *tag, bool ro, bool dev,
		   uint64_t dax);
void virtio_fs_close(struct virtio_fs *f);

#endif
