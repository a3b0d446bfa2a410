// SPDX-License-Identifier: MIT
/*
 * tinyrd-init, PID 1: mount, load modules, run the configured command on
 * its own session, reap everything, report the status on the exit port,
 * power off. Without a command (or with tinyrd.shell) an interactive
 * /bin/sh on the console. Statuses as tini and sh give them: the exit
 * code, 128+signal, 126 not executable, 127 not found; 125 when the init
 * itself fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"
#include "verify-guest.h"
#include "../src/common/abi.h"

/* A NUL-separated list (argv, env) as a NULL-terminated vector. */
static char **nul_list(const char *path, size_t extra)
{
	size_t len, n = 0;
	char *data = slurp(path, &len), **v;

	if (!data) {
		if (errno == ENOENT)
			return NULL;
		die("read", path, errno);
	}
	for (size_t i = 0; i < len; i++)
		n += !data[i];
	if (len && data[len - 1])
		n++;		/* tolerate a missing last NUL */
	v = calloc(n + extra + 1, sizeof(*v));
	if (!v)
		die("read", path, ENOMEM);
	n = 0;
	for (size_t i = 0; i < len; i += strlen(data + i) + 1)
		v[n++] = data + i;
	return v;
}

static char **environment(void)
{
	static char *base[] = {
		"PATH=" TINYRD_DEFAULT_PATH, "HOME=/root", "TERM=linux", "SHELL=/bin/sh",
	};
	size_t nb = sizeof(base) / sizeof(base[0]), n = 0;
	char **conf = nul_list(TINYRD_CONF_ENV, 0), **env;
	size_t nc = 0;

	while (conf && conf[nc])
		nc++;
	env = calloc(nb + nc + 1, sizeof(*env));
	if (!env)
		die("environment", TINYRD_CONF_ENV, ENOMEM);
	/* The configuration overrides the defaults of the same name. */
	for (size_t i = 0; i < nb; i++) {
		size_t k = strcspn(base[i], "=") + 1;
		bool overridden = false;

		for (size_t j = 0; j < nc; j++)
			overridden |= !strncmp(conf[j], base[i], k);
		if (!overridden)
			env[n++] = base[i];
	}
	for (size_t j = 0; j < nc; j++)
		env[n++] = conf[j];
	return env;
}

/* Where the command's output goes: virtio-console when there is one (its
 * stderr then to hvc1), the second UART otherwise (abi.h), else the
 * console. */
static bool openable(const char *tty)
{
	/* The hvc nodes exist for ports that do not: open says ENODEV. */
	int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static const char *output_device(void)
{
	static const char *const devs[] = { "/dev/hvc0", "/dev/ttyS1" };

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (openable(devs[i]))
			return devs[i];
	return "/dev/console";
}

/* The tty behind /dev/console, which can be a controlling terminal. */
static char *console_device(void)
{
	static char path[64];
	char *active = slurp("/sys/class/tty/console/active", NULL), *last;

	if (!active)
		return "/dev/console";
	active[strcspn(active, "\n")] = '\0';
	last = strrchr(active, ' ');
	snprintf(path, sizeof(path), "/dev/%s", last ? last + 1 : active);
	free(active);
	return path;
}

/* Bytes as written: no "\n" -> "\r\n" on the way out. */
static void make_raw(int fd)
{
	struct termios t;

	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
}

/* The keeper's end of a pipe to the init: a byte on it says the keeper
 * itself failed (setting up the command), so that its 125 is the init's
 * failure and not the command's status. */
static int keeper_fail_fd = -1;

static void keeper_failed(void)
{
	if (keeper_fail_fd >= 0 && write(keeper_fail_fd, "F", 1) < 0)
		dprintf(2, "tinyrd-init: keeper: %s\n", strerror(errno));
	_exit(TINYRD_STATUS_FAILED);
}

/* In the child: a new session with tty as its controlling terminal, and
 * standard error on err_tty when there is one. Returns the descriptor of
 * tty (also 1) and in *err_fd that of err_tty (also 2). */
static int take_tty(const char *tty, const char *err_tty, bool in_from_tty,
		    bool raw, int *err_fd)
{
	int fd = open(tty, O_RDWR | O_CLOEXEC), in, efd = -1;

	setsid();
	if (fd < 0) {
		dprintf(2, "tinyrd-init: open: %s: %s\n", tty, strerror(errno));
		keeper_failed();
	}
	ioctl(fd, TIOCSCTTY, 0);
	if (raw)
		make_raw(fd);
	if (err_tty) {
		efd = open(err_tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (efd < 0)
			dprintf(2, "tinyrd-init: open: %s: %s\n", err_tty,
				strerror(errno));
		else if (raw)
			make_raw(efd);
	}
	in = in_from_tty ? fd : open("/dev/null", O_RDONLY);
	dup2(in < 0 ? fd : in, 0);
	dup2(fd, 1);
	dup2(efd < 0 ? fd : efd, 2);
	if (in > 2 && in != fd)
		close(in);
	*err_fd = efd;
	return fd;
}

/* Wait for pid, reaping every other child on the way. */
static int wait_for(pid_t pid)
{
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("wait", "command", errno);
		}
		if (w != pid)
			continue;
		if (WIFEXITED(st))
			return WEXITSTATUS(st);
		return 128 + WTERMSIG(st);
	}
}

/* The session leader: runs the command and outlives it until the tty has
 * sent everything. When a session leader exits, the kernel hangs up its
 * controlling tty, which throws away output not yet sent (the 8250's and
 * hvc's buffers): with a second CPU draining the UART, the last kilobytes
 * of a command's output were lost that way. Exits with the command's
 * status (128+signal for a signal). */
/* Forwarded input (abi.h TINYRD_CONF_STDIN): unframe what arrives on the
 * tty into the command's stdin pipe until the end mark, while waiting for
 * the command (SIGCHLD through sfd). A command that closes its stdin
 * early gets nothing more; the rest is read and dropped. */
static int relay(int tty, int pipe_w, int sfd, pid_t pid)
{
	uint8_t raw[2048], buf[sizeof(raw)];
	size_t len = 0, off = 0;
	bool esc = false, eof = false;
	int status;

	fcntl(pipe_w, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = !eof && off == len ? tty : -1, .events = POLLIN },
			{ .fd = off < len ? pipe_w : -1, .events = POLLOUT },
		};

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) < 0)
				continue;
		}
		if (p[1].revents) {
			ssize_t n = read(tty, raw, sizeof(raw));

			for (ssize_t i = 0; i < n && !eof; i++) {
				if (esc) {
					esc = false;
					if (raw[i] == TINYRD_STDIN_EOF)
						eof = true;
					else
						buf[len++] = TINYRD_STDIN_ESC;
				} else if (raw[i] == TINYRD_STDIN_ESC) {
					esc = true;
				} else {
					buf[len++] = raw[i];
				}
			}
			if (pipe_w < 0)
				off = len = 0;		/* nobody reads */
		}
		if (p[2].revents) {
			ssize_t w = write(pipe_w, buf + off, len - off);

			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				close(pipe_w);		/* EPIPE: stdin closed */
				pipe_w = -1;
				off = len;
			}
			if (off == len)
				off = len = 0;
		}
		if (eof && off == len && pipe_w >= 0) {
			close(pipe_w);
			pipe_w = -1;
		}
	}
	if (pipe_w >= 0)
		close(pipe_w);
	return status;
}

static void keeper(char **argv, char **env, const char *tty,
		   const char *err_tty, bool interactive)
{
	static const int quiet[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
				     SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE };
	int efd, fd = take_tty(tty, err_tty, interactive,
			       !interactive && strcmp(tty, "/dev/console"), &efd);
	int status, in[2] = { -1, -1 }, sfd = -1;
	sigset_t chld;
	pid_t pid;

	if (chdir("/") < 0) {
		complain("chdir", "/", errno);
		keeper_failed();
	}
	/* Forwarded input comes on hvc0, the command's tty. */
	if (!interactive && !strcmp(tty, "/dev/hvc0") && init_stdin) {
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, NULL);
		sfd = signalfd(-1, &chld, SFD_CLOEXEC);
		if (sfd < 0 || pipe2(in, O_CLOEXEC) < 0) {
			complain("stdin", tty, errno);
			keeper_failed();
		}
	}
	pid = fork();
	if (pid < 0) {
		complain("fork", argv[0], errno);
		keeper_failed();
	}
	if (!pid) {
		int err;

		if (in[0] >= 0) {
			dup2(in[0], 0);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
		}
		/* execvpe searches the caller's PATH, not env's: the kernel
		 * gives PID 1 none, and libc's default has no sbin. */
		for (char **e = env; *e; e++)
			if (!strncmp(*e, "PATH=", 5))
				setenv("PATH", *e + 5, 1);
		execvpe(argv[0], argv, env);
		err = errno;
		dprintf(2, "tinyrd-init: exec: %s: %s\n", argv[0], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	/* Signals meant for the command (Ctrl-C, a kill of its process
	 * group) must not end the keeper first. */
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	if (in[0] >= 0) {
		close(in[0]);
		/* Ready: the host may send. */
		port_out(TINYRD_STDIN_PORT, 1);
		status = relay(fd, in[1], sfd, pid);
	} else {
		for (;;) {
			pid_t w = waitpid(pid, &status, 0);

			if (w == pid)
				break;
			if (w < 0 && errno != EINTR) {
				complain("wait", argv[0], errno);
				keeper_failed();
			}
		}
	}
	tcdrain(fd);
	if (efd >= 0)
		tcdrain(efd);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status)
				: 128 + WTERMSIG(status));
}

/* Run the command on tty; its status, and in *failed whether the keeper
 * failed to run it. A command (not a shell on the console) is announced
 * on the console first (abi.h TINYRD_STARTED_LINE). */
static int run(char **argv, char **env, const char *tty, const char *err_tty,
	       bool interactive, bool *failed)
{
	int fail[2], status;
	char byte;
	pid_t pid;

	if (init_out_fd < 0)
		init_out_fd = open(tty, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (pipe2(fail, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe", argv[0], errno);
	trace("exec %s on %s", argv[0], tty);
	if (!interactive)
		dprintf(2, TINYRD_STARTED_LINE "\n");
	pid = fork();
	if (pid < 0)
		die("fork", argv[0], errno);
	if (!pid) {
		close(fail[0]);
		keeper_fail_fd = fail[1];
		keeper(argv, env, tty, err_tty, interactive);
	}
	close(fail[1]);
	status = wait_for(pid);
	*failed = read(fail[0], &byte, 1) == 1;
	close(fail[0]);
	return status;
}

/* Whatever the command left running: TERM, a moment, KILL, reap. */
static void stop_everything(void)
{
	int st;

	if (waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD)
		return;
	trace("stopping leftover processes");
	kill(-1, SIGTERM);
	for (int i = 0; i < 20; i++) {
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
		if (kill(-1, 0) < 0 && errno == ESRCH)
			return;
		usleep(5000);
	}
	kill(-1, SIGKILL);
	while (waitpid(-1, &st, 0) > 0)
		;
}

/* "tinyrd-init verify MANIFEST", run by a command in the guest: result
 * lines on stdout; 0 all passed, 1 failures, 2 no usable manifest. */
static int verify_command(const char *manifest)
{
	int r = verify_run(manifest, stdout);

	if (r < 0) {
		complain("verify", manifest, -r);
		return 2;
	}
	return r ? 1 : 0;
}

int main(int argc, char **argv_in)
{
	char **cmdline, **argv, **env;
	const char *root;
	bool shell = false, failed = false;
	int status;

	trace_start();
	if (getpid() != 1) {
		if (argc == 3 && !strcmp(argv_in[1], "verify"))
			return verify_command(argv_in[2]);
		fprintf(stderr, "tinyrd-init: not PID 1; this is the /init of a "
			"tinyrd image (or: tinyrd-init verify MANIFEST)\n");
		return 2;
	}
	mount_proc();
	cmdline = cmdline_words();
	for (char **w = cmdline; *w; w++) {
		if (!strcmp(*w, "tinyrd.debug"))
			init_debug = true;
		else if (!strcmp(*w, "tinyrd.shell"))
			shell = true;
	}
	trace("started");
	setup_mounts();
	trace("mounted");
	setup_network();
	trace("network set up");
	load_modules(cmdline);
	/* What the image says is read before a switch to the host's root
	 * leaves the image behind. */
	argv = nul_list(TINYRD_CONF_ARGV, 0);
	env = environment();
	init_stdin = !access(TINYRD_CONF_STDIN, F_OK);
	root = enter_host_root();
	mount_shares(root);
	if (*root)
		switch_root();
	if (shell || !argv || !argv[0]) {
		static char *sh[] = { "/bin/sh", NULL };

		status = run(sh, env, console_device(), NULL, true, &failed);
	} else {
		const char *out = output_device();

		/* stderr apart from stdout where there is a second hvc. */
		status = run(argv, env, out, !strcmp(out, "/dev/hvc0") &&
			     openable("/dev/hvc1") ? "/dev/hvc1" : NULL, false,
			     &failed);
	}
	trace("command exited with %d", status);
	stop_everything();
	report(status, failed);
}
