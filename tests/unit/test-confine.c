// SPDX-License-Identifier: MIT
/*
 * The launcher's confinement (src/vmm/confine.c), each case in a child
 * process confined as a role: every role's filter loads; a call outside
 * it does not run (EPERM) and is recorded with its name, the first one
 * only; ioctls by request and descriptor; no executable memory;
 * signals to this process only; inherited descriptors closed and
 * RLIMIT_NOFILE sized; and, where the kernel has Landlock, a share's
 * calls (share.c, what the 9P and FUSE servers do) working inside its
 * directory and failing outside it, even through /proc/self/fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "helpers.h"
#include "../../src/vmm/confine.h"
#include "../../src/vmm/landlock.h"
#include "../../src/vmm/share.h"

/* What a confined child did: its exit status (the step that failed, 0
 * when none; -N when signal N killed it) and the violation it saw. */
struct outcome {
	int status;
	char why[256];
};

struct child {
	enum confine_role role;
	int vcpu, dir;
	bool ro;
	int (*body)(void *arg);		/* 0, or the step that failed */
	void *arg;
};

static struct outcome confined(const struct child *ch)
{
	struct outcome o = { .status = -1, .why = "" };
	int p[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct confine c;
		struct confine_thread t = {
			.role = ch->role, .kvm = -1, .vm = -1, .vcpu = ch->vcpu,
			.dir = ch->dir, .ro = ch->ro,
		};
		char why[256] = "";
		int step;

		close(p[0]);
		snprintf(t.name, sizeof(t.name), "test");
		if (confine_begin(&c, true))
			_exit(100);
		if (confine_thread(&c, &t))
			_exit(101);
		step = ch->body(ch->arg);
		confine_violation(why, sizeof(why));
		if (write(p[1], why, strlen(why)) < 0)
			step = 102;
		_exit(step);
	}
	close(p[1]);
	n = read(p[0], o.why, sizeof(o.why) - 1);
	o.why[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
	return o;
}

static void expect(const struct outcome *o, int status, const char *why)
{
	if (o->status != status || (why && !strstr(o->why, why)) ||
	    (!why && o->why[0]))
		print_message("child: status %d, violation \"%s\"\n", o->status,
			      o->why);
	assert_int_equal(o->status, status);
	if (why)
		assert_non_null(strstr(o->why, why));
	else
		assert_string_equal(o->why, "");
}

/* Every role's filter builds and loads here (doctor's probe: one
 * thread per role in a child), and the tables are what they say. */
static void test_every_role_loads(void **state)
{
	struct confine_facts f;

	(void)state;
	confine_probe(&f);
	if (f.seccomp)
		print_message("probe: %s\n", f.seccomp_why);
	assert_int_equal(f.seccomp, 0);
	assert_true(f.nnp);
	for (unsigned r = 0; r < CONFINE_ROLES; r++)
		assert_true(confine_role_syscalls(r) > 20);
	assert_true(confine_role_syscalls(CONFINE_VIRTIOFS) >
		    confine_role_syscalls(CONFINE_9P));
	assert_true(confine_role_syscalls(CONFINE_9P) >
		    confine_role_syscalls(CONFINE_VCPU));
	assert_string_equal(confine_role_name(CONFINE_RNG), "virtio-rng");
}

/* No role opens a socket or runs a program; execve's EPERM shows it did
 * not run, and the first violation is the one recorded. */
static int socket_then_exec(void *arg)
{
	char *argv[] = { "true", NULL };

	(void)arg;
	if (socket(AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EPERM)
		return 1;
	execv("/bin/true", argv);
	return errno == EPERM ? 0 : 2;
}

static void test_forbidden_in_every_role(void **state)
{
	(void)state;
	for (unsigned r = 0; r < CONFINE_ROLES; r++) {
		struct child ch = { .role = r, .vcpu = -1, .dir = -1,
				    .body = socket_then_exec };
		struct outcome o = confined(&ch);
		char want[160];

		snprintf(want, sizeof(want), "seccomp: thread test (%s) called socket "
			 "(system call %d), which its filter forbids",
			 confine_role_name(r), (int)SYS_socket);
		expect(&o, 0, want);
	}
}

/* virtio-rng: getrandom serves the guest; opening a file is no part of
 * it (what TINYRD_TEST_CONFINE=rng makes the device do). */
static int rng_body(void *arg)
{
	uint8_t b[16];
	char why[200];

	(void)arg;
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return 1;
	if (confine_violation(why, sizeof(why)))
		return 2;
	if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) != -1 || errno != EPERM)
		return 3;
	return 0;
}

static void test_rng_reads_entropy_and_opens_nothing(void **state)
{
	struct child ch = { .role = CONFINE_RNG, .vcpu = -1, .dir = -1,
			    .body = rng_body };
	struct outcome o = confined(&ch);

	(void)state;
	expect(&o, 0, "called openat (system call");
}

/* A vCPU's ioctls: KVM_RUN on its own vCPU reaches the kernel (ENOTTY
 * from /dev/null), on another descriptor it does not, nor does a
 * request that is not in the table. */
static int vcpu_body(void *arg)
{
	int fd = *(int *)arg;
	struct termios t;
	char why[200];

	if (ioctl(fd, KVM_RUN, 0) != -1 || errno != ENOTTY)
		return 1;
	if (confine_violation(why, sizeof(why)))
		return 2;
	if (ioctl(fd, TCGETS, &t) != -1 || errno != EPERM)
		return 3;
	return 0;
}

static int vcpu_other_fd(void *arg)
{
	(void)arg;
	return ioctl(STDIN_FILENO, KVM_RUN, 0) != -1 || errno != EPERM;
}

static void test_ioctls_by_request_and_descriptor(void **state)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct child ch = { .role = CONFINE_VCPU, .vcpu = fd, .dir = -1,
			    .body = vcpu_body, .arg = &fd };
	struct outcome o;

	(void)state;
	assert_true(fd >= 0);
	o = confined(&ch);
	expect(&o, 0, "thread test (vcpu) called ioctl");
	ch.body = vcpu_other_fd;
	o = confined(&ch);
	expect(&o, 0, "thread test (vcpu) called ioctl");
	close(fd);
}

/* No role maps executable memory; only virtio-fs (a DAX window) and
 * the supervisor map files. */
static int map_exec(void *arg)
{
	(void)arg;
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0) != MAP_FAILED || errno != EPERM;
}

static int protect_exec(void *arg)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		return 1;
	return mprotect(p, 4096, PROT_READ | PROT_EXEC) != -1 || errno != EPERM
	       ? 2 : 0;
}

static int map_file(void *arg)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, *(int *)arg, 0);

	if (p == MAP_FAILED)
		return errno == EPERM ? 10 : 1;
	munmap(p, 4096);
	return 0;
}

static void test_no_executable_memory(void **state)
{
	struct child ch = { .role = CONFINE_VIRTIOFS, .vcpu = -1, .dir = -1,
			    .body = map_exec };
	char *dir = mktemp_dir(), *path = path_join(dir, "f");
	struct outcome o;
	int fd;

	(void)state;
	o = confined(&ch);
	expect(&o, 0, "called mmap");
	ch.role = CONFINE_SUPERVISOR;
	ch.body = protect_exec;
	o = confined(&ch);
	expect(&o, 0, "called mprotect");
	ch.role = CONFINE_VCPU;
	o = confined(&ch);
	expect(&o, 0, "called mprotect");
	write_at(dir, "f", "data", 4, 0644);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ch.body = map_file;
	ch.arg = &fd;
	ch.role = CONFINE_VIRTIOFS;
	o = confined(&ch);
	expect(&o, 0, NULL);
	ch.role = CONFINE_BLK;
	o = confined(&ch);
	expect(&o, 10, "called mmap");
	close(fd);
	rm_rf(dir);
	free(dir);
	free(path);
}

/* tgkill to this process's threads (the vCPUs' kicks) and no other. */
static int signal_body(void *arg)
{
	pid_t other = *(pid_t *)arg;

	if (syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 0))
		return 1;
	return syscall(SYS_tgkill, other, other, 0) != -1 ||
	       errno != EPERM ? 2 : 0;
}

static void test_signals_to_this_process_only(void **state)
{
	pid_t us = getpid();
	struct child ch = { .role = CONFINE_CONSOLE, .vcpu = -1, .dir = -1,
			    .body = signal_body, .arg = &us };
	struct outcome o = confined(&ch);

	(void)state;
	expect(&o, 0, "called tgkill");
}

/* What a parent left open without FD_CLOEXEC goes, what tinyrd opened
 * (close-on-exec) and what the run uses stay; RLIMIT_NOFILE shrinks to
 * what is open and 64 more. */
static void test_inherited_descriptors(void **state)
{
	int inherited = open("/dev/null", O_RDONLY);
	int used = open("/dev/null", O_RDONLY);
	int ours = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int st, top;
	pid_t pid;

	(void)state;
	assert_true(inherited > 2 && used > 2 && ours > 2);
	top = ours > used ? ours : used;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct confine c;
		struct rlimit rl;

		log_level = LOG_QUIET;
		if (confine_begin(&c, true))
			_exit(1);
		confine_files(&c, &used, 1, false);
		if (fcntl(inherited, F_GETFD) != -1 || errno != EBADF)
			_exit(2);
		if (fcntl(used, F_GETFD) < 0 || fcntl(ours, F_GETFD) < 0 ||
		    fcntl(STDERR_FILENO, F_GETFD) < 0)
			_exit(3);
		if (c.closed < 1 || getrlimit(RLIMIT_NOFILE, &rl) ||
		    rl.rlim_cur != rl.rlim_max || rl.rlim_cur < (rlim_t)top + 65 ||
		    rl.rlim_cur != c.nofile)
			_exit(4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(inherited);
	close(used);
	close(ours);
}

/* A share's server under Landlock: its calls (share.c) inside the share,
 * each as a step, then ways out that must fail with EACCES. */
struct ll {
	struct share sh;
	char *top, *canary;
	int outside;			/* O_PATH on the canary, opened before */
};

static int io(int fd, const char *s, bool write)
{
	char b[16] = "";
	struct iovec v = { write ? (void *)s : b, strlen(s) };
	ssize_t n = write ? pwritev(fd, &v, 1, 0) : preadv(fd, &v, 1, 0);

	return n == (ssize_t)strlen(s) && (write || !memcmp(b, s, n)) ? 0 : -1;
}

static int landlock_rw(void *arg)
{
	struct ll *l = arg;
	struct share *s = &l->sh;
	struct share_attr a = { .valid = SHARE_SET_SIZE, .size = 2 };
	char link[8], name[256], path[64];
	int d, f, io_fd, sym, dir, r;

	if ((d = share_mkdir(s, s->root, "d", 0755, (uid_t)-1, (gid_t)-1)) < 0)
		return 1;
	if ((io_fd = share_create(s, d, "f", O_RDWR, 0644, (uid_t)-1,
				  (gid_t)-1, &f)) < 0 || io(io_fd, "hello", true))
		return 2;
	if (share_setattr(s, f, io_fd, &a))		/* truncate */
		return 3;
	if (share_rename(s, d, "f", s->root, "g", 0))	/* across directories */
		return 4;
	if (share_link(s, f, d, "h"))			/* through /proc/self/fd */
		return 5;
	if ((sym = share_symlink(s, s->root, "s", "g", (uid_t)-1, (gid_t)-1)) < 0 ||
	    share_readlink(s, sym, link, sizeof(link)) != 1)
		return 6;
	if ((r = share_io_open(s, f, O_RDONLY)) < 0 || io(r, "he", false))
		return 7;
	close(r);
	if ((dir = share_io_open(s, s->root, O_RDONLY | O_DIRECTORY)) < 0 ||
	    syscall(SYS_getdents64, dir, name, sizeof(name)) <= 0)
		return 8;
	close(dir);
	if (share_parent(s, f, &r, name) || strcmp(name, "g"))
		return 9;
	share_put(s, r);
	if (share_unlink(s, d, "h", false) || share_unlink(s, s->root, "g", false) ||
	    share_unlink(s, s->root, "s", false) ||
	    share_unlink(s, s->root, "d", true))
		return 10;
	close(io_fd);
	share_put(s, f);
	share_put(s, d);
	share_put(s, sym);
	/* Out: the canary by its path, beside the share by "..", and a
	 * handle from before reopened through /proc/self/fd. */
	if (open(l->canary, O_RDONLY | O_CLOEXEC) != -1 || errno != EACCES)
		return 20;
	if (openat(s->root, "../new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) != -1 ||
	    errno != EACCES)
		return 21;
	if (openat(s->root, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC) != -1 ||
	    errno != EACCES)
		return 22;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", l->outside);
	if (open(path, O_RDONLY | O_CLOEXEC) != -1 || errno != EACCES)
		return 23;
	return 0;
}

/* Read-only: reading works, writing beneath the share does not, even
 * past the share's own EROFS. */
static int landlock_ro(void *arg)
{
	struct ll *l = arg;
	struct share *s = &l->sh;
	int h, r;

	if ((h = share_lookup(s, s->root, "f")) < 0)
		return 1;
	if ((r = share_io_open(s, h, O_RDONLY)) < 0 || io(r, "ro", false))
		return 2;
	close(r);
	share_put(s, h);
	if (openat(s->root, "f", O_WRONLY | O_CLOEXEC) != -1 || errno != EACCES)
		return 3;
	if (openat(s->root, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) != -1 ||
	    errno != EACCES)
		return 4;
	return 0;
}

static void landlock_case(bool ro)
{
	struct ll l;
	struct child ch = { .role = CONFINE_VIRTIOFS, .vcpu = -1, .ro = ro,
			    .body = ro ? landlock_ro : landlock_rw, .arg = &l };
	struct outcome o;
	struct buf b = { 0 };
	char *dir;
	int abi = landlock_abi();

	if (abi <= 0) {
		skip_because("no Landlock in this kernel (%s)", strerror(-abi));
		return;
	}
	if (!ro && abi < 2) {
		skip_because("Landlock ABI 1: writable shares are left to their "
			     "servers (links across directories need ABI 2)");
		return;
	}
	l.top = mktemp_dir();
	l.canary = path_join(l.top, "canary");
	write_at(l.top, "canary", "do not touch\n", 13, 0644);
	mkdir_at(l.top, "share");
	write_at(l.top, "share/f", "ro", 2, 0644);
	dir = path_join(l.top, "share");
	log_level = LOG_QUIET;
	assert_int_equal(share_open(&l.sh, dir, ro, false), 0);
	l.outside = open(l.canary, O_PATH | O_CLOEXEC);
	assert_true(l.outside >= 0);
	ch.dir = l.sh.root;
	o = confined(&ch);
	expect(&o, 0, NULL);
	assert_int_equal(read_file(l.canary, &b), 0);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.p, "do not touch\n", 13);
	buf_free(&b);
	close(l.outside);
	share_close(&l.sh);
	rm_rf(l.top);
	free(l.top);
	free(l.canary);
	free(dir);
}

static void test_landlock_share(void **state)
{
	(void)state;
	landlock_case(false);
}

static void test_landlock_share_ro(void **state)
{
	(void)state;
	landlock_case(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_role_loads),
		cmocka_unit_test(test_forbidden_in_every_role),
		cmocka_unit_test(test_rng_reads_entropy_and_opens_nothing),
		cmocka_unit_test(test_ioctls_by_request_and_descriptor),
		cmocka_unit_test(test_no_executable_memory),
		cmocka_unit_test(test_signals_to_this_process_only),
		cmocka_unit_test(test_inherited_descriptors),
		cmocka_unit_test(test_landlock_share),
		cmocka_unit_test(test_landlock_share_ro),
	};

	return cmocka_run_group_tests_name("confine", tests, NULL, NULL);
}
