// SPDX-License-Identifier: MIT
/*
 * The verbs an image is made with, shared by the command line (build.c)
 * and recipes (recipe.c): a module with its dependencies, a host file, the
 * init, busybox with its applets, the command the init runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "busybox.h"
#include "moddeps.h"
#include "../common/kernel.h"

static int resolve_kver(struct build *b)
{
	if (b->kver)
		return 0;
	if (b->o->kver) {
		b->kver = xstrdup(b->o->kver);
		return 0;
	}
	if (b->o->kernel)
		return kernel_release(b->o->kernel, &b->kver);
	b->kver = kernel_host_release();
	return 0;
}

static int open_mods(struct build *b)
{
	int r = resolve_kver(b);

	if (!r && !b->mods)
		r = moddeps_open(&b->mods, &b->m, b->o->moddir, b->kver);
	return r;
}

int build_kmod(struct build *b, const char *spec)
{
	size_t n = strcspn(spec, " \t");
	const char *params = spec + n + strspn(spec + n, " \t");
	char *name = xstrndup(spec, n);
	int r = 0;

	if (!*name)
		r = error("--kmod: empty module name");
	else if (strchr(params, '\n'))
		r = error("--kmod %s: parameters cannot hold a newline", name);
	if (!r)
		r = open_mods(b);
	if (!r)
		r = moddeps_add(b->mods, name, *params ? params : NULL);
	free(name);
	return r;
}

int build_kmod_noload(struct build *b, const char *name)
{
	int r = 0;

	if (!*name)
		r = error("--kmod-noload: empty module name");
	else if (name[strcspn(name, " \t\n")])
		r = error("--kmod-noload %s: a module name only (the init "
			  "passes no parameters to what it does not load)", name);
	if (!r)
		r = open_mods(b);
	return r ? r : moddeps_add_noload(b->mods, name);
}

int build_kmod_auto(struct build *b, const char *name)
{
	int r = resolve_kver(b);

	if (r)
		return r;
	if (!b->mods && !moddeps_exists(&b->m, b->o->moddir, b->kver)) {
		verbose("no modules tree for %s: %s not added", b->kver, name);
		return 0;
	}
	if (!b->mods)
		r = moddeps_open(&b->mods, &b->m, b->o->moddir, b->kver);
	return r ? r : moddeps_add_if_module(b->mods, name);
}

int build_copy(struct build *b, const char *src, const char *dest)
{
	char *why = xasprintf("copy %s", src);
	int r = manifest_copy(&b->m, src, dest, why);

	free(why);
	return r;
}

int build_init_file(struct build *b, const char *file)
{
	const char *blob;
	size_t len;
	char *why;
	int r;

	if (file) {
		why = xasprintf("init %s", file);
		r = manifest_add_file(&b->m, "/init", file, 0755, 0, 0, why);
		free(why);
		return r;
	}
	blob = build_init_blob(b->target, &len);
	if (!blob)
		return build_init_missing(b->target);
	r = manifest_add_data(&b->m, "/init", blob, len, 0755, 0, 0,
			      "init tinyrd-init (built in)");
	if (!r) {
		struct entry *e = manifest_get(&b->m, "/init");

		free(e->print_as);
		e->print_as = xstrdup("init");
	}
	return r;
}

void build_set_shell_command(struct build *b, const char *cmd)
{
	strv_free(&b->argv);
	strv_push(&b->argv, "/bin/sh");
	strv_push(&b->argv, "-c");
	strv_push(&b->argv, cmd);
}

int build_busybox(struct build *b, const char *path)
{
	struct hmap dirs = { 0 };
	struct strv list = { 0 };
	char *bb = NULL, *canon = NULL, *host;
	bool located;
	struct stat st;
	int r;

	bb = elfdeps_which(&b->elf, path ? path : "busybox", true);
	if (!bb)
		return error("%s: not found (install busybox-static, or pass "
			     "--bare)", path ? path : "busybox in PATH");
	r = elfdeps_add_program(&b->elf, bb, NULL);
	if (!r && (r = manifest_walk_host(&b->m, bb, &canon, &st)))
		error_errno(r, "%s", bb);
	if (r)
		goto out;
	host = manifest_host_path(&b->m, canon);
	r = busybox_applets(host, &list, &located);
	if (!r && !located)
		verbose("%s: no install table, so every applet goes to /bin", host);
	if (!r && !hmap_get(&b->applets, host)) {
		struct strv *keep = xcalloc(1, sizeof(*keep));

		for (size_t i = 0; i < list.n; i++)
			strv_push(keep, list.v[i]);
		hmap_put(&b->applets, host, keep);
	}
	free(host);
	for (size_t i = 0; !r && i < list.n; i++) {
		char *applet = path_normalize(xstrdup(list.v[i])), *dir, *phys, *link;

		dir = path_dirname(applet);
		phys = hmap_get(&dirs, dir);
		if (!phys) {
			if (manifest_walk_host(&b->m, dir, &phys, &st) < 0 ||
			    !S_ISDIR(st.st_mode)) {
				free(phys);
				phys = xstrdup(dir);
			}
			hmap_put(&dirs, dir, phys);
		}
		link = path_join(phys, path_basename(applet));
		if (strcmp(link, canon))
			r = manifest_add_weak_slink(&b->m, link, canon);
		free(link);
		free(dir);
		free(applet);
		if (r)
			break;
	}
	verbose("busybox applets linked to %s", canon);
out:
	for (size_t i = 0; i < dirs.cap; i++)
		free(dirs.slots[i].val);
	hmap_free(&dirs);
	strv_free(&list);
	free(canon);
	free(bb);
	return r;
}
