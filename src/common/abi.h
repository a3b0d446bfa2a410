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

/*
 * Shares to mount before the command runs, one per line:
 *	FSTYPE SOURCE TARGET FLAGS OPTIONS
 * FSTYPE and SOURCE as mount(8) takes them (9p or virtiofs; the tag),
 * TARGET an absolute path (created), FLAGS "ro" or "rw", OPTIONS the
 * file system's data string, "-" for none. No field holds a blank.
 */
#define TINYRD_CONF_MOUNTS	TINYRD_CONF_DIR "/mounts"

/*
 * Host-root mode (tinyrd run --rootfs): the guest's root is a share. The
 * first line says which:
 *	FSTYPE SOURCE OPTIONS
 * (as in TINYRD_CONF_MOUNTS); it is mounted read-only with tmpfs over
 * /tmp, /run and /var/tmp. Each further line "rw PATH" puts a writable
 * overlay over PATH, its changes kept in memory. Shares are mounted
 * inside the new root, on mount points that exist there.
 */
#define TINYRD_CONF_ROOT	TINYRD_CONF_DIR "/root"

/* The command's extra environment: NAME=VALUE, each followed by one NUL. */
#define TINYRD_CONF_ENV		TINYRD_CONF_DIR "/env"

/*
 * Present (empty) when the host forwards its standard input: the init
 * gives the command a pipe as standard input and feeds it what arrives on
 * the output device (/dev/hvc0), framed so that binary data and the end
 * of input both cross a raw tty: TINYRD_STDIN_ESC followed by 0x00 is one
 * byte 0xff, followed by TINYRD_STDIN_EOF the end of input; any other
 * byte is itself.
 */
#define TINYRD_CONF_STDIN	TINYRD_CONF_DIR "/stdin"
/* The init writes a byte here once it reads hvc0 in raw mode; the host
 * sends no input before (a tty that nobody has open drops what comes). */
#define TINYRD_STDIN_PORT	0x502
#define TINYRD_STDIN_ESC	0xff
#define TINYRD_STDIN_EOF	0x01

/* The init reports the command's status as one byte on this I/O port
 * (QEMU's isa-debug-exit, which exits with (status << 1) | 1). */
#define TINYRD_EXIT_PORT	0x501

#endif
