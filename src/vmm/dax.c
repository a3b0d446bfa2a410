// SPDX-License-Identifier: MIT
/* The virtio-fs DAX window's host memory. See dax.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dax.h"
#include "../common/log.h"
#include "../common/util.h"

#define PAGE 4096ull
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

static uint64_t page_up(uint64_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* Anonymous memory over [off, off + len) of the window. */
static int anon(struct dax_window *w, uint64_t off, uint64_t len)
{
	if (!len)
		return 0;
	if (mmap(w->host + off, len, PROT_READ | PROT_WRITE, ANON | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

/* The file's pages over [from, to) of chunk i (bytes into the chunk). */
static int file_map(struct dax_window *w, unsigned i, uint64_t from,
		    uint64_t to)
{
	const struct dax_chunk *c = &w->chunk[i];
	int flags = MAP_FIXED | (c->write ? MAP_SHARED : MAP_PRIVATE | MAP_NORESERVE);

	if (to <= from)
		return 0;
	if (mmap(w->host + (uint64_t)i * DAX_CHUNK + from, to - from,
		 PROT_READ | PROT_WRITE, flags, c->fd, (off_t)(c->foff + from)) ==
	    MAP_FAILED)
		return -errno;
	return 0;
}

/* Watch the file of chunk i (one watch per file: inotify hands out the
 * same descriptor for an inode it watches). Without a watch (the user's
 * limit reached) a truncation is still caught where KVM_RUN fails. */
static void watch(struct dax_window *w, unsigned i)
{
	struct dax_chunk *c = &w->chunk[i];
	char path[40];

	c->wd = -1;
	if (w->watch < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", c->fd);
	c->wd = inotify_add_watch(w->watch, path, IN_MODIFY);
}

/* How many bytes of chunk c the file still covers (pages). */
static uint64_t covered(const struct dax_chunk *c)
{
	struct stat st;
	uint64_t end;

	if (fstat(c->fd, &st) < 0)
		return 0;
	end = page_up((uint64_t)st.st_size);
	if (end <= c->foff)
		return 0;
	return end - c->foff < c->len ? end - c->foff : c->len;
}

/* Chunk i back to anonymous memory; lock held. The file's watch goes
 * with the last chunk that maps it. */
static int drop(struct dax_window *w, unsigned i)
{
	struct dax_chunk *c = &w->chunk[i];
	bool last = c->wd >= 0;
	int r;

	if (c->fd < 0)
		return 0;
	r = anon(w, (uint64_t)i * DAX_CHUNK, DAX_CHUNK);
	for (unsigned k = 0; last && k < w->nchunks; k++)
		if (k != i && w->chunk[k].fd >= 0 && w->chunk[k].wd == c->wd)
			last = false;
	if (last)
		inotify_rm_watch(w->watch, c->wd);
	close(c->fd);
	if (c->valid < c->len)
		w->cut--;
	w->mapped--;
	*c = (struct dax_chunk){ .fd = -1, .wd = -1 };
	return r;
}

int dax_init(struct dax_window *w, uint64_t size)
{
	uint8_t *p;

	memset(w, 0, sizeof(*w));
	if (size < DAX_CHUNK || size > DAX_SIZE_MAX || (size & (size - 1)))
		return -EINVAL;
	/* Aligned to a chunk, so that a huge page of the host's may back a
	 * chunk whole. */
	w->map_size = size + DAX_CHUNK;
	w->map = mmap(NULL, w->map_size, PROT_READ | PROT_WRITE, ANON, -1, 0);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		return -errno;
	}
	p = (uint8_t *)(((uintptr_t)w->map + DAX_CHUNK - 1) & ~(uintptr_t)(DAX_CHUNK - 1));
	w->host = p;
	w->size = size;
	w->nchunks = (unsigned)(size / DAX_CHUNK);
	w->chunk = xcalloc(w->nchunks, sizeof(*w->chunk));
	for (unsigned i = 0; i < w->nchunks; i++)
		w->chunk[i] = (struct dax_chunk){ .fd = -1, .wd = -1 };
	w->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	pthread_mutex_init(&w->lock, NULL);
	return 0;
}

void dax_free(struct dax_window *w)
{
	if (!w->map)
		return;
	for (unsigned i = 0; i < w->nchunks; i++)
		if (w->chunk[i].fd >= 0)
			close(w->chunk[i].fd);
	free(w->chunk);
	if (w->watch >= 0)
		close(w->watch);
	munmap(w->map, w->map_size);
	pthread_mutex_destroy(&w->lock);
	memset(w, 0, sizeof(*w));
}

/* [moff, moff + len) inside the window, moff on a chunk boundary. */
static bool in_window(const struct dax_window *w, uint64_t moff, uint64_t len)
{
	return len && moff % DAX_CHUNK == 0 && moff < w->size &&
	       len <= w->size - moff;
}

int dax_map(struct dax_window *w, int fd, uint64_t foff, uint64_t len,
	    uint64_t moff, bool write)
{
	unsigned first, last;
	int r = 0;

	if (!in_window(w, moff, len) || foff % DAX_CHUNK ||
	    foff > (uint64_t)INT64_MAX - w->size) {
		close(fd);
		return -EINVAL;
	}
	len = page_up(len);
	first = (unsigned)(moff / DAX_CHUNK);
	last = (unsigned)((moff + len - 1) / DAX_CHUNK);
	pthread_mutex_lock(&w->lock);
	for (unsigned i = first; i <= last && !r; i++) {
		struct dax_chunk *c = &w->chunk[i];
		uint64_t at = (uint64_t)(i - first) * DAX_CHUNK;
		uint64_t n = len - at < DAX_CHUNK ? len - at : DAX_CHUNK;
		int cfd = i == last ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);

		if (cfd < 0) {
			r = -errno;
			break;
		}
		drop(w, i);
		*c = (struct dax_chunk){ .fd = cfd, .foff = foff + at, .len = n,
					 .write = write };
		w->mapped++;
		watch(w, i);
		/* Only what the file covers: a page past its end would have
		 * no memory. The rest comes when the file grows (refresh). */
		c->valid = covered(c);
		if (c->valid < n)
			w->cut++;
		r = file_map(w, i, 0, c->valid);
		if (r)
			drop(w, i);
		else if (c->valid < DAX_CHUNK)
			r = anon(w, (uint64_t)i * DAX_CHUNK + c->valid,
				 DAX_CHUNK - c->valid);
		if (i == last)
			fd = -1;
	}
	pthread_mutex_unlock(&w->lock);
	if (fd >= 0)
		close(fd);
	if (r)
		dax_unmap(w, moff, len);
	return r;
}

int dax_unmap(struct dax_window *w, uint64_t moff, uint64_t len)
{
	int r = 0, e;

	if (!in_window(w, moff, len))
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	for (uint64_t i = moff / DAX_CHUNK; i <= (moff + len - 1) / DAX_CHUNK; i++)
		if ((e = drop(w, (unsigned)i)) && !r)
			r = e;
	pthread_mutex_unlock(&w->lock);
	return r;
}

void dax_clear(struct dax_window *w)
{
	if (w->map)
		dax_unmap(w, 0, w->size);
}


/* Lock held: anonymous memory over the pages past each file's end. */
static unsigned fixup(struct dax_window *w)
{
	unsigned n = 0;

	for (unsigned i = 0; i < w->nchunks; i++) {
		struct dax_chunk *c = &w->chunk[i];
		uint64_t v;

		if (c->fd < 0 || (v = covered(c)) >= c->valid)
			continue;
		if (anon(w, (uint64_t)i * DAX_CHUNK + v, c->valid - v))
			continue;
		if (c->valid == c->len)
			w->cut++;
		c->valid = v;
		n++;
	}
	if (n && !w->warned) {
		w->warned = true;
		warn("virtio-fs %s: a file shrank on the host under the guest's "
		     "DAX mapping; the guest reads zeros past its end",
		     w->name ? w->name : "");
	}
	return n;
}

/* Lock held: the file's pages again where it has grown. */
static void refresh(struct dax_window *w)
{
	for (unsigned i = 0; i < w->nchunks && w->cut; i++) {
		struct dax_chunk *c = &w->chunk[i];
		uint64_t v;

		if (c->fd < 0 || c->valid == c->len || (v = covered(c)) <= c->valid)
			continue;
		if (file_map(w, i, c->valid, v))
			continue;
		c->valid = v;
		if (v == c->len)
			w->cut--;
	}
}

unsigned dax_fixup(struct dax_window *w)
{
	unsigned n;

	if (!w->map)
		return 0;
	pthread_mutex_lock(&w->lock);
	n = fixup(w);
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Events are taken under the lock: whoever takes one has acted on it
 * before anyone else can look, so a request that changed a mapped file
 * finds the window up to date when it returns. */
unsigned dax_events(struct dax_window *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	unsigned n = 0;

	if (!w->map)
		return 0;
	pthread_mutex_lock(&w->lock);
	while (w->watch >= 0 && read(w->watch, buf, sizeof(buf)) > 0)
		any = true;
	/* Without watches (inotify's limit), look every time. */
	if (any || (w->watch < 0 && w->mapped)) {
		n = fixup(w);
		refresh(w);
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}
