/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_CONFINE_H
#define TINYRD_CONFINE_H

/*
 * The built-in launcher confines itself once its machine is set up, as
 * Firecracker, crosvm and cloud-hypervisor do (confine.c):
 *
 *  - the process: no_new_privs before any thread starts, the descriptors
 *    it inherited and does not use closed, RLIMIT_NOFILE sized to what
 *    the run needs;
 *  - each thread, first thing on it: a seccomp filter for its role (a
 *    const table per role in confine.c) that allows the system calls the
 *    role makes and nothing else, ioctls by request number (a vCPU's
 *    only on its own vCPU, the VM and /dev/kvm), mmap and mprotect never
 *    executable;
 *  - a share's server thread: Landlock, where the kernel has it, on the
 *    share's directory (read-only for ,ro): Landlock binds a thread and
 *    the threads it starts, so each server is kept in its own directory
 *    and no other thread is narrowed by it.
 *
 * A forbidden call does not run: SECCOMP_RET_TRAP sends the calling
 * thread SIGSYS, whose handler records the first call (thread, number,
 * arch), makes it fail with EPERM and wakes the supervisor through a
 * pipe; the launcher then stops the guest, and the run ends as tinyrd's
 * failure (125) with one line naming the call. A trap rather than
 * SECCOMP_RET_KILL_PROCESS: a killed process can say nothing, and leaves
 * the terminal raw.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

/* The threads of the launcher, by what they do. */
enum confine_role {
	CONFINE_VCPU,		/* KVM_RUN and the exits it handles */
	CONFINE_CONSOLE,	/* virtio-console: writes the command's output */
	CONFINE_RNG,		/* virtio-rng: getrandom */
	CONFINE_BLK,		/* virtio-blk: I/O on its disk */
	CONFINE_9P,		/* a 9P server on its share's directory */
	CONFINE_VIRTIOFS,	/* a FUSE server on its share's, and its DAX window */
	CONFINE_SUPERVISOR,	/* the main thread: signals, terminal, watchdogs,
				 * the teardown and what tinyrd does after */
	CONFINE_ROLES
};

/* One thread: its role, the descriptors its KVM ioctls may name (-1:
 * none), the share it serves, its name (15 bytes: the kernel's comm). */
struct confine_thread {
	enum confine_role role;
	char name[16];
	int kvm, vm, vcpu;
	int dir;		/* a share's root (O_PATH), -1: none */
	bool ro, dev;		/* the share's ,ro and ,dev */
	/* The arch's extra vCPU ioctls (vm_arch.vcpu_ioctls). */
	const unsigned long *arch_ioctls;
	size_t narch_ioctls;
};

struct confine {
	bool on;
	int landlock_abi;		/* 0: none */
	int landlock_errno;		/* why none */
	unsigned closed;		/* inherited descriptors closed */
	int closed_fd[8];		/* the first of them */
	rlim_t nofile;			/* RLIMIT_NOFILE set, 0: not set */
	/* The threads' reports: how many, the first failure, each role's
	 * count, and the shares Landlock holds. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned reported, released;
	int err;
	char why[200];
	unsigned count[CONFINE_ROLES];
	unsigned landlocked, unlandlocked;
	/* AddressSanitizer's leak check runs at exit on the main thread,
	 * and clones and ptraces there: in such a build (the tests'
	 * tinyrd-san, never tinyrd) the launcher leaves the supervisor
	 * unconfined. */
	bool asan;
};

/* The role's name ("vcpu", "virtio-rng", ...) and how many system calls
 * its table allows on this arch. */
const char *confine_role_name(enum confine_role r);
unsigned confine_role_syscalls(enum confine_role r);

/* Before the machine's threads start: with on, no_new_privs and the
 * SIGSYS handler; and Landlock's ABI read. 0 or -errno (said). */
int confine_begin(struct confine *c, bool on);
/* After setup, before the guest runs: close what was inherited (a
 * descriptor above 2 without FD_CLOEXEC, none of keep), size
 * RLIMIT_NOFILE (shares: as share_open raised it; else what is open and
 * 64 more). Nothing when off. */
void confine_files(struct confine *c, const int *keep, unsigned nkeep,
		   bool shares);
/* On the thread itself: name it, apply Landlock and its role's filter
 * (nothing but the name when off), and report to confine_wait. 0 or
 * -errno (the reason kept for confine_wait). */
int confine_thread(struct confine *c, const struct confine_thread *t);
/* Wait for n threads' reports: 0, or the first failure (said). */
int confine_wait(struct confine *c, unsigned n);
/* vCPU threads wait here after confine_thread until the supervisor
 * says go (confine_release), so no guest code runs before every
 * thread is confined. */
void confine_hold(struct confine *c);
void confine_release(struct confine *c);
/* With -v, what is in force. */
void confine_show(const struct confine *c);

/* Readable once a forbidden call was trapped (for poll), or -1. */
int confine_violation_fd(void);
/* The first forbidden call, as one line ("seccomp: the virtio-rng
 * thread called openat (syscall 257), which its filter forbids"):
 * true, or false when there was none. */
bool confine_violation(char *why, size_t n);

/*
 * What this host allows, for tinyrd doctor: every role's filter loaded
 * for real (in a child process, one thread each), Landlock's ABI, and
 * no_new_privs.
 */
struct confine_facts {
	int seccomp;			/* 0: every filter loaded, else -errno */
	char seccomp_why[160];
	int landlock_abi;		/* 0: none, landlock_errno says why */
	int landlock_errno;
	bool nnp;			/* PR_SET_NO_NEW_PRIVS took */
};
void confine_probe(struct confine_facts *f);

#endif
