// SPDX-License-Identifier: MIT
/* virtio-rng (virtio 1.2 §5.4): the guest's buffers filled from the
 * host's getrandom(). One queue, no configuration. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/virtio_ids.h>

#include "rng.h"

#ifdef TINYRD_TESTING
/* Tests only (the tinyrd-testing and sanitizer builds): with
 * TINYRD_TEST_CONFINE=rng the device opens /etc/passwd at each request,
 * a call its seccomp filter forbids, which must stop the guest
 * (confine.h). */
static bool test_escape;

static void escape(void)
{
	int fd;

	if (!test_escape)
		return;
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}
#else
static void escape(void)
{
}
#endif

static int64_t serve(struct virtio_dev *d, const struct vq_chain *ch,
		     const char **why)
{
	uint64_t done = 0;

	(void)d;
	escape();
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
#ifdef TINYRD_TESTING
	const char *t = getenv("TINYRD_TEST_CONFINE");

	test_escape = t && !strcmp(t, "rng");
#endif
	return virtio_init(d, &rng_ops, NULL, mem);
}
