/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_FUZZ_SEED_H
#define TINYRD_FUZZ_SEED_H

/*
 * The seed corpora's generator (seed.c, run by tests/fuzz/seed.sh): the
 * corpus directory, a file of it, little-endian fields, and the seeds of
 * each group of targets (seed-virtio.c: queue, pci, blk; seed-share.c:
 * p9, fuse; seed.c the rest).
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../src/common/util.h"

extern const char *seed_dir;

/* DIR/TARGET/NAME with b's bytes. */
void seed_save(const char *target, const char *name, const struct buf *b);
/* Write dir/rel, parents made (elfcraft.c's too). */
void write_at(const char *dir, const char *rel, const void *data, size_t len,
	      mode_t mode);

void u8(struct buf *b, uint8_t v);
void u16(struct buf *b, uint16_t v);
void u32(struct buf *b, uint32_t v);
void u64(struct buf *b, uint64_t v);
/* A 32-bit field at a place already in b. */
void put32(struct buf *b, size_t at, uint32_t v);
/* s with a u16 length in front (fuzz.h, fz_part). */
void part(struct buf *b, const char *s, size_t n);

void seed_queue(void);
void seed_pci(void);
void seed_blk(void);
void seed_p9(void);
void seed_fuse(void);

#endif
