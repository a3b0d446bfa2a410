/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ABI_H
#define TINYRD_ABI_H

/*
 * The host-guest contract. The builder writes these files into the image,
 * the init reads them; nothing else crosses over. Documented for users in
 * tinyrd-recipe(5) ("INIT CONFIGURATION"); keep the two in step.
 */

/* Configuration directory in the image. */
#define TINYRD_CONF_DIR		"/etc/tinyrd"

/*
 * Modules in load order, one per line:
 *	NAME PATH[ PARAMS]
 * NAME is the kernel's module name (underscores), PATH the absolute path of
 * the uncompressed .ko in the image, PARAMS the rest of the line, passed to
 * finit_module() as is.
 */
#define TINYRD_CONF_MODULES	TINYRD_CONF_DIR "/modules"

/* The command's argv: every argument followed by one NUL byte. Never quoted. */
#define TINYRD_CONF_ARGV	TINYRD_CONF_DIR "/argv"

/* The command's extra environment: NAME=VALUE, each followed by one NUL. */
#define TINYRD_CONF_ENV		TINYRD_CONF_DIR "/env"

/* The init reports the command's status as one byte on this I/O port
 * (QEMU's isa-debug-exit, which exits with (status << 1) | 1). */
#define TINYRD_EXIT_PORT	0x501

#endif
