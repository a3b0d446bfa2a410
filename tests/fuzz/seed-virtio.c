// SPDX-License-Identifier: MIT
/* Seeds of the virtio targets (seed.h): queue, pci, blk. */
#include <endian.h>
#include <stdbool.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "seed.h"

/* --- queue (fuzz-queue.c) ------------------------------------------- */

enum { Q_POKE, Q_POP, Q_NOTIFY, Q_ARM, Q_ENABLE, Q_IDX, Q_DESC, Q_PUBLISH };

static void q_head(struct buf *b, uint8_t h)
{
	u8(b, h);
	u16(b, 0x1000);
	u16(b, 0x2000);
	u16(b, 0x3000);
}

static void q_desc(struct buf *b, uint8_t table, uint8_t i, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next)
{
	u8(b, Q_DESC);
	u8(b, table);
	u8(b, i);
	u64(b, addr);
	u32(b, len);
	u16(b, flags);
	u16(b, next);
}

static void q_pop(struct buf *b)
{
	u8(b, Q_POP);
	u16(b, 0);		/* read from */
	u16(b, 0);		/* write at */
	u8(b, 8);		/* bytes */
	u8(b, 1);		/* slice the writable part */
	u32(b, 64);
	u32(b, 8);		/* pushed length */
}

void seed_queue(void)
{
	struct buf b = { 0 };
	/* INDIRECT_DESC, EVENT_IDX, a queue of 8 */
	const uint8_t h = 0x33;

	q_head(&b, h);
	q_desc(&b, 0, 0, 0x8000, 16, VRING_DESC_F_NEXT, 1);
	q_desc(&b, 0, 1, 0x9000, 64, VRING_DESC_F_WRITE, 0);
	u8(&b, Q_PUBLISH);
	u16(&b, 0);
	q_pop(&b);
	u8(&b, Q_NOTIFY);
	u8(&b, Q_ARM);
	seed_save("queue", "chain", &b);

	buf_reset(&b);
	q_head(&b, h);
	q_desc(&b, 1, 0, 0x8000, 16, VRING_DESC_F_NEXT, 1);
	q_desc(&b, 1, 1, 0x9000, 64, VRING_DESC_F_WRITE, 0);
	q_desc(&b, 0, 2, 0x4100, 32, VRING_DESC_F_INDIRECT, 0);
	u8(&b, Q_PUBLISH);
	u16(&b, 2);
	q_pop(&b);
	seed_save("queue", "indirect", &b);

	buf_reset(&b);
	q_head(&b, h);
	q_desc(&b, 0, 0, 0x8000, 16, VRING_DESC_F_NEXT, 1);
	q_desc(&b, 0, 1, 0x8100, 16, VRING_DESC_F_NEXT, 0);
	u8(&b, Q_PUBLISH);
	u16(&b, 0);
	q_pop(&b);
	q_pop(&b);
	seed_save("queue", "loop", &b);

	buf_reset(&b);
	q_head(&b, h);
	q_desc(&b, 0, 0, 0xfff0, 0x100, 0, 0);
	u8(&b, Q_PUBLISH);
	u16(&b, 0);
	q_pop(&b);
	seed_save("queue", "outside", &b);

	/* Two ranges of RAM, the second at 4 GiB; the civac mode. */
	buf_reset(&b);
	q_head(&b, h | 4 | 8);
	q_desc(&b, 0, 0, 0x100000000ULL, 16, VRING_DESC_F_NEXT, 1);
	q_desc(&b, 0, 1, 0x7ff0, 32, VRING_DESC_F_WRITE, 0);
	u8(&b, Q_PUBLISH);
	u16(&b, 0);
	q_pop(&b);
	seed_save("queue", "high-civac", &b);

	/* The indices wrap; notifications with EVENT_IDX and without. */
	buf_reset(&b);
	q_head(&b, h);
	u8(&b, Q_IDX);
	u16(&b, 0xffff);
	u8(&b, Q_POKE);
	u16(&b, 0x2000 + 4 + 2 * 8);	/* used_event */
	u8(&b, 2);
	u16(&b, 0xfffe);
	q_desc(&b, 0, 0, 0x8000, 8, VRING_DESC_F_WRITE, 0);
	u8(&b, Q_PUBLISH);
	u16(&b, 0);
	q_pop(&b);
	u8(&b, Q_NOTIFY);
	u8(&b, Q_ENABLE);
	u16(&b, 0x1000);
	u16(&b, 0x2000);
	u16(&b, 0x3000);
	u8(&b, 16);
	u8(&b, Q_ARM);
	seed_save("queue", "event-idx", &b);
	buf_free(&b);
}

/* --- PCI (fuzz-pci.c) ------------------------------------------------ */

static void cfg(struct buf *b, bool write, unsigned len, uint8_t off,
		uint32_t v)
{
	u8(b, (uint8_t)(0 | (write ? 8 : 0) | (len == 1 ? 0 : len == 2 ? 1 : 2) << 5));
	u8(b, off);
	for (unsigned i = 0; write && i < len; i++)
		u8(b, (uint8_t)(v >> (8 * i)));
}

static void mem(struct buf *b, bool write, unsigned len, uint32_t off,
		uint64_t v)
{
	u8(b, (uint8_t)(1 | (write ? 8 : 0) |
			(len == 1 ? 0 : len == 2 ? 1 : len == 4 ? 2 : 3) << 4));
	u32(b, off);
	for (unsigned i = 0; write && i < len; i++)
		u8(b, (uint8_t)(v >> (8 * i)));
}

static void poke(struct buf *b, uint16_t gpa, const void *p, uint8_t len)
{
	u8(b, 3);
	u16(b, gpa);
	u8(b, len);
	buf_add(b, p, len);
}

/* The common configuration, BAR 4 at the window's start (virtio/pci.c). */
enum { CC_DFSELECT = 0, CC_DF = 4, CC_GFSELECT = 8, CC_GF = 12, CC_STATUS = 20,
       CC_Q_SELECT = 22, CC_Q_SIZE = 24, CC_Q_VECTOR = 26, CC_Q_ENABLE = 28, CC_Q_DESC = 32,
       CC_Q_AVAIL = 40, CC_Q_USED = 48, CC_NOTIFY = 0x3000, CC_MSIX = 0x4000 };

void seed_pci(void)
{
	struct vring_desc d[2] = {
		{ htole64(0x8000), htole32(16), htole16(VRING_DESC_F_NEXT), htole16(1) },
		{ htole64(0x9000), htole32(16), htole16(VRING_DESC_F_WRITE), 0 },
	};
	uint16_t avail[3] = { 0, htole16(1), 0 };
	struct buf b = { 0 };

	/* As Linux's virtio_pci_modern probes and starts a device. */
	cfg(&b, false, 4, PCI_VENDOR_ID, 0);
	cfg(&b, false, 4, PCI_BASE_ADDRESS_4, 0);
	cfg(&b, true, 4, PCI_BASE_ADDRESS_4, 0xffffffff);
	cfg(&b, false, 4, PCI_BASE_ADDRESS_4, 0);
	cfg(&b, true, 4, PCI_BASE_ADDRESS_4, 0xc0000000);
	cfg(&b, true, 2, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cfg(&b, false, 1, PCI_CAPABILITY_LIST, 0);
	mem(&b, true, 1, CC_STATUS, 0);
	mem(&b, true, 1, CC_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	mem(&b, true, 4, CC_DFSELECT, 1);
	mem(&b, false, 4, CC_DF, 0);
	mem(&b, true, 4, CC_GFSELECT, 1);
	mem(&b, true, 4, CC_GF, 1);
	mem(&b, true, 1, CC_STATUS, 0xb);
	mem(&b, false, 1, CC_STATUS, 0);
	mem(&b, true, 2, CC_Q_SELECT, 0);
	mem(&b, true, 2, CC_Q_SIZE, 8);
	mem(&b, true, 2, CC_Q_VECTOR, 1);
	mem(&b, true, 4, CC_Q_DESC, 0x1000);
	mem(&b, true, 4, CC_Q_DESC + 4, 0);
	mem(&b, true, 4, CC_Q_AVAIL, 0x2000);
	mem(&b, true, 4, CC_Q_USED, 0x3000);
	mem(&b, true, 2, CC_Q_ENABLE, 1);
	mem(&b, true, 4, CC_MSIX, 0xfee00000);
	mem(&b, true, 4, CC_MSIX + 8, 0x41);
	mem(&b, true, 4, CC_MSIX + 12, 0);
	mem(&b, true, 1, CC_STATUS, 0xf);
	poke(&b, 0x1000, d, sizeof(d));
	poke(&b, 0x2000, avail, sizeof(avail));
	mem(&b, true, 2, CC_NOTIFY, 0);
	u8(&b, 4);		/* the worker */
	mem(&b, false, 4, 0x2000, 0);	/* device configuration */
	mem(&b, false, 1, 0x1000, 0);	/* ISR */
	u8(&b, 5);		/* MSI-X vector 0 */
	u8(&b, 0);
	u8(&b, 6 | 8);		/* INTx */
	u8(&b, 7);		/* reset */
	seed_save("pci", "linux", &b);

	/* Type-1 configuration access (x86), the bridge, the 64-bit BAR. */
	buf_reset(&b);
	u8(&b, 2 | 8 | 2 << 4);
	u8(&b, 0);
	u32(&b, 0x80000000u | 1 << 11);
	u8(&b, 2 | 2 << 4);
	u8(&b, 4);
	u8(&b, 0 | 0x10 | 2 << 5);
	u8(&b, PCI_CLASS_REVISION);
	cfg(&b, true, 4, PCI_BASE_ADDRESS_2, 0xffffffff);
	cfg(&b, true, 4, PCI_BASE_ADDRESS_3, 0xffffffff);
	cfg(&b, false, 4, PCI_BASE_ADDRESS_2, 0);
	cfg(&b, true, 4, PCI_BASE_ADDRESS_3, 0x10);
	cfg(&b, true, 2, PCI_COMMAND, PCI_COMMAND_MEMORY);
	seed_save("pci", "conf1", &b);
	buf_free(&b);
}

/* --- virtio-blk (fuzz-blk.c) ----------------------------------------- */

static void blk_req(struct buf *b, uint8_t shape, uint32_t type,
		    uint64_t sector, unsigned n, const uint16_t *lens,
		    const uint8_t *flags, const void *data, size_t len)
{
	u8(b, shape | (uint8_t)n);
	u32(b, type);
	u32(b, 0);
	u64(b, sector);
	u8(b, 0);		/* header length 16 */
	for (unsigned i = 0; i < n; i++) {
		u16(b, lens[i]);
		u8(b, flags[i]);
		if (flags[i] & 2)
			buf_add(b, data, len);
	}
}

void seed_blk(void)
{
	struct virtio_blk_discard_write_zeroes r = {
		htole64(2), htole32(4), htole32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP),
	};
	static const uint16_t l512[] = { 512 }, l2[] = { 512, 512 };
	static const uint16_t lid[] = { 20 }, lr[] = { sizeof(r) };
	static const uint8_t w[] = { 1 }, rd[] = { 0 }, ww[] = { 1, 1 };
	static const uint8_t input[] = { 2 };
	struct buf b = { 0 };

	u8(&b, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_IN, 0, 1, l512, w, NULL, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_OUT, 1, 1, l512, rd, NULL, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_IN, 62, 2, l2, ww, NULL, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_FLUSH, 0, 0, NULL, NULL, NULL, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_GET_ID, 0, 1, lid, w, NULL, 0);
	seed_save("blk", "read-write", &b);

	buf_reset(&b);
	u8(&b, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, 1, lr, input, &r, sizeof(r));
	r.flags = 0;
	blk_req(&b, 0, VIRTIO_BLK_T_DISCARD, 0, 1, lr, input, &r, sizeof(r));
	blk_req(&b, 0, 42, 0, 0, NULL, NULL, NULL, 0);
	seed_save("blk", "ranges", &b);

	/* Read-only; past the end; the header in two pieces; an indirect
	 * chain; no status byte. */
	buf_reset(&b);
	u8(&b, 1);
	blk_req(&b, 0, VIRTIO_BLK_T_OUT, 0, 1, l512, rd, NULL, 0);
	blk_req(&b, 0, VIRTIO_BLK_T_IN, 64, 1, l512, w, NULL, 0);
	blk_req(&b, 8, VIRTIO_BLK_T_IN, 0, 1, l512, w, NULL, 0);
	blk_req(&b, 0x40, VIRTIO_BLK_T_IN, 3, 1, l512, w, NULL, 0);
	blk_req(&b, 0x10, VIRTIO_BLK_T_IN, 0, 1, l512, w, NULL, 0);
	seed_save("blk", "edges", &b);
	buf_free(&b);
}

