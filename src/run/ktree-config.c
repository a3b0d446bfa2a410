// SPDX-License-Identifier: MIT
/*
 * tinyrd kconfig as a library (ktree.h): a tree's .config from a base,
 * tinyrd's fragment and the user's, merged by the tree's own
 * scripts/kconfig/merge_config.sh -m and settled by make olddefconfig
 * (the tree's Kconfig decides, as it would for the user), then compared
 * with what the fragments asked. Kconfig silently drops what it does
 * not know or cannot have (a symbol of a newer kernel, an option whose
 * dependencies are off): the comparison is where that is said.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktree.h"
#include "../image/recipe.h"
#include "../common/log.h"
#include "../common/target.h"

/* One option as a fragment or a .config says it. */
struct kopt {
	char *name;	/* CONFIG_FOO */
	char *value;	/* y, m, a number, a "string"; n for "is not set" */
};

/* "CONFIG_X=v" or "# CONFIG_X is not set" into *o; false for any
 * other line. */
static bool parse_line(const char *line, struct kopt *o)
{
	const char *eq;

	if (str_starts(line, "# CONFIG_") && str_ends(line, " is not set")) {
		o->name = xstrndup(line + 2, strlen(line) - 2 - strlen(" is not set"));
		o->value = xstrdup("n");
		return true;
	}
	if (!str_starts(line, "CONFIG_") || !(eq = strchr(line, '=')))
		return false;
	o->name = xstrndup(line, (size_t)(eq - line));
	o->value = xstrdup(eq + 1);
	return true;
}

/* The options of file into map (name -> value; later lines win), and
 * their names in order of first appearance into order (NULL: not kept). */
static int read_options(const char *file, struct hmap *map, struct strv *order)
{
	struct buf b = { 0 };
	char *save = NULL, *line;
	int r = read_file(file, &b);

	if (r)
		return error_errno(r, "%s", file);
	buf_addc(&b, '\0');
	for (line = strtok_r(b.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct kopt o;
		char *old;

		if (!parse_line(line, &o))
			continue;
		old = hmap_get(map, o.name);
		if (!old && order)
			strv_push(order, o.name);
		free(old);
		hmap_put(map, o.name, o.value);
		free(o.name);
	}
	buf_free(&b);
	return 0;
}

static void free_values(struct hmap *map)
{
	for (size_t i = 0; i < map->cap; i++)
		if (map->slots[i].key)
			free(map->slots[i].val);
	hmap_free(map);
}

/* The symbols every Kconfig file of the tree defines, for telling an
 * option the tree does not know from one it would not take. */
static struct hmap *known;
static char present;	/* known's values */

static int scan_kconfig(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	const char *base = path + ftw->base;
	struct buf b = { 0 };
	char *save = NULL, *line;

	(void)st;
	if (flag == FTW_D && base[0] == '.' && ftw->level > 0)
		return FTW_SKIP_SUBTREE;
	if (flag != FTW_F || !str_starts(base, "Kconfig") || read_file(path, &b))
		return FTW_CONTINUE;
	buf_addc(&b, '\0');
	for (line = strtok_r(b.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		line += strspn(line, " \t");
		if (sscanf(line, "config %120s", name) == 1 ||
		    sscanf(line, "menuconfig %120s", name) == 1) {
			char *key = xasprintf("CONFIG_%s", name);

			hmap_put(known, key, &present);
			free(key);
		}
	}
	buf_free(&b);
	return FTW_CONTINUE;
}

static bool tree_knows(const char *dir, const char *name)
{
	if (!known) {
		known = xcalloc(1, sizeof(*known));
		nftw(dir, scan_kconfig, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	}
	return hmap_get(known, name) != NULL;
}

/* tinyrd's fragment for t: the common one, and the arch's when there is
 * one. */
static int our_fragments(const struct target *t, struct strv *out)
{
	char *dir = recipe_templates_dir();
	char *common = xasprintf("%s/kconfig/tinyrd.config", dir);
	char *arch = xasprintf("%s/kconfig/%s.config", dir, t->name);
	int r = 0;

	if (access(common, R_OK))
		r = error_errno(errno, "%s (tinyrd's kernel config fragment)",
				common);
	else
		strv_push(out, common);
	if (!r && !access(arch, R_OK))
		strv_push(out, arch);
	free(dir);
	free(common);
	free(arch);
	return r;
}

static const char *base_target(enum ktree_base b)
{
	return b == KTREE_BASE_DEF ? "defconfig" : "tinyconfig";
}

/* What the fragments asked against what the .config holds: each
 * difference said, the unmet counted. */
static int compare(const struct ktree_kconfig *k, const struct strv *frags,
		   unsigned *unmet)
{
	struct hmap asked = { 0 }, got = { 0 };
	struct strv order = { 0 };
	char *cfg = path_join(k->dir, ".config");
	int r = 0;

	for (size_t i = 0; i < frags->n && !r; i++)
		r = read_options(frags->v[i], &asked, &order);
	if (!r)
		r = read_options(cfg, &got, NULL);
	for (size_t i = 0; i < order.n && !r; i++) {
		const char *want = hmap_get(&asked, order.v[i]);
		const char *have = hmap_get(&got, order.v[i]);

		if (!have)
			have = "n";
		if (!strcmp(want, have))
			continue;
		if (!tree_knows(k->dir, order.v[i])) {
			note("%s: not an option of this tree (asked %s)",
			     order.v[i], want);
			continue;
		}
		warn("%s: asked %s, got %s", order.v[i], want, have);
		(*unmet)++;
	}
	free_values(&asked);
	free_values(&got);
	if (known) {
		hmap_free(known);
		free(known);
		known = NULL;
	}
	strv_free(&order);
	free(cfg);
	return r;
}

int ktree_kconfig(const struct ktree_kconfig *k, unsigned *unmet)
{
	const struct target *t = k->target ? k->target : target_native();
	enum ktree_base base = k->base;
	struct strv frags = { 0 }, merge = { 0 };
	char *cfg = path_join(k->dir, ".config"), *log = NULL;
	int r, fd = k->log_fd;

	*unmet = 0;
	r = ktree_check(k->dir, false);
	if (r)
		goto out;
	if (base == KTREE_BASE_AUTO)
		base = access(cfg, F_OK) ? KTREE_BASE_TINY : KTREE_BASE_CURRENT;
	if (base == KTREE_BASE_CURRENT && access(cfg, F_OK)) {
		r = error("%s: no .config to start from (--base current)", k->dir);
		goto out;
	}
	r = our_fragments(t, &frags);
	for (size_t i = 0; k->fragments && i < k->fragments->n && !r; i++) {
		char real[PATH_MAX];

		if (!realpath(k->fragments->v[i], real))
			r = error_errno(errno, "%s", k->fragments->v[i]);
		else
			strv_push(&frags, real);
	}
	if (r)
		goto out;
	if (fd < 0) {
		fd = ktree_log_open(k->dir, "kconfig.log", false, &log);
		if (fd < 0) {
			r = fd;
			goto out;
		}
	} else {
		char *c;

		/* The caller's log: build.log, in the same directory. */
		if (!ktree_cache(k->dir, &c)) {
			log = path_join(c, "build.log");
			free(c);
		}
	}
	if (base != KTREE_BASE_CURRENT) {
		const char *args[] = { base_target(base), NULL };

		r = ktree_make(k->dir, t, fd, log, base_target(base), args);
		if (r)
			goto out;
	}
	/* -m: merge only; olddefconfig settles it after, with the arch. */
	strv_push(&merge, "sh");
	strv_push(&merge, "scripts/kconfig/merge_config.sh");
	strv_push(&merge, "-m");
	strv_push(&merge, ".config");
	for (size_t i = 0; i < frags.n; i++)
		strv_push(&merge, frags.v[i]);
	r = ktree_exec(k->dir, (const char *const *)merge.v, fd, log,
		       "merge_config.sh");
	if (!r) {
		const char *args[] = { "olddefconfig", NULL };

		r = ktree_make(k->dir, t, fd, log, "olddefconfig", args);
	}
	if (!r)
		r = compare(k, &frags, unmet);
out:
	if (fd >= 0 && fd != k->log_fd)
		close(fd);
	strv_free(&frags);
	strv_free(&merge);
	free(cfg);
	free(log);
	return r;
}
