/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CRC32C_H
#define TINYRD_CRC32C_H

/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), as iSCSI, ext4,
 * btrfs and virtio's own integrity checks use it. Libc only: built into
 * tinyrd and into tinyrd-init, which check the same bytes from both ends.
 *
 * The CRC of a buffer is crc32c(0, p, n); crc32c(crc32c(0, a, na), b, nb)
 * is that of a followed by b (the pre- and post-inversion happen inside,
 * as with zlib's crc32()). crc32c("123456789") == 0xe3069283.
 *
 * On x86-64 with SSE4.2 the crc32 instruction does the work (checked with
 * cpuid once); everywhere else slice-by-8 tables built on first use, so
 * that they cost the static init 8 KiB of bss instead of 8 KiB of file.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* The CRC of a followed by b from crc(a), crc(b) and len(b) alone: the
 * verifier checks 4 KiB pages and derives the 1 MiB blocks' and the whole
 * file's CRCs from them instead of running the data through three times. */
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* The same with a precomputed length operator, for a fixed len_b. */
uint32_t crc32c_shift_op(uint64_t len_b);
uint32_t crc32c_combine_op(uint32_t crc_a, uint32_t crc_b, uint32_t op);

/* Whether crc32c() uses the CPU's instruction; the portable path alone,
 * for tests that compare the two. */
bool crc32c_hw(void);
uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len);

#endif
