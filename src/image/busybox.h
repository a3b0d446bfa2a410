/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_BUSYBOX_H
#define TINYRD_BUSYBOX_H

#include <stdbool.h>
#include <stddef.h>

struct strv;

/*
 * The applets of the busybox at host, read from the file (busybox.c):
 * their paths as "busybox --list-full" prints them ("bin/ls",
 * "usr/sbin/chroot"), in out; *located false when the file has no
 * install table and every applet was put in bin/. Applets hidden by
 * busybox_hide() are not listed. Nothing is run, so the busybox may be of
 * any arch. 0, or -errno (said).
 */
int busybox_applets(const char *host, struct strv *out, bool *located);
/* The same from the busybox's bytes (one in an image): nothing logged,
 * 0 or -EINVAL (not a busybox). */
int busybox_applets_buf(const char *buf, size_t len, struct strv *out,
			bool *located);
/* Do the bytes hold BusyBox's banner ("BusyBox v" and its version, which
 * every build prints)? A sorted run of names alone is found in other
 * programs too (bash's shopt options), so a file not known to be a
 * busybox needs this as well. */
bool busybox_banner(const char *buf, size_t len);

/*
 * Hide the applets named in names from every lookup by name in the
 * busybox whose bytes are buf (the shell's standalone mode, and the
 * applets that run commands), so that a command of that name is looked
 * up in PATH instead. Names this busybox's lookup cannot lose without
 * losing others stay, and are appended to left (may be NULL). Nothing
 * logged: 0, -EINVAL (not a busybox) or -ENOTSUP (a lookup layout tinyrd
 * does not know; buf unchanged).
 */
int busybox_hide(char *buf, size_t len, const struct strv *names,
		 struct strv *left);

#endif
