/* SPDX-License-Identifier: MIT */
/*
 * vdrv: a virtio-pci driver in user space, for the hostile guest
 * programs of the nested harness (vqfuzz.c, vqescape.c, rawshare.c). It
 * runs in an L2 guest as root and drives a function that no kernel
 * driver holds: the capabilities found by walking the function's config
 * space (sysfs), the common configuration and the notify area through
 * /dev/mem on the BAR, the rings and buffers in locked pages whose
 * guest-physical addresses come from /proc/self/pagemap.
 *
 * One queue at a time: a ring page holds the descriptor table, the avail
 * and used rings (QSIZE entries) and a spare area for indirect tables.
 */
#ifndef VDRV_H
#define VDRV_H

#include <stdint.h>

#define QSIZE		8
#define F_NEXT		1
#define F_WRITE		2
#define F_INDIRECT	4
#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40
#define INDIRECT_DESC	28	/* feature bits */
#define VERSION_1	32

/* Offsets in a ring page. */
#define DESC	0
#define AVAIL	512
#define USED	1024
#define TABLE	2048
#define BUF	3072

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* A locked page and its guest-physical address. */
struct vpage {
	uint8_t *p;
	uint64_t pa;
};

struct vdev {
	char addr[32];			/* PCI address, 0000:00:03.0 */
	volatile uint8_t *common, *notify;
	uint32_t notify_mult;
	uint64_t bar[6];		/* the BARs' guest-physical addresses */
	uint64_t offered;		/* the device's features */
	struct vpage ring;
	unsigned qn;			/* the queue set up */
	uint16_t next;			/* the next avail index */
	int refused;			/* the last setup failed */
};

/* Exit with a message naming what failed (errno's text). */
void vdrv_die(const char *what, const char *obj);

/* The PCI address of the first virtio function of device type id
 * (virtio 1.2 §4.1.2: 0x1040 + id), taken from any driver that holds
 * it; 0 when there is one. */
int vdrv_find(unsigned id, char addr[32]);

/* Map its capabilities and take a ring page. */
void vdrv_open(struct vdev *d, const char *addr);

/* A zeroed, locked page. */
struct vpage vdrv_page(void);

/* Reset, negotiate VERSION_1 (and indirect descriptors when asked and
 * offered), set up queue qn on the ring page; 0 when the device took it. */
int vdrv_setup(struct vdev *d, unsigned qn, int indirect);

/* The driver's status byte; a reset (0) with the device's answer. */
uint8_t vdrv_status(struct vdev *d);
void vdrv_reset(struct vdev *d);

/* Descriptor i of the ring, and one of an indirect table. */
void vdrv_set(struct vdev *d, unsigned off, uint64_t addr, uint32_t len,
	      uint16_t flags, uint16_t next);

/* Make head available at avail index idx, and notify. */
void vdrv_post(struct vdev *d, uint16_t head, uint16_t idx);
void vdrv_kick(struct vdev *d);

volatile uint16_t *vdrv_avail_idx(struct vdev *d);
volatile uint16_t *vdrv_used_idx(struct vdev *d);
volatile uint16_t *vdrv_avail_ring(struct vdev *d);
/* The length of used ring entry i. */
uint32_t vdrv_used_len(struct vdev *d, unsigned i);

/* Wait up to ms for the used index to reach want or the device to ask
 * for a reset: 'U' used, 'R' reset, 'T' neither. */
int vdrv_wait(struct vdev *d, uint16_t want, unsigned ms);

/* A chain of segments posted as one request at the next avail index. */
struct seg {
	uint64_t pa;
	uint32_t len;
	int write;		/* device-writable */
};

/* Post the chain (descriptors 0..n-1) and wait as vdrv_wait does; the
 * used length in *len. */
int vdrv_call(struct vdev *d, const struct seg *s, unsigned n, unsigned ms,
	      uint32_t *len);

#endif
