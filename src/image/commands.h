/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_COMMANDS_H
#define TINYRD_COMMANDS_H

#include "cpio.h"

/*
 * Which file each command name of an image runs, as `sh -c NAME` in the
 * guest would (commands.c, for tinyrd inspect --commands): the image's
 * tree is built from its entries as the kernel unpacks them, then every
 * name is looked up as the busybox /bin/sh is would, applet first, then
 * along PATH.
 */
enum command_kind {
	COMMAND_SHELL_APPLET,	/* /bin/sh is a busybox that runs it itself */
	COMMAND_PROGRAM,	/* the first file along PATH */
	COMMAND_APPLET,		/* that file is a busybox with the applet */
	COMMAND_NO_APPLET,	/* that file is a busybox without it: fails */
};

struct command {
	char *name;
	char *file;		/* the file run, symlinks resolved */
	enum command_kind kind;
};

struct commands {
	struct hmap nodes;	/* image path -> struct cmd_node */
	struct hmap links;	/* "segment:inode" -> struct cmd_inode */
	struct cmd_inode **inodes;
	size_t ninodes;
	struct command *v;	/* commands_resolve's answer, sorted */
	size_t n;
};

/* Should the data of this entry come whole (cpio_read_whole)? The files
 * a command can run: their applets are read from it. */
bool commands_whole(const struct cpio_item *it);
/* Add an entry of the segment seg (1, 2...), in the archive's order. */
void commands_add(struct commands *c, int seg, const struct cpio_item *it);
/* Look up every command name along path (colon-separated) into c->v. */
void commands_resolve(struct commands *c, const char *path);
const char *commands_kind_name(enum command_kind k);
void commands_free(struct commands *c);

#endif
