// SPDX-License-Identifier: MIT
/* virtio-blk (virtio 1.2 §5.2) over a host file. See blk.h. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "blk.h"
#include "../../common/iov.h"
#include "../../common/log.h"

#define SECTOR		512ULL
#define MAX_SEGS	16	/* discard / write-zeroes ranges per request */
#define MAX_ZERO_SECTORS (1u << 16)

struct req_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct range {
	uint64_t sector;
	uint32_t num;
	uint32_t flags;
};

static bool in_range(const struct virtio_blk *b, uint64_t sector, uint64_t n)
{
	return sector <= b->sectors && n <= b->sectors - sector;
}

static uint8_t zero_out(struct virtio_blk *b, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[65536];

	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
		ssize_t w = pwrite(b->fd, zeros, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return VIRTIO_BLK_S_IOERR;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: ranges after the header (§5.2.6). */
static uint8_t ranges(struct virtio_blk *b, const struct vq_chain *ch,
		      bool zeroes)
{
	uint64_t bytes = ch->out_len - sizeof(struct req_header);
	unsigned n = (unsigned)(bytes / sizeof(struct range));

	if (b->ro)
		return VIRTIO_BLK_S_IOERR;
	if (!bytes || bytes % sizeof(struct range) || n > MAX_SEGS)
		return VIRTIO_BLK_S_UNSUPP;
	for (unsigned i = 0; i < n; i++) {
		struct range r;
		uint64_t off, len;
		int mode;

		vq_read(ch, sizeof(struct req_header) + i * sizeof(r), &r, sizeof(r));
		r.sector = le64toh(r.sector);
		r.num = le32toh(r.num);
		r.flags = le32toh(r.flags);
		if (!in_range(b, r.sector, r.num) || r.num > MAX_ZERO_SECTORS ||
		    (r.flags & ~(uint32_t)VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
		    (!zeroes && r.flags))
			return VIRTIO_BLK_S_UNSUPP;
		off = r.sector * SECTOR;
		len = r.num * SECTOR;
		mode = FALLOC_FL_KEEP_SIZE |
		       (!zeroes || (r.flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);
		if (!fallocate(b->fd, mode, (off_t)off, (off_t)len))
			continue;
		if (!zeroes)
			return errno == EOPNOTSUPP ? VIRTIO_BLK_S_UNSUPP
						   : VIRTIO_BLK_S_IOERR;
		if (zero_out(b, off, len))	/* no fallocate here: write */
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* One request; returns its status, with *written the data bytes put in
 * the guest's buffers. */
static uint8_t handle(struct virtio_blk *b, const struct vq_chain *ch,
		      uint32_t *written)
{
	struct iovec iov[VQ_SIZE_MAX];
	struct req_header h;
	uint64_t data, got;
	unsigned n;

	*written = 0;
	if (vq_read(ch, 0, &h, sizeof(h)) != sizeof(h))
		return VIRTIO_BLK_S_IOERR;	/* no header */
	h.type = le32toh(h.type);
	h.sector = le64toh(h.sector);
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		data = ch->in_len - 1;	/* the status byte is the last */
		if (data % SECTOR || !in_range(b, h.sector, data / SECTOR))
			return VIRTIO_BLK_S_IOERR;
		n = vq_slice(ch, true, 0, data, iov, VQ_SIZE_MAX, &got);
		if (iov_pio(b->fd, iov, n, (int64_t)(h.sector * SECTOR), false) !=
		    (int64_t)got)
			return VIRTIO_BLK_S_IOERR;
		*written = (uint32_t)data;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		data = ch->out_len - sizeof(h);
		if (b->ro || data % SECTOR || !in_range(b, h.sector, data / SECTOR))
			return VIRTIO_BLK_S_IOERR;
		n = vq_slice(ch, false, sizeof(h), data, iov, VQ_SIZE_MAX, &got);
		if (iov_pio(b->fd, iov, n, (int64_t)(h.sector * SECTOR), true) !=
		    (int64_t)got)
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		return b->ro || !fdatasync(b->fd) ? VIRTIO_BLK_S_OK
						  : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_GET_ID:
		data = ch->in_len - 1;
		if (data > VIRTIO_BLK_ID_BYTES)
			data = VIRTIO_BLK_ID_BYTES;
		*written = (uint32_t)vq_write(ch, 0, b->id, data);
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
		return b->discard ? ranges(b, ch, false) : VIRTIO_BLK_S_UNSUPP;
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return ranges(b, ch, true);
	}
	return VIRTIO_BLK_S_UNSUPP;
}

static int64_t serve(struct virtio_dev *d, const struct vq_chain *ch,
		     const char **why)
{
	uint32_t written;
	uint8_t status;

	/* §5.2.6.1: the status is the last writable byte. */
	if (!ch->in_len) {
		*why = "request without a status byte";
		return VIRTIO_SERVE_BROKEN;
	}
	status = handle(d->priv, ch, &written);
	vq_write(ch, ch->in_len - 1, &status, 1);
	return written + 1;
}

static void notify(struct virtio_dev *d, unsigned qn)
{
	virtio_serve(d, qn, serve, false);
}

static void config(struct virtio_dev *d, uint32_t off, uint8_t *data,
		   unsigned len, bool write)
{
	struct virtio_blk *b = d->priv;
	struct virtio_blk_config c = { 0 };

	if (write)
		return;			/* nothing writable without CONFIG_WCE */
	c.capacity = htole64(b->sectors);
	c.seg_max = htole32(VQ_SIZE_MAX - 2);
	c.blk_size = htole32(SECTOR);
	c.max_discard_sectors = htole32(MAX_ZERO_SECTORS);
	c.max_discard_seg = htole32(MAX_SEGS);
	c.discard_sector_alignment = htole32(1);
	c.max_write_zeroes_sectors = htole32(MAX_ZERO_SECTORS);
	c.max_write_zeroes_seg = htole32(MAX_SEGS);
	c.write_zeroes_may_unmap = 1;
	if (off + len <= sizeof(c))
		memcpy(data, (uint8_t *)&c + off, len);
	else
		memset(data, 0, len);
}

static const struct virtio_ops blk_ops = {
	.name = "virtio-blk",
	.id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.config_size = sizeof(struct virtio_blk_config),
	.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
		    1ULL << VIRTIO_BLK_F_FLUSH,
	.config = config,
	.notify = notify,
};

/* What a disk must be, whichever VMM serves it: a regular file or a
 * block device, whole sectors long. Its size in *size; 0 or -errno,
 * said. */
static int disk_size(int fd, const char *path, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return error_errno(errno, "disk %s", path);
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode))
		return error("disk %s: not a regular file or block device", path);
	if (S_ISBLK(st->st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		st->st_size = end < 0 ? 0 : end;
	}
	if (st->st_size % SECTOR)
		return error("disk %s: size %lld is not a multiple of 512", path,
			     (long long)st->st_size);
	return 0;
}

int virtio_blk_check(const char *path, bool ro)
{
	struct stat st;
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC), r;

	if (fd < 0)
		return error_errno(errno, "disk %s", path);
	r = disk_size(fd, path, &st);
	close(fd);
	return r;
}

int virtio_blk_open(struct virtio_blk *b, const struct gmem *mem,
		    const char *path, bool ro)
{
	const char *base = strrchr(path, '/');
	struct stat st;
	int r;

	memset(b, 0, sizeof(*b));
	b->ro = ro;
	b->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0)
		return error_errno(errno, "disk %s", path);
	/* One writer, or any number of readers, as QEMU's locking has it:
	 * two guests writing one image would corrupt it. */
	if (flock(b->fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK
		    ? error("disk %s: in use (locked by another process)", path)
		    : error_errno(errno, "disk %s: lock", path);
		goto fail;
	}
	r = disk_size(b->fd, path, &st);
	if (r)
		goto fail;
	b->sectors = (uint64_t)st.st_size / SECTOR;
	/* Hole punching where the file system has it: a punch past the end
	 * with KEEP_SIZE changes nothing, and tells. */
	b->discard = !ro && S_ISREG(st.st_mode) &&
		     !fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				st.st_size, 4096);
	snprintf(b->id, sizeof(b->id), "%s", base ? base + 1 : path);
	r = virtio_init(&b->dev, &blk_ops, b, mem);
	if (!r) {
		/* What this file can do. */
		b->dev.device_features |= ro ? 1ULL << VIRTIO_BLK_F_RO :
			1ULL << VIRTIO_BLK_F_WRITE_ZEROES |
			(b->discard ? 1ULL << VIRTIO_BLK_F_DISCARD : 0);
		return 0;
	}
fail:
	close(b->fd);
	b->fd = -1;
	return r;
}

void virtio_blk_close(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
