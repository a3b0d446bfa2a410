/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_P9_H
#define TINYRD_VIRTIO_P9_H

#include "virtio.h"
#include "../p9/p9.h"

/*
 * virtio-9p (virtio 1.2 §5.?: "9P transport", device ID 9): one request
 * queue, the mount tag in the configuration space. Each chain is one
 * 9P request (readable) and room for its reply (writable), served by
 * the 9P2000.L server over the share.
 */
#define VIRTIO_P9_TAG_MAX 32

struct virtio_p9 {
	struct virtio_dev dev;
	struct share share;
	struct p9_server srv;
	char tag[VIRTIO_P9_TAG_MAX + 1];
};

/* Share dir under tag (an error naming dir when it cannot be shared). */
int virtio_p9_open(struct virtio_p9 *p, const struct gmem *mem,
		   const char *dir, const char *tag, bool ro, bool dev);
void virtio_p9_close(struct virtio_p9 *p);

#endif
