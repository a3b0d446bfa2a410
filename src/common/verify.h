/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VERIFY_H
#define TINYRD_VERIFY_H

/*
 * The data-path check: the few pieces of code both ends run, the host
 * (tinyrd, src/run/verify-host.c) and the guest (tinyrd-init,
 * init/verify-guest.c).
 * Libc only: built into the init too. The format the two speak is part
 * of the host-guest contract, in abi.h ("THE DATA-PATH CHECK").
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"

enum verify_class {
	VERIFY_EMPTY_READ,
	VERIFY_SHORT_READ,
	VERIFY_CORRUPT,
	VERIFY_SPARSE_LIE,
	VERIFY_IO_ERROR,
	VERIFY_PROTOCOL,
	VERIFY_NCLASSES,
};

/* "EMPTY_READ" ...; parse gives -EINVAL for an unknown name. */
const char *verify_class_name(enum verify_class c);
int verify_class_parse(const char *s);
/* One sentence for a user: what the class means, what to do. */
const char *verify_class_hint(enum verify_class c);

/* The data stream (5.): n bytes from stream position off. */
void verify_fill(void *p, size_t n, uint64_t seed, uint64_t off);

/* Sweep blocks (4.). */
enum verify_block_state {
	VERIFY_BLOCK_OK,
	VERIFY_BLOCK_ZEROED,
	VERIFY_BLOCK_STALE,	/* a valid block of another seed */
	VERIFY_BLOCK_MISPLACED,	/* a valid block of another offset or file */
	VERIFY_BLOCK_BAD_CRC,	/* damaged, or not a block at all */
};

struct verify_block_hdr {
	uint64_t seed, size, offset;
};

void verify_block_make(uint8_t *blk, uint64_t seed, uint64_t size,
		       uint64_t offset);
/* What the 4 KiB at blk are where block (seed, size, offset) belongs;
 * *got is what a STALE or MISPLACED block says about itself. */
enum verify_block_state verify_block_check(const uint8_t *blk, uint64_t seed,
					   uint64_t size, uint64_t offset,
					   struct verify_block_hdr *got);

/*
 * Escaping (3.). verify_escape writes at most 4 * strlen(src) + 1 bytes
 * to dst and returns the length; verify_unescape decodes in place and
 * returns the new length or -EINVAL.
 */
size_t verify_escape(char *dst, const char *src);
int verify_unescape(char *s);
/* Lines of the manifest and of the results are words split by one
 * blank: the next word of *p, NUL-terminated in place (NULL at the end
 * of the line or for an empty word); verify_path_word also unescapes it
 * (false when it is missing or does not decode). */
char *verify_word(char **p);
bool verify_path_word(char **p, char **out);

/* A whole decimal (base 10) or hexadecimal (base 16, "0x" optional)
 * number without sign or blanks; -EINVAL or -ERANGE. */
int verify_parse_u64(const char *s, int base, uint64_t *out);

/*
 * The sums of the manifest, computed over bytes fed in file order: the
 * host over the file, the guest over what each read pass returned. CRCs
 * of 4 KiB pages are combined into those of the blocks and of the whole,
 * so each byte is summed once.
 */
struct verify_sum {
	uint64_t len;		/* bytes fed */
	uint32_t whole;		/* after verify_sum_finish */
	uint32_t *crcs;		/* per 1 MiB block */
	uint16_t *tags;		/* per 4 KiB page */
	uint8_t *zero;		/* bit per page: the page was all zeros */
	size_t nblocks, npages, cap_blocks, cap_pages;
	bool nonzero;		/* some byte was not 0 */
	bool failed;		/* out of memory */
	/* the page and block being summed */
	uint32_t page_crc, block_crc;
	uint32_t page_len, block_len;
	bool page_nonzero;
	uint32_t op_page, op_block;
};

void verify_sum_init(struct verify_sum *s);
void verify_sum_feed(struct verify_sum *s, const void *p, size_t n);
/* Closes the last page and block; 0 or -ENOMEM (from any feed). */
int verify_sum_finish(struct verify_sum *s);
void verify_sum_free(struct verify_sum *s);
bool verify_sum_page_zero(const struct verify_sum *s, size_t page);

#endif
