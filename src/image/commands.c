// SPDX-License-Identifier: MIT
/*
 * Which file each command name of an image runs (tinyrd inspect
 * --commands).
 *
 * The tree is the one the kernel unpacks (init/initramfs.c): entries in
 * archive order, segment after segment; an entry lands where its
 * directory leads through the symlinks already there, replaces what is at
 * its path except a directory over a directory, and the hardlinks of one
 * segment (same inode number, nlink > 1) are one file, whose data comes
 * with one of its names. The applets of every executable file that
 * carries BusyBox's banner are read from its bytes as the builder reads
 * them (busybox_applets_buf), hidden ones left out.
 *
 * A name is run as the guest's `sh -c NAME` runs it: Debian's busybox
 * shell (FEATURE_SH_STANDALONE) runs one of its own applets before it
 * searches PATH; otherwise the first executable file along PATH, which,
 * when it is a busybox, runs the applet named by argv[0] (or its
 * dispatcher, for a name starting with "busybox": appletlib.c). Shell
 * builtins come before both and are not files: they are not shown.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "busybox.h"
#include "commands.h"

struct cmd_inode {
	bool busybox;
	struct strv applets;	/* visible applet names, busybox only */
};

struct cmd_node {
	unsigned mode;		/* type and permissions */
	char *target;		/* symlink */
	struct cmd_inode *inode;	/* regular file */
};

static const char *node_link(const char *path, void *ctx)
{
	struct commands *c = ctx;
	struct cmd_node *n = hmap_get(&c->nodes, path);

	return n && S_ISLNK(n->mode) ? n->target : NULL;
}

static void node_free(struct cmd_node *n)
{
	if (n)
		free(n->target);
	free(n);
}

bool commands_whole(const struct cpio_item *it)
{
	return S_ISREG(it->mode) && (it->mode & 0111);
}

static struct cmd_inode *inode_of(struct commands *c, int seg,
				  const struct cpio_item *it)
{
	struct cmd_inode *in = NULL;
	char *key = NULL;

	if (it->nlink > 1) {
		key = xasprintf("%d:%llu", seg, it->ino);
		in = hmap_get(&c->links, key);
	}
	if (!in) {
		in = xcalloc(1, sizeof(*in));
		c->inodes = xrealloc(c->inodes,
				     (c->ninodes + 1) * sizeof(*c->inodes));
		c->inodes[c->ninodes++] = in;
		if (key)
			hmap_put(&c->links, key, in);
	}
	free(key);
	return in;
}

static void read_applets(struct cmd_inode *in, const struct cpio_item *it)
{
	struct strv list = { 0 };
	bool located;

	if (in->busybox || !it->datalen || !commands_whole(it) ||
	    !busybox_banner(it->data, it->datalen) ||
	    busybox_applets_buf(it->data, it->datalen, &list, &located))
		return;
	in->busybox = true;
	for (size_t i = 0; i < list.n; i++)
		strv_push(&in->applets, path_basename(list.v[i]));
	strv_free(&list);
}

void commands_add(struct commands *c, int seg, const struct cpio_item *it)
{
	char *full = path_normalize(xasprintf("/%s", it->path));
	char *dir = path_dirname(full);
	char *canon = path_resolve(dir, node_link, c);
	char *key = NULL;
	struct cmd_node *old, *n;

	/* The root, and what a symlink loop keeps the kernel from making. */
	if (!strcmp(full, "/") || !canon)
		goto out;
	key = path_normalize(path_join(canon, path_basename(full)));
	old = hmap_get(&c->nodes, key);
	if (old && S_ISDIR(old->mode) && S_ISDIR(it->mode))
		goto out;
	n = xcalloc(1, sizeof(*n));
	n->mode = it->mode;
	if (S_ISLNK(it->mode))
		n->target = xstrdup(it->symlink ? it->symlink : "");
	if (S_ISREG(it->mode)) {
		n->inode = inode_of(c, seg, it);
		read_applets(n->inode, it);
	}
	node_free(hmap_put(&c->nodes, key, n));
out:
	free(full);
	free(dir);
	free(canon);
	free(key);
}

/* The node path leads to, and its path, when it is a file to run. */
static struct cmd_node *runnable(struct commands *c, const char *path,
				 char **file)
{
	char *p = path_resolve(path, node_link, c);
	struct cmd_node *n = p ? hmap_get(&c->nodes, p) : NULL;

	if (n && S_ISREG(n->mode) && (n->mode & 0111)) {
		*file = p;
		return n;
	}
	free(p);
	return NULL;
}

struct search {
	struct commands *c;
	struct cmd_node *node;
	char *file;
};

static bool found(const char *path, void *ctx)
{
	struct search *s = ctx;

	s->node = runnable(s->c, path, &s->file);
	return s->node != NULL;
}

/* The names in path's directories, and the shell's applets. */
static void gather(struct commands *c, const char *path,
		   const struct strv *applets, struct strv *names)
{
	struct strv dirs = { 0 };
	struct hmap seen = { 0 };
	char *copy = xstrdup(path), *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *canon = d[0] == '/' ? path_resolve(d, node_link, c) : NULL;

		if (canon && !strv_contains(&dirs, canon))
			strv_push(&dirs, canon);
		free(canon);
	}
	for (size_t i = 0; i < c->nodes.cap; i++) {
		const char *key = c->nodes.slots[i].key;
		char *d = key ? path_dirname(key) : NULL;

		if (d && strv_contains(&dirs, d) &&
		    !hmap_put(&seen, path_basename(key), c))
			strv_push(names, path_basename(key));
		free(d);
	}
	for (size_t i = 0; i < applets->n; i++)
		if (!hmap_put(&seen, applets->v[i], c))
			strv_push(names, applets->v[i]);
	hmap_free(&seen);
	strv_free(&dirs);
	free(copy);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void commands_resolve(struct commands *c, const char *path)
{
	static const struct strv none = { 0 };
	char *shell = NULL;
	struct cmd_node *sh = runnable(c, "/bin/sh", &shell);
	const struct strv *applets = sh && sh->inode->busybox ?
				     &sh->inode->applets : &none;
	struct strv names = { 0 };

	gather(c, path, applets, &names);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), by_name);
	c->v = xcalloc(names.n + 1, sizeof(*c->v));
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		struct search s = { .c = c };
		struct command *cmd = &c->v[c->n];
		char *hit;

		if (strv_contains(applets, name)) {
			cmd->kind = COMMAND_SHELL_APPLET;
			cmd->file = xstrdup(shell);
		} else if ((hit = path_search(path, name, found, &s))) {
			free(hit);
			cmd->file = s.file;
			cmd->kind = !s.node->inode->busybox ||
				    str_starts(name, "busybox") ? COMMAND_PROGRAM :
				    strv_contains(&s.node->inode->applets, name) ?
				    COMMAND_APPLET : COMMAND_NO_APPLET;
		} else {
			continue;	/* not a file to run */
		}
		cmd->name = xstrdup(name);
		c->n++;
	}
	strv_free(&names);
	free(shell);
}

const char *commands_kind_name(enum command_kind k)
{
	static const char *const names[] = {
		[COMMAND_SHELL_APPLET] = "shell-applet",
		[COMMAND_PROGRAM] = "program",
		[COMMAND_APPLET] = "applet",
		[COMMAND_NO_APPLET] = "missing-applet",
	};

	return names[k];
}

void commands_free(struct commands *c)
{
	for (size_t i = 0; i < c->nodes.cap; i++)
		if (c->nodes.slots[i].key)
			node_free(c->nodes.slots[i].val);
	hmap_free(&c->nodes);
	hmap_free(&c->links);
	for (size_t i = 0; i < c->ninodes; i++) {
		strv_free(&c->inodes[i]->applets);
		free(c->inodes[i]);
	}
	free(c->inodes);
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].file);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
