// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recipe.h"

#ifndef TINYRD_DATADIR
#define TINYRD_DATADIR "/usr/local/share/tinyrd"
#endif

#define MAX_INCLUDE_DEPTH 16
#define UNBOUNDED (-1)

struct line {
	struct build *b;
	const char *dir;	/* of the recipe, for relative paths */
	char **f;		/* fields after the verb, escapes undone */
	char **raw;		/* the same as written */
	int n;
	const char *rest;	/* the raw rest of the line, for rest verbs */
};

typedef int (*verb_fn)(struct line *l);

struct verb {
	const char *name;
	int min, max;		/* fields; max UNBOUNDED: no limit */
	int rest;		/* fields before a raw rest of line, or -1 */
	bool newlines;		/* fields may hold "\n" (env values) */
	const char *usage;
	verb_fn fn;
};

int recipe_unescape(const char *in, struct buf *out)
{
	buf_reserve(out, strlen(in));
	for (const char *p = in; *p; p++) {
		if (*p != '\\') {
			buf_addc(out, *p);
			continue;
		}
		switch (*++p) {
		case '\\': buf_addc(out, '\\'); break;
		case 'n': buf_addc(out, '\n'); break;
		case 't': buf_addc(out, '\t'); break;
		case '0': buf_addc(out, '\0'); break;
		case 'x': {
			char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };
			unsigned long v;

			if (!isxdigit((unsigned char)hex[0]) ||
			    !isxdigit((unsigned char)hex[1]) ||
			    parse_ulong(hex, 16, &v))
				return -EINVAL;
			buf_addc(out, (char)v);
			p += 2;
			break;
		}
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* ${VAR} from the environment, as gen_init_cpio does for locations; an
 * unset variable is an error rather than silently empty (and *out NULL,
 * so that callers free it either way). */
static int expand_vars(const char *in, char **out)
{
	struct buf b = { 0 };
	const char *p = in;

	*out = NULL;
	buf_reserve(&b, strlen(in));
	while (*p) {
		const char *end;
		char *name, *val;

		if (p[0] != '$' || p[1] != '{') {
			buf_addc(&b, *p++);
			continue;
		}
		end = strchr(p + 2, '}');
		if (!end) {
			buf_free(&b);
			return error("unterminated ${ in '%s'", in);
		}
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		val = getenv(name);
		if (!val) {
			error("${%s} is not set", name);
			free(name);
			buf_free(&b);
			return -EINVAL;
		}
		buf_adds(&b, val);
		free(name);
		p = end + 1;
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

/* Undo escapes in one field; a NUL (or a newline, unless allowed) in it
 * is an error: fields are names. */
static int unescape_field(const char *raw, bool newlines, char **out)
{
	struct buf u = { 0 };
	size_t len;

	if (recipe_unescape(raw, &u)) {
		buf_free(&u);
		return error("bad escape in '%s' (use \\\\ \\n \\t \\0 \\xHH)",
			     raw);
	}
	*out = buf_detach(&u, &len);
	if (strlen(*out) != len || (!newlines && strchr(*out, '\n'))) {
		const char *what = strlen(*out) != len ? "a NUL byte" : "a newline";

		free(*out);
		*out = NULL;
		return error("'%s': a name cannot hold %s", raw, what);
	}
	return 0;
}

/* A host path from a recipe: ${VAR} expanded as written (so an escaped
 * \x24 stays a dollar sign), then escapes undone, relative to the recipe.
 * *out is NULL on an error, for the caller's one free(). */
static int host_path_raw(struct line *l, const char *raw, char **out)
{
	char *x, *y;
	int r = expand_vars(raw, &x);

	*out = NULL;
	if (r)
		return r;
	r = unescape_field(x, false, &y);
	free(x);
	if (r)
		return r;
	if (y[0] == '/' || !l->dir) {
		*out = y;
		return 0;
	}
	*out = path_join(l->dir, y);
	free(y);
	return 0;
}

static int host_path(struct line *l, int i, char **out)
{
	return host_path_raw(l, l->raw[i], out);
}

static int num(struct line *l, int i, int base, unsigned long max,
	       unsigned *out)
{
	unsigned long v;

	if (parse_ulong(l->f[i], base, &v) || v > max)
		return error("'%s' is not a valid %s", l->f[i],
			     base == 8 ? "mode (octal, at most 07777)"
				       : "number");
	*out = (unsigned)v;
	return 0;
}

/* mode uid gid starting at field i */
static int attrs(struct line *l, int i, unsigned *mode, unsigned *uid,
		 unsigned *gid)
{
	int r;

	*mode = *uid = *gid = 0;
	r = num(l, i, 8, 07777, mode);

	if (!r)
		r = num(l, i + 1, 10, UINT_MAX, uid);
	if (!r)
		r = num(l, i + 2, 10, UINT_MAX, gid);
	return r;
}

static int v_file(struct line *l)
{
	unsigned mode, uid, gid;
	char *src;
	int r = attrs(l, 2, &mode, &uid, &gid);

	if (r || (r = host_path(l, 1, &src)))
		return r;
	r = manifest_add_file(&l->b->m, l->f[0], src, mode, uid, gid, NULL);
	if (!r && l->n > 5) {
		/* The names on one line are one inode. */
		char *key = xasprintf("recipe%lu", ++l->b->m.seq);

		r = manifest_link(&l->b->m, l->f[0], key);
		for (int i = 5; !r && i < l->n; i++) {
			r = manifest_add_file(&l->b->m, l->f[i], src, mode, uid,
					      gid, NULL);
			if (!r)
				r = manifest_link(&l->b->m, l->f[i], key);
		}
		free(key);
	}
	free(src);
	return r;
}

static int v_dir(struct line *l)
{
	unsigned mode, uid, gid;
	int r = attrs(l, 1, &mode, &uid, &gid);

	return r ? r : manifest_add_dir(&l->b->m, l->f[0], mode, uid, gid, NULL);
}

static int v_nod(struct line *l)
{
	unsigned mode, uid, gid, maj = 0, min = 0;
	int r = attrs(l, 1, &mode, &uid, &gid);

	if (!r && (strlen(l->f[4]) != 1 || (l->f[4][0] != 'b' && l->f[4][0] != 'c')))
		r = error("'%s' is not a device type (b or c)", l->f[4]);
	if (!r)
		r = num(l, 5, 10, 0xfff, &maj);
	if (!r)
		r = num(l, 6, 10, 0xfffff, &min);
	if (r)
		return r;
	return manifest_add_nod(&l->b->m, l->f[0], mode, uid, gid, l->f[4][0],
				maj, min, NULL);
}

static int v_slink(struct line *l)
{
	unsigned mode, uid, gid;
	int r = attrs(l, 2, &mode, &uid, &gid);

	return r ? r : manifest_add_slink(&l->b->m, l->f[0], l->f[1], mode, uid,
					  gid, NULL);
}

static int special(struct line *l, enum entry_type type)
{
	unsigned mode, uid, gid;
	int r = attrs(l, 1, &mode, &uid, &gid);

	return r ? r : manifest_add_special(&l->b->m, type, l->f[0], mode, uid,
					    gid, NULL);
}

static int v_pipe(struct line *l)
{
	return special(l, ENTRY_PIPE);
}

static int v_sock(struct line *l)
{
	return special(l, ENTRY_SOCK);
}

static int v_text(struct line *l)
{
	struct buf data = { 0 };
	unsigned mode, uid, gid;
	int r = attrs(l, 1, &mode, &uid, &gid);

	if (!r && recipe_unescape(l->rest, &data))
		r = error("bad escape in '%s' (use \\\\ \\n \\t \\0 \\xHH)",
			  l->rest);
	if (!r)
		r = manifest_add_data(&l->b->m, l->f[0], data.p ? data.p : "",
				      data.len, mode, uid, gid, NULL);
	buf_free(&data);
	return r;
}

static int v_bin(struct line *l)
{
	int r = 0;

	for (int i = 0; !r && i < l->n; i++) {
		char *p;

		if (!strchr(l->f[i], '/'))
			r = elfdeps_add_program(&l->b->elf, l->f[i], NULL);
		else if (!(r = host_path(l, i, &p))) {
			r = elfdeps_add_program(&l->b->elf, p, NULL);
			free(p);
		}
	}
	return r;
}

static int v_kmod(struct line *l)
{
	char *spec = xasprintf("%s %s", l->f[0], l->rest);
	int r = build_kmod(l->b, spec);

	free(spec);
	return r;
}

static int v_kmod_noload(struct line *l)
{
	return build_kmod_noload(l->b, l->f[0]);
}

static int v_copy(struct line *l)
{
	char *src = NULL, *dest = NULL, *colon = strrchr(l->raw[0], ':');
	int r;

	if (l->n == 2) {
		dest = xstrdup(l->f[1]);
	} else if (colon && colon[1] == '/') {
		/* copy SRC:/DEST, as on the command line */
		*colon = '\0';
		r = unescape_field(colon + 1, false, &dest);
		if (r)
			return r;
	}
	r = host_path(l, 0, &src);
	if (!r)
		r = build_copy(l->b, src, dest);
	free(src);
	free(dest);
	return r;
}

static int v_run(struct line *l)
{
	if (!*l->rest)
		return error("run: expected a shell command");
	build_set_shell_command(l->b, l->rest);
	return 0;
}

static int v_env(struct line *l)
{
	for (int i = 0; i < l->n; i++) {
		if (!strchr(l->f[i], '=') || l->f[i][0] == '=')
			return error("env %s: expected NAME=VALUE", l->f[i]);
		strv_push(&l->b->env, l->f[i]);
	}
	return 0;
}

static int v_runtime(struct line *l)
{
	return runtime_add(&l->b->runtime, log_context(), l->f, l->n);
}

static int v_busybox(struct line *l)
{
	char *p = NULL;
	int r = l->n ? host_path(l, 0, &p) : 0;

	if (!r)
		r = build_busybox(l->b, p ? p : l->b->o->busybox);
	free(p);
	return r;
}

static int v_init(struct line *l)
{
	char *p = NULL;
	int r = l->n ? host_path(l, 0, &p) : 0;

	if (!r)
		r = build_init_file(l->b, p);
	free(p);
	return r;
}

static int v_include(struct line *l);

static const struct verb verbs[] = {
	{ "file", 5, UNBOUNDED, -1, false,
	  "file NAME LOCATION MODE UID GID [HARDLINK...]", v_file },
	{ "dir", 4, 4, -1, false, "dir NAME MODE UID GID", v_dir },
	{ "nod", 7, 7, -1, false, "nod NAME MODE UID GID b|c MAJOR MINOR", v_nod },
	{ "slink", 5, 5, -1, false, "slink NAME TARGET MODE UID GID", v_slink },
	{ "pipe", 4, 4, -1, false, "pipe NAME MODE UID GID", v_pipe },
	{ "sock", 4, 4, -1, false, "sock NAME MODE UID GID", v_sock },
	{ "text", 4, 4, 4, false, "text NAME MODE UID GID CONTENTS", v_text },
	{ "bin", 1, UNBOUNDED, -1, false, "bin PROGRAM...", v_bin },
	{ "kmod", 1, 1, 1, false, "kmod NAME [PARAM=VALUE...]", v_kmod },
	{ "kmod-noload", 1, 1, -1, false, "kmod-noload NAME", v_kmod_noload },
	{ "copy", 1, 2, -1, false, "copy SRC [DEST]", v_copy },
	{ "run", 0, 0, 0, false, "run SHELL-COMMAND", v_run },
	{ "env", 1, UNBOUNDED, -1, true, "env NAME=VALUE...", v_env },
	{ "busybox", 0, 1, -1, false, "busybox [PATH]", v_busybox },
	{ "init", 0, 1, -1, false, "init [FILE]", v_init },
	{ "include", 1, 1, -1, false, "include RECIPE", v_include },
	{ "runtime", 3, UNBOUNDED, -1, false,
	  "runtime path|lib|sym PATTERN NEED [ARG...]", v_runtime },
};

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

/* Split off the next whitespace-separated word; NULL at the end. */
static char *word(char **p)
{
	char *s = *p + strspn(*p, " \t"), *e;

	if (!*s)
		return NULL;
	e = s + strcspn(s, " \t");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static int parse_line(struct build *b, const char *dir, char *text)
{
	struct strv raw = { 0 }, fields = { 0 };
	struct line l = { .b = b, .dir = dir };
	const struct verb *v;
	char *p = text, *w;
	int r = 0;

	w = word(&p);
	v = find_verb(w);
	if (!v)
		return error("unknown verb '%s'", w);
	while (v->rest < 0 || (int)raw.n < v->rest) {
		char *f;

		w = word(&p);
		if (!w)
			break;
		if (v->max != UNBOUNDED && (int)raw.n >= v->max) {
			r = error("too many fields: expected '%s'", v->usage);
			goto out;
		}
		r = unescape_field(w, v->newlines, &f);
		if (r)
			goto out;
		strv_push(&raw, w);
		strv_push_owned(&fields, f);
	}
	if ((int)raw.n < v->min) {
		r = error("missing fields: expected '%s'", v->usage);
		goto out;
	}
	if (v->rest >= 0) {
		/* The raw rest of the line without surrounding blanks: blanks
		 * that belong to it are written as \x20 or \t. */
		char *rest = p + strspn(p, " \t");
		size_t n = strlen(rest);

		while (n && (rest[n - 1] == ' ' || rest[n - 1] == '\t'))
			rest[--n] = '\0';
		l.rest = rest;
	}
	l.f = fields.v;
	l.raw = raw.v;
	l.n = (int)raw.n;
	r = v->fn(&l);
out:
	strv_free(&raw);
	strv_free(&fields);
	return r;
}

int recipe_parse(struct build *b, const char *file, const char *text)
{
	char *copy = xstrdup(text), *save = NULL, *line, *dir;
	const char *old = NULL;
	unsigned n = 0;
	int r = 0;

	dir = path_dirname(file);
	for (line = copy; line && !r; line = save) {
		char *ctx, *nl = strchr(line, '\n');

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		n++;
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		ctx = xasprintf("%s:%u", file, n);
		old = log_set_context(ctx);
		r = parse_line(b, dir, line);
		log_set_context(old);
		free(ctx);
	}
	free(dir);
	free(copy);
	return r;
}

/* dir/rel when it holds base.recipe, else NULL. */
static char *templates_in(const char *dir, const char *rel)
{
	char *t = path_join(dir, rel), *base = path_join(t, "base.recipe");
	struct stat st;

	if (stat(base, &st)) {
		free(t);
		t = NULL;
	}
	free(base);
	return t;
}

/* Where templates live: $TINYRD_TEMPLATES; templates/ beside the binary
 * (a source tree); ../share/tinyrd/templates from it (an installed
 * tinyrd, wherever PREFIX or DESTDIR put it); the datadir it was built
 * for. */
char *recipe_templates_dir(void)
{
	const char *env = getenv("TINYRD_TEMPLATES");
	char exe[PATH_MAX], *t = NULL;
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *dir;

		exe[n] = '\0';
		dir = path_dirname(exe);
		t = templates_in(dir, "templates");
		if (!t)
			t = templates_in(dir, "../share/tinyrd/templates");
		free(dir);
	}
	return t ? t : xstrdup(TINYRD_DATADIR "/templates");
}


static char *find_recipe(const char *name, const char *dir)
{
	struct stat st;
	char *t, *c;

	c = dir && name[0] != '/' ? path_join(dir, name) : xstrdup(name);
	if (!stat(c, &st))
		return c;
	free(c);
	if (strchr(name, '/'))
		return NULL;
	t = recipe_templates_dir();
	c = path_join(t, name);
	if (stat(c, &st)) {
		free(c);
		c = xasprintf("%s/%s.recipe", t, name);
		if (stat(c, &st)) {
			free(c);
			c = NULL;
		}
	}
	free(t);
	return c;
}

static int load(struct build *b, const char *name, const char *dir)
{
	struct buf text = { 0 };
	char *path = find_recipe(name, dir);
	int r;

	if (!path) {
		char *t = recipe_templates_dir();

		r = error("recipe %s: not found (nor as a template in %s)", name,
			  t);
		free(t);
		return r;
	}
	if (++b->include_depth > MAX_INCLUDE_DEPTH) {
		r = error("include %s: nested deeper than %d (a loop?)", name,
			  MAX_INCLUDE_DEPTH);
		goto out;
	}
	r = read_file(path, &text);
	if (r)
		error_errno(r, "recipe %s", path);
	else if (memchr(text.p, '\0', text.len))
		r = error("%s: not a recipe (binary data)", path);
	else
		r = recipe_parse(b, path, text.p ? text.p : "");
out:
	b->include_depth--;
	buf_free(&text);
	free(path);
	return r;
}

static int v_include(struct line *l)
{
	char *name;
	int r = expand_vars(l->f[0], &name);

	if (!r)
		r = load(l->b, name, l->dir);
	free(name);
	return r;
}

int recipe_load(struct build *b, const char *name)
{
	return load(b, name, NULL);
}

int recipe_load_template(struct build *b, const char *name)
{
	char *t = recipe_templates_dir(), *path = xasprintf("%s/%s.recipe", t, name);
	struct stat st;
	int r = 0;

	if (stat(path, &st))
		verbose("no %s: the template %s is not there", path, name);
	else
		r = load(b, path, NULL);
	free(path);
	free(t);
	return r;
}
