// SPDX-License-Identifier: MIT
/* virtio-rng (virtio 1.2 §5.4): the guest's buffers filled from the
 * host's getrandom(). One queue, no configuration. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/virtio_ids.h>

#include "rng.h"

#ifdef TINYRD_TESTING
/* Tests only (the tinyrd-testing and sanitizer builds), at each request:
 * with TINYRD_TEST_CONFINE=rng the device opens /etc/passwd, a call its
 * seccomp filter forbids, which must stop the guest (confine.h); with
 * TINYRD_TEST_WEDGE=rng it waits in a system call that never returns
 * (a poll of nothing, its signals blocked), as a share's server would in
 * a file system that stopped answering: the launcher must still end
 * (launcher.c's stop_threads). */
static bool test_escape, test_wedge;

static void misbehave(void)
{
	int fd;

	if (test_escape) {
		fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
	while (test_wedge)
		poll(NULL, 0, -1);
}

static void test_init(void)
{
	const char *t = getenv("TINYRD_TEST_CONFINE");
	const char *w = getenv("TINYRD_TEST_WEDGE");

	test_escape = t && !strcmp(t, "rng");
	test_wedge = w && !strcmp(w, "rng");
}
#else
static void misbehave(void)
{
}

static void test_init(void)
{
}
#endif

static int64_t serve(struct virtio_dev *d, const struct vq_chain *ch,
		     const char **why)
{
	uint64_t done = 0;

	(void)d;
	misbehave();
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
	test_init();
	return virtio_init(d, &rng_ops, NULL, mem);
}
