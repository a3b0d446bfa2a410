// SPDX-License-Identifier: MIT
/* virtio-rng (virtio 1.2 §5.4): the guest's buffers filled from the
 * host's getrandom(). One queue, no configuration. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <linux/virtio_ids.h>

#include "rng.h"

static void notify(struct virtio_dev *d, unsigned qn)
{
	struct vq *q = &d->vq[qn];
	struct vq_chain ch;
	int r;

	do {
		while ((r = vq_pop(q, &ch)) > 0) {
			uint64_t done = 0;

			if (ch.nout) {
				virtio_broken(d, qn, "request with a readable buffer");
				return;
			}
			for (unsigned i = 0; i < ch.nin; i++) {
				uint8_t *p = ch.iov[i].iov_base;
				size_t left = ch.iov[i].iov_len;

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
			vq_push(q, ch.head, (uint32_t)done);
			virtio_used(d, qn);
		}
		if (r < 0) {
			virtio_broken(d, qn, q->why);
			return;
		}
	} while (vq_arm(q));
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
