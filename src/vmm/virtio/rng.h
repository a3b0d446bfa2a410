/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VIRTIO_RNG_H
#define TINYRD_VIRTIO_RNG_H

#include "virtio.h"

/* virtio-rng: entropy for the guest (/dev/hwrng) from getrandom(). */
int virtio_rng_init(struct virtio_dev *d, const struct gmem *mem);

#endif
