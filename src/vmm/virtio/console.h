/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_CONSOLE_H
#define TINYRD_VIRTIO_CONSOLE_H

#include "virtio.h"

/*
 * virtio-console, one port (no MULTIPORT): the guest's /dev/hvcN. What
 * the guest transmits is written to out_fd, exact bytes, before the
 * buffer goes back, so a slow reader holds the guest back and nothing is
 * lost. When the reader has gone (EPIPE), closed() is called once and
 * further output is dropped.
 */
struct virtio_console {
	struct virtio_dev dev;
	int out_fd;
	bool out_closed;
	void (*closed)(void *ctx);
	void *ctx;
	unsigned long long bytes;	/* written to out_fd */
};

int virtio_console_init(struct virtio_console *c, const struct gmem *mem,
			int out_fd, void (*closed)(void *ctx), void *ctx);

#endif
