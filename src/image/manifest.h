/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MANIFEST_H
#define TINYRD_MANIFEST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../common/util.h"

/* Symlinks followed in one path before it is a loop. */
#define MANIFEST_SYMLINK_HOPS PATH_SYMLINK_HOPS

/*
 * The resolved contents of an image: what every resolver produces and the
 * cpio writer consumes. Paths are absolute image paths; host paths are
 * relative to the sysroot ("" for the host itself). One entry per path: a
 * later addition replaces an earlier one, except that explicitly requested
 * directories are never replaced by the implicit parents of other entries.
 */
enum entry_type {
	ENTRY_FILE,
	ENTRY_DIR,
	ENTRY_SLINK,
	ENTRY_NOD,
	ENTRY_PIPE,
	ENTRY_SOCK,
};

struct entry {
	char *path;
	enum entry_type type;
	unsigned mode;		/* permission bits only */
	unsigned uid, gid;
	char *source;		/* FILE: host path of the contents */
	bool decompress;	/* FILE: source is .gz/.xz/.zst, path is not */
	char *data;		/* FILE: inline contents (text verb, config) */
	size_t size;		/* FILE: size of data, or of source at add time */
	char *link_key;		/* FILE: names with the same key are one
				 * inode (hardlinks), see manifest_link() */
	char *target;		/* SLINK */
	char devtype;		/* NOD: 'b' or 'c' */
	unsigned major, minor;	/* NOD */
	bool implicit;		/* DIR made as a parent of something */
	bool weak;		/* loses to any other entry at its path */
	struct strv hide;	/* FILE: a busybox, these applets hidden
				 * (busybox_hide; set by shadow.c) */
	char *print_as;		/* the recipe line that makes this entry, when
				 * not the generic one (the built-in init) */
	unsigned long seq;	/* insertion order */
	/* Set by manifest_finalize(). */
	unsigned long ino;
	unsigned nlink;
	struct entry *link_head;	/* first name of the same inode */
	struct entry *link_next;	/* next name; NULL on the last, which
					 * carries the data (newc rule) */
	bool dead;		/* merged away during finalize */
};

struct manifest {
	struct entry **v;
	size_t n, alloc;
	struct hmap index;	/* path -> entry */
	char *sysroot;		/* "" or a directory without trailing '/' */
	unsigned long seq;
	bool finalized;
};

void manifest_init(struct manifest *m, const char *sysroot);
void manifest_free(struct manifest *m);
struct entry *manifest_get(const struct manifest *m, const char *path);

/* Host path inside the sysroot, malloc'ed. */
char *manifest_host_path(const struct manifest *m, const char *path);

/*
 * Adders. "why" is printed with -v (NULL prints nothing). Each returns 0 or
 * a negative errno after logging a one-line error that names the object.
 */
int manifest_add_dir(struct manifest *m, const char *path, unsigned mode,
		     unsigned uid, unsigned gid, const char *why);
int manifest_add_file(struct manifest *m, const char *path, const char *source,
		      unsigned mode, unsigned uid, unsigned gid, const char *why);
int manifest_add_data(struct manifest *m, const char *path, const void *data,
		      size_t size, unsigned mode, unsigned uid, unsigned gid,
		      const char *why);
int manifest_add_slink(struct manifest *m, const char *path, const char *target,
		       unsigned mode, unsigned uid, unsigned gid, const char *why);
/* A symlink that never replaces another entry, and that any other entry at
 * its path replaces (busybox applets). */
int manifest_add_weak_slink(struct manifest *m, const char *path,
			    const char *target);
int manifest_add_nod(struct manifest *m, const char *path, unsigned mode,
		     unsigned uid, unsigned gid, char devtype, unsigned major,
		     unsigned minor, const char *why);
int manifest_add_special(struct manifest *m, enum entry_type type,
			 const char *path, unsigned mode, unsigned uid,
			 unsigned gid, const char *why);

/*
 * Walk a host path component by component as the kernel would, adding every
 * symlink met on the way (merged-/usr links such as /lib -> usr/lib, library
 * chains such as libfoo.so.1 -> libfoo.so.1.2.3) so the same lookup works in
 * the image. Returns the physical path in *canon and its lstat in *st.
 * Nothing is logged: the caller names the object.
 */
int manifest_walk_host(struct manifest *m, const char *path, char **canon,
		       struct stat *st);

/* The entry path leads to through the image's symlinks (every component,
 * the last too), or NULL. */
struct entry *manifest_resolve(struct manifest *m, const char *path);
/* path with its directory resolved through the image's symlinks, its last
 * component not (where a new entry for path would land); malloc'ed. */
char *manifest_place(struct manifest *m, const char *path);

/* Make the file entry at path a hardlink of every other entry given the
 * same key. Hardlinks are only what the host has (inside one copied tree)
 * or what a recipe line asks for; the same source added twice makes two
 * independent files. */
int manifest_link(struct manifest *m, const char *path, const char *key);

/* stat() a path inside the sysroot, symlinks (absolute ones too) resolved
 * inside it. Returns the host path of the object, or NULL with errno. */
char *manifest_stat_host(const struct manifest *m, const char *path,
			 struct stat *st);

/* Walk like manifest_walk_host() and add the object itself at its physical
 * path (regular file, directory, or special file). *canon may be NULL. */
int manifest_add_host(struct manifest *m, const char *path, const char *why,
		      char **canon);

/* Copy a host file or directory tree: symlinks inside the tree are kept as
 * symlinks. With dest NULL the tree keeps its host path (symlinks leading to
 * it are reproduced); otherwise it is placed at dest. */
int manifest_copy(struct manifest *m, const char *src, const char *dest,
		  const char *why);

/* What manifest_copy_filtered() leaves out (skip: by the name of a
 * directory entry) and tells of (each: every regular file copied). */
struct manifest_filter {
	bool (*skip)(const char *name, void *ctx);
	void (*each)(const char *path, const char *host, void *ctx);
	void *ctx;
};

/* Copy the tree at path inside the sysroot to the same path, the symlinks
 * leading to it reproduced. -errno with nothing logged when path is not
 * there; other failures are said. */
int manifest_copy_filtered(struct manifest *m, const char *path,
			   const char *why, const struct manifest_filter *f);

/*
 * Resolve every path through the image's own symlinks (so /lib/modules lands
 * in /usr/lib/modules when /lib -> usr/lib), create missing parents, sort,
 * and number inodes, hardlinks sharing one. Idempotent.
 */
int manifest_finalize(struct manifest *m);

/* The finalized manifest as gen_init_cpio lines (plus the text verb for
 * inline data), one per inode. The output is a valid recipe. */
const char *manifest_type_name(enum entry_type t);
void manifest_print(struct manifest *m, FILE *out);

/* Escape bytes for a recipe: \\ \n \t \0 \xHH. In a field (a path) a
 * space and a '$' become \x20 and \x24; in text verb contents a space at
 * either end does. recipe.c parses the inverse. */
void manifest_escape(struct buf *out, const char *data, size_t size,
		     bool field);

#endif
