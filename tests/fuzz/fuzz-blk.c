// SPDX-License-Identifier: MIT
/*
 * virtio-blk requests (src/vmm/virtio/blk.c) against a disk of 64
 * sectors, a file in the process's directory written afresh for each
 * run. The device is called as its worker would call it, on a queue of
 * 16 over 256 KiB of guest RAM.
 *
 * Input: a flags byte (bit 0 a read-only disk), then requests, each:
 *
 *   u8 shape    bits 0-2 data buffers (0-7), bit 3 the header in two
 *               descriptors (8 + rest), bit 4 no status descriptor,
 *               bit 5 a device-readable status byte, bit 6 the chain in
 *               an indirect table
 *   16 bytes    the header (type, reserved, sector), any length below
 *   u8 hdrlen   the header descriptor's length: 0 means 16
 *   per buffer  u16 length (up to 8 KiB), u8 flags (bit 0 device-
 *               writable; bit 1 a readable buffer's bytes follow, as
 *               many as its length, else it holds a pattern)
 *
 * Checked beyond the sanitizers: an answered request's status byte is
 * OK, IOERR or UNSUPP and its used length fits the writable buffers; the
 * disk's size never changes.
 */
#include <endian.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "fuzz.h"
#include "../../src/common/util.h"
#include "../../src/vmm/virtio/blk.h"

#define RAM	(256u << 10)
#define QSZ	16
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define TABLE	0x4000
#define HDR	0x8000
#define STATUS	0x9000
#define DATA	0x10000		/* 8 KiB per buffer */
#define SECTORS	64

static uint8_t ram[RAM];

struct req {
	struct vring_desc d[12];
	unsigned n;
	uint32_t in_len;
};

static void add(struct req *r, uint64_t addr, uint32_t len, bool writable)
{
	r->d[r->n] = (struct vring_desc){
		htole64(addr), htole32(len),
		htole16(writable ? VRING_DESC_F_WRITE : 0), 0,
	};
	if (writable)
		r->in_len += len;
	r->n++;
}

/* Lay the descriptors out, chained, in the ring or a table; make the
 * head available and serve it. */
static void submit(struct virtio_blk *b, struct req *r, bool indirect,
		   uint16_t *avail_idx)
{
	uint16_t before = le16toh(*(uint16_t *)(ram + USED + 2));
	struct vring_desc *t = (struct vring_desc *)(ram + (indirect ? TABLE : DESC));
	uint16_t *avail = (uint16_t *)(ram + AVAIL);

	if (!r->n)
		return;
	for (unsigned i = 0; i < r->n; i++) {
		t[i] = r->d[i];
		if (i + 1 < r->n) {
			t[i].flags |= htole16(VRING_DESC_F_NEXT);
			t[i].next = htole16((uint16_t)(i + 1));
		}
	}
	if (indirect)
		((struct vring_desc *)(ram + DESC))[0] = (struct vring_desc){
			htole64(TABLE), htole32(16 * r->n),
			htole16(VRING_DESC_F_INDIRECT), 0,
		};
	avail[2 + *avail_idx % QSZ] = 0;
	avail[1] = htole16(++*avail_idx);
	b->dev.ops->notify(&b->dev, 0);
	if (le16toh(*(uint16_t *)(ram + USED + 2)) != before && r->in_len) {
		uint32_t used = le32toh(*(uint32_t *)(ram + USED + 4 +
						     8 * (before % QSZ) + 4));

		fz_check(used <= r->in_len, "used length past the writable buffers");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *path;
	static uint8_t sector[512 * SECTORS];
	struct fz f = { data, size };
	struct virtio_blk b;
	struct gmem mem;
	uint16_t avail_idx = 0;
	uint8_t flags = fz_u8(&f);
	unsigned n = 0;
	struct stat st;

	fz_quiet(false);
	if (!path) {
		path = xasprintf("%s/disk.img", fz_dir());
		for (size_t i = 0; i < sizeof(sector); i++)
			sector[i] = (uint8_t)('a' + i / 512 % 26);
	}
	fz_write(fz_dir(), "disk.img", sector, sizeof(sector), 0644);
	memset(ram, 0, sizeof(ram));
	gmem_wrap(&mem, ram, RAM, NULL);
	if (virtio_blk_open(&b, &mem, path, flags & 1) ||
	    vq_enable(&b.dev.vq[0], &mem, QSZ, DESC, AVAIL, USED,
		      1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_RING_F_INDIRECT_DESC))
		fz_fail(__FILE__, __LINE__, "virtio_blk_open");
	b.dev.qr[0].enabled = true;
	b.dev.status = VIRTIO_CONFIG_S_DRIVER_OK;
	while (f.n && n++ < 32 && !b.dev.vq[0].broken) {
		uint8_t shape = fz_u8(&f), hlen;
		const uint8_t *h;
		struct req r = { .n = 0 };
		size_t hgot = fz_take(&f, 16, &h);

		memset(ram + HDR, 0, 16);
		memcpy(ram + HDR, h, hgot);
		hlen = fz_u8(&f);
		if (!hlen)
			hlen = 16;
		if (shape & 8 && hlen > 8) {
			add(&r, HDR, 8, false);
			add(&r, HDR + 8, hlen - 8u, false);
		} else {
			add(&r, HDR, hlen, false);
		}
		for (unsigned i = 0; i < (shape & 7u); i++) {
			uint32_t len = fz_u16(&f) % 0x2001;
			uint8_t bf = fz_u8(&f);
			bool w = bf & 1;
			uint8_t *p = ram + DATA + 0x2000 * i;
			const uint8_t *src;

			if (!w && (bf & 2)) {
				size_t got = fz_take(&f, len, &src);

				memcpy(p, src, got);
				memset(p + got, 0, len - got);
			} else if (!w) {
				for (uint32_t j = 0; j < len; j++)
					p[j] = (uint8_t)(j * 7 + i);
			}
			add(&r, DATA + 0x2000ULL * i, len, w);
		}
		ram[STATUS] = 0xee;
		if (!(shape & 0x10))
			add(&r, STATUS, 1, !(shape & 0x20));
		submit(&b, &r, shape & 0x40, &avail_idx);
		if (!(shape & 0x30) && ram[STATUS] != 0xee)
			fz_check(ram[STATUS] <= VIRTIO_BLK_S_UNSUPP, "a status byte of no meaning");
	}
	fz_check(!fstat(b.fd, &st) && st.st_size == 512 * SECTORS,
		 "the disk changed size");
	virtio_destroy(&b.dev);
	pthread_mutex_destroy(&b.dev.lock);	/* made again next run */
	virtio_blk_close(&b);
	return 0;
}
