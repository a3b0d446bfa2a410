// SPDX-License-Identifier: MIT
/* File systems, device nodes, hostname, loopback. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"
#include "../src/common/abi.h"

struct mnt {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

static int do_mount(const struct mnt *m)
{
	trace("mount %s on %s", m->type, m->target);
	if (mkdir(m->target, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount(m->source, m->target, m->type, m->flags, m->data) < 0 &&
	    errno != EBUSY)
		return -errno;
	return 0;
}

/* /proc first: the command line is read from it. */
void mount_proc(void)
{
	static const struct mnt proc = {
		"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
	};
	int r = do_mount(&proc);

	if (r)
		die("mount", "/proc", -r);
}

/* Without devtmpfs (CONFIG_DEVTMPFS=n) make the nodes a command needs. */
static void make_nodes(void)
{
	static const struct {
		const char *path;
		mode_t mode;
		unsigned major, minor;
	} nodes[] = {
		{ "/dev/console", S_IFCHR | 0600, 5, 1 },
		{ "/dev/null", S_IFCHR | 0666, 1, 3 },
		{ "/dev/zero", S_IFCHR | 0666, 1, 5 },
		{ "/dev/full", S_IFCHR | 0666, 1, 7 },
		{ "/dev/random", S_IFCHR | 0666, 1, 8 },
		{ "/dev/urandom", S_IFCHR | 0666, 1, 9 },
		{ "/dev/tty", S_IFCHR | 0666, 5, 0 },
		{ "/dev/ptmx", S_IFCHR | 0666, 5, 2 },
		{ "/dev/ttyS0", S_IFCHR | 0600, 4, 64 },
		{ "/dev/ttyS1", S_IFCHR | 0600, 4, 65 },
		{ "/dev/kmsg", S_IFCHR | 0644, 1, 11 },
	};

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (mknod(nodes[i].path, nodes[i].mode,
			  makedev(nodes[i].major, nodes[i].minor)) < 0 &&
		    errno != EEXIST)
			complain("mknod", nodes[i].path, errno);
}

void setup_mounts(void)
{
	static const struct mnt rest[] = {
		{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
		{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "gid=5,mode=620,ptmxmode=666" },
		{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
		{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	};
	static const struct mnt dev = {
		"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755",
	};
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" }, { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	};
	int r;

	if (do_mount(&dev)) {
		trace("no devtmpfs: creating device nodes");
		make_nodes();
	}
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
		/* A kernel without one of these still runs most commands; say
		 * so and go on. */
		r = do_mount(&rest[i]);
		if (r)
			complain("mount", rest[i].target, -r);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
			complain("symlink", links[i][1], errno);
}

void setup_network(void)
{
	struct ifreq ifr;
	int s;

	if (sethostname("tinyrd", 6) < 0)
		complain("hostname", "tinyrd", errno);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;		/* no IPv4 in this kernel */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			complain("loopback", "lo", errno);
		else
			trace("loopback up");
	}
	close(s);
}

/* mkdir -p: the share's mount point may be anywhere. */
int make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = c;
			return -errno;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* virtio-fs reads through the page cache in readahead-sized requests,
 * 128 KiB by default; the server takes up to ~1 MiB (max_pages), and
 * each request costs a round trip to the host. Best effort. */
void tune_readahead(const char *type, const char *target)
{
	struct stat st;
	char path[64];
	int fd;

	if (strcmp(type, "virtiofs") || stat(target, &st) < 0)
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
		 major(st.st_dev), minor(st.st_dev));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1024", 4) != 4)
		trace("readahead of %s: %s", target, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* A share with its options (opts "-": none). A kernel without DAX for
 * virtio-fs (CONFIG_FUSE_DAX) refuses "dax=always": the share is mounted
 * without it, and reads go through the page cache. */
int mount_share(const char *src, const char *target, const char *type,
		unsigned long flags, const char *opts)
{
	char rest[256];
	size_t n = 0;

	if (!mount(src, target, type, flags, strcmp(opts, "-") ? opts : NULL))
		return 0;
	if ((errno != EINVAL && errno != EOPNOTSUPP) || !strstr(opts, "dax"))
		return -errno;
	for (const char *o = opts; *o; o += strcspn(o, ","), o += *o == ',') {
		size_t len = strcspn(o, ",");

		if (!strncmp(o, "dax", 3) || n + len + 2 > sizeof(rest))
			continue;
		n += (size_t)sprintf(rest + n, "%s%.*s", n ? "," : "", (int)len, o);
	}
	rest[n] = '\0';
	trace("mount %s: no DAX (%s), without it", target, strerror(errno));
	return mount(src, target, type, flags, n ? rest : NULL) ? -errno : 0;
}

/* The shares (TINYRD_CONF_MOUNTS), after the modules: 9p and virtiofs
 * are modules in distribution kernels. A share that does not mount ends
 * the run: the command would not find its files. */
void mount_shares(const char *root)
{
	size_t len;
	char *conf = slurp(TINYRD_CONF_MOUNTS, &len), *save = NULL;
	char target[4096];

	if (!conf)
		return;
	for (char *line = strtok_r(conf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *s2 = NULL;
		int n = 0, r;

		for (char *w = strtok_r(line, " ", &s2); w && n < 5;
		     w = strtok_r(NULL, " ", &s2))
			f[n++] = w;
		if (n != 5 || f[2][0] != '/' ||
		    (size_t)snprintf(target, sizeof(target), "%s%s", root, f[2]) >=
		    sizeof(target))
			die("mounts", TINYRD_CONF_MOUNTS, EINVAL);
		trace("mount %s %s on %s", f[0], f[1], target);
		r = make_dirs(target);
		if (!r)
			r = mount_share(f[1], target, f[0],
					!strcmp(f[3], "ro") ? MS_RDONLY : 0, f[4]);
		if (r == -ENODEV)
			fprintf(stderr, "tinyrd-init: the kernel has no %s file "
				"system (a module missing from the image?)\n", f[0]);
		if (r)
			die("mount", f[2], -r);
		tune_readahead(f[0], target);
	}
	free(conf);
}
