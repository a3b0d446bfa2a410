/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_INIT_H
#define TINYRD_INIT_H

/*
 * tinyrd-init: PID 1 of a tinyrd image. It reads what the builder decided
 * (abi.h, /etc/tinyrd/) and acts; it never exits. Static, libc only.
 */
#include <stdbool.h>
#include <stddef.h>


extern bool init_debug;		/* tinyrd.debug */
extern bool init_stdin;		/* the host forwards stdin (abi.h) */
extern int init_out_fd;		/* the command's tty, drained before the end */

/* "tinyrd-init: <step>: <object>: <error>" ("<step>: <error>" when object
 * is NULL), then report the init's failure (125): never returns. */
void die(const char *step, const char *object, int err) __attribute__((noreturn));
/* "tinyrd-init: <step>: <object>: <error>" and carry on. */
void complain(const char *step, const char *object, int err);
/* With tinyrd.debug: a step, timed from trace_start(). */
void trace_start(void);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A byte to an I/O port of the VMM (abi.h), on a PC; nothing elsewhere. */
void port_out(unsigned short port, unsigned char value);
/* Print the status (the command's, or with failed the init's own: abi.h's
 * two lines), sync, write it to the exit port, power off. */
void report(int status, bool failed) __attribute__((noreturn));

/* Read a whole small file; NULL (errno set) on failure. *len excludes the
 * NUL that is always appended. */
char *slurp(const char *path, size_t *len);

/* The kernel command line split into words as the kernel does (double
 * quotes group), NULL-terminated; never NULL. */
char **cmdline_words(void);

/* mount.c */
void mount_proc(void);
void setup_mounts(void);
void setup_network(void);
/* The shares, mounted under root ("" or the host root's mount point). */
void mount_shares(const char *root);
/* A virtio-fs mount's readahead raised to the server's request size. */
void tune_readahead(const char *type, const char *target);
int mount_share(const char *src, const char *target, const char *type,
		unsigned long flags, const char *opts);
/* mkdir -p */
int make_dirs(char *path);

/* root.c: host-root mode (abi.h TINYRD_CONF_ROOT): the share mounted
 * read-only, tmpfs and overlays on it, then made the root. Returns
 * where it was mounted for mount_shares ("" when not in that mode);
 * the switch itself is switch_root(). */
const char *enter_host_root(void);
void switch_root(void);

/* module.c */
void load_modules(char **cmdline);

#endif
