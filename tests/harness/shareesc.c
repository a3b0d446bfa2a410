// SPDX-License-Identifier: MIT
/*
 * shareesc: escapes through a share as a guest's kernel client sends them
 * (tests/harness/scenarios/escape.sh), and the host's side of their
 * checks in L1.
 *
 *   shareesc race DIR ABS REL SECS  (guest) in DIR of a mounted share, one
 *       process swaps the directory DIR/d with symlinks DIR/s to ABS (a
 *       host path) and DIR/r to REL (made here unless the host made them)
 *       by rename, while two others create
 *       files, directories and links through DIR/d and DIR/d/../d and
 *       drop the guest's dentries so that each name is looked up again
 *       on the host; after SECS seconds, the count of what was created,
 *       and ESCAPED should a worker see the outside's canary through d
 *   shareesc rootattr MNT           (guest) chmod, chown, utimes,
 *       setxattr (user. and trusted.) and truncate on the mount point
 *       itself, each result printed
 *   shareesc connect PATH           (guest) connect to a unix socket;
 *       status 0 when refused, 1 when it connected
 *   shareesc listen PATH            (L1) bind PATH, then in the
 *       background log each connection accepted to PATH.log; prints
 *       the listener's pid
 *   shareesc attrs PATH             (L1) mode, owner and xattrs of PATH,
 *       one line, to compare before and after
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static char *path(const char *dir, const char *fmt, int a, int b)
{
	static char buf[4][512];
	static int i;
	char name[64];

	snprintf(name, sizeof(name), fmt, a, b);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* The guest's dentries and inodes dropped: the next walk asks the host. */
static void drop_dentries(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "2", 1) < 0)
			perror("drop_caches");
		close(fd);
	}
}

static void swapper(const char *dir)
{
	char d[512], t[512], s[512], r[512];

	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(t, sizeof(t), "%s/d.real", dir);
	snprintf(s, sizeof(s), "%s/s", dir);
	snprintf(r, sizeof(r), "%s/r", dir);
	for (unsigned i = 0;; i++) {
		const char *l = i % 2 ? r : s;

		/* d: the directory, then a symlink out, then back. */
		rename(d, t);
		rename(l, d);
		usleep(500);
		rename(d, l);
		rename(t, d);
	}
}

static void worker(const char *dir, int id)
{
	char d[512];
	int made = 0, seen = 0;
	struct stat st;

	snprintf(d, sizeof(d), "%s/d", dir);
	for (int i = 0;; i++) {
		int fd;

		if (id == 0 && i % 4 == 0)
			drop_dentries();
		fd = open(path(d, "w%d-%d", id, i), O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			if (write(fd, "race\n", 5) == 5)
				made++;
			close(fd);
		}
		made += !mkdir(path(d, "m%d-%d", id, i), 0755);
		fd = open(path(dir, "d/../d/x%d-%d", id, i), O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			made++;
			close(fd);
		}
		made += !link(path(dir, "f", 0, 0), path(d, "l%d-%d", id, i));
		made += !symlink("/", path(d, "y%d-%d", id, i));
		/* The canary lives only outside: seen through d, the host
		 * followed the symlink for us. */
		if (!seen && !stat(path(d, "canary", 0, 0), &st)) {
			printf("race: worker %d: ESCAPED: %s/canary seen\n", id, d);
			seen = 1;
		}
		if (i % 16 == 15) {
			printf("race: worker %d: %d made\n", id, made);
			fflush(stdout);
		}
	}
}

static int race(const char *dir, const char *abs, const char *rel, int secs)
{
	pid_t kids[3];
	struct stat st;
	int fd;

	if (mkdir(path(dir, "d", 0, 0), 0755) && errno != EEXIST)
		return perror("mkdir d"), 2;
	/* The links may be the host's, made before the boot. */
	if ((symlink(abs, path(dir, "s", 0, 0)) && errno != EEXIST) ||
	    (symlink(rel, path(dir, "r", 0, 0)) && errno != EEXIST))
		return perror("symlink"), 2;
	fd = open(path(dir, "f", 0, 0), O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return perror("f"), 2;
	close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Before the race, the links themselves, their names looked up
	 * afresh on the host: each must read as a symlink, resolved here. */
	drop_dentries();
	if (!stat(path(dir, "s/canary", 0, 0), &st))
		printf("race: ESCAPED: %s/s/canary seen before the race\n", dir);
	if (!stat(path(dir, "r/canary", 0, 0), &st))
		printf("race: ESCAPED: %s/r/canary seen before the race\n", dir);
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			if (k == 0)
				swapper(dir);
			else
				worker(dir, k - 1);
			_exit(0);
		}
	}
	sleep((unsigned)secs);
	for (int k = 0; k < 3; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	printf("race: done\n");
	return 0;
}

static void say(const char *what, int r)
{
	printf("rootattr: %s: %s\n", what, r ? strerror(errno) : "done");
}

static int rootattr(const char *mnt)
{
	struct timeval tv[2] = { { 0, 0 }, { 0, 0 } };
	int fd;

	say("chmod 0777", chmod(mnt, 0777));
	say("chmod 01777", chmod(mnt, 01777));
	say("chown 1:1", chown(mnt, 1, 1));
	say("utimes 0", utimes(mnt, tv));
	say("setxattr user.esc", setxattr(mnt, "user.esc", "x", 1, 0));
	say("setxattr trusted.esc", setxattr(mnt, "trusted.esc", "x", 1, 0));
	say("setxattr security.esc", setxattr(mnt, "security.esc", "x", 1, 0));
	say("truncate 0", truncate(mnt, 0));
	fd = open(mnt, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		say("fchmod 0700", fchmod(fd, 0700));
		say("fchown 2:2", fchown(fd, 2, 2));
		say("fsetxattr user.esc2", fsetxattr(fd, "user.esc2", "y", 1, 0));
		close(fd);
	}
	return 0;
}

static int connect_to(const char *p)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", p);
	if (connect(s, (struct sockaddr *)&a, sizeof(a))) {
		printf("connect %s: %s\n", p, strerror(errno));
		return 0;
	}
	printf("connect %s: CONNECTED\n", p);
	return 1;
}

static int listen_on(const char *p)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	char log[600];

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", p);
	snprintf(log, sizeof(log), "%s.log", p);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 8))
		return perror(p), 2;
	pid_t pid = fork();

	if (pid) {
		printf("%d\n", (int)pid);
		return pid < 0;
	}
	/* Not the caller's output: a $(...) waits for it to close. */
	setsid();
	freopen("/dev/null", "w", stdout);
	freopen("/dev/null", "w", stderr);
	for (;;) {
		int c = accept(s, NULL, NULL);
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "accepted\n");
			fclose(f);
		}
		if (c >= 0)
			close(c);
	}
}

static int attrs(const char *p)
{
	struct stat st;
	char names[4096];
	ssize_t n;

	if (lstat(p, &st))
		return perror(p), 2;
	n = listxattr(p, names, sizeof(names));
	printf("mode %o uid %u gid %u xattrs", st.st_mode, st.st_uid, st.st_gid);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		printf(" %s", names + i);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "race"))
		return race(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "rootattr"))
		return rootattr(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "connect"))
		return connect_to(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "listen"))
		return listen_on(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "attrs"))
		return attrs(argv[2]);
	fprintf(stderr, "usage: shareesc race DIR ABS REL SECS | rootattr MNT | "
		"connect PATH | listen PATH | attrs PATH\n");
	return 2;
}
