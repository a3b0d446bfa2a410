// SPDX-License-Identifier: MIT
/* CRC32C against published vectors (RFC 3720 B.4, the "123456789" check
 * value), the instruction against the tables at every alignment and
 * length, and combination against the CRC of the concatenation. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "../../src/common/crc32c.h"

static void test_vectors(void **state)
{
	uint8_t b[32];

	(void)state;
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c_sw(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(0, "", 0), 0);
	memset(b, 0, sizeof(b));
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x8a9136aa);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x46dd794e);
	assert_int_equal(crc32c_sw(0, b, sizeof(b)), 0x46dd794e);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(0, b, sizeof(b)), 0x113fdb5c);
	assert_int_equal(crc32c(0, "a", 1), 0xc1d04330);
}

/* Both paths, every start alignment, lengths across the 8-byte steps,
 * and chaining a split buffer. */
static void test_paths_agree(void **state)
{
	uint8_t *b = malloc(4096 + 16);

	(void)state;
	srand(7);
	for (int i = 0; i < 4096 + 16; i++)
		b[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len < 80; len++) {
			uint32_t whole = crc32c_sw(0, b + off, len);

			assert_int_equal(crc32c(0, b + off, len), whole);
			for (size_t cut = 0; cut <= len; cut += 7)
				assert_int_equal(crc32c(crc32c(0, b + off, cut),
							b + off + cut, len - cut),
						 whole);
		}
	assert_int_equal(crc32c(0, b + 3, 4096), crc32c_sw(0, b + 3, 4096));
	print_message("crc32c: %s\n", crc32c_hw() ? "sse4.2" : "tables");
	free(b);
}

static void test_combine(void **state)
{
	size_t n = 3 << 20;
	uint8_t *b = malloc(n);
	uint32_t whole, op;

	(void)state;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 2654435761u >> 13);
	whole = crc32c(0, b, n);
	for (size_t cut = 0; cut <= n; cut += n / 7 + 1)
		assert_int_equal(crc32c_combine(crc32c(0, b, cut),
						crc32c(0, b + cut, n - cut),
						n - cut), whole);
	assert_int_equal(crc32c_combine(crc32c(0, b, n), 0, 0), whole);
	assert_int_equal(crc32c_combine(0, whole, n), whole);
	/* 1 MiB from 4 KiB pages with one operator, as the verifier does. */
	op = crc32c_shift_op(4096);
	{
		uint32_t c = crc32c(0, b, 4096);

		for (size_t o = 4096; o < 1 << 20; o += 4096)
			c = crc32c_combine_op(c, crc32c(0, b + o, 4096), op);
		assert_int_equal(c, crc32c(0, b, 1 << 20));
	}
	/* Lengths past 2^32 bytes take operators past x^(2^34): shifting
	 * by 2^k bytes twice is shifting by 2^(k+1) once. */
	for (unsigned k = 10; k < 62; k += 3) {
		uint32_t once = crc32c_shift_op(1ULL << (k + 1));
		uint32_t half = crc32c_shift_op(1ULL << k);

		assert_int_equal(crc32c_combine_op(whole, 0, once),
				 crc32c_combine_op(crc32c_combine_op(whole, 0, half),
						   0, half));
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_paths_agree),
		cmocka_unit_test(test_combine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
