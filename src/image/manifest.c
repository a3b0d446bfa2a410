// SPDX-License-Identifier: MIT
/*
 * The manifest: one entry per image path, with the merge rules that make
 * resolvers order-independent (see manifest.h), and its finalizing
 * (paths canonical inside the image, hard-link groups). Host files come
 * in through manifest-host.c; manifest-print.c prints it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "manifest.h"


static const char *const type_name[] = {
	[ENTRY_FILE] = "file", [ENTRY_DIR] = "dir", [ENTRY_SLINK] = "slink",
	[ENTRY_NOD] = "nod", [ENTRY_PIPE] = "pipe", [ENTRY_SOCK] = "sock",
};

const char *manifest_type_name(enum entry_type t)
{
	return type_name[t];
}

void manifest_init(struct manifest *m, const char *sysroot)
{
	size_t n;

	memset(m, 0, sizeof(*m));
	sysroot = sysroot ? sysroot : "";
	n = strlen(sysroot);
	while (n && sysroot[n - 1] == '/')
		n--;
	m->sysroot = xstrndup(sysroot, n);
}

static void entry_clear(struct entry *e)
{
	free(e->source);
	free(e->data);
	free(e->target);
	free(e->link_key);
	free(e->print_as);
	strv_free(&e->hide);
	e->source = e->data = e->target = e->link_key = e->print_as = NULL;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	entry_clear(e);
	free(e->path);
	free(e);
}

void manifest_free(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		entry_free(m->v[i]);
	free(m->v);
	hmap_free(&m->index);
	free(m->sysroot);
	memset(m, 0, sizeof(*m));
}

struct entry *manifest_get(const struct manifest *m, const char *path)
{
	char *p = path_normalize(xstrdup(path));
	struct entry *e = hmap_get(&m->index, p);

	free(p);
	return e;
}

char *manifest_host_path(const struct manifest *m, const char *path)
{
	return xasprintf("%s%s%s", m->sysroot, path[0] == '/' ? "" : "/", path);
}

static struct entry *entry_new(const char *path, enum entry_type type,
			       unsigned mode, unsigned uid, unsigned gid)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	e->path = path_normalize(xstrdup(path));
	e->type = type;
	e->mode = mode & 07777;
	e->uid = uid;
	e->gid = gid;
	return e;
}

static bool same_bytes(const struct entry *a, const struct entry *b)
{
	if (!!a->source != !!b->source)
		return false;
	if (a->source)
		return !strcmp(a->source, b->source);
	return a->size == b->size && !memcmp(a->data, b->data, a->size);
}

static bool entries_equal(const struct entry *a, const struct entry *b)
{
	if (a->type != b->type || a->mode != b->mode || a->uid != b->uid ||
	    a->gid != b->gid)
		return false;
	switch (a->type) {
	case ENTRY_FILE:
		return same_bytes(a, b);
	case ENTRY_SLINK:
		return !strcmp(a->target, b->target);
	case ENTRY_NOD:
		return a->devtype == b->devtype && a->major == b->major &&
		       a->minor == b->minor;
	default:
		return true;
	}
}

static void index_put(struct manifest *m, struct entry *e)
{
	hmap_put(&m->index, e->path, e);
}

static void append(struct manifest *m, struct entry *e)
{
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 256;
		m->v = xrealloc(m->v, m->alloc * sizeof(*m->v));
	}
	m->v[m->n++] = e;
	index_put(m, e);
}

/* Create the missing parents of path as implicit directories. A parent that
 * is a symlink is fine (finalize resolves through it); one that is a file
 * is a conflict. */
static int add_parents(struct manifest *m, const char *path)
{
	char *p = xstrdup(path);
	char *slash;
	int r = 0;

	while ((slash = strrchr(p, '/')) && slash != p) {
		struct entry *e;

		*slash = '\0';
		e = hmap_get(&m->index, p);
		if (e) {
			if (e->type != ENTRY_DIR && e->type != ENTRY_SLINK)
				r = error("%s: parent %s is a %s, not a directory",
					  path, p, type_name[e->type]);
			break;
		}
	}
	if (r)
		goto out;
	/* Now create from the top down, so every parent exists first. */
	free(p);
	p = xstrdup(path);
	for (slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (!hmap_get(&m->index, p)) {
			struct entry *d = entry_new(p, ENTRY_DIR, 0755, 0, 0);

			d->implicit = true;
			d->seq = ++m->seq;
			append(m, d);
		}
		*slash = '/';
	}
out:
	free(p);
	return r;
}

/* Takes ownership of e. */
static int add_entry(struct manifest *m, struct entry *e, const char *why)
{
	struct entry *old;
	int r;

	if (!strcmp(e->path, "/")) {
		/* The root exists in every image; its mode is the kernel's. */
		entry_free(e);
		return 0;
	}
	r = add_parents(m, e->path);
	if (r) {
		entry_free(e);
		return r;
	}
	e->seq = ++m->seq;
	old = hmap_get(&m->index, e->path);
	if (!old) {
		if (why)
			verbose("%s", why);
		append(m, e);
		return 0;
	}
	if (entries_equal(old, e) || (e->type == ENTRY_DIR && e->implicit) ||
	    (e->weak && !old->weak)) {
		if (old->type == ENTRY_DIR && !e->implicit)
			old->implicit = false;
		entry_free(e);
		return 0;
	}
	if (why)
		verbose("%s", why);
	debug("%s: %s replaces %s", e->path, type_name[e->type],
	      type_name[old->type]);
	/* Later wins: move the new contents into the old slot. */
	entry_clear(old);
	free(e->path);
	e->path = old->path;
	*old = *e;
	free(e);
	return 0;
}

int manifest_add_dir(struct manifest *m, const char *path, unsigned mode,
		     unsigned uid, unsigned gid, const char *why)
{
	return add_entry(m, entry_new(path, ENTRY_DIR, mode, uid, gid), why);
}

static void set_decompress(struct entry *e)
{
	static const char *const sfx[] = { ".gz", ".xz", ".zst" };

	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++)
		if (str_ends(e->source, sfx[i]) && !str_ends(e->path, sfx[i]))
			e->decompress = true;
}

/* Sources are kept absolute, so --print output reads back anywhere. Not
 * normalised: "dir/.." must still go through a symlinked dir. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return path_join(cwd, path);
}

int manifest_add_file(struct manifest *m, const char *path, const char *source,
		      unsigned mode, unsigned uid, unsigned gid, const char *why)
{
	struct entry *e;
	struct stat st;

	if (stat(source, &st) < 0)
		return error_errno(errno, "%s", source);
	if (!S_ISREG(st.st_mode))
		return error("%s: not a regular file", source);
	e = entry_new(path, ENTRY_FILE, mode, uid, gid);
	e->source = absolute(source);
	e->size = (size_t)st.st_size;
	set_decompress(e);
	return add_entry(m, e, why);
}

int manifest_link(struct manifest *m, const char *path, const char *key)
{
	struct entry *e = manifest_get(m, path);

	if (!e || e->type != ENTRY_FILE || !e->source)
		return error("%s: only files from the host can be hardlinks", path);
	free(e->link_key);
	e->link_key = xstrdup(key);
	return 0;
}

int manifest_add_data(struct manifest *m, const char *path, const void *data,
		      size_t size, unsigned mode, unsigned uid, unsigned gid,
		      const char *why)
{
	struct entry *e = entry_new(path, ENTRY_FILE, mode, uid, gid);

	e->data = xmalloc(size + 1);
	memcpy(e->data, data, size);
	e->data[size] = '\0';
	e->size = size;
	return add_entry(m, e, why);
}

int manifest_add_slink(struct manifest *m, const char *path, const char *target,
		       unsigned mode, unsigned uid, unsigned gid, const char *why)
{
	struct entry *e;

	if (!*target)
		return error("%s: empty symlink target", path);
	e = entry_new(path, ENTRY_SLINK, mode, uid, gid);
	e->target = xstrdup(target);
	return add_entry(m, e, why);
}

int manifest_add_weak_slink(struct manifest *m, const char *path,
			    const char *target)
{
	struct entry *e = entry_new(path, ENTRY_SLINK, 0777, 0, 0);

	e->target = xstrdup(target);
	e->weak = true;
	return add_entry(m, e, NULL);
}

int manifest_add_nod(struct manifest *m, const char *path, unsigned mode,
		     unsigned uid, unsigned gid, char devtype, unsigned major,
		     unsigned minor, const char *why)
{
	struct entry *e;

	if (devtype != 'b' && devtype != 'c')
		return error("%s: device type must be b or c, not '%c'", path,
			     devtype);
	e = entry_new(path, ENTRY_NOD, mode, uid, gid);
	e->devtype = devtype;
	e->major = major;
	e->minor = minor;
	return add_entry(m, e, why);
}

int manifest_add_special(struct manifest *m, enum entry_type type,
			 const char *path, unsigned mode, unsigned uid,
			 unsigned gid, const char *why)
{
	return add_entry(m, entry_new(path, type, mode, uid, gid), why);
}

static const char *image_link(const char *path, void *ctx)
{
	struct entry *e = hmap_get(&((struct manifest *)ctx)->index, path);

	return e && e->type == ENTRY_SLINK ? e->target : NULL;
}

/* path through the image's symlinks, or NULL for a loop. */
static char *resolve_in_image(struct manifest *m, const char *path)
{
	return path_resolve(path, image_link, m);
}

struct entry *manifest_resolve(struct manifest *m, const char *path)
{
	char *canon = resolve_in_image(m, path);
	struct entry *e = canon ? hmap_get(&m->index, canon) : NULL;

	free(canon);
	return e;
}

char *manifest_place(struct manifest *m, const char *path)
{
	char *dir = path_dirname(path), *canon = resolve_in_image(m, dir);
	char *out = canon ? path_join(canon, path_basename(path)) : NULL;

	free(dir);
	free(canon);
	return out ? path_normalize(out) : xstrdup(path);
}

/* Move e to canon, merging with what is there. */
static int move_entry(struct manifest *m, struct entry *e, char *canon)
{
	struct entry *old = hmap_get(&m->index, canon);
	int r;

	debug("%s: placed at %s (through an image symlink)", e->path, canon);
	if (hmap_get(&m->index, e->path) == e)
		hmap_put(&m->index, e->path, NULL);
	free(e->path);
	e->path = canon;
	if (old) {
		struct entry *keep = e, *lose = old;

		if (old->weak != e->weak) {
			if (e->weak) {
				keep = old;
				lose = e;
			}
		} else if (old->type == ENTRY_DIR && e->type == ENTRY_DIR) {
			if (e->implicit || (!old->implicit && old->seq > e->seq)) {
				keep = old;
				lose = e;
			}
		} else if (entries_equal(old, e) || old->seq > e->seq) {
			keep = old;
			lose = e;
		}
		lose->dead = true;
		index_put(m, keep);
		if (keep == old)
			return 0;
	}
	index_put(m, e);
	r = add_parents(m, e->path);
	return r;
}

static int depth_cmp(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	size_t dx = 0, dy = 0;

	for (const char *p = x->path; *p; p++)
		dx += *p == '/';
	for (const char *p = y->path; *p; p++)
		dy += *p == '/';
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int path_cmp(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;

	return strcmp(x->path, y->path);
}

static void compact(struct manifest *m)
{
	size_t o = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i]->dead)
			entry_free(m->v[i]);
		else
			m->v[o++] = m->v[i];
	}
	m->n = o;
}

static int canonicalize(struct manifest *m)
{
	for (int pass = 0; pass < 16; pass++) {
		bool changed = false;

		if (m->n)
			qsort(m->v, m->n, sizeof(*m->v), depth_cmp);
		/* m->n may grow as parents are created; new ones are canonical. */
		for (size_t i = 0, n = m->n; i < n; i++) {
			struct entry *e = m->v[i];
			char *dir, *canon, *full;
			int r;

			if (e->dead)
				continue;
			dir = path_dirname(e->path);
			canon = resolve_in_image(m, dir);
			free(dir);
			if (!canon)
				return error("%s: symlink loop in the image",
					     e->path);
			full = path_join(canon, path_basename(e->path));
			free(canon);
			if (!strcmp(full, e->path)) {
				free(full);
				continue;
			}
			changed = true;
			r = move_entry(m, e, full);
			if (r)
				return r;
		}
		compact(m);
		if (!changed)
			return 0;
	}
	return error("image symlinks do not settle after 16 passes");
}

static void link_groups(struct manifest *m)
{
	struct hmap groups = { 0 };
	unsigned long ino = 0;

	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = m->v[i], *head;
		char *key;

		e->nlink = e->type == ENTRY_DIR ? 2 : 1;
		e->link_head = e;
		e->link_next = NULL;
		if (e->type != ENTRY_FILE || !e->link_key) {
			e->ino = ++ino;
			continue;
		}
		/* A group is one inode: same key and same metadata. */
		key = xasprintf("%s:%o:%u:%u:%d", e->link_key, e->mode,
				e->uid, e->gid, e->decompress);
		head = hmap_get(&groups, key);
		if (head) {
			struct entry *last = head;

			while (last->link_next)
				last = last->link_next;
			last->link_next = e;
			e->link_head = head;
			e->ino = head->ino;
			head->nlink++;
		} else {
			e->ino = ++ino;
			hmap_put(&groups, key, e);
		}
		free(key);
	}
	for (size_t i = 0; i < m->n; i++)
		m->v[i]->nlink = m->v[i]->link_head->nlink;
	hmap_free(&groups);
}

int manifest_finalize(struct manifest *m)
{
	int r = canonicalize(m);

	if (r)
		return r;
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = m->v[i], *p;
		char *dir = path_dirname(e->path);

		p = strcmp(dir, "/") ? hmap_get(&m->index, dir) : NULL;
		if (p && p->type != ENTRY_DIR)
			r = error("%s: parent %s is a %s, not a directory",
				  e->path, dir, type_name[p->type]);
		free(dir);
		if (r)
			return r;
	}
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), path_cmp);
	link_groups(m);
	m->finalized = true;
	return 0;
}
