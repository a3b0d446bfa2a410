/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_SHA256_H
#define TINYRD_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), for cache keys. */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char block[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_hex(struct sha256 *s, char out[65]);

#endif
