// SPDX-License-Identifier: MIT
/*
 * A program the image carries wins over a BusyBox applet of the same name,
 * in the shell too.
 *
 * Debian's busybox-static is built with FEATURE_SH_STANDALONE and
 * FEATURE_PREFER_APPLETS: its shell runs an applet before it searches
 * PATH, and so do its xargs, env, find -exec, nohup, chroot, timeout. So
 * in a resolved image every applet of the busybox that /bin/sh is gets
 * looked up along the command's PATH, as the guest would; where the name
 * leads to another file (coreutils' ls copied over the applet's link),
 * the applet is hidden in the image's copy of that busybox
 * (busybox_hide), so every lookup falls through to PATH and finds the
 * copied program. A name busybox cannot lose without losing others (a
 * lookup pivot, as "ip" in Debian's build) stays in that copy; then
 * /bin/sh becomes a copy of its own that runs no applet at all (only
 * "sh" and "ash" are left), so the shell still reaches the program.
 *
 * The decision is made from the manifest only (which file /bin/sh is, and
 * what each name resolves to), never from how the entries got there, so
 * an image printed with --print and built again comes out the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "busybox.h"
#include "../common/abi.h"

/* The shell's own names, which its copy keeps. */
static const char *const shell_names[] = { "sh", "ash" };

/* The directories of path as the image has them (its symlinks resolved);
 * relative ones, which the init never searches from /, left out. */
static void path_dirs(struct manifest *m, const char *path, struct strv *out)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char *dir = xstrndup(p, n);

		if (dir[0] == '/') {
			char *probe = path_join(dir, "x");
			char *canon = manifest_place(m, probe);

			strv_push_owned(out, path_dirname(canon));
			free(canon);
			free(probe);
		}
		free(dir);
		p += n + !!p[n];
	}
}

/* The first file a command name reaches along the directories, or NULL.
 * An applet's own link (to bb) is the common case and needs no walk. */
static struct entry *which(struct manifest *m, const struct strv *dirs,
			   const char *name, const struct entry *bb)
{
	for (size_t i = 0; i < dirs->n; i++) {
		char *file = path_join(dirs->v[i], name);
		struct entry *e = manifest_get(m, file);

		if (e && e->type == ENTRY_SLINK)
			e = !strcmp(e->target, bb->path) ? (struct entry *)bb
			    : manifest_resolve(m, file);
		free(file);
		if (e && e->type == ENTRY_FILE && (e->mode & 0111))
			return e;
	}
	return NULL;
}

/* The command's PATH: the last one its environment sets, as the init
 * takes it, else the init's own. */
static const char *command_path(const struct strv *env)
{
	const char *path = TINYRD_DEFAULT_PATH;

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], "PATH=", 5))
			path = env->v[i] + 5;
	return path;
}

/* One inode: the same entry, or hardlinks (finalized manifest). */
static bool same_inode(const struct entry *a, const struct entry *b)
{
	return a == b || (a->link_head && a->link_head == b->link_head);
}

/* The same bytes: one inode, or copies of one host file. */
static bool same_file(const struct entry *a, const struct entry *b)
{
	return same_inode(a, b) ||
	       (a->source && b->source && !a->data && !b->data &&
		!strcmp(a->source, b->source));
}

/* Is there a copy of e, the same bytes in another inode? */
static bool has_twin(const struct manifest *m, const struct entry *e)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct entry *o = m->v[i];

		if (o->type == ENTRY_FILE && !o->dead && same_file(o, e) &&
		    !same_inode(o, e))
			return true;
	}
	return false;
}

/* /bin/sh becomes a busybox that runs no applet. Where it already is a
 * file of its own beside the busybox (a manifest printed and built
 * again), that file is the copy. */
static int shell_copy(struct manifest *m, const struct entry *bb,
		      const struct strv *applets, const struct strv *left)
{
	char *sh = manifest_place(m, "/bin/sh"), *why;
	struct entry *e;
	int r = 0;

	if (strcmp(sh, bb->path)) {
		why = xasprintf("file %s (busybox as a shell that runs no "
				"applet: busybox cannot hide %s%s)", sh,
				left->v[0], left->n > 1 ? " and others" : "");
		r = manifest_add_file(m, sh, bb->source, 0755, 0, 0, why);
		free(why);
		if (r)
			goto out;
	} else if (!has_twin(m, bb)) {
		warn("%s: /bin/sh is the busybox itself, so its shell still "
		     "runs the applet %s rather than the program copied",
		     sh, left->v[0]);
		goto out;
	}
	e = manifest_get(m, sh);
	strv_free(&e->hide);
	for (size_t i = 0; i < applets->n; i++) {
		bool keep = false;

		for (size_t k = 0; k < ARRAY_SIZE(shell_names); k++)
			keep |= !strcmp(applets->v[i], shell_names[k]);
		if (!keep)
			strv_push(&e->hide, applets->v[i]);
	}
out:
	free(sh);
	return r;
}

/* The applets of the busybox at host: as build_busybox() read them, else
 * from its bytes (NULL when it is no busybox). */
static const struct strv *applets_of(struct build *b, const char *host)
{
	struct strv *v = hmap_get(&b->applets, host);
	struct buf bytes = { 0 };
	bool located;

	if (v)
		return v;
	v = xcalloc(1, sizeof(*v));
	if (read_file(host, &bytes) || !busybox_banner(bytes.p, bytes.len) ||
	    busybox_applets_buf(bytes.p, bytes.len, v, &located)) {
		buf_free(&bytes);
		strv_free(v);
		free(v);
		return NULL;
	}
	buf_free(&bytes);
	hmap_put(&b->applets, host, v);
	return v;
}

int build_shadow_applets(struct build *b)
{
	struct manifest *m = &b->m;
	struct entry *bb = manifest_resolve(m, "/bin/sh");
	struct strv names = { 0 }, hide = { 0 }, left = { 0 }, dirs = { 0 };
	const struct strv *list;
	struct buf bytes = { 0 };
	int r = 0;

	if (!bb || bb->type != ENTRY_FILE || !bb->source || bb->data ||
	    bb->decompress || !(list = applets_of(b, bb->source)))
		return 0;
	path_dirs(m, command_path(&b->env), &dirs);
	for (size_t i = 0; i < list->n; i++) {
		const char *name = path_basename(list->v[i]);
		struct entry *e = which(m, &dirs, name, bb);

		strv_push(&names, name);
		if (e && !same_file(e, bb)) {
			verbose("busybox applet %s hidden: %s runs %s", name,
				name, e->path);
			strv_push(&hide, name);
		}
	}
	if (!hide.n)
		goto out;
	r = read_file(bb->source, &bytes);
	if (r) {
		r = error_errno(r, "%s", bb->source);
		goto out;
	}
	r = busybox_hide(bytes.p, bytes.len, &hide, &left);
	if (r) {
		warn("%s: its applet lookup is not one tinyrd knows, so its "
		     "shell may run applets instead of the programs copied",
		     bb->source);
		r = 0;
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = m->v[i];

		if (e->type != ENTRY_FILE || e->dead || !same_file(e, bb))
			continue;
		strv_free(&e->hide);
		for (size_t k = 0; k < hide.n; k++)
			if (!strv_contains(&left, hide.v[k]))
				strv_push(&e->hide, hide.v[k]);
	}
	if (left.n) {
		r = shell_copy(m, bb, &names, &left);
		if (!r)
			r = manifest_finalize(m);
	}
out:
	buf_free(&bytes);
	strv_free(&dirs);
	strv_free(&names);
	strv_free(&hide);
	strv_free(&left);
	return r;
}
