// SPDX-License-Identifier: MIT
/* virtio-console (virtio 1.2 §5.3), single port. See console.h. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "console.h"
#include "../../common/abi.h"

enum { RXQ, TXQ };

enum { SENT, GONE, STOPPED };

/* Write a whole chain's readable part. A full pipe holds us here (and the
 * guest behind us), but never past the device being stopped: we wait
 * for room with poll and then write at most PIPE_BUF bytes, which a pipe
 * with room takes without blocking. */
static int write_chain(struct virtio_console *c, const struct vq_chain *ch)
{
	struct iovec iov[VQ_SIZE_MAX];
	unsigned n = ch->nout, i = 0;

	memcpy(iov, ch->iov, n * sizeof(iov[0]));
	while (i < n) {
		struct pollfd p[2] = {
			{ .fd = c->out_fd, .events = POLLOUT },
			{ .fd = c->dev.stop_fd, .events = POLLIN },
		};
		struct iovec part[VQ_SIZE_MAX];
		unsigned k = 0;
		size_t room = PIPE_BUF;
		ssize_t w;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return GONE;
		}
		if (p[1].revents)
			return STOPPED;
		if (p[0].revents & (POLLERR | POLLNVAL))
			return GONE;
		for (unsigned j = i; j < n && room; j++, k++) {
			part[k] = iov[j];
			if (part[k].iov_len > room)
				part[k].iov_len = room;
			room -= part[k].iov_len;
		}
		w = writev(c->out_fd, part, (int)k);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return GONE;	/* EPIPE, or a dead descriptor */
		}
		c->bytes += (unsigned long long)w;
		while (i < n && (size_t)w >= iov[i].iov_len)
			w -= (ssize_t)iov[i++].iov_len;
		if (i < n) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return SENT;
}

static int64_t send(struct virtio_dev *d, const struct vq_chain *ch,
		    const char **why)
{
	struct virtio_console *c = d->priv;
	int how = c->out_closed ? GONE : write_chain(c, ch);

	(void)why;
	if (how == STOPPED)
		return VIRTIO_SERVE_STOP;	/* the VM is going */
	if (how == GONE && !c->out_closed) {
		c->out_closed = true;
		if (c->closed)
			c->closed(c->ctx);
	}
	return 0;
}

static void transmit(struct virtio_console *c)
{
	/* Each chain back as soon as it is written: the guest's writer
	 * waits on it. */
	virtio_serve(&c->dev, TXQ, send, true);
}

/* Input: one receive buffer at a time, filled with what one read gives,
 * escaped (so at most half the buffer is read), or the end-of-input mark. */
static void receive(struct virtio_dev *d)
{
	struct virtio_console *c = d->priv;
	struct vq *q = &d->vq[RXQ];
	uint8_t raw[2048], framed[2 * sizeof(raw)];
	struct vq_chain ch;
	size_t n = 0;
	ssize_t got;
	int r;

	if (c->in_done)
		return;
	r = vq_pop(q, &ch);
	/* Out of buffers: ask for a kick when the guest adds one (with
	 * EVENT_IDX it kicks only when asked), unless one came meanwhile. */
	if (!r && vq_arm(q))
		r = vq_pop(q, &ch);
	if (r < 0) {
		virtio_broken(d, RXQ, q->why);
		return;
	}
	if (!r || ch.in_len < 2) {
		if (r)		/* too small to carry a mark: give it back */
			vq_push(q, &ch, 0);
		d->input_wanted = false;	/* until the guest adds buffers */
		if (r)
			virtio_used(d, RXQ);
		return;
	}
	/* poll said readable, and the worker takes no signals: this read
	 * does not block. */
	got = read(d->input_fd, raw, ch.in_len / 2 < sizeof(raw) ? ch.in_len / 2
								  : sizeof(raw));
	for (ssize_t i = 0; i < got; i++) {
		framed[n++] = raw[i];
		if (raw[i] == TINYRD_STDIN_ESC)
			framed[n++] = 0;
	}
	if (got <= 0) {
		/* The end (an error ends it too). */
		framed[n++] = TINYRD_STDIN_ESC;
		framed[n++] = TINYRD_STDIN_EOF;
		c->in_done = true;
		d->input_wanted = false;
	}
	vq_write(&ch, 0, framed, n);
	vq_push(q, &ch, (uint32_t)n);
	virtio_used(d, RXQ);
}

static void notify(struct virtio_dev *d, unsigned qn)
{
	struct virtio_console *c = d->priv;

	if (qn == TXQ)
		transmit(c);
	else if (d->input_fd >= 0 && !c->in_done &&
		 __atomic_load_n(&c->in_open, __ATOMIC_ACQUIRE))
		d->input_wanted = true;	/* buffers to fill: read input */
}


static void config(struct virtio_dev *d, uint32_t off, uint8_t *data,
		   unsigned len, bool write)
{
	/* cols, rows, max_nr_ports, emerg_wr: all zero without features. */
	(void)d;
	(void)off;
	if (!write)
		memset(data, 0, len);
}

static const struct virtio_ops console_ops = {
	.name = "virtio-console",
	.id = VIRTIO_ID_CONSOLE,
	.nqueues = 2,
	.config_size = sizeof(struct virtio_console_config),
	.config = config,
	.notify = notify,
	.input = receive,
};

int virtio_console_init(struct virtio_console *c, const struct gmem *mem,
			int out_fd, void (*closed)(void *ctx), void *ctx)
{
	c->out_fd = out_fd;
	c->out_closed = false;
	c->closed = closed;
	c->ctx = ctx;
	c->bytes = 0;
	c->in_done = false;
	c->in_open = false;
	return virtio_init(&c->dev, &console_ops, c, mem);
}

void virtio_console_input(struct virtio_console *c, int in_fd)
{
	c->dev.input_fd = in_fd;
}

void virtio_console_open_input(struct virtio_console *c)
{
	__atomic_store_n(&c->in_open, true, __ATOMIC_RELEASE);
	virtio_kick(&c->dev, RXQ);	/* look at the receive buffers */
}
