// SPDX-License-Identifier: MIT
/*
 * The ELF resolver: what a program loads, found without running it (the
 * files are read by elfread.c). The search order follows glibc's elf/dl-load.c
 * _dl_map_object: RPATH of the loader chain unless the object has a
 * RUNPATH, then its RUNPATH, then the ld.so.cache directories
 * (ld.so.conf), then the system directories. An already-loaded object
 * satisfies a later DT_NEEDED of the same name or SONAME, so each program
 * is resolved breadth first, as its process would load it.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"
#include "elfdeps.h"
#include "../common/abi.h"
#include "../common/target.h"

#define MAX_SCRIPT_DEPTH 4	/* the kernel's BINPRM_MAX_RECURSION */
#define SHEBANG_MAX 256		/* the kernel's BINPRM_BUF_SIZE */

void elfdeps_init(struct elfdeps *d, struct manifest *m)
{
	memset(d, 0, sizeof(*d));
	d->m = m;
}

void elfdeps_free(struct elfdeps *d)
{
	for (size_t i = 0; i < d->cache.cap; i++) {
		struct elf_info *info = d->cache.slots[i].val;

		if (info) {
			elf_info_free(info);
			free(info);
		}
	}
	hmap_free(&d->cache);
	strv_free(&d->confdirs);
}

/* Cached full read of an ELF file by host path. */
static int cached_read(struct elfdeps *d, const char *host,
		       struct elf_info **out)
{
	struct elf_info *info = hmap_get(&d->cache, host);
	int r;

	if (!info) {
		info = xcalloc(1, sizeof(*info));
		r = elf_read(host, info);
		if (r) {
			free(info);
			return r;
		}
		hmap_put(&d->cache, host, info);
	}
	*out = info;
	return 0;
}

/* ---- ld.so.conf ---------------------------------------------------- */

static void conf_parse(struct elfdeps *d, const char *path, int depth);

static void conf_include(struct elfdeps *d, const char *dir, const char *pat,
			 int depth)
{
	char *full = pat[0] == '/' ? xstrdup(pat) : path_join(dir, pat);
	char *host = manifest_host_path(d->m, full);
	size_t root = strlen(d->m->sysroot);
	glob_t g;

	if (!glob(host, 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			conf_parse(d, g.gl_pathv[i] + root, depth + 1);
		globfree(&g);
	}
	free(host);
	free(full);
}

/* ldconfig's grammar: comments, "include GLOB", "hwcap ..." (ignored), and
 * directories separated by blanks, commas or colons ("dir=type" legacy). */
static void conf_parse(struct elfdeps *d, const char *path, int depth)
{
	struct stat st;
	char *host = manifest_stat_host(d->m, path, &st);
	struct buf b = { 0 };
	char *line, *save = NULL, *dir;

	if (!host || !S_ISREG(st.st_mode) || depth > 8 || read_file(host, &b) < 0)
		goto out;
	dir = path_dirname(path);
	for (line = strtok_r(b.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *tok, *s2 = NULL;

		if (hash)
			*hash = '\0';
		line += strspn(line, " \t");
		if (!strncmp(line, "include", 7) && (line[7] == ' ' || line[7] == '\t')) {
			for (tok = strtok_r(line + 8, " \t", &s2); tok;
			     tok = strtok_r(NULL, " \t", &s2))
				conf_include(d, dir, tok, depth);
			continue;
		}
		if (!strncmp(line, "hwcap", 5))
			continue;
		for (tok = strtok_r(line, " \t,:", &s2); tok;
		     tok = strtok_r(NULL, " \t,:", &s2)) {
			char *eq = strchr(tok, '=');
			char *n;

			if (eq)
				*eq = '\0';
			if (tok[0] != '/')
				continue;
			n = path_normalize(xstrdup(tok));
			if (!strv_contains(&d->confdirs, n))
				strv_push(&d->confdirs, n);
			free(n);
		}
	}
	free(dir);
out:
	buf_free(&b);
	free(host);
}

/* ---- architecture facts -------------------------------------------- */

struct arch {
	unsigned machine;
	unsigned char elfclass;	/* 0: either */
	const char *triplet;	/* Debian multiarch */
	const char *platform;	/* AT_PLATFORM, for $PLATFORM */
};

static const struct arch arches[] = {
	{ EM_X86_64, ELFCLASS64, "x86_64-linux-gnu", "x86_64" },
	{ EM_X86_64, ELFCLASS32, "x86_64-linux-gnux32", "x86_64" },
	{ EM_386, 0, "i386-linux-gnu", "i686" },
	{ EM_AARCH64, 0, "aarch64-linux-gnu", "aarch64" },
	{ EM_ARM, 0, "arm-linux-gnueabihf", "v7l" },
	{ EM_RISCV, ELFCLASS64, "riscv64-linux-gnu", NULL },
	{ EM_PPC64, 0, "powerpc64le-linux-gnu", NULL },
	{ EM_S390, 0, "s390x-linux-gnu", NULL },
	{ EM_MIPS, 0, "mips64el-linux-gnuabi64", NULL },
	{ EM_LOONGARCH, 0, "loongarch64-linux-gnu", NULL },
};

static const struct arch *arch_of(const struct elf_info *info)
{
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i].machine == info->machine &&
		    (!arches[i].elfclass || arches[i].elfclass == info->elfclass))
			return &arches[i];
	return NULL;
}

static bool dir_exists(struct elfdeps *d, const char *path)
{
	struct stat st;
	char *host = manifest_stat_host(d->m, path, &st);
	bool r = host && S_ISDIR(st.st_mode);

	free(host);
	return r;
}

/* Is the sysroot laid out Debian-style (multiarch) for this architecture? */
static const char *multiarch(struct elfdeps *d, const struct elf_info *info)
{
	const struct arch *a = arch_of(info);
	char *l, *ul;
	bool yes;

	if (!a)
		return NULL;
	l = path_join("/lib", a->triplet);
	ul = path_join("/usr/lib", a->triplet);
	yes = dir_exists(d, l) || dir_exists(d, ul);
	free(l);
	free(ul);
	return yes ? a->triplet : NULL;
}

/* ---- one process --------------------------------------------------- */

struct obj {
	char *path;		/* the name the loader opened (search result) */
	char *host;
	struct elf_info *info;
	struct obj *loader;	/* who needed it first */
	char *origin;		/* $ORIGIN */
};

struct proc {
	struct elfdeps *d;
	struct obj **v;
	size_t n, alloc;
	struct hmap loaded;	/* DT_NEEDED name or SONAME -> obj */
	const struct elf_info *main;
	const char *triplet;	/* Debian multiarch layout, or NULL */
	char *libdst;		/* what $LIB expands to */
	char *notelf;		/* this search's first candidate that is no ELF */
};

static struct obj *proc_add(struct proc *p, const char *path, const char *host,
			    struct elf_info *info, struct obj *loader,
			    char *origin)
{
	struct obj *o = xcalloc(1, sizeof(*o));

	o->path = xstrdup(path);
	o->host = xstrdup(host);
	o->info = info;
	o->loader = loader;
	o->origin = origin;
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 16;
		p->v = xrealloc(p->v, p->alloc * sizeof(*p->v));
	}
	p->v[p->n++] = o;
	if (info->soname && !hmap_get(&p->loaded, info->soname))
		hmap_put(&p->loaded, info->soname, o);
	return o;
}

static void proc_free(struct proc *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i]->path);
		free(p->v[i]->host);
		free(p->v[i]->origin);
		free(p->v[i]);
	}
	free(p->v);
	free(p->libdst);
	free(p->notelf);
	hmap_free(&p->loaded);
}

/* Expand $ORIGIN, $LIB and $PLATFORM (also in ${} form) in one search
 * directory. NULL when the element cannot be used (unknown platform), as
 * glibc drops it. */
static char *expand_dst(struct proc *p, const struct obj *o, const char *in)
{
	static const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
	const struct arch *a = arch_of(p->main);
	const char *vals[] = { o->origin, p->libdst, a ? a->platform : NULL };
	struct buf b = { 0 };

	buf_reserve(&b, 0);
	while (*in) {
		size_t skip = 0, i;

		if (*in == '$') {
			for (i = 0; i < ARRAY_SIZE(names); i++) {
				size_t n = strlen(names[i]);

				if (!strncmp(in + 1, names[i], n) &&
				    !isalnum((unsigned char)in[1 + n]) &&
				    in[1 + n] != '_')
					skip = 1 + n;
				else if (in[1] == '{' &&
					 !strncmp(in + 2, names[i], n) &&
					 in[2 + n] == '}')
					skip = 3 + n;
				if (skip)
					break;
			}
		}
		if (!skip) {
			buf_addc(&b, *in++);
			continue;
		}
		if (!vals[i]) {
			buf_free(&b);
			return NULL;
		}
		buf_adds(&b, vals[i]);
		in += skip;
	}
	return buf_detach(&b, NULL);
}

enum candidate { CAND_NONE, CAND_NOTELF, CAND_OK };

/* Does this file look like a library the process can load? CAND_NOTELF:
 * a file is there but it is no ELF file (glibc's open_verify fails with
 * "invalid ELF header" or "file too short"); one of another class or
 * machine is CAND_NONE, skipped as the loader skips it. */
static enum candidate usable(struct proc *p, const char *path)
{
	unsigned char h[64];
	struct stat st;
	ssize_t n;
	unsigned machine;
	char *host = manifest_stat_host(p->d->m, path, &st);
	int fd = -1;

	if (host && S_ISREG(st.st_mode))
		fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	free(host);
	if (fd < 0)
		return CAND_NONE;
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n < 0)
		return CAND_NONE;
	if (n < 20 || memcmp(h, ELFMAG, SELFMAG))
		return CAND_NOTELF;
	if (h[EI_CLASS] != p->main->elfclass || h[EI_DATA] != p->main->data)
		return CAND_NONE;
	machine = h[EI_DATA] == ELFDATA2LSB ? (unsigned)(h[18] | h[19] << 8)
					    : (unsigned)(h[18] << 8 | h[19]);
	return machine == p->main->machine ? CAND_OK : CAND_NONE;
}

/* Try dir/name; on success *found is the image path. The first file
 * there that is no ELF file is kept in p->notelf for the error. */
static bool try_dir(struct proc *p, const char *dir, const char *name,
		    char **found)
{
	enum candidate c;
	char *path;

	if (dir[0] != '/')
		return false;	/* "" or relative: the cwd of the guest */
	path = path_normalize(path_join(dir, name));
	c = usable(p, path);
	debug("  trying %s%s", path, c == CAND_OK ? "" :
	      c == CAND_NOTELF ? " (not ELF)" : " (no)");
	if (c == CAND_OK) {
		*found = path;
		return true;
	}
	if (c == CAND_NOTELF && !p->notelf)
		p->notelf = path;
	else
		free(path);
	return false;
}

static bool try_list(struct proc *p, const struct obj *o, const char *list,
		     const char *name, char **found)
{
	char *copy = xstrdup(list), *save = NULL;
	bool ok = false;

	for (char *dir = strtok_r(copy, ":", &save); dir && !ok;
	     dir = strtok_r(NULL, ":", &save)) {
		char *x = expand_dst(p, o, dir);

		if (x)
			ok = try_dir(p, x, name, found);
		free(x);
	}
	free(copy);
	return ok;
}

static bool search(struct proc *p, const struct obj *o, const char *name,
		   char **found)
{
	struct elfdeps *d = p->d;

	if (strchr(name, '/')) {
		*found = NULL;
		return name[0] == '/' ? try_dir(p, "/", name, found) : false;
	}
	if (!o->info->runpath) {
		for (const struct obj *l = o; l; l = l->loader)
			if (l->info->rpath && !l->info->runpath &&
			    try_list(p, l, l->info->rpath, name, found))
				return true;
	} else if (try_list(p, o, o->info->runpath, name, found)) {
		return true;
	}
	if (!d->conf_loaded) {
		conf_parse(d, "/etc/ld.so.conf", 0);
		d->conf_loaded = true;
	}
	for (size_t i = 0; i < d->confdirs.n; i++)
		if (try_dir(p, d->confdirs.v[i], name, found))
			return true;
	if (p->triplet) {
		char *a = path_join("/lib", p->triplet);
		char *b = path_join("/usr/lib", p->triplet);
		bool ok = try_dir(p, a, name, found) || try_dir(p, b, name, found);

		free(a);
		free(b);
		if (ok)
			return true;
	} else if (p->main->elfclass == ELFCLASS64 &&
		   (try_dir(p, "/lib64", name, found) ||
		    try_dir(p, "/usr/lib64", name, found))) {
		return true;
	}
	return try_dir(p, "/lib", name, found) || try_dir(p, "/usr/lib", name, found);
}

/* Add a regular file with the symlinks leading to it; *phys is its real
 * path in the image, *host where to read it. Anything else (a FIFO would
 * block the build) is refused. */
static int add_regular(struct elfdeps *d, const char *path, const char *why,
		       char **phys, char **host)
{
	struct stat st;
	int r = manifest_walk_host(d->m, path, phys, &st);

	if (r)
		return error_errno(r, "%s", path);
	if (!S_ISREG(st.st_mode)) {
		free(*phys);
		return error("%s: not a regular file", path);
	}
	*host = manifest_host_path(d->m, *phys);
	r = manifest_add_file(d->m, *phys, *host, st.st_mode & 07777, 0, 0, why);
	if (r) {
		free(*phys);
		free(*host);
	}
	return r;
}

/* Add an ELF object to the image and read it; *phys gets its real path. */
static int add_elf(struct elfdeps *d, const char *path, const char *why,
		   char **phys, char **host, struct elf_info **info)
{
	int r = add_regular(d, path, why, phys, host);

	if (r)
		return r;
	r = cached_read(d, *host, info);
	if (r == -ENOEXEC)
		r = error("%s: not an ELF file", path);
	if (r) {
		free(*phys);
		free(*host);
	}
	return r;
}

static int resolve_needed(struct proc *p)
{
	int r = 0;

	/* p->v grows while we walk it: breadth first, like the loader. */
	for (size_t i = 0; i < p->n && !r; i++) {
		struct obj *o = p->v[i];

		for (size_t k = 0; k < o->info->needed.n && !r; k++) {
			const char *name = o->info->needed.v[k];
			char *found = NULL, *phys, *host, *why;
			struct elf_info *info;

			if (hmap_get(&p->loaded, name))
				continue;
			free(p->notelf);
			p->notelf = NULL;
			if (!search(p, o, name, &found)) {
				if (p->notelf)
					r = error("%s: %s: not an ELF file (needed by %s)",
						  name, p->notelf, o->path);
				else
					r = error("%s: library not found (needed by %s)",
						  name, o->path);
				break;
			}
			why = xasprintf("lib %s (needed by %s)", found,
					path_basename(o->path));
			r = add_elf(p->d, found, why, &phys, &host, &info);
			free(why);
			if (!r) {
				struct obj *lib;

				lib = proc_add(p, found, host, info, o,
					       path_dirname(found));
				hmap_put(&p->loaded, name, lib);
				free(phys);
				free(host);
			}
			free(found);
		}
	}
	return r;
}

static int add_program(struct elfdeps *d, const char *path, const char *why,
		       int depth);

/* "#!/usr/bin/env python3 -u": the interpreter, and through env the
 * program it runs. */
static int add_script(struct elfdeps *d, const char *path, const char *line,
		      int depth)
{
	char *copy = xstrdup(line), *interp, *arg, *why, *save = NULL;
	int r;

	interp = strtok_r(copy, " \t", &save);
	if (!interp || interp[0] != '/') {
		r = error("%s: #! interpreter '%s' is not an absolute path",
			  path, interp ? interp : "");
		goto out;
	}
	why = xasprintf("bin %s (interpreter of %s)", interp,
			path_basename(path));
	r = add_program(d, interp, why, depth + 1);
	free(why);
	if (r || strcmp(path_basename(interp), "env"))
		goto out;
	/* env [-S] [-i] [NAME=VALUE]... PROGRAM */
	while ((arg = strtok_r(NULL, " \t", &save)) &&
	       (arg[0] == '-' || strchr(arg, '=')))
		;
	if (arg) {
		char *prog = elfdeps_which(d, arg, false);

		if (!prog) {
			r = -ENOENT;
			goto out;
		}
		why = xasprintf("bin %s (run by env in %s)", prog,
				path_basename(path));
		r = add_program(d, prog, why, depth + 1);
		free(why);
		free(prog);
	}
out:
	free(copy);
	return r;
}

/* A program for another arch than the image's: said, with the way out. */
static int wrong_machine(struct elfdeps *d, const char *path, unsigned machine)
{
	const struct target *t = target_of_elf(machine);
	const struct target *want = target_of_elf(d->machine);
	char what[32];

	if (t)
		snprintf(what, sizeof(what), "an %s", t->name);
	else
		snprintf(what, sizeof(what), "an ELF machine %u", machine);
	return error("%s: %s program, but the image is for %s%s", path, what,
		     want ? want->name : "another arch", *d->m->sysroot ? "" :
		     " (--arch with --sysroot takes another arch's programs)");
}

static int add_program(struct elfdeps *d, const char *path, const char *why,
		       int depth)
{
	struct proc p = { .d = d };
	struct elf_info *info;
	char *phys = NULL, *host = NULL;
	char head[SHEBANG_MAX + 1];
	ssize_t n;
	int fd, r;

	if (depth > MAX_SCRIPT_DEPTH)
		return error("%s: #! interpreters nested deeper than %d", path,
			     MAX_SCRIPT_DEPTH);
	r = add_regular(d, path, why, &phys, &host);
	if (r)
		return r;
	fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = error_errno(errno, "%s", path);
		goto out;
	}
	n = pread(fd, head, SHEBANG_MAX, 0);
	close(fd);
	if (n < 0) {
		r = error_errno(errno, "%s", path);
		goto out;
	}
	head[n] = '\0';
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		char *nl = strchr(head, '\n');

		if (nl)
			*nl = '\0';
		r = add_script(d, path, head + 2 + strspn(head + 2, " \t"), depth);
		goto out;
	}
	r = cached_read(d, host, &info);
	if (r == -ENOEXEC) {
		r = error("%s: not an ELF executable or #! script", path);
		goto out;
	}
	if (r)
		goto out;
	if (d->machine && info->machine != d->machine) {
		r = wrong_machine(d, path, info->machine);
		goto out;
	}
	p.main = info;
	p.triplet = multiarch(d, info);
	/* glibc's DL_DST_LIB: Debian builds it as lib/<triplet>. */
	p.libdst = p.triplet ? xasprintf("lib/%s", p.triplet)
		   : xstrdup(info->elfclass == ELFCLASS64 ? "lib64" : "lib");
	proc_add(&p, path, host, info, NULL, path_dirname(phys));
	if (info->interp) {
		char *iphys, *ihost, *iwhy;
		struct elf_info *iinfo;

		iwhy = xasprintf("interp %s (of %s)", info->interp,
				 path_basename(path));
		r = add_elf(d, info->interp, iwhy, &iphys, &ihost, &iinfo);
		free(iwhy);
		if (r)
			goto out;
		/* The loader is loaded: its SONAME satisfies DT_NEEDED. */
		proc_add(&p, info->interp, ihost, iinfo, NULL,
			 path_dirname(info->interp));
		hmap_put(&p.loaded, path_basename(info->interp), p.v[p.n - 1]);
		free(iphys);
		free(ihost);
	}
	r = resolve_needed(&p);
out:
	proc_free(&p);
	free(phys);
	free(host);
	return r;
}

int elfdeps_add_object(struct elfdeps *d, const char *path, const char *why)
{
	return add_program(d, path, why, 0);
}

const struct elf_info *elfdeps_info(struct elfdeps *d, const char *host)
{
	return hmap_get(&d->cache, host);
}

const char *elfdeps_multiarch(struct elfdeps *d, const struct elf_info *info)
{
	return multiarch(d, info);
}

int elfdeps_add_library(struct elfdeps *d, const char *path, const char *name,
			const char *why, char **found)
{
	struct proc p = { .d = d };
	struct elf_info *info;
	char *host = manifest_host_path(d->m, path), *hit = NULL;
	char *phys, *lhost;
	int r = cached_read(d, host, &info);

	if (r) {
		free(host);
		return r == -ENOEXEC ? -ENOENT : r;
	}
	p.main = info;
	p.triplet = multiarch(d, info);
	p.libdst = p.triplet ? xasprintf("lib/%s", p.triplet)
		   : xstrdup(info->elfclass == ELFCLASS64 ? "lib64" : "lib");
	proc_add(&p, path, host, info, NULL, path_dirname(path));
	if (!search(&p, p.v[0], name, &hit)) {
		r = -ENOENT;
		goto out;
	}
	r = add_elf(d, hit, why, &phys, &lhost, &info);
	if (!r) {
		hmap_put(&p.loaded, name, proc_add(&p, hit, lhost, info, p.v[0],
						   path_dirname(hit)));
		r = resolve_needed(&p);
		free(phys);
		free(lhost);
	}
	if (!r && found)
		*found = xstrdup(hit);
out:
	free(hit);
	free(host);
	proc_free(&p);
	return r;
}

/* A regular executable file at path, as the image will see it. */
static bool image_executable(const char *path, void *ctx)
{
	struct elfdeps *d = ctx;
	struct stat st;
	char *host = manifest_stat_host(d->m, path, &st);
	bool ok = host && S_ISREG(st.st_mode) && (st.st_mode & 0111);

	free(host);
	return ok;
}

char *elfdeps_which(struct elfdeps *d, const char *name, bool quiet)
{
	const char *env = getenv("PATH");
	char *found;

	if (strchr(name, '/')) {
		const char *root = d->m->sysroot;
		char cwd[PATH_MAX], *path;
		size_t n = strlen(root);

		if (name[0] == '/' || !getcwd(cwd, sizeof(cwd)))
			path = path_normalize(xstrdup(name));
		else
			path = path_normalize(path_join(cwd, name));
		/* A host path under the sysroot names the file inside it. */
		if (n && !strncmp(path, root, n) && path[n] == '/')
			memmove(path, path + n, strlen(path + n) + 1);
		return path;
	}
	if (*d->m->sysroot || !env || !*env)
		env = TINYRD_DEFAULT_PATH;
	found = path_search(env, name, image_executable, d);
	if (!found && !quiet)
		error("%s: program not found in PATH", name);
	return found;
}

int elfdeps_add_program(struct elfdeps *d, const char *name, const char *why)
{
	char *path = elfdeps_which(d, name, false);
	char *line;
	int r;

	if (!path)
		return -ENOENT;
	line = why ? xstrdup(why) : xasprintf("bin %s", path);
	r = add_program(d, path, line, 0);
	free(line);
	free(path);
	return r;
}
