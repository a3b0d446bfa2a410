/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_BUSYBOX_H
#define TINYRD_BUSYBOX_H

#include <stdbool.h>

struct strv;

/*
 * The applets of the busybox at host, read from the file (busybox.c):
 * their paths as "busybox --list-full" prints them ("bin/ls",
 * "usr/sbin/chroot"), in out; *located false when the file has no
 * install table and every applet was put in bin/. Nothing is run, so the
 * busybox may be of any arch. 0, or -errno (said).
 */
int busybox_applets(const char *host, struct strv *out, bool *located);

#endif
