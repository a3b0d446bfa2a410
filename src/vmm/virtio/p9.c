// SPDX-License-Identifier: MIT
/* virtio-9p: 9P requests on one queue, served in order. See p9.h. */
#include <errno.h>
#include <string.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>

#include "p9.h"
#include "../../common/log.h"

static int64_t serve(struct virtio_dev *d, const struct vq_chain *ch,
		     const char **why)
{
	struct virtio_p9 *p = d->priv;

	(void)why;
	/* No reply (no header, no room): the buffers go back empty, and
	 * the driver's request fails. */
	return p9_serve(&p->srv, ch->iov, ch->nout, ch->iov + ch->nout, ch->nin);
}

static void notify(struct virtio_dev *d, unsigned qn)
{
	virtio_serve(d, qn, serve, false);
}

/* struct virtio_9p_config: tag_len (le16), then the tag, no NUL. */
static void config(struct virtio_dev *d, uint32_t off, uint8_t *data,
		   unsigned len, bool write)
{
	struct virtio_p9 *p = d->priv;
	uint8_t cfg[2 + VIRTIO_P9_TAG_MAX] = { 0 };
	size_t n = strlen(p->tag);

	if (write)
		return;
	cfg[0] = (uint8_t)n;
	memcpy(cfg + 2, p->tag, n);
	memcpy(data, cfg + off, len);
}

static void stop(struct virtio_dev *d)
{
	struct virtio_p9 *p = d->priv;

	/* A reset ends the session: the driver starts again with Tversion. */
	p9_server_free(&p->srv);
}

static const struct virtio_ops p9_ops = {
	.name = "virtio-9p",
	.id = VIRTIO_ID_9P,
	.nqueues = 1,
	.config_size = 2 + VIRTIO_P9_TAG_MAX,
	.features = 1ull << VIRTIO_9P_MOUNT_TAG,
	.config = config,
	.notify = notify,
	.stop = stop,
};

int virtio_p9_open(struct virtio_p9 *p, const struct gmem *mem,
		   const char *dir, const char *tag, bool ro, bool dev)
{
	int r;

	memset(p, 0, sizeof(*p));
	if (strlen(tag) > VIRTIO_P9_TAG_MAX)
		return error("share %s: tag %s is longer than %d bytes", dir, tag,
			     VIRTIO_P9_TAG_MAX);
	strcpy(p->tag, tag);
	r = share_open(&p->share, dir, ro, dev);
	if (r)
		return r;
	p9_server_init(&p->srv, &p->share);
	r = virtio_init(&p->dev, &p9_ops, p, mem);
	if (r) {
		share_close(&p->share);
		return error_errno(r, "virtio-9p %s", tag);
	}
	return 0;
}

void virtio_p9_close(struct virtio_p9 *p)
{
	p9_server_free(&p->srv);
	share_close(&p->share);
}
