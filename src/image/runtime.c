// SPDX-License-Identifier: MIT
/*
 * Run-time dependencies that no ELF header names: the Python standard
 * library of an embedded Python, glibc's NSS modules, gconv modules and
 * libgcc_s (dlopen()ed for pthread_cancel), terminfo entries. The
 * knowledge is data (templates/runtime.recipe, and any recipe's "runtime"
 * lines); this file only knows how to match a rule and the kinds of
 * things a rule can ask for. Every ELF file the image holds is matched
 * once; what a rule adds is resolved like anything else (libraries
 * through the loader's search, ELF files in a tree with their own
 * libraries), and is matched in its turn, until nothing new comes in.
 */
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "runtime.h"

enum when { WHEN_PATH, WHEN_LIB, WHEN_SYM };

struct need;
typedef int (*need_fn)(struct build *b, const struct need *n,
		       const char *obj, const struct strv *args,
		       const char *why);

struct need {
	const char *name;
	int min, max;		/* arguments */
	need_fn fn;
};

struct runtime_rule {
	enum when when;
	char *pattern;
	const struct need *need;
	struct strv args;
	char *origin;
};

static const char *const when_names[] = { "path", "lib", "sym" };

/* ---- matching ------------------------------------------------------ */

/* PATTERN (a glob) against s. With a '%' (as in make's pattern rules),
 * the text after it must end s literally, the glob before it match the
 * longest start of s it can, and *stem gets what is left between. */
static bool match(const char *pattern, const char *s, char **stem)
{
	const char *pct = strchr(pattern, '%');
	size_t suf, len = strlen(s);
	char *pre, *head;
	bool hit = false;

	*stem = NULL;
	if (!pct)
		return !fnmatch(pattern, s, 0);
	suf = strlen(pct + 1);
	if (len < suf || strcmp(s + len - suf, pct + 1))
		return false;
	pre = xstrndup(pattern, (size_t)(pct - pattern));
	head = xstrndup(s, len - suf);
	for (size_t n = len - suf + 1; !hit && n-- > 0;) {
		char c = head[n];

		head[n] = '\0';
		hit = !fnmatch(pre, head, 0);
		head[n] = c;
		if (hit)
			*stem = xstrndup(s + n, len - suf - n);
	}
	free(pre);
	free(head);
	return hit;
}

/* An argument with '%' replaced by the stem and ${multiarch} by the
 * object's Debian triplet. */
static char *expand(const char *arg, const char *stem, const char *triplet)
{
	struct buf out = { 0 };

	buf_reserve(&out, strlen(arg));
	for (const char *p = arg; *p; p++) {
		if (*p == '%' && stem) {
			buf_adds(&out, stem);
		} else if (!strncmp(p, "${multiarch}", 12)) {
			buf_adds(&out, triplet ? triplet : "");
			p += 11;
		} else {
			buf_addc(&out, *p);
		}
	}
	return buf_detach(&out, NULL);
}

/* ---- what a rule can ask for --------------------------------------- */

static int need_lib(struct build *b, const struct need *n, const char *obj,
		    const struct strv *args, const char *why)
{
	(void)n;
	for (size_t i = 0; i < args->n; i++) {
		char *line = xasprintf("lib %s (%s)", args->v[i], why);
		int r = elfdeps_add_library(&b->elf, obj, args->v[i], line, NULL);

		free(line);
		if (r == -ENOENT)
			verbose("%s: %s not found for %s", why, args->v[i], obj);
		else if (r)
			return r;
	}
	return 0;
}

static bool is_elf(const char *host)
{
	char magic[4];
	FILE *f = fopen(host, "rb");
	bool yes = f && fread(magic, 1, 4, f) == 4 &&
		   !memcmp(magic, "\177ELF", 4);

	if (f)
		fclose(f);
	return yes;
}

struct tree_walk {
	const struct strv *skip;
	struct strv elves;
};

static bool tree_skip(const char *name, void *ctx)
{
	const struct tree_walk *w = ctx;

	for (size_t i = 0; i < w->skip->n; i++)
		if (!fnmatch(w->skip->v[i], name, 0))
			return true;
	return false;
}

static void tree_each(const char *path, const char *host, void *ctx)
{
	struct tree_walk *w = ctx;

	if (is_elf(host))
		strv_push(&w->elves, path);
}

/* Each pattern's matches inside the sysroot, as image paths. */
static void glob_image(struct build *b, const char *pattern, struct strv *out)
{
	char *host = manifest_host_path(&b->m, pattern);
	size_t root = strlen(b->m.sysroot);
	glob_t g;

	if (!glob(host, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			strv_push(out, g.gl_pathv[i] + root);
		globfree(&g);
	}
	free(host);
}

/* ELF files among what was copied: with their own libraries. */
static int add_elves(struct build *b, const struct strv *elves,
		     const char *why)
{
	for (size_t i = 0; i < elves->n; i++) {
		int r = elfdeps_add_object(&b->elf, elves->v[i], why);

		if (r)
			return r;
	}
	return 0;
}

/* tree DIR [!NAME...]: the directories matching DIR, entries named NAME
 * (a glob) left out. */
static int need_tree(struct build *b, const struct need *n, const char *obj,
		     const struct strv *args, const char *why)
{
	struct strv skip = { 0 }, dirs = { 0 };
	struct tree_walk w = { .skip = &skip };
	struct manifest_filter f = { tree_skip, tree_each, &w };
	int r = 0;

	(void)n;
	for (size_t i = 1; i < args->n; i++)
		strv_push(&skip, args->v[i] + (args->v[i][0] == '!'));
	glob_image(b, args->v[0], &dirs);
	if (!dirs.n)
		verbose("%s: no %s for %s", why, args->v[0], obj);
	for (size_t i = 0; !r && i < dirs.n; i++) {
		char *line = xasprintf("tree %s (%s)", dirs.v[i], why);

		r = manifest_copy_filtered(&b->m, dirs.v[i], line, &f);
		if (r < 0 && r != -ENOENT && r != -ENOTDIR)
			r = error_errno(r, "%s", dirs.v[i]);
		else if (r)
			r = 0;
		free(line);
	}
	if (!r)
		r = add_elves(b, &w.elves, why);
	strv_free(&w.elves);
	strv_free(&skip);
	strv_free(&dirs);
	return r;
}

/* file GLOB...: what matches, if anything. */
static int need_file(struct build *b, const struct need *n, const char *obj,
		     const struct strv *args, const char *why)
{
	struct strv hits = { 0 }, elves = { 0 };
	int r = 0;

	(void)n;
	for (size_t i = 0; i < args->n; i++) {
		size_t before = hits.n;

		glob_image(b, args->v[i], &hits);
		if (hits.n == before)
			verbose("%s: no %s for %s", why, args->v[i], obj);
	}
	for (size_t i = 0; !r && i < hits.n; i++) {
		char *line = xasprintf("file %s (%s)", hits.v[i], why);
		char *canon = NULL, *host;

		r = manifest_add_host(&b->m, hits.v[i], line, &canon);
		free(line);
		if (r)
			break;
		host = manifest_host_path(&b->m, canon);
		if (is_elf(host))
			strv_push(&elves, canon);
		free(host);
		free(canon);
	}
	if (!r)
		r = add_elves(b, &elves, why);
	strv_free(&elves);
	strv_free(&hits);
	return r;
}

/* The contents of an image file (inline, or its host source). */
static int image_text(struct build *b, const char *path, struct buf *out)
{
	struct entry *e = manifest_resolve(&b->m, path);

	if (!e || e->type != ENTRY_FILE)
		return -ENOENT;
	if (e->data) {
		buf_add(out, e->data, e->size);
		buf_addc(out, '\0');
		out->len--;
		return 0;
	}
	return read_file(e->source, out);
}

/* nss: the modules the image's /etc/nsswitch.conf names (glibc's default
 * when it has none: files and dns), through the library search. */
static int need_nss(struct build *b, const struct need *n, const char *obj,
		    const struct strv *args, const char *why)
{
	struct strv libs = { 0 };
	struct buf conf = { 0 };
	int r;

	(void)n, (void)args;
	if (image_text(b, "/etc/nsswitch.conf", &conf) == 0) {
		char *save = NULL;

		for (char *l = strtok_r(conf.p, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			char *colon = strchr(l, ':'), *ws = NULL, *w;

			if (l[strspn(l, " \t")] == '#' || !colon)
				continue;
			for (w = strtok_r(colon + 1, " \t", &ws); w;
			     w = strtok_r(NULL, " \t", &ws)) {
				char *lib;

				if (w[0] == '[' || w[0] == '#')
					continue;
				lib = xasprintf("libnss_%s.so.2", w);
				if (!strv_contains(&libs, lib))
					strv_push(&libs, lib);
				free(lib);
			}
		}
	} else {
		strv_push(&libs, "libnss_files.so.2");
		strv_push(&libs, "libnss_dns.so.2");
	}
	r = need_lib(b, NULL, obj, &libs, why);
	buf_free(&conf);
	strv_free(&libs);
	return r;
}

/* Where ncurses looks for its entries, first to last. */
static const char *const terminfo_dirs[] = {
	"/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo",
	"/usr/lib/terminfo",
};

/* terminfo [TERM...]: the entries for the init's TERM (linux), for
 * "dumb" (what curses programs use when their output is no terminal), for
 * the TERM the image's environment sets, and for those named. */
static int need_terminfo(struct build *b, const struct need *n,
			 const char *obj, const struct strv *args,
			 const char *why)
{
	struct strv terms = { 0 };
	int r = 0;

	(void)n, (void)obj;
	strv_push(&terms, "linux");
	strv_push(&terms, "dumb");
	for (size_t i = 0; i < b->env.n; i++)
		if (!strncmp(b->env.v[i], "TERM=", 5) && b->env.v[i][5])
			strv_push(&terms, b->env.v[i] + 5);
	for (size_t i = 0; i < args->n; i++)
		strv_push(&terms, args->v[i]);
	for (size_t i = 0; !r && i < terms.n; i++) {
		bool found = false;

		for (size_t d = 0; !r && !found && d < ARRAY_SIZE(terminfo_dirs); d++) {
			char *p = xasprintf("%s/%c/%s", terminfo_dirs[d],
					    terms.v[i][0], terms.v[i]);
			struct stat st;
			char *host = manifest_stat_host(&b->m, p, &st);

			if (host && S_ISREG(st.st_mode)) {
				char *line = xasprintf("file %s (%s)", p, why);

				r = manifest_add_host(&b->m, p, line, NULL);
				free(line);
				found = true;
			}
			free(host);
			free(p);
		}
		if (!found)
			verbose("%s: no terminfo entry for %s", why, terms.v[i]);
	}
	strv_free(&terms);
	return r;
}

/* gconv [MODULE...]: glibc's gconv configuration beside the libc the
 * object uses (the loader's search finds it), and the modules named
 * (globs, without .so). The conversions glibc has built in (UTF-8,
 * ISO-8859-1, ASCII, UCS) need only the configuration's aliases. */
static int need_gconv(struct build *b, const struct need *n, const char *obj,
		      const struct strv *args, const char *why)
{
	struct strv files = { 0 };
	char *libc = NULL, *dir;
	int r = elfdeps_add_library(&b->elf, obj, "libc.so.6", why, &libc);

	(void)n;
	if (r == -ENOENT) {
		verbose("%s: no libc.so.6 for %s, so no gconv", why, obj);
		return 0;
	}
	if (r)
		return r;
	dir = path_dirname(libc);
	strv_push_owned(&files, xasprintf("%s/gconv/gconv-modules", dir));
	strv_push_owned(&files, xasprintf("%s/gconv/gconv-modules.d/*.conf", dir));
	strv_push_owned(&files, xasprintf("%s/gconv/gconv-modules.cache", dir));
	for (size_t i = 0; i < args->n; i++)
		strv_push_owned(&files, xasprintf("%s/gconv/%s.so", dir,
						  args->v[i]));
	r = need_file(b, NULL, obj, &files, why);
	strv_free(&files);
	free(dir);
	free(libc);
	return r;
}

static const struct need needs[] = {
	{ "lib", 1, 64, need_lib },
	{ "file", 1, 64, need_file },
	{ "tree", 1, 64, need_tree },
	{ "nss", 0, 0, need_nss },
	{ "terminfo", 0, 64, need_terminfo },
	{ "gconv", 0, 64, need_gconv },
};

/* ---- the table ----------------------------------------------------- */

void runtime_free(struct runtime *rt)
{
	for (size_t i = 0; i < rt->n; i++) {
		free(rt->v[i]->pattern);
		free(rt->v[i]->origin);
		strv_free(&rt->v[i]->args);
		free(rt->v[i]);
	}
	free(rt->v);
	hmap_free(&rt->done);
	memset(rt, 0, sizeof(*rt));
}

int runtime_add(struct runtime *rt, const char *origin, char *const *f, int n)
{
	struct runtime_rule *rule;
	const struct need *need = NULL;
	int when = -1;

	if (n < 3)
		return error("runtime: expected WHEN PATTERN NEED [ARG...]");
	for (size_t i = 0; i < ARRAY_SIZE(when_names); i++)
		if (!strcmp(f[0], when_names[i]))
			when = (int)i;
	if (when < 0)
		return error("runtime %s: not path, lib or sym", f[0]);
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++)
		if (!strcmp(f[2], needs[i].name))
			need = &needs[i];
	if (!need)
		return error("runtime: %s is not lib, file, tree, nss, terminfo "
			     "or gconv", f[2]);
	if (n - 3 < need->min || n - 3 > need->max)
		return error("runtime: %s takes %d to %d arguments", need->name,
			     need->min, need->max);
	if (strchr(f[1], '%') != strrchr(f[1], '%'))
		return error("runtime %s: one %% at most", f[1]);
	rule = xcalloc(1, sizeof(*rule));
	rule->when = (enum when)when;
	rule->pattern = xstrdup(f[1]);
	rule->need = need;
	rule->origin = xstrdup(origin ? path_basename(origin) : "runtime");
	for (int i = 3; i < n; i++)
		strv_push(&rule->args, f[i]);
	if (rt->n == rt->alloc) {
		rt->alloc = rt->alloc ? 2 * rt->alloc : 32;
		rt->v = xrealloc(rt->v, rt->alloc * sizeof(*rt->v));
	}
	rt->v[rt->n++] = rule;
	return 0;
}

/* Apply every rule to one ELF file of the image. */
static int apply(struct build *b, const char *path, const char *host,
		 const struct elf_info *info)
{
	struct runtime *rt = &b->runtime;
	const char *name = info->soname ? info->soname : path_basename(path);
	const char *triplet = elfdeps_multiarch(&b->elf, info);
	struct hmap imports = { 0 };
	bool have_imports = false;
	int r = 0;

	for (size_t i = 0; !r && i < rt->n; i++) {
		const struct runtime_rule *rule = rt->v[i];
		struct strv args = { 0 };
		char *stem = NULL, *why;
		bool hit;

		switch (rule->when) {
		case WHEN_PATH:
			hit = match(rule->pattern, path, &stem);
			break;
		case WHEN_LIB:
			hit = match(rule->pattern, name, &stem);
			break;
		default:
			if (!have_imports) {
				elf_imports(host, &imports);
				have_imports = true;
			}
			hit = hmap_get(&imports, rule->pattern) != NULL;
			break;
		}
		if (!hit)
			continue;
		for (size_t k = 0; k < rule->args.n; k++)
			strv_push_owned(&args, expand(rule->args.v[k], stem,
						      triplet));
		why = xasprintf("runtime %s %s of %s, %s",
				when_names[rule->when], rule->pattern,
				path_basename(path), rule->origin);
		debug("%s: %s", why, rule->need->name);
		r = rule->need->fn(b, rule->need, path, &args, why);
		free(why);
		free(stem);
		strv_free(&args);
	}
	hmap_free(&imports);
	return r;
}

int runtime_resolve(struct build *b)
{
	struct runtime *rt = &b->runtime;
	bool again = rt->n > 0;
	int r = 0;

	while (!r && again) {
		size_t n = b->m.n;

		again = false;
		for (size_t i = 0; !r && i < n; i++) {
			struct entry *e = b->m.v[i];
			const struct elf_info *info;
			char *path, *host;

			if (e->type != ENTRY_FILE || !e->source || e->data ||
			    e->dead || hmap_get(&rt->done, e->source))
				continue;
			info = elfdeps_info(&b->elf, e->source);
			if (!info)
				continue;
			hmap_put(&rt->done, e->source, (void *)1);
			/* Rules add entries, and may replace this one. */
			path = xstrdup(e->path);
			host = xstrdup(e->source);
			r = apply(b, path, host, info);
			free(path);
			free(host);
			again = true;
		}
	}
	return r;
}
