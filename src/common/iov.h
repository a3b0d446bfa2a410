/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_IOV_H
#define TINYRD_IOV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Scatter-gather lists: the virtqueue's chains and the protocol servers'
 * requests and replies are both iovec arrays. Offsets count from the
 * start of the whole list.
 */

/* Copy len bytes from the list, skip bytes in, to flat memory (or from
 * flat memory into it); returns the bytes copied (fewer at its end). */
uint64_t iov_to_buf(const struct iovec *iov, unsigned n, uint64_t skip,
		    void *dst, uint64_t len);
uint64_t iov_from_buf(const struct iovec *iov, unsigned n, uint64_t skip,
		      const void *src, uint64_t len);
/* The part [skip, skip + len) as at most max iovecs in out; returns how
 * many, with *got the bytes they cover (less than len at the list's end). */
unsigned iov_slice(const struct iovec *iov, unsigned n, uint64_t skip,
		   uint64_t len, struct iovec *out, unsigned max, uint64_t *got);
uint64_t iov_length(const struct iovec *iov, unsigned n);
/* preadv (or pwritev) at off until the list is done, the file ends or
 * an error: returns the bytes moved, or -errno when an error came first.
 * The list is used up in the process. */
int64_t iov_pio(int fd, struct iovec *iov, unsigned n, int64_t off,
		bool write);

#endif
