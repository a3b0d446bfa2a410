/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_SYNC_H
#define TINYRD_VIRTIO_SYNC_H

/*
 * The one place where the device side of a virtqueue orders its accesses
 * to guest memory (virtio 1.2 §2.7.7, §2.7.13, §2.7.14). queue.c calls
 * these and nothing else:
 *
 *   sync_for_cpu()     after reading an index the driver published and
 *                      before reading what it covers (acquire);
 *   sync_for_device()  after writing ring entries and before publishing
 *                      the index that covers them (release);
 *   sync_full()        between a store the driver must see and a load
 *                      that depends on the driver having seen it (the
 *                      store-load case of EVENT_IDX and notification
 *                      suppression, which acquire/release cannot order).
 *
 * On x86-64 the first two are compiler barriers with the hardware's TSO
 * behind them and the third is MFENCE. An arm64 port puts DMB ISH here,
 * and on hosts whose guest writes are not coherent with the VMM (ARM NV2)
 * DSB + DC CIVAC over the ring, behind the same three names.
 */
static inline void sync_for_cpu(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void sync_for_device(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void sync_full(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif
