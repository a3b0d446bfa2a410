// SPDX-License-Identifier: MIT
/*
 * Host files into the manifest: the walker that follows a host path
 * component by component inside the sysroot and reproduces its symlink
 * chain in the image instead of flattening it, and tree copies.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "manifest.h"

#define MAX_COPY_DEPTH 256

/* The walk, under an explicit root ("" is the host). m NULL: record
 * nothing, only resolve. */
static int walk(struct manifest *m, const char *root, const char *path,
		char **canon, struct stat *st)
{
	struct strv todo = { 0 };
	struct buf cur = { 0 };
	int hops = 0, r = 0;
	bool have = false;

	buf_reserve(&cur, 0);
	path_push_components(&todo, path);
	while (todo.n) {
		char *c = path_pop(&todo);
		size_t save = cur.len;
		char *host;

		if (!strcmp(c, ".")) {
			free(c);
			continue;
		}
		if (!strcmp(c, "..")) {
			path_drop_last(&cur);
			have = false;
			free(c);
			continue;
		}
		buf_addc(&cur, '/');
		buf_adds(&cur, c);
		free(c);
		host = xasprintf("%s%s", root, cur.p);
		if (lstat(host, st) < 0) {
			r = -errno;
			free(host);
			goto out;
		}
		have = true;
		if (S_ISLNK(st->st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(host, target, sizeof(target) - 1);

			free(host);
			if (n <= 0 || ++hops > MANIFEST_SYMLINK_HOPS) {
				r = n < 0 ? -errno : -ELOOP;
				goto out;
			}
			target[n] = '\0';
			r = m ? manifest_add_slink(m, cur.p, target, 0777, 0, 0, NULL) : 0;
			if (r)
				goto out;
			cur.len = target[0] == '/' ? 0 : save;
			cur.p[cur.len] = '\0';
			path_push_components(&todo, target);
			have = false;
			continue;
		}
		free(host);
		if (todo.n && !S_ISDIR(st->st_mode)) {
			r = -ENOTDIR;
			goto out;
		}
	}
	if (!have) {
		char *host = xasprintf("%s%s", root, cur.len ? cur.p : "/");

		if (lstat(host, st) < 0)
			r = -errno;
		free(host);
		if (r)
			goto out;
	}
	*canon = cur.len ? buf_detach(&cur, NULL) : xstrdup("/");
out:
	strv_free(&todo);
	buf_free(&cur);
	return r;
}

int manifest_walk_host(struct manifest *m, const char *path, char **canon,
		       struct stat *st)
{
	return walk(m, m->sysroot, path, canon, st);
}

char *manifest_stat_host(const struct manifest *m, const char *path,
			 struct stat *st)
{
	char *phys, *host;
	int r;

	if (!*m->sysroot)
		return stat(path, st) ? NULL : xstrdup(path);
	r = walk(NULL, m->sysroot, path, &phys, st);
	if (r) {
		errno = -r;
		return NULL;
	}
	if (S_ISLNK(st->st_mode)) {	/* cannot be: walk follows links */
		free(phys);
		errno = ELOOP;
		return NULL;
	}
	host = manifest_host_path(m, phys);
	free(phys);
	return host;
}

/* Add one object found at host path "host" as image path "path". */
static int add_object(struct manifest *m, const char *host, const char *path,
		      const struct stat *st, const char *why)
{
	unsigned mode = st->st_mode & 07777;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		return manifest_add_file(m, path, host, mode, 0, 0, why);
	case S_IFDIR:
		return manifest_add_dir(m, path, mode, 0, 0, why);
	case S_IFCHR:
	case S_IFBLK:
		return manifest_add_nod(m, path, mode, 0, 0,
					S_ISCHR(st->st_mode) ? 'c' : 'b',
					major(st->st_rdev), minor(st->st_rdev),
					why);
	case S_IFIFO:
		return manifest_add_special(m, ENTRY_PIPE, path, mode, 0, 0, why);
	case S_IFSOCK:
		return manifest_add_special(m, ENTRY_SOCK, path, mode, 0, 0, why);
	default:
		return error("%s: unsupported file type", host);
	}
}

int manifest_add_host(struct manifest *m, const char *path, const char *why,
		      char **canon)
{
	char *phys = NULL, *host;
	struct stat st;
	int r = manifest_walk_host(m, path, &phys, &st);

	if (r)
		return error_errno(r, "%s", path);
	host = manifest_host_path(m, phys);
	r = add_object(m, host, phys, &st, why);
	free(host);
	if (!r && canon)
		*canon = phys;
	else
		free(phys);
	return r;
}

static int copy_tree(struct manifest *m, const char *host, const char *path,
		     const struct stat *st, const char *why, int depth,
		     unsigned long copy, const struct manifest_filter *f)
{
	struct dirent *d;
	DIR *dir;
	int r;

	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(host, target, sizeof(target) - 1);

		if (n < 0)
			return error_errno(errno, "%s", host);
		target[n] = '\0';
		return manifest_add_slink(m, path, target, 0777, 0, 0, NULL);
	}
	r = add_object(m, host, path, st, depth ? NULL : why);
	if (!r && f && f->each && S_ISREG(st->st_mode))
		f->each(path, host, f->ctx);
	if (!r && S_ISREG(st->st_mode) && st->st_nlink > 1) {
		/* A hardlink on the host stays one within this copy. */
		char *key = xasprintf("copy%lu:%lx:%lx", copy,
				      (unsigned long)st->st_dev,
				      (unsigned long)st->st_ino);

		r = manifest_link(m, path, key);
		free(key);
	}
	if (r || !S_ISDIR(st->st_mode))
		return r;
	if (depth >= MAX_COPY_DEPTH)
		return error("%s: directory tree deeper than %d levels", host,
			     MAX_COPY_DEPTH);
	dir = opendir(host);
	if (!dir)
		return error_errno(errno, "%s", host);
	while (!r && (errno = 0, d = readdir(dir))) {
		char *h, *p;
		struct stat sub;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    (f && f->skip && f->skip(d->d_name, f->ctx)))
			continue;
		h = path_join(host, d->d_name);
		p = path_join(path, d->d_name);
		if (lstat(h, &sub) < 0)
			r = error_errno(errno, "%s", h);
		else
			r = copy_tree(m, h, p, &sub, why, depth + 1, copy, f);
		free(h);
		free(p);
	}
	if (!r && errno)
		r = error_errno(errno, "%s", host);
	closedir(dir);
	return r;
}

int manifest_copy(struct manifest *m, const char *src, const char *dest,
		  const char *why)
{
	struct stat st;
	char *phys = NULL, *path;
	int r;

	if (!dest && src[0] == '/') {
		/* Same path: reproduce the symlinks leading to it. */
		r = walk(m, "", src, &phys, &st);
		if (r)
			return error_errno(r, "%s", src);
		r = copy_tree(m, phys, phys, &st, why, 0, ++m->seq, NULL);
		free(phys);
		return r;
	}
	if (stat(src, &st) < 0)
		return error_errno(errno, "%s", src);
	path = path_normalize(xstrdup(dest ? dest : src));
	r = copy_tree(m, src, path, &st, why, 0, ++m->seq, NULL);
	free(path);
	return r;
}

int manifest_copy_filtered(struct manifest *m, const char *path,
			   const char *why, const struct manifest_filter *f)
{
	struct stat st;
	char *phys = NULL, *host;
	int r = walk(m, m->sysroot, path, &phys, &st);

	if (r)
		return r;
	host = manifest_host_path(m, phys);
	r = copy_tree(m, host, phys, &st, why, 0, ++m->seq, f);
	free(host);
	free(phys);
	return r;
}

/* Resolve a path through the image's own symlinks, every component. */
