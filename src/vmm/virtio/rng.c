// SPDX-License-Identifier: MIT
/* virtio-rng (virtio 1.2 §5.4): the guest's buffers filled from the
 * host's getrandom(). One queue, no configuration. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <linux/virtio_ids.h>

#include "rng.h"

static int64_t serve(struct virtio_dev *d, const struct vq_chain *ch,
		     const char **why)
{
	uint64_t done = 0;

	(void)d;
	if (ch->nout) {
		*why = "request with a readable buffer";
		return VIRTIO_SERVE_BROKEN;
	}
	for (unsigned i = 0; i < ch->nin; i++) {
		uint8_t *p = ch->iov[i].iov_base;
		size_t left = ch->iov[i].iov_len;

		while (left) {
			ssize_t n = getrandom(p, left, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			p += n;
			left -= (size_t)n;
			done += (uint64_t)n;
		}
	}
	return (int64_t)(uint32_t)done;
}

static void notify(struct virtio_dev *d, unsigned qn)
{
	virtio_serve(d, qn, serve, true);
}

static const struct virtio_ops rng_ops = {
	.name = "virtio-rng",
	.id = VIRTIO_ID_RNG,
	.nqueues = 1,
	.notify = notify,
};

int virtio_rng_init(struct virtio_dev *d, const struct gmem *mem)
{
	return virtio_init(d, &rng_ops, NULL, mem);
}
