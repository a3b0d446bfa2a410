/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_CONSOLE_H
#define TINYRD_VIRTIO_CONSOLE_H

#include "virtio.h"

/*
 * virtio-console, one port (no MULTIPORT): the guest's /dev/hvcN. What
 * the guest transmits is written to out_fd, exact bytes, before the
 * buffer goes back, so a slow reader holds the guest back and nothing is
 * lost. When the reader has gone (EPIPE), closed() is called once and
 * further output is dropped. With an input descriptor, what it gives is
 * sent to the guest framed as abi.h's TINYRD_CONF_STDIN says, the end of
 * input included, as fast as the guest takes it.
 */
struct virtio_console {
	struct virtio_dev dev;
	int out_fd;
	bool out_closed;
	void (*closed)(void *ctx);
	void *ctx;
	unsigned long long bytes;	/* written to out_fd */
	bool in_done;			/* the end of input was sent */
	bool in_open;			/* atomic: the guest reads input */
};

int virtio_console_init(struct virtio_console *c, const struct gmem *mem,
			int out_fd, void (*closed)(void *ctx), void *ctx);
/* Forward in_fd (call before virtio_start), once the guest says it
 * reads (virtio_console_open_input, from any thread). */
void virtio_console_input(struct virtio_console *c, int in_fd);
void virtio_console_open_input(struct virtio_console *c);

#endif
