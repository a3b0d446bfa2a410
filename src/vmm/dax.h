/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_DAX_H
#define TINYRD_DAX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A virtio-fs DAX window (virtio 1.2 §5.11.6.4), the host's half: one
 * reservation of size bytes in the launcher's address space, which the
 * launcher makes guest memory (a KVM memory slot where the device's
 * shared-memory BAR sits). FUSE_SETUPMAPPING maps a file's pages over a
 * part of it, so the guest reads and writes the host's page cache with no
 * request and no copy in the launcher; FUSE_REMOVEMAPPING and a device
 * reset put anonymous memory back. No KVM and no FUSE here.
 *
 * Whatever the guest touches is backed: parts with no file mapped are
 * private anonymous memory, and a mapping the guest asked for read-only
 * is a private one (a write copies the page; the file never changes).
 * A file's pages are mapped only as far as the file goes: a page past its
 * end has no memory (SIGBUS for a process; for KVM a fault it retries for
 * as long as the page is missing, so the guest hangs, or EFAULT), and
 * anonymous memory stands there instead. Every mapped file is watched
 * (inotify, IN_MODIFY): dax_events() maps the pages a file grew into,
 * and puts anonymous memory over the pages a truncation on the host took
 * away. The FUSE server calls it after each request, so the guest never
 * learns of a size before the window matches it; the launcher calls it
 * when a watch fires.
 *
 * Mappings are in chunks of DAX_CHUNK (Linux's FUSE_DAX_SZ): moffset and
 * foffset aligned to it (INIT's map_alignment), lengths rounded up to
 * pages. Thread-safe: the device's worker maps, vCPU threads fix up.
 */

#define DAX_CHUNK_SHIFT 21
#define DAX_CHUNK (1ull << DAX_CHUNK_SHIFT)
#define DAX_SIZE_MAX (64ull << 30)

struct dax_chunk {
	int fd;			/* the file mapped here; -1: anonymous */
	uint64_t foff;		/* its offset at the chunk's start */
	uint64_t len;		/* bytes of the chunk mapped (pages) */
	uint64_t valid;		/* bytes mapped from the file (less than len
				 * where the file ends first) */
	bool write;		/* shared, writable */
	int wd;			/* its inotify watch, -1: none */
};

struct dax_window {
	uint8_t *host;		/* DAX_CHUNK aligned, size bytes */
	uint64_t size;
	void *map;		/* the reservation, with alignment slack */
	uint64_t map_size;
	struct dax_chunk *chunk;
	unsigned nchunks;
	unsigned cut;		/* chunks with valid < len */
	unsigned mapped;	/* chunks with a file */
	int watch;		/* inotify descriptor (nonblocking), -1: none */
	const char *name;	/* for the warning (the share's tag) */
	bool warned;		/* said that a file shrank under it */
	pthread_mutex_t lock;
};

/* Reserve size bytes (a power of two, DAX_CHUNK to DAX_SIZE_MAX).
 * 0 or -errno. */
int dax_init(struct dax_window *w, uint64_t size);
void dax_free(struct dax_window *w);

/* Map len bytes of fd (opened for reading, and writing when write) from
 * foff at moff. fd is taken (closed on error too). 0 or -errno: EINVAL
 * for a range outside the window or misaligned. */
int dax_map(struct dax_window *w, int fd, uint64_t foff, uint64_t len,
	    uint64_t moff, bool write);
/* Put anonymous memory over every chunk [moff, moff + len) touches. */
int dax_unmap(struct dax_window *w, uint64_t moff, uint64_t len);
/* Everything back to anonymous (a reset, DESTROY). */
void dax_clear(struct dax_window *w);

/* After an EFAULT: anonymous memory over the pages past the end of each
 * mapped file. Returns how many chunks changed (0: the fault was not
 * ours to fix). The first time, a warning names the window. */
unsigned dax_fixup(struct dax_window *w);
/* Take the watches' events; if a mapped file changed, dax_fixup() and
 * map the pages files grew into. Without watches (inotify's limit), look
 * every time. Returns what dax_fixup() did. */
unsigned dax_events(struct dax_window *w);

#endif
