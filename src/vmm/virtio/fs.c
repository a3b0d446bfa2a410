// SPDX-License-Identifier: MIT
/* virtio-fs: FUSE requests on the hiprio and request queues. See fs.h. */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>

#include "fs.h"
#include "../../common/log.h"

/* The largest read or write: a chain holds the headers (in, args, out)
 * and a descriptor per page, within the queue's size. */
#define MAX_PAGES (VQ_SIZE_MAX - 8)

static int64_t serve(struct virtio_dev *d, const struct vq_chain *ch,
		     const char **why)
{
	struct virtio_fs *f = d->priv;

	(void)why;
	/* FORGET has no reply: its buffer goes back empty. */
	return f->dead ? 0 : fuse_serve(&f->srv, ch->iov, ch->nout,
					ch->iov + ch->nout, ch->nin);
}

static void notify(struct virtio_dev *d, unsigned qn)
{
	virtio_serve(d, qn, serve, false);
}

static void config(struct virtio_dev *d, uint32_t off, uint8_t *data,
		   unsigned len, bool write)
{
	struct virtio_fs *f = d->priv;
	struct virtio_fs_config cfg = { .num_request_queues = htole32(1) };

	if (write)
		return;
	memcpy(cfg.tag, f->tag, strlen(f->tag));
	memcpy(data, (uint8_t *)&cfg + off, len);
}

/* A FUSE session over the share, with the DAX window if there is one. */
static int session(struct virtio_fs *f)
{
	int r = fuse_server_init(&f->srv, &f->share, MAX_PAGES);

	if (!r && f->dax.size)
		f->srv.dax = &f->dax;
	return r;
}

/* A reset ends the FUSE session: every node and open file goes, and the
 * driver starts again with FUSE_INIT. */
static void stop(struct virtio_dev *d)
{
	struct virtio_fs *f = d->priv;

	fuse_server_free(&f->srv);
	dax_clear(&f->dax);
	/* Out of descriptors for the root's handle: every request of the
	 * next session fails, until a reset finds some. */
	f->dead = session(f) != 0;
	if (f->dead)
		warn("virtio-fs %s: the FUSE session cannot start again", f->tag);
}

static const struct virtio_ops fs_ops = {
	.name = "virtio-fs",
	.id = VIRTIO_ID_FS,
	.nqueues = 2,
	.config_size = sizeof(struct virtio_fs_config),
	.config = config,
	.notify = notify,
	.stop = stop,
};

int virtio_fs_open(struct virtio_fs *f, const struct gmem *mem,
		   const char *dir, const char *tag, bool ro, bool dev,
		   uint64_t dax)
{
	int r;

	memset(f, 0, sizeof(*f));
	if (strlen(tag) > VIRTIO_FS_TAG_MAX)
		return error("share %s: tag %s is longer than %d bytes", dir, tag,
			     VIRTIO_FS_TAG_MAX);
	strcpy(f->tag, tag);
	r = share_open(&f->share, dir, ro, dev);
	if (r)
		return r;
	r = dax ? dax_init(&f->dax, dax) : 0;
	if (!r && (r = session(f)))
		dax_free(&f->dax);
	if (!r && (r = virtio_init(&f->dev, &fs_ops, f, mem))) {
		fuse_server_free(&f->srv);
		dax_free(&f->dax);
	}
	if (r) {
		share_close(&f->share);
		return error_errno(r, "virtio-fs %s", tag);
	}
	if (dax) {
		f->dax.name = f->tag;
		f->dev.shm = f->dax.host;
		f->dev.shm_size = f->dax.size;
		f->dev.shm_id = VIRTIO_FS_SHMCAP_ID_CACHE;
	}
	return 0;
}

void virtio_fs_close(struct virtio_fs *f)
{
	fuse_server_free(&f->srv);
	dax_free(&f->dax);
	share_close(&f->share);
}
