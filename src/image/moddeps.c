// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cpio.h"
#include "elfdeps.h"
#include "moddeps.h"
#include "modfiles.h"

struct modent {
	char *name;
	char *path;		/* in the image */
	char *params;
	bool load;		/* in the init's list: not only for modprobe */
};

struct moddeps {
	struct manifest *m;
	struct kmod_ctx *ctx;
	char *kver;
	char *dir;		/* host directory with modules.dep */
	char *fwroot;		/* X of X/lib/modules/<kver>, or NULL */
	struct hmap visited;	/* name -> (void *)1: added with what it needs */
	struct hmap marked;	/* name -> (void *)1: marked for the init */
	struct hmap listed;	/* name -> struct modent * */
	struct modent **list;
	size_t n, alloc;
	struct buf conf;
};

static void kmod_log(void *data, int priority, const char *file, int line,
		     const char *fn, const char *format, va_list args)
{
	char msg[1024];
	size_t n;

	(void)data, (void)file, (void)line, (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (priority <= 3)	/* LOG_ERR */
		warn("libkmod: %s", msg);
	else
		debug("libkmod: %s", msg);
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static bool has_index(const char *dir)
{
	char *a = path_join(dir, "modules.dep.bin");
	char *b = path_join(dir, "modules.dep");
	struct stat st;
	bool r = !stat(a, &st) || !stat(b, &st);

	free(a);
	free(b);
	return r;
}

/* The directory with modules.dep, as a real path (libkmod hands back
 * absolute module paths; they are matched against it). */
static char *find_dir(struct manifest *m, const char *moddir, const char *kver,
		      bool quiet)
{
	char *image = xasprintf("/lib/modules/%s", kver), *found = NULL;
	char *shown = NULL;
	struct stat st;

	if (moddir) {
		char *c[] = {
			xstrdup(moddir),
			path_join(moddir, image),
			path_join(moddir, kver),
		};

		for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
			if (!found && is_dir(c[i]) && has_index(c[i]))
				found = realpath(c[i], NULL);
			free(c[i]);
		}
		if (!found && !quiet)
			shown = xstrdup(moddir);
	} else {
		char *host = manifest_stat_host(m, image, &st);

		if (host && S_ISDIR(st.st_mode) && has_index(host))
			found = realpath(host, NULL);
		else if (host && S_ISDIR(st.st_mode) && !quiet)
			error("%s: no modules.dep (run depmod)", host);
		else if (!quiet)
			shown = manifest_host_path(m, image);
		free(host);
	}
	if (shown)
		error("%s: modules directory for %s not found", shown, kver);
	free(shown);
	free(image);
	return found;
}

bool moddeps_exists(struct manifest *m, const char *moddir, const char *kver)
{
	char *dir = find_dir(m, moddir, kver, true);

	free(dir);
	return dir != NULL;
}

int moddeps_open(struct moddeps **out, struct manifest *m, const char *moddir,
		 const char *kver)
{
	static const char *const no_config[] = { NULL };
	struct moddeps *d;
	char *dir = find_dir(m, moddir, kver, false);

	if (!dir)
		return -ENOENT;
	d = xcalloc(1, sizeof(*d));
	d->m = m;
	d->dir = dir;
	d->kver = xstrdup(kver);
	{
		/* An INSTALL_MOD_PATH may carry firmware beside the modules. */
		char *tail = xasprintf("/lib/modules/%s", kver);

		if (str_ends(dir, tail) && strlen(dir) > strlen(tail))
			d->fwroot = xstrndup(dir, strlen(dir) - strlen(tail));
		free(tail);
	}
	d->ctx = kmod_new(dir, no_config);
	if (!d->ctx) {
		moddeps_close(d);
		return error("%s: libkmod cannot open it", dir);
	}
	kmod_set_log_fn(d->ctx, kmod_log, NULL);
	kmod_set_log_priority(d->ctx, log_level >= LOG_DEBUG ? 7 : 3);
	if (kmod_load_resources(d->ctx) < 0) {
		moddeps_close(d);
		return error("%s: cannot load the module indexes", dir);
	}
	*out = d;
	return 0;
}

void moddeps_close(struct moddeps *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->list[i]->name);
		free(d->list[i]->path);
		free(d->list[i]->params);
		free(d->list[i]);
	}
	free(d->list);
	hmap_free(&d->visited);
	hmap_free(&d->marked);
	hmap_free(&d->listed);
	buf_free(&d->conf);
	if (d->ctx)
		kmod_unref(d->ctx);
	free(d->dir);
	free(d->fwroot);
	free(d->kver);
	free(d);
}

const char *moddeps_dir(const struct moddeps *d)
{
	return d->dir;
}

/* One firmware candidate: in the modules tree's root (an INSTALL_MOD_PATH)
 * first, then in the sysroot. 1 when found and added, 0 when not there. */
static int try_firmware(struct moddeps *d, const char *path, const char *why)
{
	struct stat st;
	bool found;
	char *host;
	int r;

	if (d->fwroot) {
		host = path_join(d->fwroot, path);
		found = !stat(host, &st) && S_ISREG(st.st_mode);
		r = found ? manifest_add_file(d->m, path, host, 0644, 0, 0, why) : 0;
		free(host);
		if (found || r)
			return r ? r : 1;
	}
	host = manifest_stat_host(d->m, path, &st);
	found = host && S_ISREG(st.st_mode);
	r = found ? manifest_add_host(d->m, path, why, NULL) : 0;
	free(host);
	return r ? r : found;
}

/* Firmware search order of the kernel's firmware loader
 * (drivers/base/firmware_loader/main.c fw_path[]): every directory
 * uncompressed first, then each compressed suffix. */
static int add_firmware(struct moddeps *d, const char *modname, const char *fw)
{
	static const char *const sfx[] = { "", ".zst", ".xz" };
	char *dirs[] = {
		xasprintf("/lib/firmware/updates/%s", d->kver),
		xstrdup("/lib/firmware/updates"),
		xasprintf("/lib/firmware/%s", d->kver),
		xstrdup("/lib/firmware"),
	};
	bool found = false;
	int r = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sfx) && !found && !r; s++) {
		for (size_t i = 0; i < ARRAY_SIZE(dirs) && !found && !r; i++) {
			char *path = xasprintf("%s/%s%s", dirs[i], fw, sfx[s]);
			char *why = xasprintf("firmware %s (of %s)", path, modname);

			r = try_firmware(d, path, why);
			found = r > 0;
			free(why);
			free(path);
		}
	}
	if (r > 0)
		r = 0;
	if (!found)
		verbose("firmware %s (of %s) not found, skipped", fw, modname);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		free(dirs[i]);
	return r;
}

/* libkmod reads modinfo of the compressions it was built with (Debian's
 * has no zlib); any other module is decompressed here, and its .modinfo
 * read with libelf. */
static int firmware_from_file(struct moddeps *d, const char *name,
			      const char *path)
{
	struct strv fw = { 0 };
	struct buf data = { 0 };
	int r = cpio_decompress(path, &data);

	if (r)
		return r;	/* said; the module could not be stored either */
	r = elf_modinfo(data.p, data.len, "firmware", &fw);
	buf_free(&data);
	if (r) {
		warn("%s: cannot read modinfo for firmware", path);
		strv_free(&fw);
		return 0;
	}
	for (size_t i = 0; i < fw.n && !r; i++)
		r = add_firmware(d, name, fw.v[i]);
	strv_free(&fw);
	return r;
}

static int add_module_file(struct moddeps *d, struct kmod_module *mod,
			   const char *why)
{
	const char *name = kmod_module_get_name(mod);
	const char *path = kmod_module_get_path(mod);
	size_t dl = strlen(d->dir);
	struct kmod_list *info = NULL, *l;
	struct modent *e;
	char *rel, *dot;
	int r;

	if (!strncmp(path, d->dir, dl) && path[dl] == '/')
		rel = xasprintf("/lib/modules/%s%s", d->kver, path + dl);
	else
		rel = xasprintf("/lib/modules/%s/extra/%s", d->kver,
				path_basename(path));
	dot = strrchr(rel, '.');
	if (dot && (!strcmp(dot, ".gz") || !strcmp(dot, ".xz") ||
		    !strcmp(dot, ".zst")))
		*dot = '\0';
	r = manifest_add_file(d->m, rel, path, 0644, 0, 0, why);
	if (r) {
		free(rel);
		return r;
	}
	e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(name);
	e->path = rel;
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 32;
		d->list = xrealloc(d->list, d->alloc * sizeof(*d->list));
	}
	d->list[d->n++] = e;
	hmap_put(&d->listed, name, e);

	if (kmod_module_get_info(mod, &info) < 0)
		return firmware_from_file(d, name, path);
	kmod_list_foreach(l, info) {
		if (strcmp(kmod_module_info_get_key(l), "firmware"))
			continue;
		r = add_firmware(d, name, kmod_module_info_get_value(l));
		if (r)
			break;
	}
	kmod_module_info_free_list(info);
	return r;
}

/*
 * A module and what modprobe would load with it, in its order: each
 * dependency from modules.dep and then the module, each preceded by its
 * pre-softdeps and followed by its post-softdeps (libkmod's probe list).
 * One walk adds the files, one marks what the init loads, one lists what
 * BusyBox's modprobe must load (modfiles.h).
 */
struct walk {
	struct hmap *seen;	/* modules already walked */
	bool post;		/* follow post-softdeps */
	int (*visit)(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		     const char *why);
	struct strv *out;	/* the list walk's names */
};

static int walk(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		const char *why);

static int walk_softdeps(struct moddeps *d, struct walk *w,
			 struct kmod_list *list, const char *of)
{
	struct kmod_list *l;
	int r = 0;

	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);
		char *why = xasprintf("kmod %s (softdep of %s)",
				      kmod_module_get_name(mod), of);

		r = walk(d, w, mod, why);
		free(why);
		if (r)
			break;
	}
	return r;
}

/* libkmod's "fill softdep": pre-softdeps, the module, post-softdeps. */
static int fill(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		const char *why)
{
	const char *name = kmod_module_get_name(mod);
	struct kmod_list *pre = NULL, *post = NULL;
	int r;

	if (kmod_module_get_softdeps(mod, &pre, &post) < 0)
		pre = post = NULL;
	r = walk_softdeps(d, w, pre, name);
	if (!r)
		r = w->visit(d, w, mod, why);
	if (!r && w->post)
		r = walk_softdeps(d, w, post, name);
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	return r;
}

/* Takes over the reference to mod. */
static int walk(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		const char *why)
{
	const char *name = kmod_module_get_name(mod);
	struct kmod_list *deps, *l;
	int r = 0;

	if (hmap_get(w->seen, name)) {
		kmod_module_unref(mod);
		return 0;
	}
	hmap_put(w->seen, name, (void *)1);
	if (!kmod_module_get_path(mod)) {
		debug("module %s is built into %s", name, d->kver);
		kmod_module_unref(mod);
		return 0;
	}
	/* modules.dep lists the closure; libkmod returns it in load order. */
	deps = kmod_module_get_dependencies(mod);
	kmod_list_foreach(l, deps) {
		struct kmod_module *dep = kmod_module_get_module(l);
		char *dwhy = xasprintf("kmod %s (dependency of %s)",
				       kmod_module_get_name(dep), name);

		r = fill(d, w, dep, dwhy);
		free(dwhy);
		kmod_module_unref(dep);
		if (r)
			break;
	}
	kmod_module_unref_list(deps);
	if (!r)
		r = fill(d, w, mod, why);
	kmod_module_unref(mod);
	return r;
}

static int visit_add(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		     const char *why)
{
	(void)w;
	if (hmap_get(&d->listed, kmod_module_get_name(mod)))
		return 0;
	return add_module_file(d, mod, why);
}

static int visit_mark(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		      const char *why)
{
	struct modent *e = hmap_get(&d->listed, kmod_module_get_name(mod));

	(void)w, (void)why;
	if (e)
		e->load = true;
	return 0;
}

static int visit_list(struct moddeps *d, struct walk *w, struct kmod_module *mod,
		      const char *why)
{
	const char *name = kmod_module_get_name(mod);

	(void)d, (void)why;
	if (!strv_contains(w->out, name))
		strv_push(w->out, name);
	return 0;
}

static int add(struct moddeps *d, const char *name, const char *params,
	       bool quiet, bool load)
{
	struct walk adding = { &d->visited, true, visit_add, NULL };
	struct walk marking = { &d->marked, true, visit_mark, NULL };
	struct kmod_list *list = NULL, *l;
	int r = 0;

	if (kmod_module_new_from_lookup(d->ctx, name, &list) < 0)
		return error("module %s: lookup failed in %s", name, d->dir);
	if (!list && quiet)
		debug("module %s: not in %s", name, d->dir);
	if (!list)
		return quiet ? 0 : error("module %s: not found in %s", name, d->dir);
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);
		const char *mname = kmod_module_get_name(mod);
		char *why = xasprintf("kmod %s%s", mname, quiet ?
				      " (a driver of tinyrd's VM devices)" :
				      load ? "" : " (for modprobe, not loaded)");
		struct modent *e;

		if (!kmod_module_get_path(mod) && !quiet)
			note("module %s is built into %s, skipped", mname,
			     d->kver);
		r = walk(d, &adding, kmod_module_ref(mod), why);
		if (!r && load)
			r = walk(d, &marking, kmod_module_ref(mod), why);
		free(why);
		e = hmap_get(&d->listed, mname);
		if (!r && e && params && *params) {
			free(e->params);
			e->params = xstrdup(params);
		}
		kmod_module_unref(mod);
		if (r)
			break;
	}
	kmod_module_unref_list(list);
	return r;
}

int moddeps_add(struct moddeps *d, const char *name, const char *params)
{
	return add(d, name, params, false, true);
}

int moddeps_add_noload(struct moddeps *d, const char *name)
{
	return add(d, name, NULL, false, false);
}

int moddeps_add_if_module(struct moddeps *d, const char *name)
{
	return add(d, name, NULL, true, true);
}

/* A listed module's path below /lib/modules/<kver>/ in the image. */
static const char *rel_path(struct moddeps *d, const char *name)
{
	struct modent *e = hmap_get(&d->listed, name);

	return e ? e->path + strlen("/lib/modules/") + strlen(d->kver) + 1 : NULL;
}

/* Its modules.dep line, and BusyBox's (modfiles.h): what kmod would
 * load before it, post-softdeps left out, in reverse. */
static int describe(struct moddeps *d, const struct modent *e,
		    struct modfiles_mod *out)
{
	struct strv names = { 0 };
	struct hmap seen = { 0 };
	struct walk listing = { &seen, false, visit_list, &names };
	struct kmod_module *mod;
	struct kmod_list *deps, *l;
	int r;

	out->name = e->name;
	out->path = rel_path(d, e->name);
	if (kmod_module_new_from_name(d->ctx, e->name, &mod) < 0)
		return error("module %s: lookup failed in %s", e->name, d->dir);
	/* libkmod's load order is the line's, reversed. */
	deps = kmod_module_get_dependencies(mod);
	kmod_list_foreach_reverse(l, deps) {
		struct kmod_module *dep = kmod_module_get_module(l);
		const char *p = rel_path(d, kmod_module_get_name(dep));

		if (p)
			strv_push(&out->deps, p);
		kmod_module_unref(dep);
	}
	kmod_module_unref_list(deps);
	r = walk(d, &listing, mod, NULL);
	for (size_t i = names.n; !r && i-- > 0; ) {
		const char *p = rel_path(d, names.v[i]);

		if (p && strcmp(names.v[i], e->name))
			strv_push(&out->bbdeps, p);
	}
	strv_free(&names);
	hmap_free(&seen);
	return r;
}

int moddeps_modprobe_files(struct moddeps *d)
{
	struct modfiles_mod *mods;
	int r = 0;

	if (!d->n)
		return 0;
	mods = xcalloc(d->n, sizeof(*mods));
	for (size_t i = 0; !r && i < d->n; i++)
		r = describe(d, d->list[i], &mods[i]);
	if (!r)
		r = modfiles_add(d->m, d->dir, d->kver, mods, d->n);
	for (size_t i = 0; i < d->n; i++) {
		strv_free(&mods[i].deps);
		strv_free(&mods[i].bbdeps);
	}
	free(mods);
	return r;
}

const char *moddeps_config(struct moddeps *d, size_t *len)
{
	buf_reset(&d->conf);
	buf_reserve(&d->conf, 0);
	for (size_t i = 0; i < d->n; i++) {
		const struct modent *e = d->list[i];

		if (!e->load)
			continue;
		buf_printf(&d->conf, "%s %s%s%s\n", e->name, e->path,
			   e->params ? " " : "", e->params ? e->params : "");
	}
	*len = d->conf.len;
	return d->conf.p;
}
