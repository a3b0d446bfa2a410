/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VERIFY_H
#define TINYRD_VERIFY_H

/*
 * The data-path check: the contract between the host (tinyrd,
 * src/run/verify.c) and the guest (tinyrd-init, init/verify.c), and the
 * few pieces of code both ends run. Libc only: built into the init too.
 *
 * Shared folders fail with the metadata right and the bytes wrong: reads
 * that return nothing or zeros, reads cut at the transport's request size,
 * every file reported sparse, data corrupted past some size. So the host
 * writes what a sample of files must contain, the guest reads them through
 * the mount in several ways and compares, writes a sweep of files that the
 * host checks, and every failure names the file, the offset and a class.
 *
 * 1. THE MANIFEST (host -> guest), a text file in the image, by default
 *    VERIFY_MANIFEST. One item per line; the first word picks the item,
 *    words are separated by one space, PATHs are escaped (3.), numbers
 *    are decimal unless said otherwise, hex digits lowercase. Every header line is required
 *    except sweepdir and sweep; the first line comes first, the rest in
 *    any order.
 *
 *	tinyrd-verify 1			the format and its version
 *	msize N				the transport's largest request: 9p's
 *					msize (reads carry msize - 24 bytes
 *					of data), virtio-fs's max read size
 *	seed 0xHEX			seed of the write sweep's data
 *	quick 0|1			1: the quick sample before switching
 *					root: fewer read passes, no sweep
 *	sweepdir PATH			guest directory for the sweep files
 *	sweep SIZE...			sweep file sizes, multiples of 4096
 *	file PATH SIZE CRC BLOCKS MAP BLOCKCRCS TAGS
 *
 *    file: PATH as the guest sees it; SIZE in bytes; CRC the whole file's
 *    CRC32C, 8 hex digits; BLOCKS the host's st_blocks (a guest that says
 *    0 where the host did not is lying about holes); MAP the data extents
 *    the host sees with SEEK_DATA/SEEK_HOLE, "OFFSET+LENGTH" joined by
 *    commas, "-" for none; BLOCKCRCS the CRC32C of every 1 MiB block (the
 *    last one may be short), 8 hex digits each, joined by commas, "-" for
 *    an empty file; TAGS the low 16 bits of the CRC32C of every 4 KiB
 *    page, 4 hex digits each, not separated, or "-": they only locate the
 *    bad page inside a block whose CRC is wrong.
 *
 * 2. RESULT LINES (guest -> host), printed by the guest on its standard
 *    output, one per check; the host ignores everything before the begin
 *    line (which may end a line of console chatter) and after the end
 *    line, and every line in between must parse. A trailing CR is fine.
 *
 *	verify begin 1
 *	ok PATH METHOD BYTES		BYTES checked
 *	skip PATH METHOD REASON		not checkable here (REASON: rest of line)
 *	fail CLASS PATH OFFSET METHOD DETAIL
 *	wrote PATH SIZE			a sweep file is written and synced
 *	verify end FAILURES
 *
 *    METHOD: open, stat (size), blocks (st_blocks), seek (SEEK_DATA and
 *    SEEK_HOLE over the host's extents), read:N (read() with N-byte
 *    requests from start to end), pread (pread() tiling the file with odd
 *    offsets and sizes around 4 KiB and msize), mmap, write (a sweep file);
 *    the host adds sweep (its check of a sweep file). Each file owes
 *    stat, blocks, seek, read:4096 (not when quick), read:MSIZE, pread and
 *    mmap; a failed open stands for all of them. DETAIL is the rest of the
 *    line, printable ASCII. A guest prints at most one fail line per file
 *    and method: the first bad offset, later trouble in the detail.
 *
 *    CLASS, and what it means:
 *	EMPTY_READ	metadata works, reads return no data (or only zeros)
 *	SHORT_READ	reads end before the size says (OFFSET: where)
 *	CORRUPT		bytes differ (OFFSET: the first bad 4 KiB page)
 *	SPARSE_LIE	the guest reports a hole where the host has data
 *	IO_ERROR	an operation failed (DETAIL: which, and the error)
 *	PROTOCOL	(host only) the guest's results are missing or garbled
 *
 * 3. ESCAPING: in PATHs every byte below 0x21, from 0x7f up, and the
 *    backslash is written as \xHH (two lowercase hex digits); nothing
 *    else is escaped, and a decoder rejects anything else after a
 *    backslash, raw bytes that should have been escaped, and \x00.
 *
 * 4. SWEEP BLOCKS (guest writes, host checks): the sweep file of SIZE
 *    bytes is SWEEPDIR/sweep-SIZE, made of 4 KiB blocks; the block at
 *    OFFSET is, little-endian:
 *
 *	0	8	magic "tinyrdVB"
 *	8	8	seed
 *	16	8	SIZE, the size of its file
 *	24	8	OFFSET
 *	32	4	CRC32C of bytes 0-31 followed by bytes 36-4095
 *	36	4060	bytes OFFSET+36 ... of the seed's data stream (5.)
 *
 *    so that a block of zeros, one from an earlier run (another seed), one
 *    from another place or file (another offset or size) and a damaged one
 *    (a bad CRC) tell themselves apart and say where they came from.
 *
 * 5. DATA STREAM: byte N of the stream of a seed is byte N % 8 of the
 *    little-endian 64-bit word splitmix64(seed + (N / 8 + 1) * 0x9e3779b97f4a7c15):
 *    random access, and the same on both ends. The fixture's files are
 *    streams too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERIFY_MANIFEST		"/etc/tinyrd/verify"
#define VERIFY_VERSION		1
#define VERIFY_PAGE		4096u
#define VERIFY_BLOCK		(1u << 20)
#define VERIFY_9P_MSIZE		512000u		/* tinyrd's 9p default */
#define VERIFY_9P_IOHDR		24u		/* 9p read/write header */
#define VERIFY_SWEEP_PREFIX	"sweep-"

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
