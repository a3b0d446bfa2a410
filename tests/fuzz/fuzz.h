/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_FUZZ_H
#define TINYRD_FUZZ_H

/*
 * What every libFuzzer target (tests/fuzz/fuzz-*.c) shares: a reader
 * over the input, the process's temporary directory, files made from
 * bytes, and tinyrd's messages kept off stderr.
 *
 * A target is deterministic: the same input does the same work whatever
 * ran before it. State that lives across runs (guest RAM, the directory)
 * is reset at the start of each run; everything a run allocates or opens
 * it frees or closes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, consumed from the front; past its end every read is 0. */
struct fz {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz *f);
uint16_t fz_u16(struct fz *f);		/* little-endian */
uint32_t fz_u32(struct fz *f);
uint64_t fz_u64(struct fz *f);
/* Up to want bytes: *out points at them, the count is returned. */
size_t fz_take(struct fz *f, size_t want, const uint8_t **out);
/* A part of at most 64 KiB with a 16-bit length in front of it. */
size_t fz_part(struct fz *f, const uint8_t **out);

/*
 * This process's directory, $TMPDIR/tinyrd-fuzz.XXXXXX, made on the first
 * call. It goes when the process ends, however it ends: at exit, and
 * else (a crash, a kill) by a watcher process that waits for this one's
 * end on a pipe.
 */
const char *fz_dir(void);
/* rm -rf that also gets through directories a run made unreadable. */
void fz_rm_rf(const char *path);
/* Write dir/rel (parents made), mode as given. */
void fz_write(const char *dir, const char *rel, const void *data, size_t len,
	      mode_t mode);
void fz_mkdir(const char *dir, const char *rel);

/* [p, p + n) cut into pieces of k bytes (k 0: one piece) in iov, at most
 * max of them (the last takes the rest); returns how many. */
struct iovec;
unsigned fz_cut(uint8_t *p, size_t n, unsigned k, struct iovec *iov,
		unsigned max);

/* A memfd holding the bytes, and a path that opens it
 * ("/proc/self/fd/N", in path[32]); returns the fd, close it after. */
int fz_memfd(const void *data, size_t len, char path[32]);

/*
 * The share of the 9P and FUSE targets, made afresh by fz_tree_make() in
 * the process's directory: TOP/share holds a file "a", a directory "d"
 * with a file "b", a FIFO "p", and symlinks out of the share to
 * TOP/canary ("l" relative, "abs" absolute), which lies outside it.
 * fz_tree_check() is the escape oracle: the canary as it was, and
 * nothing new in TOP.
 */
struct fz_tree {
	char *top, *dir, *canary;
};
void fz_tree_make(struct fz_tree *t);
void fz_tree_check(const struct fz_tree *t);

/* tinyrd's messages go to a buffer emptied on each call, not stderr;
 * stdout goes to /dev/null when quiet_stdout. */
void fz_quiet(bool quiet_stdout);

/* A broken promise of the code under test: say what and abort, which
 * libFuzzer takes as a crash. */
#define fz_check(cond, what)						\
	do {								\
		if (!(cond))						\
			fz_fail(__FILE__, __LINE__, what);		\
	} while (0)
void fz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

#endif
