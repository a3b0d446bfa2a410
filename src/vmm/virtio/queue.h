/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_QUEUE_H
#define TINYRD_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../mem.h"

/*
 * The device side of a split virtqueue (virtio 1.2 §2.7), written for a
 * hostile driver. The rings are located once, when the driver enables the
 * queue, and must lie wholly in guest RAM. Every descriptor is copied out
 * of guest memory once and the copy is checked and used: its buffer must
 * lie in RAM, a chain (with its indirect table) may not be longer than the
 * queue, an indirect table must be a non-empty multiple of 16 bytes and
 * may not nest, and device-writable buffers may not precede readable ones.
 * The first violation marks the queue broken (vq->why says how); from
 * then on it yields nothing until it is enabled again. Memory ordering,
 * and coherence where the host needs it, go through sync.h only, in the
 * mode of the guest memory's struct sync (mem->sync): the rings around
 * each access, the readable buffers when a chain is taken, the writable
 * ones when it is returned.
 */

#define VQ_SIZE_MAX 256		/* the largest queue a device offers */

struct vq {
	const struct gmem *mem;
	uint16_t size;			/* power of two, 0 while disabled */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;
	const char *why;		/* what broke it */
	uint8_t *desc;			/* the three areas, checked */
	uint8_t *avail;
	uint8_t *used;
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled;		/* used idx at the last notify decision */
};

/* One descriptor chain: iov[0..nout) readable by the device, then
 * iov[nout..nout+nin) writable. Pointers are into guest RAM. */
struct vq_chain {
	uint16_t head;
	unsigned nout, nin;
	uint64_t out_len, in_len;
	struct iovec iov[VQ_SIZE_MAX];
};

/* Features a queue can do (VIRTIO_RING_F_*), for the device's offer. */
uint64_t vq_features(void);

/* Enable with the driver's addresses; features are those negotiated.
 * Returns 0, or -EINVAL (why set) when the rings are not in RAM or
 * misaligned, or the size is not a power of two up to VQ_SIZE_MAX. */
int vq_enable(struct vq *q, const struct gmem *mem, uint16_t size,
	      uint64_t desc, uint64_t avail, uint64_t used, uint64_t features);
void vq_disable(struct vq *q);

/* Take the next available chain: 1 with c filled, 0 when there is none,
 * -EIO when the ring is malformed (the queue is then broken). */
int vq_pop(struct vq *q, struct vq_chain *c);
/* Return a chain to the driver with len bytes written into it. */
void vq_push(struct vq *q, const struct vq_chain *c, uint32_t len);
/* After a batch of pushes: does the driver want an interrupt? */
bool vq_should_notify(struct vq *q);
/* Ask the driver to notify on its next buffer; returns true when one
 * arrived meanwhile (take it before sleeping). */
bool vq_arm(struct vq *q);

/* Copy between a chain's buffers and flat memory. They return the bytes
 * copied: to/from the readable part (out) or the writable part (in),
 * starting skip bytes in. */
uint64_t vq_read(const struct vq_chain *c, uint64_t skip, void *dst,
		 uint64_t len);
uint64_t vq_write(const struct vq_chain *c, uint64_t skip, const void *src,
		  uint64_t len);

/* The part [skip, skip + len) of a chain's readable (in false) or
 * writable (in true) buffers as iovecs in out (at most max); returns how
 * many, with *got the bytes they cover (less than len when the chain is
 * shorter). */
unsigned vq_slice(const struct vq_chain *c, bool in, uint64_t skip,
		  uint64_t len, struct iovec *out, unsigned max, uint64_t *got);

#endif
