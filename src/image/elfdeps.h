/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ELFDEPS_H
#define TINYRD_ELFDEPS_H

#include "elfread.h"
#include "manifest.h"

/*
 * Run-time dependencies of programs, found the way glibc's ld.so finds them
 * but without running anything: PT_INTERP, DT_NEEDED breadth first, DT_RPATH
 * (inherited up the loader chain, ignored when DT_RUNPATH is present),
 * DT_RUNPATH, ld.so.conf, the system directories (Debian multiarch first),
 * $ORIGIN/$LIB/$PLATFORM, and candidates of the wrong class or machine
 * skipped. Everything happens inside the manifest's sysroot, so a binary of
 * another architecture resolves against its own libraries.
 *
 * Not modelled: LD_LIBRARY_PATH and LD_PRELOAD (the guest's environment is
 * not the host's), and glibc-hwcaps subdirectories (the guest CPU is not
 * the host's); dlopen()ed libraries cannot be seen in the file at all.
 */

struct elfdeps {
	struct manifest *m;
	struct hmap cache;	/* host path -> struct elf_info * */
	struct strv confdirs;	/* from /etc/ld.so.conf in the sysroot */
	bool conf_loaded;
	unsigned machine;	/* programs must be of it (EM_*); 0: any */
};

void elfdeps_init(struct elfdeps *d, struct manifest *m);
void elfdeps_free(struct elfdeps *d);

/* Find a program: a path (relative to the working directory) or a name
 * looked up in PATH ($PATH on the host, the standard PATH in a sysroot).
 * Returns the image path, or NULL after logging an error (unless quiet). */
char *elfdeps_which(struct elfdeps *d, const char *name, bool quiet);

/* Add a program with everything it needs at run time: its interpreter
 * (ELF PT_INTERP or a #! line, followed through /usr/bin/env), libraries
 * and the symlinks leading to each. why is the -v line for the program
 * itself ("bin /usr/bin/strace" when NULL). */
int elfdeps_add_program(struct elfdeps *d, const char *name, const char *why);

/* Add an ELF object at its image path (a library or a plug-in that is
 * dlopen()ed: no execute bit needed) with what it needs, as for a
 * program. */
int elfdeps_add_object(struct elfdeps *d, const char *path, const char *why);

/* Add the library name (a DT_NEEDED word) as the loader would find it for
 * the object at path (its RUNPATH, then the system's), with what it
 * needs. *found gets its image path (may be NULL). -ENOENT when there is
 * none (nothing logged). */
int elfdeps_add_library(struct elfdeps *d, const char *path, const char *name,
			const char *why, char **found);

/* The ELF information of a file added by this resolver, by its host path,
 * or NULL when it is no ELF file the resolver read. */
const struct elf_info *elfdeps_info(struct elfdeps *d, const char *host);

/* The Debian multiarch triplet of this ELF file's arch when the sysroot
 * is laid out that way, or NULL. */
const char *elfdeps_multiarch(struct elfdeps *d, const struct elf_info *info);

#endif
