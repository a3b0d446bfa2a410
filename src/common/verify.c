// SPDX-License-Identifier: MIT
/* What both ends of the data-path check run: the data stream, sweep
 * blocks, escaping, sums. The formats are in verify.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "verify.h"

static const char *const class_names[VERIFY_NCLASSES] = {
	[VERIFY_EMPTY_READ] = "EMPTY_READ",
	[VERIFY_SHORT_READ] = "SHORT_READ",
	[VERIFY_CORRUPT] = "CORRUPT",
	[VERIFY_SPARSE_LIE] = "SPARSE_LIE",
	[VERIFY_IO_ERROR] = "IO_ERROR",
	[VERIFY_PROTOCOL] = "PROTOCOL",
};

static const char *const class_hints[VERIFY_NCLASSES] = {
	[VERIFY_EMPTY_READ] = "metadata works, reads return no data: "
		"the virtio data path is broken \u2014 run tinyrd doctor",
	[VERIFY_SHORT_READ] = "reads end before the file does: data cut at "
		"a request-size (msize) boundary, or a file written short",
	[VERIFY_CORRUPT] = "bytes differ from the host's: zeroed, stale, "
		"misplaced or damaged on the way",
	[VERIFY_SPARSE_LIE] = "the guest reports holes where the host has "
		"data: cp --sparse=auto in the guest would write NULs",
	[VERIFY_IO_ERROR] = "an operation on the share failed",
	[VERIFY_PROTOCOL] = "the guest's results are missing or garbled: "
		"it crashed, hung or was interrupted",
};

const char *verify_class_name(enum verify_class c)
{
	return (unsigned)c < VERIFY_NCLASSES ? class_names[c] : "?";
}

const char *verify_class_hint(enum verify_class c)
{
	return (unsigned)c < VERIFY_NCLASSES ? class_hints[c] : "?";
}

int verify_class_parse(const char *s)
{
	for (int c = 0; c < VERIFY_NCLASSES; c++)
		if (!strcmp(s, class_names[c]))
			return c;
	return -EINVAL;
}

#define GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t splitmix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t stream_word(uint64_t seed, uint64_t index)
{
	return splitmix64(seed + (index + 1) * GOLDEN);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void verify_fill(void *p, size_t n, uint64_t seed, uint64_t off)
{
	uint8_t *d = p, w[8];

	/* Up to a word boundary of the stream, whole words, the tail. */
	while (n && off % 8) {
		put_le64(w, stream_word(seed, off / 8));
		*d++ = w[off % 8];
		off++;
		n--;
	}
	for (; n >= 8; d += 8, off += 8, n -= 8)
		put_le64(d, stream_word(seed, off / 8));
	if (n) {
		put_le64(w, stream_word(seed, off / 8));
		memcpy(d, w, n);
	}
}

static const char block_magic[8] = { 't', 'i', 'n', 'y', 'r', 'd', 'V', 'B' };

static uint32_t block_crc(const uint8_t *blk)
{
	return crc32c(crc32c(0, blk, 32), blk + 36, VERIFY_PAGE - 36);
}

void verify_block_make(uint8_t *blk, uint64_t seed, uint64_t size,
		       uint64_t offset)
{
	uint32_t crc;

	memcpy(blk, block_magic, 8);
	put_le64(blk + 8, seed);
	put_le64(blk + 16, size);
	put_le64(blk + 24, offset);
	verify_fill(blk + 36, VERIFY_PAGE - 36, seed, offset + 36);
	crc = block_crc(blk);
	for (int i = 0; i < 4; i++)
		blk[32 + i] = (uint8_t)(crc >> 8 * i);
}

enum verify_block_state verify_block_check(const uint8_t *blk, uint64_t seed,
					   uint64_t size, uint64_t offset,
					   struct verify_block_hdr *got)
{
	uint8_t want[VERIFY_PAGE];
	uint32_t crc = 0;
	bool zero = true;

	verify_block_make(want, seed, size, offset);
	if (!memcmp(blk, want, VERIFY_PAGE))
		return VERIFY_BLOCK_OK;
	for (size_t i = 0; i < VERIFY_PAGE && zero; i++)
		zero = !blk[i];
	if (zero)
		return VERIFY_BLOCK_ZEROED;
	for (int i = 3; i >= 0; i--)
		crc = crc << 8 | blk[32 + i];
	/* A block is what it says only when it is whole. */
	if (memcmp(blk, block_magic, 8) || crc != block_crc(blk))
		return VERIFY_BLOCK_BAD_CRC;
	got->seed = get_le64(blk + 8);
	got->size = get_le64(blk + 16);
	got->offset = get_le64(blk + 24);
	if (got->seed != seed)
		return VERIFY_BLOCK_STALE;
	if (got->size != size || got->offset != offset)
		return VERIFY_BLOCK_MISPLACED;
	/* The right header and a good CRC over other data: only a CRC
	 * collision gets here. */
	return VERIFY_BLOCK_BAD_CRC;
}

static bool plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '\\';
}

size_t verify_escape(char *dst, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	char *d = dst;

	for (const unsigned char *s = (const unsigned char *)src; *s; s++) {
		if (plain(*s)) {
			*d++ = (char)*s;
			continue;
		}
		*d++ = '\\';
		*d++ = 'x';
		*d++ = hex[*s >> 4];
		*d++ = hex[*s & 15];
	}
	*d = '\0';
	return (size_t)(d - dst);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int verify_unescape(char *s)
{
	char *d = s, *start = s;

	for (; *s; s++) {
		int hi, lo;

		if (*s != '\\') {
			if (!plain((unsigned char)*s))
				return -EINVAL;
			*d++ = *s;
			continue;
		}
		/* hexval('\0') is -1: a cut escape stops here. */
		if (s[1] != 'x' || (hi = hexval(s[2])) < 0 ||
		    (lo = hexval(s[3])) < 0 || !(hi | lo))
			return -EINVAL;
		*d++ = (char)(hi << 4 | lo);
		s += 3;
	}
	*d = '\0';
	return (int)(d - start);
}

int verify_parse_u64(const char *s, int base, uint64_t *out)
{
	uint64_t v = 0;

	if (base == 16 && s[0] == '0' && s[1] == 'x')
		s += 2;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = base == 16 ? hexval(*s) : *s >= '0' && *s <= '9' ?
			*s - '0' : -1;

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

void verify_sum_init(struct verify_sum *s)
{
	memset(s, 0, sizeof(*s));
	s->op_page = crc32c_shift_op(VERIFY_PAGE);
	s->op_block = crc32c_shift_op(VERIFY_BLOCK);
}

void verify_sum_free(struct verify_sum *s)
{
	free(s->crcs);
	free(s->tags);
	free(s->zero);
	memset(s, 0, sizeof(*s));
}

static void block_done(struct verify_sum *s)
{
	if (s->nblocks == s->cap_blocks) {
		size_t cap = s->cap_blocks ? 2 * s->cap_blocks : 16;
		uint32_t *c = realloc(s->crcs, cap * sizeof(*c));

		if (!c) {
			s->failed = true;
			return;
		}
		s->crcs = c;
		s->cap_blocks = cap;
	}
	s->crcs[s->nblocks] = s->block_crc;
	s->whole = !s->nblocks ? s->block_crc :
		   s->block_len == VERIFY_BLOCK ?
		   crc32c_combine_op(s->whole, s->block_crc, s->op_block) :
		   crc32c_combine(s->whole, s->block_crc, s->block_len);
	s->nblocks++;
	s->block_crc = 0;
	s->block_len = 0;
}

static void page_done(struct verify_sum *s)
{
	size_t n = s->npages;

	if (n == s->cap_pages) {
		/* A multiple of 8, so that the bitmap has whole bytes. */
		size_t cap = n ? 2 * n : 64;
		uint16_t *t = realloc(s->tags, cap * sizeof(*t));
		uint8_t *z;

		if (!t) {
			s->failed = true;
			return;
		}
		s->tags = t;
		z = realloc(s->zero, cap / 8);
		if (!z) {
			s->failed = true;
			return;
		}
		s->zero = z;
		s->cap_pages = cap;
	}
	if (n % 8 == 0)
		s->zero[n / 8] = 0;
	if (!s->page_nonzero)
		s->zero[n / 8] |= (uint8_t)(1u << n % 8);
	s->tags[n] = (uint16_t)s->page_crc;
	s->npages++;
	s->block_crc = !s->block_len ? s->page_crc :
		       s->page_len == VERIFY_PAGE ?
		       crc32c_combine_op(s->block_crc, s->page_crc, s->op_page) :
		       crc32c_combine(s->block_crc, s->page_crc, s->page_len);
	s->block_len += s->page_len;
	s->page_crc = 0;
	s->page_len = 0;
	s->page_nonzero = false;
	if (s->block_len == VERIFY_BLOCK)
		block_done(s);
}

void verify_sum_feed(struct verify_sum *s, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n && !s->failed) {
		size_t take = VERIFY_PAGE - s->page_len;
		uint8_t any = 0;

		if (take > n)
			take = n;
		for (size_t i = 0; i < take; i++)
			any |= b[i];
		s->page_nonzero |= any != 0;
		s->nonzero |= any != 0;
		s->page_crc = crc32c(s->page_crc, b, take);
		s->page_len += (uint32_t)take;
		s->len += take;
		b += take;
		n -= take;
		if (s->page_len == VERIFY_PAGE)
			page_done(s);
	}
}

int verify_sum_finish(struct verify_sum *s)
{
	if (s->page_len && !s->failed)
		page_done(s);
	if (s->block_len && !s->failed)
		block_done(s);
	return s->failed ? -ENOMEM : 0;
}

bool verify_sum_page_zero(const struct verify_sum *s, size_t page)
{
	return page < s->npages && (s->zero[page / 8] >> page % 8 & 1);
}

char *verify_word(char **p)
{
	char *w = *p, *e;

	if (!w || !*w)
		return NULL;
	e = strchr(w, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = NULL;
	}
	return *w ? w : NULL;
}

bool verify_path_word(char **p, char **out)
{
	char *w = verify_word(p);

	if (!w || verify_unescape(w) <= 0)
		return false;
	*out = w;
	return true;
}
