// SPDX-License-Identifier: MIT
/*
 * The modprobe files of an image's modules (modfiles.h).
 *
 * Aliases, symbols, softdeps and device names come from the host's own
 * depmod output, filtered to the image's modules, rather than from each
 * module's modinfo: depmod has already decided which module owns each
 * symbol (no modinfo says it), spelled the aliases and ordered the
 * modules, so the guest's modprobe sees what the host's sees for these
 * modules, and no module is read again (libkmod cannot read every
 * compression: Debian's has no zlib for .ko.gz). The binary indexes are
 * made from the same lines, as depmod makes both from one set
 * (tools/depmod.c, depmod_output()).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "modfiles.h"
#include "modindex.h"

struct ctx {
	struct manifest *m;
	const char *dir;	/* the host's modules directory */
	char *dest;		/* /lib/modules/<kver> */
	struct modfiles_mod **v;	/* by modules.order */
	size_t n;
	struct hmap prio;	/* name -> its place in v, plus 1 */
};

/* The host's file; 1 when it has none. */
static int host_file(struct ctx *c, const char *name, struct buf *out)
{
	char *p = path_join(c->dir, name);
	int r = read_file(p, out);

	if (r == -ENOENT)
		debug("%s: none, so none in the image", p);
	else if (r)
		error_errno(r, "%s", p);
	free(p);
	return r == -ENOENT ? 1 : r;
}

static int add_data(struct ctx *c, const char *name, const struct buf *data)
{
	char *path = path_join(c->dest, name);
	char *why = xasprintf("modprobe's %s", name);
	int r = manifest_add_data(c->m, path, data->p ? data->p : "", data->len,
				  0644, 0, 0, why);

	free(why);
	free(path);
	return r;
}

static int add_index(struct ctx *c, const char *name, struct modindex *ix)
{
	struct buf out = { 0 };
	int r = modindex_write(ix, &out);

	if (!r)
		r = add_data(c, name, &out);
	buf_free(&out);
	modindex_free(ix);
	return r;
}

/* The compressed suffix off a module's file name, as it is in the image. */
static char *image_name(const char *path)
{
	static const char *const sfx[] = { ".gz", ".xz", ".zst" };

	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++)
		if (str_ends(path, sfx[i]))
			return xstrndup(path, strlen(path) - strlen(sfx[i]));
	return xstrdup(path);
}

/* The line of data at *at, its newline cut, *at moved past it; NULL at
 * the end. */
static char *next_line(struct buf *data, char **at)
{
	char *l = *at, *nl;

	if (!l || l >= data->p + data->len)
		return NULL;
	nl = memchr(l, '\n', (size_t)(data->p + data->len - l));
	if (nl)
		*nl = '\0';
	*at = nl ? nl + 1 : data->p + data->len;
	return l;
}

/* The order of depmod's modules.dep: modules.order's, then the others
 * as they came. A module's priority in the indexes is its place. */
struct place {
	struct modfiles_mod *mod;
	size_t order, seq;
};

static int cmp_place(const void *pa, const void *pb)
{
	const struct place *a = pa, *b = pb;

	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int order(struct ctx *c, struct modfiles_mod *mods, size_t n)
{
	struct place *pl = xcalloc(n ? n : 1, sizeof(*pl));
	struct buf data = { 0 }, out = { 0 };
	struct hmap at = { 0 };	/* path -> struct place * */
	size_t line = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		pl[i] = (struct place){ &mods[i], SIZE_MAX, i };
		hmap_put(&at, mods[i].path, &pl[i]);
	}
	r = host_file(c, "modules.order", &data);
	if (!r) {
		char *l, *next = data.p;

		while ((l = next_line(&data, &next))) {
			char *name = image_name(l);
			struct place *p = hmap_get(&at, name);

			if (p && p->order == SIZE_MAX) {
				p->order = line;
				buf_printf(&out, "%s\n", name);
			}
			line++;
			free(name);
		}
		r = add_data(c, "modules.order", &out);
	}
	if (r < 0)
		goto out;
	r = 0;
	qsort(pl, n, sizeof(*pl), cmp_place);
	c->v = xcalloc(n ? n : 1, sizeof(*c->v));
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		c->v[i] = pl[i].mod;
		hmap_put(&c->prio, pl[i].mod->name, (void *)(i + 1));
	}
out:
	hmap_free(&at);
	buf_free(&data);
	buf_free(&out);
	free(pl);
	return r;
}

static void dep_line(struct buf *b, const struct modfiles_mod *mod,
		     const struct strv *deps)
{
	buf_printf(b, "%s:", mod->path);
	for (size_t i = 0; i < deps->n; i++)
		buf_printf(b, " %s", deps->v[i]);
	buf_addc(b, '\n');
}

static int deps(struct ctx *c)
{
	struct buf text = { 0 }, line = { 0 };
	struct modindex ix;
	int r;

	modindex_init(&ix);
	for (size_t i = 0; i < c->n; i++) {
		dep_line(&text, c->v[i], &c->v[i]->bbdeps);
		buf_reset(&line);
		dep_line(&line, c->v[i], &c->v[i]->deps);
		line.p[--line.len] = '\0';
		modindex_add(&ix, c->v[i]->name, line.p, (unsigned)i);
	}
	r = add_data(c, "modules.dep", &text);
	if (!r)
		r = add_index(c, "modules.dep.bin", &ix);
	modindex_free(&ix);
	buf_free(&text);
	buf_free(&line);
	return r;
}

/*
 * The host's lines of name that are about the image's modules: those
 * whose field namef (from 1) is one, and the comments. With ix, each
 * kept line's field keyf is a key for that module, spelled as an alias
 * index wants it when alias.
 */
static int filter(struct ctx *c, const char *name, int namef,
		  struct modindex *ix, int keyf, bool alias)
{
	struct buf data = { 0 }, out = { 0 };
	int r = host_file(c, name, &data);

	if (r)
		goto out;
	for (char *l, *next = data.p; (l = next_line(&data, &next)); ) {
		char *copy = xstrdup(l), *f[4] = { 0 }, *save = NULL;
		void *prio;
		int nf = 0;

		for (char *w = strtok_r(copy, " \t", &save); w && nf < 4;
		     w = strtok_r(NULL, " \t", &save))
			f[nf++] = w;
		if (l[0] == '#') {
			buf_printf(&out, "%s\n", l);
		} else if (nf >= namef && nf >= keyf &&
			   (prio = hmap_get(&c->prio, f[namef - 1]))) {
			buf_printf(&out, "%s\n", l);
			if (ix) {
				char *key = alias ? modindex_alias_key(f[keyf - 1]) :
					    xstrdup(f[keyf - 1]);

				if (key)
					modindex_add(ix, key, f[namef - 1],
						     (unsigned)((uintptr_t)prio - 1));
				else
					warn("%s/%s: %s: unmatched bracket, "
					     "skipped", c->dir, name, f[keyf - 1]);
				free(key);
			}
		}
		free(copy);
	}
	r = add_data(c, name, &out);
out:
	buf_free(&data);
	buf_free(&out);
	return r;
}

/* kmod's modname of a path: its base name up to the first '.', with '-'
 * as '_'. */
static char *modname(const char *path)
{
	const char *base = path_basename(path);
	char *n = xstrndup(base, strcspn(base, "."));

	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

/* The kernel's own: copied whole, and indexed as depmod does. */
static int builtin(struct ctx *c)
{
	static const char *const copies[] = {
		"modules.builtin", "modules.builtin.modinfo",
	};
	struct buf data = { 0 };
	struct modindex ix;
	int r = 0;

	for (size_t i = 0; !r && i < ARRAY_SIZE(copies); i++) {
		char *host = path_join(c->dir, copies[i]);
		char *path = path_join(c->dest, copies[i]);
		char *why = xasprintf("modprobe's %s", copies[i]);
		struct stat st;

		if (!stat(host, &st))
			r = manifest_add_file(c->m, path, host, 0644, 0, 0, why);
		free(why);
		free(host);
		free(path);
	}
	/* libkmod wants modules.builtin.bin, empty or not. */
	modindex_init(&ix);
	if (!r && (r = host_file(c, "modules.builtin", &data)) == 1)
		r = 0;
	for (char *l, *next = data.p; (l = next_line(&data, &next)); ) {
		char *name;

		if (!isalpha((unsigned char)l[0]))
			continue;
		name = modname(l);
		modindex_add(&ix, name, "", 0);
		free(name);
	}
	if (!r)
		r = add_index(c, "modules.builtin.bin", &ix);
	modindex_free(&ix);
	buf_reset(&data);
	/* Records "name.key=value\0"; the alias ones, when it has them. */
	if (!r && !(r = host_file(c, "modules.builtin.modinfo", &data))) {
		modindex_init(&ix);
		for (char *p = data.p; p && p < data.p + data.len;
		     p += strlen(p) + 1) {
			char *dot = strchr(p, '.'), *key;

			if (!dot || dot == p || !str_starts(dot, ".alias=") ||
			    !dot[7])
				continue;
			key = modindex_alias_key(dot + 7);
			*dot = '\0';
			if (key)
				modindex_add(&ix, key, p, 0);
			*dot = '.';
			free(key);
		}
		r = add_index(c, "modules.builtin.alias.bin", &ix);
	}
	buf_free(&data);
	return r < 0 ? r : 0;
}

int modfiles_add(struct manifest *m, const char *dir, const char *kver,
		 struct modfiles_mod *mods, size_t n)
{
	struct ctx c = { .m = m, .dir = dir };
	struct modindex alias, syms;
	int r;

	c.dest = xasprintf("/lib/modules/%s", kver);
	modindex_init(&alias);
	modindex_init(&syms);
	r = order(&c, mods, n);
	if (!r)
		r = deps(&c);
	if (!r && (r = filter(&c, "modules.alias", 3, &alias, 2, true)) >= 0)
		r = add_index(&c, "modules.alias.bin", &alias);
	if (!r && (r = filter(&c, "modules.symbols", 3, &syms, 2, false)) >= 0)
		r = add_index(&c, "modules.symbols.bin", &syms);
	if (!r && (r = filter(&c, "modules.softdep", 2, NULL, 0, false)) > 0)
		r = 0;
	if (!r && (r = filter(&c, "modules.weakdep", 2, NULL, 0, false)) > 0)
		r = 0;
	if (!r && (r = filter(&c, "modules.devname", 1, NULL, 0, false)) > 0)
		r = 0;
	if (!r)
		r = builtin(&c);
	modindex_free(&alias);
	modindex_free(&syms);
	hmap_free(&c.prio);
	free(c.v);
	free(c.dest);
	return r;
}
