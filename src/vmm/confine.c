// SPDX-License-Identifier: MIT
/*
 * The launcher's confinement (confine.h): seccomp per thread, Landlock
 * on the shares' servers (landlock.c), no_new_privs, the descriptors.
 * The only file that includes libseccomp.
 *
 * Each role's table lists the system calls its threads make, found in
 * the code they run and checked against strace -f of the nested
 * harness's scenarios (tests/README.md); every thread also gets base[]:
 * what glibc does on any thread (the allocator, locks, a thread's end,
 * the clocks' fallback from the vDSO).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <seccomp.h>

#include "confine.h"
#include "landlock.h"
#include "../common/log.h"
#include "../common/util.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1		/* si_code of a seccomp trap (asm-generic/siginfo.h) */
#endif

/* A build with AddressSanitizer (confine.h: asan). */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

/* What every thread does, whatever its role: glibc's allocator (an
 * arena's heap grown and trimmed, the main arena's brk, a big chunk
 * moved by realloc), its locks, condition variables and joins, a
 * thread's end (its stack given back with MADV_DONTNEED), the clocks
 * when the vDSO falls back to the kernel, pthread_kill (getpid; tgkill
 * below, on this process only), and the SIGSYS handler's report.
 * mmap and mprotect are below too: never executable. */
static const int base[] = {
	SCMP_SYS(futex), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(write),
#ifdef ASAN
	/* The sanitizer's own: a thread's signal stack taken down at its
	 * end, its allocator's spin locks. */
	SCMP_SYS(sigaltstack), SCMP_SYS(sched_yield),
#endif
};

/* On which descriptor an ioctl may be issued. */
enum on { ON_ANY, ON_KVM, ON_VM, ON_VCPU };

struct ioctl_rule {
	unsigned long req;
	enum on on;
};

/* How mmap may be called: anonymous memory only, or files too (a DAX
 * window's, a file read by the supervisor). Never PROT_EXEC. */
enum maps { MAPS_ANON, MAPS_FILES };

struct role {
	const char *name;
	const int *sys;			/* any arguments */
	size_t nsys;
	const struct ioctl_rule *ioctls;
	size_t nioctls;
	bool arch_ioctls;		/* the arch's vCPU ioctls too */
	const int *fcntls;		/* fcntl's commands */
	size_t nfcntls;
	enum maps maps;
};

/*
 * vCPU threads: KVM_RUN and the exits they serve. MMIO and port I/O reach
 * the devices' registers: the console's bytes (write), interrupts
 * (KVM_IRQ_LINE, KVM_SIGNAL_MSI for an MSI-X vector unmasked with its
 * bit pending), a BAR the guest moves (KVM_IOEVENTFD, and for a DAX
 * window KVM_SET_USER_MEMORY_REGION), a kick without ioeventfd (write to
 * an eventfd), and a device reset: the 9P and FUSE sessions end (close)
 * and FUSE starts again on a new handle of the root (fcntl
 * F_DUPFD_CLOEXEC), the DAX window turns anonymous (inotify_rm_watch).
 * EFAULT from KVM_RUN under a DAX mapping: fstat of the file, anonymous
 * memory over its missing pages. The probe for a dead CPU
 * (KVM_GET_MP_STATE and the arch's register reads), a kick to the others
 * (tgkill), the end (futex).
 */
static const int vcpu_sys[] = {
	SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(inotify_rm_watch),
};
static const struct ioctl_rule vcpu_ioctls[] = {
	{ KVM_RUN, ON_VCPU }, { KVM_GET_MP_STATE, ON_VCPU },
	{ KVM_IRQ_LINE, ON_VM }, { KVM_SIGNAL_MSI, ON_VM },
	{ KVM_IOEVENTFD, ON_VM }, { KVM_SET_USER_MEMORY_REGION, ON_VM },
	{ KVM_CHECK_EXTENSION, ON_KVM },
};
static const int dup_only[] = { F_DUPFD_CLOEXEC };

/* A device's worker waits on its queues' eventfds (poll, read) and
 * interrupts the guest. */
static const struct ioctl_rule irq_ioctls[] = {
	{ KVM_IRQ_LINE, ON_VM }, { KVM_SIGNAL_MSI, ON_VM },
};

/* virtio-console: the command's output written (writev), its input
 * read; a reader gone ends the run (tgkill: the vCPUs' kicks). */
static const int console_sys[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(read), SCMP_SYS(writev),
};

/* virtio-rng: the guest's buffers from getrandom. */
static const int rng_sys[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(read), SCMP_SYS(getrandom),
};

/* virtio-blk: I/O on the open disk; discard and write-zeroes. */
static const int blk_sys[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(read), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(pwrite64), SCMP_SYS(fdatasync),
	SCMP_SYS(fallocate),
};

/*
 * A share's server (share.c, p9/, fuse/): files under the share's root
 * descriptor, one component at a time (openat2, else openat), reopened
 * for I/O and named for xattrs, chmod, link and utimensat through
 * /proc/self/fd (readlink for a handle's path), their data (preadv,
 * pwritev, getdents64), metadata and locks (fcntl's OFD locks).
 */
#define SHARE_SYS \
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(read), SCMP_SYS(close), \
	SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(fstat), \
	SCMP_SYS(newfstatat), SCMP_SYS(fstatfs), SCMP_SYS(fchownat), \
	SCMP_SYS(mkdirat), SCMP_SYS(mknodat), SCMP_SYS(symlinkat), \
	SCMP_SYS(linkat), SCMP_SYS(unlinkat), SCMP_SYS(renameat), \
	SCMP_SYS(renameat2), SCMP_SYS(readlink), SCMP_SYS(readlinkat), \
	SCMP_SYS(utimensat), SCMP_SYS(chmod), SCMP_SYS(fchmodat), \
	SCMP_SYS(getxattr), SCMP_SYS(listxattr), SCMP_SYS(setxattr), \
	SCMP_SYS(removexattr), SCMP_SYS(lseek), SCMP_SYS(getdents64), \
	SCMP_SYS(preadv), SCMP_SYS(pwritev), SCMP_SYS(fsync), \
	SCMP_SYS(fdatasync), SCMP_SYS(ftruncate)
static const int p9_sys[] = { SHARE_SYS };
/* virtio-fs: fallocate too, and the DAX window: a file's pages mapped
 * (mmap of files, below) and watched (inotify). */
static const int virtiofs_sys[] = {
	SHARE_SYS, SCMP_SYS(fallocate), SCMP_SYS(inotify_add_watch),
	SCMP_SYS(inotify_rm_watch),
};
static const int share_fcntls[] = {
	F_DUPFD_CLOEXEC, F_GETFL, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW,
};

/*
 * The supervisor (the main thread): the main loop (poll on the signal
 * pipe, the terminal, the room eventfd, the DAX watches; typed bytes to
 * the UART and its interrupt; usleep between probes; a file's pages
 * remapped in a DAX window), the end (joins, ioeventfds deassigned and
 * the DAX slot removed, register dumps for -v, the terminal's settings
 * and the signals' actions back, memory unmapped, descriptors closed),
 * and what tinyrd does after the run: --json's file, verify's check of
 * the share and removal of its sweep and temporary tree.
 */
static const int supervisor_sys[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(read), SCMP_SYS(readv),
	SCMP_SYS(writev), SCMP_SYS(close), SCMP_SYS(rt_sigaction),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(openat),
	SCMP_SYS(pread64), SCMP_SYS(getdents64), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(rmdir), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat),
};
static const struct ioctl_rule supervisor_ioctls[] = {
	{ TCGETS, ON_ANY }, { TCSETS, ON_ANY }, { TCSETSW, ON_ANY },
	{ TCSETSF, ON_ANY },
	{ KVM_IRQ_LINE, ON_ANY }, { KVM_SIGNAL_MSI, ON_ANY },
	{ KVM_IOEVENTFD, ON_ANY }, { KVM_SET_USER_MEMORY_REGION, ON_ANY },
	{ KVM_CHECK_EXTENSION, ON_ANY }, { KVM_GET_MP_STATE, ON_ANY },
};
static const int supervisor_fcntls[] = {
	F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC,
};

#define LIST(a) a, ARRAY_SIZE(a)
#define NONE NULL, 0

static const struct role roles[CONFINE_ROLES] = {
	[CONFINE_VCPU] = { "vcpu", LIST(vcpu_sys), LIST(vcpu_ioctls), true,
			   LIST(dup_only), MAPS_ANON },
	[CONFINE_CONSOLE] = { "virtio-console", LIST(console_sys),
			      LIST(irq_ioctls), false, NONE, MAPS_ANON },
	[CONFINE_RNG] = { "virtio-rng", LIST(rng_sys), LIST(irq_ioctls), false,
			  NONE, MAPS_ANON },
	[CONFINE_BLK] = { "virtio-blk", LIST(blk_sys), LIST(irq_ioctls), false,
			  NONE, MAPS_ANON },
	[CONFINE_9P] = { "9p", LIST(p9_sys), LIST(irq_ioctls), false,
			 LIST(share_fcntls), MAPS_ANON },
	[CONFINE_VIRTIOFS] = { "virtio-fs", LIST(virtiofs_sys), LIST(irq_ioctls),
			       false, LIST(share_fcntls), MAPS_FILES },
	[CONFINE_SUPERVISOR] = { "supervisor", LIST(supervisor_sys),
				 LIST(supervisor_ioctls), true,
				 LIST(supervisor_fcntls), MAPS_FILES },
};

const char *confine_role_name(enum confine_role r)
{
	return r < CONFINE_ROLES ? roles[r].name : "?";
}

/* A rule for a system call this arch has (libseccomp's pseudo numbers,
 * negative, stand for those it has not: poll on arm64, say). */
static int allow(scmp_filter_ctx ctx, int nr, unsigned argc,
		 const struct scmp_arg_cmp *args)
{
	if (nr < 0)
		return 0;
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, argc, args);
}

static int allow_all(scmp_filter_ctx ctx, const int *nr, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && !r; i++)
		r = allow(ctx, nr[i], 0, NULL);
	return r;
}

static int ioctl_on(scmp_filter_ctx ctx, unsigned long req, int fd)
{
	/* The kernel takes the request and the descriptor as 32 bits. */
	struct scmp_arg_cmp a[2] = {
		SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, req & 0xffffffffu),
		SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (unsigned)fd),
	};

	return allow(ctx, SCMP_SYS(ioctl), fd >= 0 ? 2 : 1, a);
}

static int ioctl_rule(scmp_filter_ctx ctx, const struct confine_thread *t,
		      unsigned long req, enum on on)
{
	int fd = on == ON_KVM ? t->kvm : on == ON_VM ? t->vm :
		 on == ON_VCPU ? t->vcpu : -1;

	/* A descriptor this thread was not given: no rule at all. */
	if (on != ON_ANY && fd < 0)
		return 0;
	return ioctl_on(ctx, req, fd);
}

/* The filter of t's role, for t's descriptors: 0 or -errno. */
static int build(scmp_filter_ctx ctx, const struct confine_thread *t)
{
	const struct role *ro = &roles[t->role];
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	struct scmp_arg_cmp anon[2] = {
		noexec, SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS, MAP_ANONYMOUS),
	};
	struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0);
	int r;

	r = allow_all(ctx, base, ARRAY_SIZE(base));
	if (!r)
		r = allow_all(ctx, ro->sys, ro->nsys);
	if (!r)
		r = allow(ctx, SCMP_SYS(mmap), ro->maps == MAPS_FILES ? 1 : 2, anon);
	if (!r)
		r = allow(ctx, SCMP_SYS(mprotect), 1, &noexec);
	if (!r)
		r = allow(ctx, SCMP_SYS(tgkill), 1, &self);
	for (size_t i = 0; i < ro->nfcntls && !r; i++) {
		struct scmp_arg_cmp cmd = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ro->fcntls[i], 0);

		r = allow(ctx, SCMP_SYS(fcntl), 1, &cmd);
	}
	for (size_t i = 0; i < ro->nioctls && !r; i++)
		r = ioctl_rule(ctx, t, ro->ioctls[i].req, ro->ioctls[i].on);
	for (size_t i = 0; ro->arch_ioctls && i < t->narch_ioctls && !r; i++)
		r = ioctl_rule(ctx, t, t->arch_ioctls[i],
			       t->role == CONFINE_VCPU ? ON_VCPU : ON_ANY);
	return r;
}

static scmp_filter_ctx filter_new(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);

	if (!ctx)
		return NULL;
	/* A call of another ABI (int 0x80 on x86-64) is trapped too, and
	 * the kernel's errno comes back instead of libseccomp's own. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP)) {
		seccomp_release(ctx);
		return NULL;
	}
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	return ctx;
}

unsigned confine_role_syscalls(enum confine_role r)
{
	const struct role *ro = &roles[r];
	int seen[512];
	unsigned n = 0;
	const int more[] = { SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(tgkill),
			     ro->nfcntls ? SCMP_SYS(fcntl) : -1,
			     ro->nioctls || ro->arch_ioctls ? SCMP_SYS(ioctl) : -1 };
	const int *lists[] = { base, ro->sys, more };
	const size_t sizes[] = { ARRAY_SIZE(base), ro->nsys, ARRAY_SIZE(more) };

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		for (size_t i = 0; i < sizes[l]; i++) {
			bool dup = lists[l][i] < 0;

			for (unsigned k = 0; k < n && !dup; k++)
				dup = seen[k] == lists[l][i];
			if (!dup && n < ARRAY_SIZE(seen))
				seen[n++] = lists[l][i];
		}
	}
	return n;
}

/*
 * The first forbidden call, written by the SIGSYS handler: claimed with
 * a compare-and-swap, the fields filled, then nr published (release).
 */
static struct {
	int claimed;
	int nr;				/* -1: none */
	unsigned arch;
	int role;
	char who[16];
} violation = { 0, -1, 0, 0, "" };
static int vpipe[2] = { -1, -1 };
static __thread char self_name[16];
static __thread int self_role = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	int e = errno, zero = 0;

	(void)sig;
	if (si->si_code != SYS_SECCOMP)
		return;		/* a SIGSYS someone sent: not ours */
	if (__atomic_compare_exchange_n(&violation.claimed, &zero, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		violation.arch = si->si_arch;
		violation.role = self_role;
		memcpy(violation.who, self_name, sizeof(violation.who));
		__atomic_store_n(&violation.nr, si->si_syscall, __ATOMIC_RELEASE);
	}
	/* The call did not run: it fails with EPERM, and the thread goes
	 * on until the supervisor stops the guest. */
#if defined(__x86_64__)
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
	((ucontext_t *)uc)->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
#else
	(void)uc;
#endif
	/* A full pipe is readable already. */
	if (vpipe[1] >= 0 && write(vpipe[1], "!", 1) < 0)
		errno = e;
	errno = e;
}

int confine_violation_fd(void)
{
	return vpipe[0];
}

bool confine_violation(char *why, size_t n)
{
	int nr = __atomic_load_n(&violation.nr, __ATOMIC_ACQUIRE);
	const char *role;
	char *name;

	if (nr < 0)
		return false;
	name = seccomp_syscall_resolve_num_arch(violation.arch, nr);
	role = violation.role >= 0 ? confine_role_name(violation.role) : NULL;
	snprintf(why, n, "seccomp: thread %s%s%s%s called %s (system call %d), "
		 "which its filter forbids", violation.who,
		 role && strcmp(role, violation.who) ? " (" : "",
		 role && strcmp(role, violation.who) ? role : "",
		 role && strcmp(role, violation.who) ? ")" : "",
		 name ? name : "an unknown system call", nr);
	free(name);
	return true;
}

int confine_begin(struct confine *c, bool on)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO };
	int abi = landlock_abi();

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->on = on;
	c->landlock_abi = abi > 0 ? abi : 0;
	c->landlock_errno = abi > 0 ? 0 : -abi;
#ifdef ASAN
	c->asan = true;
#endif
	if (!on)
		return 0;
	/* glibc reads /etc/localtime at its first time conversion, gmtime_r
	 * included (a vCPU's CMOS clock): once, here, before any thread is
	 * confined. */
	tzset();
	/* Per thread, and inherited: set here, before any thread starts,
	 * it holds for all of them (and a filter may then be loaded
	 * without CAP_SYS_ADMIN). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return error_errno(errno, "prctl PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return error_errno(errno, "seccomp: this kernel has none "
				   "(--no-confine runs without it)");
	if (vpipe[0] < 0 && pipe2(vpipe, O_CLOEXEC | O_NONBLOCK))
		return error_errno(errno, "pipe");
	__atomic_store_n(&violation.nr, -1, __ATOMIC_RELEASE);
	__atomic_store_n(&violation.claimed, 0, __ATOMIC_RELEASE);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		return error_errno(errno, "sigaction SIGSYS");
	return 0;
}

static bool kept(int fd, const int *keep, unsigned nkeep)
{
	for (unsigned i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return true;
	return fd <= STDERR_FILENO;
}

/* A descriptor tinyrd did not open: every one of ours is close-on-exec,
 * and what a parent hands down survived an exec without the flag. */
static void close_inherited(struct confine *c, int fd, const int *keep,
			    unsigned nkeep)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0 || (fl & FD_CLOEXEC) || kept(fd, keep, nkeep) || close(fd))
		return;
	if (c->closed < ARRAY_SIZE(c->closed_fd))
		c->closed_fd[c->closed] = fd;
	c->closed++;
}

void confine_files(struct confine *c, const int *keep, unsigned nkeep,
		   bool shares)
{
	struct rlimit rl;
	int top = STDERR_FILENO, fds[1024];
	unsigned n = 0;
	DIR *d;

	if (!c->on)
		return;
	/* The list first: closing while reading /proc/self/fd would change it. */
	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)) && n < ARRAY_SIZE(fds)) {
			char *end;
			long fd = strtol(de->d_name, &end, 10);

			if (*end || end == de->d_name || fd == dirfd(d))
				continue;
			fds[n++] = (int)fd;
		}
		closedir(d);
	} else {
		for (int fd = 0; fd < (int)ARRAY_SIZE(fds); fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fds[n++] = fd;
	}
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] > STDERR_FILENO)
			close_inherited(c, fds[i], keep, nkeep);
		if (fcntl(fds[i], F_GETFD) >= 0 && fds[i] > top)
			top = fds[i];
	}
	/* With shares, as many as share_open allowed (a guest's untar holds
	 * a handle per file); without, what is open and room for what
	 * follows the run. Both limits: nothing raises them again. */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (!shares && (rlim_t)top + 65 < rl.rlim_cur)
		rl.rlim_cur = (rlim_t)top + 65;
	rl.rlim_max = rl.rlim_cur;
	if (!setrlimit(RLIMIT_NOFILE, &rl))
		c->nofile = rl.rlim_cur;
}

static void report(struct confine *c, const struct confine_thread *t, int err,
		   const char *what)
{
	pthread_mutex_lock(&c->lock);
	c->reported++;
	if (!err)
		c->count[t->role]++;
	if (err && !c->err) {
		c->err = err;
		snprintf(c->why, sizeof(c->why), "%s: thread %s: %s (--no-confine "
			 "runs without)", what, t->name, strerror(-err));
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

int confine_thread(struct confine *c, const struct confine_thread *t)
{
	scmp_filter_ctx ctx;
	sigset_t sys;
	int r;

	/* The main thread's name is the process's: left as it is. */
	if (t->role != CONFINE_SUPERVISOR)
		pthread_setname_np(pthread_self(), t->name);
	snprintf(self_name, sizeof(self_name), "%s", t->name);
	self_role = (int)t->role;
	if (!c->on) {
		report(c, t, 0, NULL);
		return 0;
	}
	/* A trap on a thread that blocks SIGSYS would kill the process. */
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	if (t->dir >= 0) {
		r = landlock_share(c->landlock_abi, t->dir, t->ro, t->dev);
		if (r < 0) {
			report(c, t, r, "Landlock");
			return r;
		}
		pthread_mutex_lock(&c->lock);
		if (r)
			c->landlocked++;
		else
			c->unlandlocked++;
		pthread_mutex_unlock(&c->lock);
	}
	ctx = filter_new();
	r = ctx ? build(ctx, t) : -ENOMEM;
	if (!r)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	report(c, t, r < 0 ? r : 0, "seccomp");
	return r < 0 ? r : 0;
}

int confine_wait(struct confine *c, unsigned n)
{
	int r;

	pthread_mutex_lock(&c->lock);
	while (c->reported < n)
		pthread_cond_wait(&c->cond, &c->lock);
	r = c->err;
	pthread_mutex_unlock(&c->lock);
	return r;
}

void confine_hold(struct confine *c)
{
	pthread_mutex_lock(&c->lock);
	while (!c->released)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void confine_release(struct confine *c)
{
	pthread_mutex_lock(&c->lock);
	c->released = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void confine_show(const struct confine *c)
{
	struct buf b = { 0 };

	if (log_level < LOG_VERBOSE)
		return;
	if (!c->on) {
		verbose("confine: none (--no-confine): no seccomp, no Landlock, "
			"no no_new_privs");
		return;
	}
	for (unsigned i = 0; i < c->closed && i < ARRAY_SIZE(c->closed_fd); i++)
		buf_printf(&b, "%s%d", i ? ", " : " (", c->closed_fd[i]);
	verbose("confine: no_new_privs; %u inherited descriptor%s closed%s%s; "
		"RLIMIT_NOFILE %llu", c->closed, c->closed == 1 ? "" : "s",
		b.p ? b.p : "", b.p ? (c->closed > ARRAY_SIZE(c->closed_fd)
				       ? ", ...)" : ")") : "",
		(unsigned long long)c->nofile);
	buf_reset(&b);
	for (unsigned r = 0; r < CONFINE_ROLES; r++) {
		if (!c->count[r])
			continue;
		buf_printf(&b, "%s %s", b.len ? "," : "", roles[r].name);
		if (c->count[r] > 1)
			buf_printf(&b, " x%u", c->count[r]);
		buf_printf(&b, " %u", confine_role_syscalls(r));
	}
	verbose("confine: seccomp per thread, a forbidden call stops the guest "
		"(role, system calls allowed):%s", b.p ? b.p : " none");
	if (c->asan)
		verbose("confine: the supervisor is not confined: this build has "
			"AddressSanitizer, whose leak check clones and ptraces "
			"at exit");
	if (c->landlocked || c->unlandlocked) {
		if (!c->landlock_abi)
			verbose("confine: Landlock: not in this kernel (%s); the "
				"shares rely on their servers' own checks",
				strerror(c->landlock_errno));
		else
			verbose("confine: Landlock ABI %d: %u share server%s kept "
				"in %s director%s%s", c->landlock_abi, c->landlocked,
				c->landlocked == 1 ? "" : "s",
				c->landlocked == 1 ? "its" : "their",
				c->landlocked == 1 ? "y" : "ies",
				c->unlandlocked ? "; writable shares need ABI 2 "
				"(links and renames across directories)" : "");
	}
	buf_free(&b);
}

/* doctor's probe: one thread per role, each loading its filter. */
static void *probe_role(void *arg)
{
	struct confine_thread t = { .role = *(enum confine_role *)arg,
				    .kvm = -1, .vm = -1, .vcpu = -1, .dir = -1 };
	scmp_filter_ctx ctx = filter_new();
	long r = ctx ? build(ctx, &t) : -ENOMEM;

	if (!r)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	return (void *)r;
}

void confine_probe(struct confine_facts *f)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int abi = landlock_abi(), p[2], st;
	char msg[160] = "";
	ssize_t got;
	pid_t pid;

	memset(f, 0, sizeof(*f));
	f->landlock_abi = abi > 0 ? abi : 0;
	f->landlock_errno = abi > 0 ? 0 : -abi;
	f->seccomp = -EIO;
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(f->seccomp_why, sizeof(f->seccomp_why), "pipe: %s",
			 strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		enum confine_role roles_[CONFINE_ROLES];
		int code = 0;

		close(p[0]);
		sigaction(SIGSYS, &sa, NULL);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			code |= 1;
		for (unsigned r = 0; r < CONFINE_ROLES; r++) {
			pthread_t th;
			void *res = (void *)(long)-EAGAIN;

			roles_[r] = (enum confine_role)r;
			if (!pthread_create(&th, NULL, probe_role, &roles_[r]))
				pthread_join(th, &res);
			if ((long)res) {
				snprintf(msg, sizeof(msg), "the %s filter: %s",
					 roles[r].name, strerror((int)-(long)res));
				if (write(p[1], msg, strlen(msg)) < 0)
					code |= 4;
				code |= 2;
				break;
			}
		}
		_exit(code);
	}
	close(p[1]);
	if (pid < 0) {
		snprintf(f->seccomp_why, sizeof(f->seccomp_why), "fork: %s",
			 strerror(errno));
		close(p[0]);
		return;
	}
	got = read(p[0], msg, sizeof(msg) - 1);
	msg[got > 0 ? got : 0] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st)) {
		snprintf(f->seccomp_why, sizeof(f->seccomp_why), "the probe died "
			 "(signal %d)", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		return;
	}
	f->nnp = !(WEXITSTATUS(st) & 1);
	if (WEXITSTATUS(st) & 2) {
		snprintf(f->seccomp_why, sizeof(f->seccomp_why), "%s", msg);
		return;
	}
	f->seccomp = 0;
}
