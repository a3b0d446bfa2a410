/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MODFILES_H
#define TINYRD_MODFILES_H

#include "manifest.h"

/*
 * What modprobe reads, for the modules an image holds: depmod's files in
 * /lib/modules/<kver>/, made for exactly that subset under the image's
 * file names, so that kmod's modprobe and modinfo, BusyBox's modprobe and
 * the kernel's request_module() (through /sbin/modprobe) work in the
 * guest as on the host.
 *
 *   modules.dep             text, for BusyBox (below)
 *   modules.dep.bin         the dependencies, for libkmod
 *   modules.alias[.bin]     the host's lines for the subset
 *   modules.symbols[.bin]   likewise
 *   modules.softdep         likewise (libkmod reads it as configuration)
 *   modules.weakdep         likewise, when the host has one (kmod 33)
 *   modules.devname         likewise
 *   modules.order           likewise, under the image's names
 *   modules.builtin[.bin]   the kernel's, whole
 *   modules.builtin.modinfo the kernel's, whole
 *   modules.builtin.alias.bin  from it
 *
 * BusyBox's modprobe knows no softdeps: neither modules.softdep nor a
 * "softdep" line of modprobe.d. So the text modules.dep, which libkmod
 * never reads, lists for each module what BusyBox must load before it:
 * its dependencies and its pre-softdeps (with theirs), in the reverse of
 * kmod's load order, as BusyBox loads a line from its end. The binary
 * modules.dep.bin keeps the true dependencies.
 */
struct modfiles_mod {
	const char *name;	/* kmod's: ext4, crc32c_intel */
	const char *path;	/* below /lib/modules/<kver>/ in the image */
	struct strv deps;	/* its modules.dep line, as paths like path */
	struct strv bbdeps;	/* its line for BusyBox */
};

/* Add the files for mods to m, from the host's modules directory dir
 * (the one holding modules.dep). 0 or -errno (said). */
int modfiles_add(struct manifest *m, const char *dir, const char *kver,
		 struct modfiles_mod *mods, size_t n);

#endif
