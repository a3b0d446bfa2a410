/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MODDEPS_H
#define TINYRD_MODDEPS_H

#include "manifest.h"

/*
 * Kernel modules through libkmod, in modprobe's order: for each module its
 * dependencies from modules.dep (each preceded by its own pre-softdeps and
 * followed by its post-softdeps), then the module itself likewise.
 * Softdeps come from modules.softdep and the modules' own modinfo; the
 * host's /etc/modprobe.d is deliberately not read (it configures the host,
 * not the guest). Firmware the module declares is added when it exists.
 * Compressed modules are added to be stored decompressed.
 */
struct moddeps;

/*
 * Open the modules tree for kernel release kver: moddir when given (the
 * directory holding modules.dep, or an INSTALL_MOD_PATH with
 * lib/modules/<kver> below it), else <sysroot>/lib/modules/<kver>.
 */
int moddeps_open(struct moddeps **out, struct manifest *m, const char *moddir,
		 const char *kver);
void moddeps_close(struct moddeps *d);
/* Is there such a modules tree? Nothing logged. */
bool moddeps_exists(struct manifest *m, const char *moddir, const char *kver);

/* Add a module by name or alias, with parameters for it (may be NULL). */
int moddeps_add(struct moddeps *d, const char *name, const char *params);
/* Add it, with what it needs, for modprobe only: the init loads none of
 * them unless another addition asks for it. */
int moddeps_add_noload(struct moddeps *d, const char *name);
/* Add it when the kernel has it as a module; built in or absent is fine
 * and quiet (what a VMM's devices need). */
int moddeps_add_if_module(struct moddeps *d, const char *name);

/* The init's module configuration (abi.h TINYRD_CONF_MODULES): what
 * it loads, in order. */
const char *moddeps_config(struct moddeps *d, size_t *len);

/* Add what modprobe reads for the modules added, all of them
 * (modfiles.h). */
int moddeps_modprobe_files(struct moddeps *d);

const char *moddeps_dir(const struct moddeps *d);

#endif
