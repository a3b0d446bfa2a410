/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_LANDLOCK_H
#define TINYRD_LANDLOCK_H

/*
 * Landlock for a share's server (landlock.c): the thread that asks, and
 * the threads it starts, may open files only beneath the share's root,
 * and only as the share allows (read-only for ,ro; device nodes made
 * only for ,dev). What the kernel's ABI version knows is handled: ABI 2
 * (Linux 5.19) for links and renames across directories (REFER), 3 for
 * truncation, 5 for device ioctls.
 */
#include <stdbool.h>

/* The kernel's Landlock ABI version: > 0, or -errno (ENOSYS: not built
 * in; EOPNOTSUPP: not in lsm=). */
int landlock_abi(void);
/* Restrict the calling thread to dir (an O_PATH handle) at this abi:
 * 1 applied; 0 not (no Landlock, or a writable share under ABI 1, which
 * would break links and renames across its directories); -errno. */
int landlock_share(int abi, int dir, bool ro, bool dev);

#endif
