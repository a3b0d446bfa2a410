// SPDX-License-Identifier: MIT
/* Scatter-gather copies and slices. See iov.h. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "iov.h"

static uint64_t copy(const struct iovec *iov, unsigned n, uint64_t skip,
		     uint8_t *flat, uint64_t len, bool to_list)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		uint64_t take;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - skip;
		if (take > len - done)
			take = len - done;
		if (to_list)
			memcpy((uint8_t *)iov[i].iov_base + skip, flat + done, take);
		else
			memcpy(flat + done, (uint8_t *)iov[i].iov_base + skip, take);
		done += take;
		skip = 0;
	}
	return done;
}

uint64_t iov_to_buf(const struct iovec *iov, unsigned n, uint64_t skip,
		    void *dst, uint64_t len)
{
	return copy(iov, n, skip, dst, len, false);
}

uint64_t iov_from_buf(const struct iovec *iov, unsigned n, uint64_t skip,
		      const void *src, uint64_t len)
{
	return copy(iov, n, skip, (uint8_t *)src, len, true);
}

unsigned iov_slice(const struct iovec *iov, unsigned n, uint64_t skip,
		   uint64_t len, struct iovec *out, unsigned max, uint64_t *got)
{
	unsigned k = 0;

	*got = 0;
	for (unsigned i = 0; i < n && k < max && *got < len; i++) {
		uint64_t take;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - skip;
		if (take > len - *got)
			take = len - *got;
		out[k++] = (struct iovec){ (uint8_t *)iov[i].iov_base + skip, take };
		*got += take;
		skip = 0;
	}
	return k;
}

uint64_t iov_length(const struct iovec *iov, unsigned n)
{
	uint64_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

int64_t iov_pio(int fd, struct iovec *iov, unsigned n, int64_t off,
		bool write)
{
	int64_t done = 0;

	while (n) {
		ssize_t k = write ? pwritev(fd, iov, (int)n, off + done)
				  : preadv(fd, iov, (int)n, off + done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return done ? done : -errno;
		if (!k)
			break;
		done += k;
		while (n && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return done;
}
