// SPDX-License-Identifier: MIT
/*
 * The FUSE server's tables: nodes (nodeid -> O_PATH handle, lookup count)
 * and open files (fh -> fd). An id is gen << 32 | index: the index finds
 * the slot, the generation (bumped whenever a slot is taken) tells a live
 * id from a stale or made-up one. Index 0 is never used, so neither id is
 * ever 0; the root is node index 1, generation 0: FUSE_ROOT_ID.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuse_i.h"
#include "../share.h"
#include "../../common/util.h"

#define HASH_BITS 16
#define ROOT_INDEX 1

static uint64_t id_of(uint32_t gen, uint32_t i)
{
	return (uint64_t)gen << 32 | i;
}

static uint32_t hash_of(dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ (uint64_t)dev << 40) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> (64 - HASH_BITS));
}

/* A free slot: from the free list, else from a grown array. The counts
 * are bounded by the callers (share's SHARE_NODES_MAX, files_max). */
static uint32_t node_take(struct fuse_server *f)
{
	uint32_t i = f->nodes_free, n = f->nodes_cap ? f->nodes_cap * 2 : 64;

	if (!i) {
		f->nodes = xrealloc(f->nodes, n * sizeof(*f->nodes));
		for (uint32_t k = f->nodes_cap ?: 1; k < n; k++)
			f->nodes[k] = (struct fuse_node){
				.fd = -1, .next = k + 1 < n ? k + 1 : 0 };
		i = f->nodes_cap ?: 1;
		f->nodes_cap = n;
	}
	f->nodes_free = f->nodes[i].next;
	f->nodes_used++;
	return i;
}

static uint32_t file_take(struct fuse_server *f)
{
	uint32_t i = f->files_free, n = f->files_cap ? f->files_cap * 2 : 64;

	if (!i) {
		f->files = xrealloc(f->files, n * sizeof(*f->files));
		for (uint32_t k = f->files_cap ?: 1; k < n; k++)
			f->files[k] = (struct fuse_file){
				.fd = -1, .next = k + 1 < n ? k + 1 : 0 };
		i = f->files_cap ?: 1;
		f->files_cap = n;
	}
	f->files_free = f->files[i].next;
	f->files_used++;
	return i;
}

int fuse_tables_init(struct fuse_server *f)
{
	struct stat st;
	uint32_t i;
	int h = share_root(f->sh);

	if (h < 0)
		return h;
	if (fstatat(h, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		share_put(f->sh, h);
		return -errno;
	}
	f->hash = xcalloc(1u << HASH_BITS, sizeof(*f->hash));
	i = node_take(f);
	f->nodes[i] = (struct fuse_node){ .fd = h, .gen = 0, .nlookup = 1,
					  .dev = st.st_dev, .ino = st.st_ino };
	f->hash[hash_of(st.st_dev, st.st_ino)] = i;
	return 0;
}

static void unhash(struct fuse_server *f, uint32_t i)
{
	uint32_t *p = &f->hash[hash_of(f->nodes[i].dev, f->nodes[i].ino)];

	while (*p != i)
		p = &f->nodes[*p].next;
	*p = f->nodes[i].next;
}

static void node_del(struct fuse_server *f, uint32_t i)
{
	struct fuse_node *n = &f->nodes[i];

	unhash(f, i);
	share_put(f->sh, n->fd);
	n->fd = -1;
	n->nlookup = 0;
	n->next = f->nodes_free;
	f->nodes_free = i;
	f->nodes_used--;
}

void fuse_tables_clear(struct fuse_server *f, bool keep_root)
{
	for (uint32_t i = 1; i < f->nodes_cap; i++)
		if (f->nodes[i].fd >= 0 && (!keep_root || i != ROOT_INDEX))
			node_del(f, i);
	if (keep_root && f->nodes_cap > ROOT_INDEX)
		f->nodes[ROOT_INDEX].nlookup = 1;
	for (uint32_t i = 1; i < f->files_cap; i++)
		if (f->files[i].fd >= 0)
			fuse_file_del(f, id_of(f->files[i].gen, i));
}

struct fuse_node *fuse_node_get(struct fuse_server *f, uint64_t nodeid)
{
	uint32_t i = (uint32_t)nodeid;

	if (!i || i >= f->nodes_cap || f->nodes[i].fd < 0 ||
	    f->nodes[i].gen != (uint32_t)(nodeid >> 32))
		return NULL;
	return &f->nodes[i];
}

int fuse_node_add(struct fuse_server *f, int handle, uint64_t *nodeid)
{
	struct fuse_node *n;
	struct stat st;
	uint32_t i, b;

	if (fstatat(handle, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		int r = -errno;

		share_put(f->sh, handle);
		return r;
	}
	/* One node per inode, as the guest's kernel expects one nodeid per
	 * inode: hard links and "." or ".." lookups land on the same one. */
	b = hash_of(st.st_dev, st.st_ino);
	for (i = f->hash[b]; i; i = f->nodes[i].next) {
		n = &f->nodes[i];
		if (n->dev == st.st_dev && n->ino == st.st_ino) {
			share_put(f->sh, handle);
			n->nlookup++;
			*nodeid = id_of(n->gen, i);
			return 0;
		}
	}
	i = node_take(f);
	n = &f->nodes[i];
	*n = (struct fuse_node){ .fd = handle, .gen = n->gen + 1, .nlookup = 1,
				 .dev = st.st_dev, .ino = st.st_ino,
				 .next = f->hash[b] };
	f->hash[b] = i;
	*nodeid = id_of(n->gen, i);
	return 0;
}

/* FORGET (fuse.h: "nlookup" is how many lookups the kernel drops). The
 * root stays whatever the count. */
void fuse_node_forget(struct fuse_server *f, uint64_t nodeid, uint64_t n)
{
	struct fuse_node *node = fuse_node_get(f, nodeid);

	if (!node)
		return;
	node->nlookup -= n < node->nlookup ? n : node->nlookup;
	if (!node->nlookup && (uint32_t)nodeid != ROOT_INDEX)
		node_del(f, (uint32_t)nodeid);
}

int fuse_file_room(struct fuse_server *f)
{
	return f->files_used >= f->files_max ? -EMFILE : 0;
}

uint64_t fuse_file_add(struct fuse_server *f, int fd, bool dir, bool root)
{
	uint32_t i = file_take(f);
	struct fuse_file *file = &f->files[i];

	*file = (struct fuse_file){ .fd = fd, .gen = file->gen + 1, .dir = dir,
				    .root = root };
	return id_of(file->gen, i);
}

struct fuse_file *fuse_file_get(struct fuse_server *f, uint64_t fh, bool dir)
{
	uint32_t i = (uint32_t)fh;

	if (!i || i >= f->files_cap || f->files[i].fd < 0 ||
	    f->files[i].gen != (uint32_t)(fh >> 32) || f->files[i].dir != dir)
		return NULL;
	return &f->files[i];
}

void fuse_file_del(struct fuse_server *f, uint64_t fh)
{
	uint32_t i = (uint32_t)fh;
	struct fuse_file *file = &f->files[i];

	close(file->fd);
	file->fd = -1;
	file->next = f->files_free;
	f->files_free = i;
	f->files_used--;
}
