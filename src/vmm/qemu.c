// SPDX-License-Identifier: MIT
/*
 * Running a guest under QEMU: the fallback VMM, and the way images are
 * tested under TCG. ttyS0 (kernel and init messages), the command's
 * stdout and stderr come back on pipes that QEMU opens as /dev/fd/N: two
 * single-port virtio-serial functions give hvc0 (stdout) and hvc1
 * (stderr) as the built-in launcher does, and on a PC ttyS1 carries both
 * for a kernel without virtio_console (abi.h). Standard input is not forwarded
 * here (QEMU cannot hold it back until the init is ready for it). The
 * machine is the guest arch's (common/target.h: on x86 a pc with
 * isa-debug-exit on the exit port, on arm64 virt); the status comes in
 * full on the console and, on a PC, on the exit device too. QEMU runs in its own process group and dies with
 * tinyrd (PR_SET_PDEATHSIG), so no QEMU outlives a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm.h"
#include "watch.h"
#include "../common/abi.h"
#include "../common/target.h"
#include "../common/util.h"

#define STDERR_KEEP 8192

/* A single-port virtio-serial function (no MULTIPORT with max_ports=1,
 * so the guest makes its console at probe, in slot order) writing to fd. */
/* A value in QEMU's option syntax, which doubles a comma inside it. */
static void add_value(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_add(b, *s == ',' ? ",," : s, *s == ',' ? 2 : 1);
}

static void virtconsole(struct strv *v, const char *id, int fd)
{
	strv_push(v, "-device");
	strv_push_owned(v, xasprintf("virtio-serial-pci,max_ports=1,id=%s-bus", id));
	strv_push(v, "-chardev");
	strv_push_owned(v, xasprintf("file,id=%s,path=/dev/fd/%d", id, fd));
	strv_push(v, "-device");
	strv_push_owned(v, xasprintf("virtconsole,bus=%s-bus.0,chardev=%s", id, id));
}

static void build_argv(const struct vm_config *c, int con_fd, int out_fd,
		       int err_fd, struct strv *v)
{
	strv_push(v, c->target->qemu);
	strv_push(v, "-nodefaults");
	strv_push(v, "-no-user-config");
	strv_push(v, "-display");
	strv_push(v, "none");
	strv_push(v, "-no-reboot");
	strv_push(v, "-machine");
	strv_push(v, c->accel == ACCEL_KVM ? c->target->qemu_machine_kvm :
		  c->target->qemu_machine_tcg);
	for (const char *const *w = c->target->qemu_devices; *w; w++)
		strv_push(v, *w);
	strv_push(v, "-accel");
	strv_push(v, c->accel == ACCEL_KVM ? "kvm" : "tcg");
	strv_push(v, "-cpu");
	strv_push(v, c->accel == ACCEL_KVM ? "host" : c->target->qemu_cpu_tcg);
	strv_push(v, "-m");
	strv_push_owned(v, xasprintf("%u", c->mem_mb));
	strv_push(v, "-smp");
	strv_push_owned(v, xasprintf("%u", c->cpus));
	strv_push(v, "-chardev");
	/* On a terminal the console is stdio, and a copy of it comes to
	 * tinyrd too: the status line, where no exit device carries it. */
	if (c->interactive)
		strv_push_owned(v, xasprintf("stdio,id=con,signal=off,"
					     "logfile=/dev/fd/%d", con_fd));
	else
		strv_push_owned(v, xasprintf("file,id=con,path=/dev/fd/%d", con_fd));
	strv_push(v, "-serial");
	strv_push(v, "chardev:con");
	if (c->target->qemu_serial_out) {
		strv_push(v, "-chardev");
		strv_push_owned(v, xasprintf("file,id=out,path=/dev/fd/%d", out_fd));
		strv_push(v, "-serial");
		strv_push(v, "chardev:out");
	}
	virtconsole(v, "hvc0", out_fd);
	virtconsole(v, "hvc1", err_fd);
	for (unsigned i = 0; i < c->ndisks; i++) {
		struct buf d = { 0 };

		buf_printf(&d, "file=");
		add_value(&d, c->disks[i].file);
		buf_printf(&d, ",if=virtio,format=raw%s",
			   c->disks[i].ro ? ",readonly=on" : "");
		strv_push(v, "-drive");
		strv_push_owned(v, d.p);
	}
	/* Shares: QEMU's own 9p server (virtio-fs would need virtiofsd and
	 * shared memory; run refuses it before we get here). As root it
	 * passes owners through, as a user it maps them as ours does. */
	for (unsigned i = 0; i < c->nshares; i++) {
		const struct vm_share *sh = &c->shares[i];
		struct buf d = { 0 };

		buf_printf(&d, "local,id=fs%u,path=", i);
		add_value(&d, sh->dir);
		buf_printf(&d, ",security_model=%s%s",
			   geteuid() ? "none" : "passthrough",
			   sh->ro ? ",readonly=on" : "");
		strv_push(v, "-fsdev");
		strv_push_owned(v, d.p);
		strv_push(v, "-device");
		strv_push_owned(v, xasprintf("virtio-9p-pci,fsdev=fs%u,mount_tag=%s",
					     i, sh->tag));
	}
	strv_push(v, "-kernel");
	strv_push(v, c->kernel_unpacked ? c->kernel_unpacked : c->kernel);
	strv_push(v, "-initrd");
	strv_push_owned(v, xasprintf("/dev/fd/%d", c->initrd_fd));
	strv_push(v, "-append");
	/* As the launcher does (on x86: no early scan of 256 buses for an
	 * AGP bridge). */
	strv_push_owned(v, xasprintf("%s%s", c->append, c->target->qemu_append));
}

static void child(const struct vm_config *c, char **argv, int con_w, int out_w,
		  int herr_w, int err_w)
{
	int null = open("/dev/null", O_RDWR);

	/* An interactive QEMU must stay in the terminal's foreground group;
	 * otherwise its own group keeps Ctrl-C for tinyrd to handle. */
	if (!c->interactive)
		setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!c->interactive) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	dup2(err_w, STDERR_FILENO);
	/* What QEMU opens as /dev/fd/N must survive exec. */
	fcntl(con_w, F_SETFD, 0);
	fcntl(out_w, F_SETFD, 0);
	fcntl(herr_w, F_SETFD, 0);
	fcntl(c->initrd_fd, F_SETFD, 0);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Stop QEMU: TERM lets it restore the terminal, KILL if it does not go. */
static void stop(pid_t pid, int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	kill(pid, SIGTERM);
	if (pidfd < 0 || poll(&p, 1, 2000) <= 0)
		kill(pid, SIGKILL);
}

struct pump {
	const struct vm_config *c;
	struct buf qerr;
	size_t console_bytes;	/* the guest said something */
	bool out_broken;
};

bool qemu_present(const struct target *t)
{
	char *p = path_which(t->qemu);
	bool found = p != NULL;

	free(p);
	return found;
}

int qemu_reported(int line, bool panic_after, int wait_status)
{
	bool port = WIFEXITED(wait_status) && (WEXITSTATUS(wait_status) & 1);
	int low7 = WEXITSTATUS(wait_status) >> 1;

	if (line >= 0 && port)
		return (line & 0x80) | low7;
	if (line >= 0)
		return panic_after ? -1 : line;
	return port ? low7 : -1;
}

/* Move what one pipe has; false at its end. */
static bool pump(struct pump *p, int fd, int which)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (!n)
		return false;
	switch (which) {
	case 0:		/* console */
		p->c->console.feed(p->c->console.ctx, chunk, (size_t)n);
		p->console_bytes += (size_t)n;
		if (p->c->echo_fd >= 0)
			write_all(p->c->echo_fd, chunk, (size_t)n);
		if (p->c->log_fd >= 0)
			write_all(p->c->log_fd, chunk, (size_t)n);
		break;
	case 1:		/* the command's output, exact bytes */
		if (!p->out_broken && write_all(p->c->out_fd, chunk, (size_t)n))
			p->out_broken = true;	/* our reader went away */
		break;
	case 3:		/* the command's stderr (hvc1) */
		write_all(p->c->err_fd >= 0 ? p->c->err_fd : p->c->out_fd,
			  chunk, (size_t)n);
		break;
	case 2:		/* QEMU's own messages */
		if (p->qerr.len < STDERR_KEEP)
			buf_add(&p->qerr, chunk, (size_t)n);
		if (p->c->verbose)
			write_all(STDERR_FILENO, chunk, (size_t)n);
		break;
	}
	return true;
}

int qemu_run(const struct vm_config *c, struct vm_result *r)
{
	struct vm_watch w = { .sigfd = -1 };
	int con[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int herr[2] = { -1, -1 };
	struct pump p = { .c = c };
	struct strv argv = { 0 };
	bool open_fd[4] = { true, true, true, true }, exited = false;
	long long last_output;
	int status = 0, pidfd = -1, rv = 0, reported, said;
	bool panic_after;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->ending = VM_FAILED;
	if (pipe2(con, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ||
	    pipe2(herr, O_CLOEXEC)) {
		rv = error_errno(errno, "pipe");
		goto out;
	}
	build_argv(c, con[1], out[1], herr[1], &argv);
	if (c->verbose) {
		struct buf line = { 0 };

		for (size_t i = 0; i < argv.n; i++)
			buf_printf(&line, "%s%s", i ? " " : "", argv.v[i]);
		verbose("%s", line.p);
		buf_free(&line);
	}
	/* QEMU makes the terminal raw itself (-serial stdio). */
	rv = vm_watch_begin(&w, c, false);
	if (rv)
		goto restore;
	last_output = w.start;
	pid = fork();
	if (pid < 0) {
		rv = error_errno(errno, "fork");
		goto restore;
	}
	if (!pid)
		child(c, argv.v, con[1], out[1], herr[1], err[1]);
	close(con[1]);
	close(out[1]);
	close(err[1]);
	close(herr[1]);
	con[1] = out[1] = err[1] = herr[1] = -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	while (!exited || open_fd[0] || open_fd[1] || open_fd[2] || open_fd[3]) {
		struct pollfd fds[6] = {
			{ .fd = open_fd[0] ? con[0] : -1, .events = POLLIN },
			{ .fd = open_fd[1] ? out[0] : -1, .events = POLLIN },
			{ .fd = open_fd[2] ? err[0] : -1, .events = POLLIN },
			{ .fd = open_fd[3] ? herr[0] : -1, .events = POLLIN },
			{ .fd = exited ? -1 : pidfd, .events = POLLIN },
			{ .fd = w.sigfd, .events = POLLIN },
		};
		/* After a signal or a watchdog, the stop is under way. */
		bool armed = r->ending != VM_TIMEOUT && r->ending != VM_INTERRUPTED;
		int wait = -1, n;

		if (armed && !exited)
			wait = vm_watch_wait(&w, vm_now_ms(), last_output);
		if (wait < 0 && pidfd < 0 && !exited)
			wait = 100;	/* no pidfd: look for the child often */
		n = poll(fds, ARRAY_SIZE(fds), wait);
		if (n < 0 && errno != EINTR) {
			rv = error_errno(errno, "poll");
			break;
		}
		for (int i = 0; i < 4; i++)
			if (n > 0 && fds[i].revents) {
				open_fd[i] = pump(&p, fds[i].fd, i);
				if (i != 2)	/* the guest's, not QEMU's */
					last_output = vm_now_ms();
			}
		/* Our reader went away (run | head): stop, as SIGPIPE would,
		 * the same as the built-in launcher. */
		if (p.out_broken && !exited && r->ending != VM_INTERRUPTED &&
		    r->ending != VM_TIMEOUT) {
			r->ending = VM_INTERRUPTED;
			r->signal = SIGPIPE;
			stop(pid, pidfd);
		}
		if (n > 0 && fds[5].revents) {
			int s = vm_watch_signal(&w);

			if (s && !exited) {
				r->ending = VM_INTERRUPTED;
				r->signal = s;
				stop(pid, pidfd);
			}
		}
		if (r->ending != VM_TIMEOUT && r->ending != VM_INTERRUPTED &&
		    !exited && vm_watch_expired(&w, vm_now_ms(), last_output,
						r->why, sizeof(r->why))) {
			r->ending = VM_TIMEOUT;
			stop(pid, pidfd);
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	if (!exited)
		waitpid(pid, &status, 0);
	c->console.end(c->console.ctx);

	said = c->console.reported(c->console.ctx, &panic_after);
	reported = qemu_reported(said, panic_after, status);
	if (r->ending == VM_INTERRUPTED || r->ending == VM_TIMEOUT)
		;
	else if (said >= 0) {
		r->status = reported;
		r->ending = reported >= 0 ? VM_REPORTED : VM_NO_REPORT;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 &&
		   !p.console_bytes) {
		rv = error("%s: cannot run it (install %s): %.*s",
			   c->target->qemu, c->target->qemu_package,
			   (int)strcspn(p.qerr.p ? p.qerr.p : "", "\n"),
			   p.qerr.p ? p.qerr.p : "");
	} else if (!p.console_bytes && p.qerr.len) {
		/* QEMU refused before the guest said anything. */
		rv = error("%.*s", (int)strcspn(p.qerr.p, "\n"), p.qerr.p);
	} else if (!p.qerr.len && reported >= 0) {
		/* The port spoke but the console line was lost. */
		r->ending = VM_REPORTED;
		r->status = reported;
	} else {
		r->ending = VM_NO_REPORT;
	}
restore:
	vm_watch_end(&w);
out:
	for (int i = 0; i < 2; i++) {
		if (con[i] >= 0)
			close(con[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (herr[i] >= 0)
			close(herr[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	strv_free(&argv);
	buf_free(&p.qerr);
	return rv;
}
