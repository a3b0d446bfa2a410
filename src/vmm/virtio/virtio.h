/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_H
#define TINYRD_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "queue.h"

/*
 * A virtio device as the transports (pci.c, mmio.c) see it, and the core
 * they share: feature negotiation, device status, queue setup, and one
 * worker thread per device that waits on the queues' notification
 * eventfds (written by KVM through ioeventfd, or by the transport's MMIO
 * handler where ioeventfd is missing) and calls the device. Devices know
 * nothing of PCI or KVM: they get checked queues and call virtio_used().
 */

#define VIRTIO_QUEUES_MAX 4
#define VIRTIO_WARNINGS_MAX 4	/* broken-ring warnings per device */

struct virtio_dev;

struct virtio_ops {
	const char *name;
	uint32_t id;			/* VIRTIO_ID_* */
	unsigned nqueues;
	uint32_t config_size;
	uint64_t features;		/* device-specific feature bits (the
					 * device may change its copy in
					 * virtio_dev after virtio_init) */
	/* Device configuration space (off < config_size, len <= 8). */
	void (*config)(struct virtio_dev *d, uint32_t off, uint8_t *data,
		       unsigned len, bool write);
	/* The driver made buffers available on queue q (worker thread). */
	void (*notify)(struct virtio_dev *d, unsigned q);
	/* input_fd is readable (or at its end): worker thread. Optional. */
	void (*input)(struct virtio_dev *d);
	/* DRIVER_OK was set (start), or the device was reset (stop: no
	 * queue may be touched after it returns). Optional. */
	void (*start)(struct virtio_dev *d);
	void (*stop)(struct virtio_dev *d);
};

/* Per-queue registers the driver programs before enabling it. */
struct virtio_queue_regs {
	uint16_t size;
	uint16_t vector;		/* MSI-X vector (PCI) */
	uint64_t desc, avail, used;
	bool enabled;
};

struct virtio_dev {
	const struct virtio_ops *ops;
	void *priv;			/* the device's */
	const struct gmem *mem;
	uint64_t device_features;	/* ops->features, or the device's */
	pthread_mutex_t lock;		/* status, features, queues */
	uint64_t driver_features;
	uint32_t dfselect, gfselect;
	uint8_t status;
	uint8_t generation;
	uint16_t qsel;
	struct virtio_queue_regs qr[VIRTIO_QUEUES_MAX];
	struct vq vq[VIRTIO_QUEUES_MAX];
	int kick[VIRTIO_QUEUES_MAX];	/* eventfds, one per queue */
	int stop_fd;			/* eventfd that ends the worker */
	int input_fd;			/* polled for ops->input, -1: none */
	bool input_wanted;		/* worker thread only: poll input_fd */
	pthread_t worker;
	bool running;
	bool wedged;			/* virtio_stop gave up on the worker */
	bool warned;			/* one warning per reset */
	unsigned warnings;		/* ... and a few per device */
	/* A shared-memory region (virtio 1.2 §2.10), e.g. virtio-fs's DAX
	 * window: shm_size bytes at shm in the launcher, 0: none. */
	uint8_t *shm;
	uint64_t shm_size;
	uint8_t shm_id;
	/* The transport's: interrupt for queue q (q < 0: configuration). */
	void (*interrupt)(struct virtio_dev *d, int q);
	void *transport;
	/* Called first on the worker thread, or NULL: the launcher confines
	 * it there (confine.h). Nonzero: the worker ends before it serves. */
	int (*on_thread)(struct virtio_dev *d, void *ctx);
	void *on_thread_ctx;
};

/* Set up with the device's ops; queues are disabled. Returns 0 or -errno
 * (eventfds). */
int virtio_init(struct virtio_dev *d, const struct virtio_ops *ops,
		void *priv, const struct gmem *mem);
/* Start the worker thread / stop and join it. */
int virtio_start(struct virtio_dev *d);
void virtio_destroy(struct virtio_dev *d);
/* Ask the worker to end and join it if it does by the CLOCK_MONOTONIC
 * time by: 0, or -ETIMEDOUT when it is still inside a request (a host
 * system call that does not return). Then the device is wedged: its
 * worker may still use it, so the caller leaves it, and its memory, as
 * they are (virtio_destroy does nothing to a wedged device). */
int virtio_stop(struct virtio_dev *d, const struct timespec *by);

/* What the transports share. Feature words are 32 bits, chosen by the
 * select registers. */
uint64_t virtio_offered(const struct virtio_dev *d);
uint32_t virtio_features_read(struct virtio_dev *d);
void virtio_features_write(struct virtio_dev *d, uint32_t v);
void virtio_status_write(struct virtio_dev *d, uint8_t v);
/* The selected queue's size and ring addresses (in 32-bit halves), as
 * both transports expose them: fixed once the queue is enabled. */
enum virtio_qreg {
	VQR_SIZE, VQR_DESC_LO, VQR_DESC_HI, VQR_AVAIL_LO, VQR_AVAIL_HI,
	VQR_USED_LO, VQR_USED_HI,
};
uint32_t virtio_qreg_read(const struct virtio_dev *d, enum virtio_qreg r);
void virtio_qreg_write(struct virtio_dev *d, enum virtio_qreg r, uint32_t v);

/* The driver sets (or clears) the selected queue's enable. */
void virtio_queue_enable(struct virtio_dev *d, unsigned q, bool on);

/* For devices: return buffers and interrupt if the driver wants it. */
void virtio_used(struct virtio_dev *d, unsigned q);
/*
 * The service loop every device runs on a notified queue: each chain the
 * driver made available to fn, which returns the bytes it wrote into the
 * chain (0: none; the chain goes back), or VIRTIO_SERVE_STOP (the device
 * is stopping: leave the chain, stop), or VIRTIO_SERVE_BROKEN (the chain
 * breaks the device's rules, fn says how in *why: the queue is broken).
 * The used chains raise one interrupt per pass, or one each (each); the
 * queue is armed again until nothing new came; a malformed ring breaks it.
 */
#define VIRTIO_SERVE_STOP	(-1)
#define VIRTIO_SERVE_BROKEN	(-2)
typedef int64_t (*virtio_serve_fn)(struct virtio_dev *d,
				   const struct vq_chain *c, const char **why);
void virtio_serve(struct virtio_dev *d, unsigned q, virtio_serve_fn fn,
		  bool each);
/* A malformed ring or request: DEVICE_NEEDS_RESET, one warning. */
void virtio_broken(struct virtio_dev *d, unsigned q, const char *why);
/* Kick queue q from the host side (e.g. a device's own input arrived). */
void virtio_kick(struct virtio_dev *d, unsigned q);
bool virtio_ready(const struct virtio_dev *d);

#endif
