// SPDX-License-Identifier: MIT
/* The transport-independent part of a virtio device. See virtio.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <linux/virtio_config.h>

#include "virtio.h"
#include "sync.h"
#include "../../common/log.h"
#include "../../common/util.h"

static const struct sync *dsync(const struct virtio_dev *d)
{
	return d->mem ? d->mem->sync : NULL;
}

int virtio_init(struct virtio_dev *d, const struct virtio_ops *ops,
		void *priv, const struct gmem *mem)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->device_features = ops->features;
	d->priv = priv;
	d->mem = mem;
	pthread_mutex_init(&d->lock, NULL);
	d->stop_fd = d->input_fd = -1;
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		d->kick[q] = -1;
		d->qr[q].size = VQ_SIZE_MAX;
		d->qr[q].vector = 0xffff;	/* VIRTIO_MSI_NO_VECTOR */
		d->vq[q].mem = mem;
	}
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->stop_fd < 0)
		return error_errno(errno, "%s: eventfd", ops->name);
	for (unsigned q = 0; q < ops->nqueues; q++) {
		d->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->kick[q] < 0)
			return error_errno(errno, "%s: eventfd", ops->name);
	}
	return 0;
}

bool virtio_ready(const struct virtio_dev *d)
{
	return (__atomic_load_n(&d->status, __ATOMIC_ACQUIRE) &
		(VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET)) ==
	       VIRTIO_CONFIG_S_DRIVER_OK;
}

static void *worker(void *arg)
{
	struct virtio_dev *d = arg;
	struct pollfd p[VIRTIO_QUEUES_MAX + 2];
	unsigned n = d->ops->nqueues;

	if (d->on_thread && d->on_thread(d, d->on_thread_ctx))
		return NULL;
	for (unsigned q = 0; q < n; q++)
		p[q] = (struct pollfd){ .fd = d->kick[q], .events = POLLIN };
	p[n] = (struct pollfd){ .fd = d->stop_fd, .events = POLLIN };
	for (;;) {
		uint64_t v;

		/* A negative fd is skipped by poll: input only when the device
		 * has somewhere to put it. */
		p[n + 1] = (struct pollfd){ .fd = d->input_wanted ? d->input_fd : -1,
					    .events = POLLIN };
		if (poll(p, n + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			warn("%s: poll: %s", d->ops->name, strerror(errno));
			return NULL;
		}
		if (p[n].revents)
			return NULL;
		for (unsigned q = 0; q < n; q++) {
			if (!p[q].revents || read(d->kick[q], &v, sizeof(v)) < 0)
				continue;
			pthread_mutex_lock(&d->lock);
			sync_kick(dsync(d));
			if (virtio_ready(d) && d->qr[q].enabled && !d->vq[q].broken)
				d->ops->notify(d, q);
			pthread_mutex_unlock(&d->lock);
		}
		if (p[n + 1].revents && d->ops->input) {
			pthread_mutex_lock(&d->lock);
			if (virtio_ready(d))
				d->ops->input(d);
			else
				d->input_wanted = false;	/* until a kick */
			pthread_mutex_unlock(&d->lock);
		}
	}
}

int virtio_start(struct virtio_dev *d)
{
	sigset_t all, old;
	int r;

	/* Signals are for the main thread and the vCPUs' kicks. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = thread_start(&d->worker, worker, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (r)
		return error_errno(r, "%s: thread", d->ops->name);
	d->running = true;
	return 0;
}

int virtio_stop(struct virtio_dev *d, const struct timespec *by)
{
	uint64_t one = 1;
	int r;

	if (d->wedged)
		return -ETIMEDOUT;
	if (!d->running)
		return 0;
	if (write(d->stop_fd, &one, sizeof(one)) < 0)
		warn("%s: stop: %s", d->ops->name, strerror(errno));
	r = thread_join_by(d->worker, by);
	if (r == ETIMEDOUT) {
		d->wedged = true;
		return -ETIMEDOUT;
	}
	d->running = false;
	return 0;
}

void virtio_destroy(struct virtio_dev *d)
{
	if (virtio_stop(d, NULL))
		return;
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++)
		if (d->kick[q] >= 0)
			close(d->kick[q]);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
	d->stop_fd = -1;
	memset(d->kick, -1, sizeof(d->kick));
}

void virtio_kick(struct virtio_dev *d, unsigned q)
{
	uint64_t one = 1;

	if (q < d->ops->nqueues && write(d->kick[q], &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		warn("%s: kick: %s", d->ops->name, strerror(errno));
}

uint64_t virtio_offered(const struct virtio_dev *d)
{
	const struct sync *s = dsync(d);

	/* No VIRTIO_F_ACCESS_PLATFORM: buffers are guest-physical. With
	 * ORDER_PLATFORM (§6.1) Linux's virtio_ring drops its weak
	 * barriers (DMB) for the platform's (DSB on arm64). */
	return d->device_features | vq_features() | 1ULL << VIRTIO_F_VERSION_1 |
	       (s && s->order_platform ? 1ULL << VIRTIO_F_ORDER_PLATFORM : 0);
}

uint32_t virtio_features_read(struct virtio_dev *d)
{
	uint64_t f = virtio_offered(d);

	return d->dfselect == 0 ? (uint32_t)f :
	       d->dfselect == 1 ? (uint32_t)(f >> 32) : 0;
}

void virtio_features_write(struct virtio_dev *d, uint32_t v)
{
	/* §3.1.1: only before FEATURES_OK. */
	if (d->status & VIRTIO_CONFIG_S_FEATURES_OK)
		return;
	if (d->gfselect == 0)
		d->driver_features = (d->driver_features & ~0xffffffffULL) | v;
	else if (d->gfselect == 1)
		d->driver_features = (d->driver_features & 0xffffffffULL) |
				     (uint64_t)v << 32;
}

static void reset(struct virtio_dev *d)
{
	if (d->ops->stop)
		d->ops->stop(d);
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		vq_disable(&d->vq[q]);
		d->qr[q] = (struct virtio_queue_regs){ .size = VQ_SIZE_MAX,
						       .vector = 0xffff };
	}
	d->driver_features = 0;
	d->dfselect = d->gfselect = 0;
	d->qsel = 0;
	d->warned = false;
	__atomic_store_n(&d->status, 0, __ATOMIC_RELEASE);
}

void virtio_status_write(struct virtio_dev *d, uint8_t v)
{
	uint8_t old;

	pthread_mutex_lock(&d->lock);
	old = __atomic_load_n(&d->status, __ATOMIC_ACQUIRE);
	if (!v) {
		reset(d);
		goto out;
	}
	/* §2.2.2: FEATURES_OK only for a subset of what was offered, with
	 * VERSION_1 (no legacy interface here). The driver reads the status
	 * back to learn that it was refused. */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((d->driver_features & ~virtio_offered(d)) ||
	     !(d->driver_features & (1ULL << VIRTIO_F_VERSION_1))))
		v &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	/* NEEDS_RESET is the device's; the driver cannot set or clear it. */
	v = (uint8_t)((v & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
		      (old & VIRTIO_CONFIG_S_NEEDS_RESET));
	__atomic_store_n(&d->status, v, __ATOMIC_RELEASE);
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK)) {
		if (d->ops->start)
			d->ops->start(d);
		/* Buffers made available before DRIVER_OK. */
		for (unsigned q = 0; q < d->ops->nqueues; q++)
			virtio_kick(d, q);
	}
out:
	pthread_mutex_unlock(&d->lock);
}

static uint64_t *qreg_addr(struct virtio_queue_regs *q, enum virtio_qreg r)
{
	return r <= VQR_DESC_HI ? &q->desc : r <= VQR_AVAIL_HI ? &q->avail
							    : &q->used;
}

uint32_t virtio_qreg_read(const struct virtio_dev *d, enum virtio_qreg r)
{
	struct virtio_queue_regs q;

	if (d->qsel >= d->ops->nqueues)
		return 0;
	q = d->qr[d->qsel];
	if (r == VQR_SIZE)
		return q.size;
	/* The HI registers are the odd ones. */
	return (uint32_t)(*qreg_addr(&q, r) >> ((r - VQR_DESC_LO) % 2 ? 32 : 0));
}

void virtio_qreg_write(struct virtio_dev *d, enum virtio_qreg r, uint32_t v)
{
	struct virtio_queue_regs *q;
	uint64_t *a;

	if (d->qsel >= d->ops->nqueues)
		return;
	q = &d->qr[d->qsel];
	if (q->enabled)
		return;		/* §4.1.4.3.2, §4.2.2.2: fixed once enabled */
	if (r == VQR_SIZE) {
		q->size = (uint16_t)v;	/* checked when enabled */
		return;
	}
	a = qreg_addr(q, r);
	*a = (r - VQR_DESC_LO) % 2 ? (*a & 0xffffffffULL) | (uint64_t)v << 32
				   : (*a & ~0xffffffffULL) | v;
}

void virtio_queue_enable(struct virtio_dev *d, unsigned q, bool on)
{
	struct virtio_queue_regs *r = &d->qr[q];
	int err;

	if (q >= d->ops->nqueues)
		return;
	pthread_mutex_lock(&d->lock);
	if (!on || r->enabled) {
		/* §4.1.4.3: the driver cannot disable a queue but by reset. */
		pthread_mutex_unlock(&d->lock);
		return;
	}
	err = vq_enable(&d->vq[q], d->mem, r->size, r->desc, r->avail, r->used,
			d->driver_features);
	r->enabled = true;
	pthread_mutex_unlock(&d->lock);
	if (err)
		virtio_broken(d, q, d->vq[q].why);
}

void virtio_used(struct virtio_dev *d, unsigned q)
{
	if (vq_should_notify(&d->vq[q]) && d->interrupt) {
		sync_signal(dsync(d));
		d->interrupt(d, (int)q);
	}
}

void virtio_broken(struct virtio_dev *d, unsigned q, const char *why)
{
	uint8_t s = __atomic_fetch_or(&d->status, VIRTIO_CONFIG_S_NEEDS_RESET,
				      __ATOMIC_ACQ_REL);

	/* One warning per broken episode, and a guest that breaks and
	 * resets in a loop cannot flood the host's stderr. */
	if (!d->warned) {
		d->warned = true;
		if (d->warnings < VIRTIO_WARNINGS_MAX)
			warn("%s: queue %u: %s; the device needs a reset",
			     d->ops->name, q, why ? why : "malformed request");
		else if (d->warnings == VIRTIO_WARNINGS_MAX)
			warn("%s: more broken rings; not reported", d->ops->name);
		d->warnings++;
	}
	/* §2.1.2: tell the driver through a configuration change. */
	if (!(s & VIRTIO_CONFIG_S_NEEDS_RESET) && (s & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    d->interrupt)
		d->interrupt(d, -1);
}

void virtio_serve(struct virtio_dev *d, unsigned qn, virtio_serve_fn fn,
		  bool each)
{
	struct vq *q = &d->vq[qn];
	struct vq_chain ch;
	int r;

	do {
		while ((r = vq_pop(q, &ch)) > 0) {
			const char *why = NULL;
			int64_t n = fn(d, &ch, &why);

			if (n == VIRTIO_SERVE_STOP)
				return;
			if (n == VIRTIO_SERVE_BROKEN) {
				virtio_used(d, qn);
				virtio_broken(d, qn, why);
				return;
			}
			vq_push(q, &ch, (uint32_t)n);
			if (each)
				virtio_used(d, qn);
		}
		/* One interrupt for the pass: writeback and readahead queue
		 * several requests at once. */
		if (!each)
			virtio_used(d, qn);
		if (r < 0) {
			virtio_broken(d, qn, q->why);
			return;
		}
	} while (vq_arm(q));
}
