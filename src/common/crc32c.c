// SPDX-License-Identifier: MIT
/*
 * CRC32C: slice-by-8 everywhere, the SSE4.2 crc32 instruction where the
 * CPU has it. The combination of two CRCs multiplies by x^(8n) modulo the
 * polynomial, as zlib's crc32_combine() does since 1.2.12.
 */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define HAVE_SSE42_PATH 1
#endif

#define POLY 0x82f63b78u	/* reflected x^32 + x^28 + x^27 + ... + 1 */

static uint32_t table[8][256];
/* x^(2^k) mod P for every k a 64-bit byte count needs. zlib wraps k at
 * 32 because x^(2^32) = x for its polynomial; for Castagnoli's it is x^2. */
static uint32_t x2n[67];
static bool use_hw;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			table[k][i] = (table[k - 1][i] >> 8) ^
				      table[0][table[k - 1][i] & 0xff];
#ifdef HAVE_SSE42_PATH
	{
		unsigned a, b, c, d;

		use_hw = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
	}
#endif
}

static void setup(void)
{
	pthread_once(&once, build);
}

/* Little-endian loads, so that the tables give the same answer on a
 * big-endian guest (the compiler makes one load of it on x86 and arm64). */
static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	       (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static uint32_t sw(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n && ((uintptr_t)p & 7)) {
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w = le64(p) ^ crc;

		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		      table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		      table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		      table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
	}
	while (n--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#ifdef HAVE_SSE42_PATH
__attribute__((target("sse4.2")))
static uint32_t hw(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = ~crc;

	while (n && ((uintptr_t)p & 7)) {
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
		n--;
	}
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof(w));
		c = __builtin_ia32_crc32di(c, w);
	}
	while (n--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	setup();
#ifdef HAVE_SSE42_PATH
	if (use_hw)
		return hw(crc, data, len);
#endif
	return sw(crc, data, len);
}

uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len)
{
	setup();
	return sw(crc, data, len);
}

bool crc32c_hw(void)
{
	setup();
	return use_hw;
}

/* a * b modulo P, both reflected (bit 31 is x^0). */
static uint32_t multmodp(uint32_t a, uint32_t b)
{
	uint32_t m = 1u << 31, p = 0;

	for (;;) {
		if (a & m) {
			p ^= b;
			if (!(a & (m - 1)))
				break;
		}
		m >>= 1;
		b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
	}
	return p;
}

static pthread_once_t x2n_once = PTHREAD_ONCE_INIT;

static void build_x2n(void)
{
	uint32_t p = 1u << 30;	/* x^1 */

	x2n[0] = p;
	for (int k = 1; k < 67; k++)
		x2n[k] = p = multmodp(p, p);
}

uint32_t crc32c_shift_op(uint64_t len_b)
{
	uint32_t p = 1u << 31;	/* x^0 */
	unsigned k = 3;		/* bytes: x^(8 * len) */

	pthread_once(&x2n_once, build_x2n);
	for (; len_b; len_b >>= 1, k++)
		if (len_b & 1)
			p = multmodp(x2n[k], p);
	return p;
}

uint32_t crc32c_combine_op(uint32_t crc_a, uint32_t crc_b, uint32_t op)
{
	return multmodp(op, crc_a) ^ crc_b;
}

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
	return crc32c_combine_op(crc_a, crc_b, crc32c_shift_op(len_b));
}
