/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MODINDEX_H
#define TINYRD_MODINDEX_H

#include "../common/util.h"

/*
 * kmod's binary module index, the format of modules.dep.bin,
 * modules.alias.bin, modules.symbols.bin, modules.builtin.bin and
 * modules.builtin.alias.bin: libkmod reads these and nothing else for
 * module lookups (libkmod-index.c), and depmod writes them.
 *
 * The file maps 7-bit ASCII keys to values, each value with a priority
 * (lower first). Big-endian u32s throughout:
 *
 *   magic MODINDEX_MAGIC, version MODINDEX_VERSION, root node offset
 *   then nodes of a compressed trie, every child before its parent:
 *     [prefix, NUL]                         when NODE_PREFIX
 *     [first char, last char,
 *      (last - first + 1) child offsets]    when NODE_CHILDS (0: none)
 *     [value count, (priority, value NUL)*] when NODE_VALUES
 *
 * A node offset carries its node's flags in the high nibble. A node's
 * prefix holds the characters its keys share after the character that
 * led to it; the root's prefix is always empty, as depmod writes it.
 */
#define MODINDEX_MAGIC		0xB007F457u
#define MODINDEX_VERSION	0x00020001u	/* major 2, minor 1 */
#define MODINDEX_NODE_PREFIX	0x80000000u
#define MODINDEX_NODE_VALUES	0x40000000u
#define MODINDEX_NODE_CHILDS	0x20000000u
#define MODINDEX_NODE_MASK	0x0FFFFFFFu
#define MODINDEX_CHILDMAX	128

struct modindex_ent;

/* Keys and values as they are added; the trie is made when written. */
struct modindex {
	struct modindex_ent *v;
	size_t n, alloc;
};

void modindex_init(struct modindex *ix);
void modindex_free(struct modindex *ix);

/* Add a value for key. A key may have several; they are written by
 * priority, and among equal priorities the later added first (depmod's
 * order). -EINVAL (warned, nothing added) for a byte above 127. */
int modindex_add(struct modindex *ix, const char *key, const char *value,
		 unsigned priority);

/* The index file, in out (emptied first). 0, or -EFBIG past the format's 256
 * MiB of node offsets (said). */
int modindex_write(struct modindex *ix, struct buf *out);

/* An alias as the alias indexes key it (kmod's alias_normalize): '-'
 * becomes '_' outside [...] ranges. NULL when a bracket is unmatched. */
char *modindex_alias_key(const char *alias);

#endif
