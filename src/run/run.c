// SPDX-License-Identifier: MIT
/*
 * tinyrd run: build (or reuse) an image, append the per-run configuration
 * as its own cpio segment, boot it, and exit with the guest command's
 * status. Exit statuses (tinyrd-run(1)): the command's own, 123 the guest
 * ended without reporting, 124 timeout, 125 tinyrd failed; --bisect maps
 * what git bisect run would take as "abort" to "bad".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "console.h"
#include "run.h"
#include "verify.h"
#include "../image/elfdeps.h"
#include "../vmm/dax.h"
#include "../vmm/virtio/queue.h"
#include "../image/cpio.h"
#include "../common/abi.h"
#include "../common/kernel.h"
#include "../vmm/vmm.h"

static const struct option run_longopts[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "vmm", required_argument, NULL, OPT_VMM },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "memory", required_argument, NULL, OPT_MEM },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "bisect", no_argument, NULL, OPT_BISECT },
	{ "console-log", required_argument, NULL, OPT_CONSOLE_LOG },
	{ "rebuild", no_argument, NULL, OPT_REBUILD },
	{ "silence-timeout", required_argument, NULL, OPT_SILENCE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "rw", required_argument, NULL, OPT_RW },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd run [build options] [run options] [-- COMMAND [ARG...]]\n"
		"\nBoot a kernel with a tinyrd image, run COMMAND in it, and exit with\n"
		"its status. Without COMMAND, an interactive shell on the console.\n\n"
		"Run options:\n"
		"  -k, --kernel FILE      the kernel (default /boot/vmlinuz-$(uname -r),\n"
		"                         else the newest /boot/vmlinuz-*)\n"
		"  -i, --image IMAGE      boot this image instead of building one\n"
		"      --vmm builtin|qemu|auto  tinyrd's own KVM launcher, QEMU, or the\n"
		"                         launcher when KVM works, else QEMU (default)\n"
		"      --accel kvm|tcg|auto  QEMU's accelerator (default: KVM when it\n"
		"                         can boot a stock kernel, else TCG); kvm or\n"
		"                         tcg with --vmm auto means QEMU\n"
		"  -m, --memory MB        guest memory (default 512)\n"
		"  -c, --cpus N           guest CPUs, 1 to 254 (default 1)\n"
		"      --append ARGS      more kernel command line\n"
		"      --timeout S        stop the guest after S seconds (status 124)\n"
		"      --silence-timeout S  stop it after S seconds without console\n"
		"                         output (status 124; built-in launcher)\n"
		"      --force            use the built-in launcher even on a KVM that\n"
		"                         fails the smoke boot\n"
		"      --hugepages        back guest memory with 2 MiB huge pages\n"
		"      --disk FILE[,ro]   a virtio-blk disk (/dev/vda, vdb...; repeatable)\n"
		"      --share DIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off][,mount=PATH]\n"
		"                         share a host directory (repeatable); run\n"
		"                         mounts it at PATH (default /mnt/TAG);\n"
		"                         dax: virtio-fs's DAX window (default 512M)\n"
		"      --rootfs DIR[,fs=virtiofs|9p]  the guest's root is DIR (e.g. /),\n"
		"                         read-only, with tmpfs on /tmp /run /var/tmp;\n"
		"                         COMMAND comes from it, the image is the init\n"
		"      --rw PATH          with --rootfs: a writable overlay over PATH,\n"
		"                         its changes in memory (repeatable)\n"
		"      --transport pci|mmio  how virtio devices attach (built-in\n"
		"                         launcher; mmio: for kernels with\n"
		"                         VIRTIO_MMIO_CMDLINE_DEVICES)\n"
		"      --bisect           statuses for git bisect run: >= 128 and a\n"
		"                         guest that ended without a status become 1\n"
		"      --console-log FILE write the guest's console to FILE\n"
		"      --rebuild          build the image again even when cached\n"
		"  -v, --verbose          show the console and what is built\n"
		"\nBuild options (see tinyrd build --help):\n%s"
		"\nExit status: the command's; 123 the guest ended without reporting\n"
		"(panic, reset); 124 timeout; 125 tinyrd failed. See tinyrd-run(1).\n",
		build_usage_options);
}

static int parse_unsigned(const char *opt, const char *arg, unsigned min,
			  unsigned max, unsigned *out)
{
	unsigned long v;

	if (parse_ulong(arg, 10, &v) || v < min || v > max)
		return error("%s %s: expected a number from %u to %u", opt, arg,
			     min, max);
	*out = (unsigned)v;
	return 0;
}

/* arg is one of the NUL-separated words (ending with an empty one), in
 * the order of their enum: its place into *out. */
static int parse_choice(const char *opt, const char *arg, const char *words,
			const char *expected, int *out)
{
	for (int i = 0; *words; words += strlen(words) + 1, i++) {
		if (!strcmp(arg, words)) {
			*out = i;
			return 0;
		}
	}
	return error("%s %s: expected %s", opt, arg, expected);
}

/* --disk FILE[,ro]: a comma followed by "ro" at the end makes it
 * read-only; any other comma belongs to the file name. */
static int parse_disk(struct run_opts *r, const char *arg)
{
	const char *comma = strrchr(arg, ',');
	bool ro = comma && !strcmp(comma + 1, "ro");
	size_t len = ro ? (size_t)(comma - arg) : strlen(arg);

	if (!len)
		return error("--disk %s: no file", arg);
	if (len >= sizeof(r->disks[0].file))
		return error("--disk %s: name too long", arg);
	if (r->ndisks == VM_DISKS_MAX)
		return error("--disk %s: at most %d disks", arg, VM_DISKS_MAX);
	memcpy(r->disks[r->ndisks].file, arg, len);
	r->disks[r->ndisks].file[len] = '\0';
	r->disks[r->ndisks++].ro = ro;
	return 0;
}

static bool tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* dax=SIZE|off: a power of two from 2M to 64G, with K, M or G. */
static int parse_dax(const char *arg, const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (!strcmp(v, "off") || !strcmp(v, "0")) {
		*out = 0;
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (errno || end == v || *end || n > (DAX_SIZE_MAX >> shift) ||
	    (n << shift) < DAX_CHUNK || ((n << shift) & ((n << shift) - 1)))
		return error("--share %s: dax= takes off or a power of two from "
			     "2M to 64G", arg);
	*out = (uint64_t)n << shift;
	return 0;
}

/* --share HOSTDIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off][,mount=GUESTPATH].
 * The tag defaults to the directory's last name ("root" for /), made of
 * letters, digits and "_-." only. The fields after the first comma are
 * options; a directory name with a comma cannot be shared this way. */
static int parse_share(struct run_opts *r, const char *arg)
{
	struct vm_share *sh = &r->shares[r->nshares];
	char *copy = xstrdup(arg), *save = NULL, *dir, *colon, *opt;
	int ret = -EINVAL;

	if (r->nshares == VM_SHARES_MAX) {
		error("--share %s: at most %d shares", arg, VM_SHARES_MAX);
		goto out;
	}
	memset(sh, 0, sizeof(*sh));
	dir = strtok_r(copy, ",", &save);
	if (!dir || *copy == ',') {
		error("--share %s: no directory", arg);
		goto out;
	}
	colon = strrchr(dir, ':');
	if (colon) {
		*colon++ = '\0';
		if (!*colon || strlen(colon) >= sizeof(sh->tag)) {
			error("--share %s: a tag is 1 to %zu characters", arg,
			      sizeof(sh->tag) - 1);
			goto out;
		}
		for (const char *p = colon; *p; p++) {
			if (!tag_char(*p)) {
				error("--share %s: a tag is letters, digits, "
				      "'_', '-' and '.'", arg);
				goto out;
			}
		}
		strcpy(sh->tag, colon);
	} else {
		const char *base = path_basename(dir);
		size_t n = 0;

		for (; *base && n < sizeof(sh->tag) - 1; base++)
			sh->tag[n++] = tag_char(*base) ? *base : '_';
		if (!n || !strcmp(sh->tag, ".") || !strcmp(sh->tag, ".."))
			strcpy(sh->tag, "root");
	}
	if (!*dir || strlen(dir) >= sizeof(sh->dir)) {
		error("--share %s: no directory", arg);
		goto out;
	}
	strcpy(sh->dir, dir);
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strcmp(opt, "ro")) {
			sh->ro = true;
		} else if (!strcmp(opt, "dev")) {
			sh->dev = true;
		} else if (!strcmp(opt, "fs=virtiofs") || !strcmp(opt, "fs=9p")) {
			sh->fs = opt[3] == '9' ? SHARE_9P : SHARE_VIRTIOFS;
			sh->fs_given = true;
		} else if (str_starts(opt, "dax=")) {
			if (parse_dax(arg, opt + 4, &sh->dax))
				goto out;
			sh->dax_given = true;
		} else if (str_starts(opt, "mount=")) {
			const char *m = opt + 6;

			if (*m != '/' || strlen(m) >= sizeof(sh->mount) ||
			    strpbrk(m, " \t\n\\")) {
				error("--share %s: mount= takes an absolute guest "
				      "path without blanks", arg);
				goto out;
			}
			strcpy(sh->mount, m);
		} else {
			error("--share %s: unknown option %s (ro, dev, fs=virtiofs, "
			      "fs=9p, dax=SIZE|off, mount=PATH)", arg, opt);
			goto out;
		}
	}
	if (!*sh->mount)
		memcpy(sh->mount, "/mnt/", 5), strcpy(sh->mount + 5, sh->tag);
	for (unsigned i = 0; i < r->nshares; i++) {
		if (!strcmp(r->shares[i].tag, sh->tag)) {
			error("--share %s: tag %s is taken; name one with DIR:TAG",
			      arg, sh->tag);
			goto out;
		}
	}
	r->nshares++;
	ret = 0;
out:
	free(copy);
	return ret;
}

/* --rootfs DIR[,fs=virtiofs|9p]: a read-only share under the tag
 * "rootfs" that the init makes the root. */
static int parse_rootfs(struct run_opts *r, const char *arg)
{
	char *s;
	int ret;

	if (r->rootfs >= 0)
		return error("--rootfs %s: one root is enough", arg);
	if (strchr(arg, ':'))
		return error("--rootfs %s: no tag (the root's is rootfs)", arg);
	if (strstr(arg, ",mount=") || strstr(arg, ",ro") || strstr(arg, ",dev"))
		return error("--rootfs %s: only fs= may follow the directory", arg);
	s = xasprintf("%.*s:rootfs,ro%s", (int)strcspn(arg, ","), arg,
		      strchr(arg, ',') ? strchr(arg, ',') : "");
	ret = parse_share(r, s);
	free(s);
	if (!ret) {
		r->rootfs = (int)r->nshares - 1;
		strcpy(r->shares[r->rootfs].mount, "/");
	}
	return ret;
}

int run_parse_option(struct run_opts *r, int opt, const char *arg)
{
	int i;

	switch (opt) {
	case OPT_IMAGE: r->image = arg; return 0;
	case OPT_VMM:
		if (parse_choice("--vmm", arg, "auto\0builtin\0qemu\0",
				 "builtin, qemu or auto", &i))
			return -EINVAL;
		r->vmm = (enum vmm_choice)i;
		return 0;
	case OPT_ACCEL:
		if (parse_choice("--accel", arg, "auto\0kvm\0tcg\0",
				 "kvm, tcg or auto", &i))
			return -EINVAL;
		r->accel = (enum accel)i;
		return 0;
	case OPT_MEM: return parse_unsigned("--memory", arg, 64, 1u << 20, &r->mem_mb);
	/* xAPIC ids are 8-bit, 0xff is broadcast, and the I/O APIC takes
	 * the id after the last CPU (mptable.c). */
	case OPT_CPUS: return parse_unsigned("--cpus", arg, 1, 254, &r->cpus);
	case OPT_APPEND: r->append = arg; return 0;
	case OPT_TIMEOUT: return parse_unsigned("--timeout", arg, 1, 1u << 30, &r->timeout);
	case OPT_BISECT: r->bisect = true; return 0;
	case OPT_CONSOLE_LOG: r->console_log = arg; return 0;
	case OPT_REBUILD: r->rebuild = true; return 0;
	case OPT_SILENCE: return parse_unsigned("--silence-timeout", arg, 1, 1u << 30, &r->silence);
	case OPT_FORCE: r->force = true; return 0;
	case OPT_HUGEPAGES: r->hugepages = true; return 0;
	case OPT_DISK: return parse_disk(r, arg);
	case OPT_SHARE: return parse_share(r, arg);
	case OPT_ROOTFS: return parse_rootfs(r, arg);
	case OPT_RW:
		if (arg[0] != '/' || strpbrk(arg, " \t\n,:\\"))
			return error("--rw %s: an absolute path without blanks, "
				     "commas or colons", arg);
		strv_push(&r->rw, arg);
		return 0;
	case OPT_TRANSPORT:
		if (parse_choice("--transport", arg, "pci\0mmio\0", "pci or mmio",
				 &i))
			return -EINVAL;
		r->mmio = i == 1;
		return 0;
	}
	return -EINVAL;
}

static int newest_kernel(const char *first, char **out)
{
	struct dirent *d;
	DIR *dh = opendir("/boot");
	char *best = NULL;

	while (dh && (d = readdir(dh))) {
		if (strncmp(d->d_name, "vmlinuz-", 8))
			continue;
		if (!best || strverscmp(d->d_name, best) > 0) {
			free(best);
			best = xstrdup(d->d_name);
		}
	}
	if (dh)
		closedir(dh);
	if (!best)
		return error("no kernel: no %s, and no other /boot/vmlinuz-*; "
			     "pass -k FILE", first);
	*out = path_join("/boot", best);
	free(best);
	return 0;
}

int run_find_kernel(const char *given, char **out)
{
	char *rel, *path;
	int fd;

	if (given) {
		path = xstrdup(given);
	} else {
		rel = kernel_host_release();
		path = xasprintf("/boot/vmlinuz-%s", rel);
		free(rel);
		if (access(path, F_OK)) {
			int r = newest_kernel(path, &rel);

			free(path);
			if (r)
				return -ENOENT;
			path = rel;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		error_errno(err, "%s%s", path, err == EACCES ?
			    " (Debian installs kernels readable by root only)" : "");
		free(path);
		return -err;
	}
	close(fd);
	*out = path;
	return 0;
}

/* The compression of the image's last segment. The per-run segment is
 * plain cpio after anything but lz4: the legacy lz4 format has no end
 * mark, and the kernel's decoder would read a cpio header on as a chunk
 * size, so after lz4 the segment is lz4 too. */
static enum compression last_segment(const char *p, size_t len)
{
	enum compression last = COMP_NONE;
	size_t off = 0;

	while (off < len) {
		enum compression c;
		size_t n;

		if (!p[off]) {
			off++;
			continue;
		}
		c = compress_detect(p + off, len - off);
		if (c == COMP_UNKNOWN)
			break;
		last = c;
		n = c == COMP_NONE ? cpio_newc_length(p + off, len - off)
				   : compress_stream_length(c, p + off, len - off);
		if (!n)
			break;
		off += n;
	}
	return last;
}

/* The image as a memfd: the image, the per-run segment (DESIGN.md). The
 * uncompressed segment starts 4-byte aligned (the kernel looks for "0707"
 * there, and skips the zeros before); after lz4 an lz4 one follows
 * directly, as lz4's decoder reads on through the image's stream. */
int run_make_initrd(const struct buf *image, const struct strv *argv,
		    const struct strv *env, const struct run_file *files,
		    size_t nfiles, bool in, int *out)
{
	enum compression c = last_segment(image->p, image->len);
	struct manifest m;
	struct buf raw = { 0 }, seg = { 0 }, data = { 0 };
	int fd = memfd_create("tinyrd-initrd", MFD_CLOEXEC), r;
	static const char zeros[4];

	if (fd < 0)
		return error_errno(errno, "memfd_create");
	manifest_init(&m, "");
	for (size_t i = 0; i < argv->n; i++)
		buf_add(&data, argv->v[i], strlen(argv->v[i]) + 1);
	r = argv->n ? manifest_add_data(&m, TINYRD_CONF_ARGV, data.p, data.len,
					0644, 0, 0, NULL) : 0;
	buf_reset(&data);
	for (size_t i = 0; i < env->n; i++)
		buf_add(&data, env->v[i], strlen(env->v[i]) + 1);
	if (!r && env->n)
		r = manifest_add_data(&m, TINYRD_CONF_ENV, data.p, data.len, 0644,
				      0, 0, NULL);
	if (!r && in)
		r = manifest_add_data(&m, TINYRD_CONF_STDIN, "", 0, 0644, 0, 0, NULL);
	for (size_t i = 0; i < nfiles && !r; i++)
		if (files[i].data->len)
			r = manifest_add_data(&m, files[i].path, files[i].data->p,
					      files[i].data->len, 0644, 0, 0, NULL);
	if (!r)
		r = manifest_finalize(&m);
	if (!r && m.n)
		r = cpio_write(&m, 0, &raw);
	if (!r)
		r = write_all(fd, image->p, image->len);
	if (!r && m.n) {
		if (c != COMP_LZ4)
			c = COMP_NONE;
		if (c == COMP_NONE)
			r = write_all(fd, zeros, (4 - image->len % 4) % 4);
		if (!r)
			r = compress_write(c, -1, raw.p, raw.len, fd,
					   "the per-run segment");
	}
	if (r) {
		if (r != -EINVAL)
			error_errno(r, "memfd");
		close(fd);
	} else {
		*out = fd;
	}
	manifest_free(&m);
	buf_free(&raw);
	buf_free(&seg);
	buf_free(&data);
	return r;
}

/* The guest's mount table for the shares (abi.h). 9p: the largest msize
 * Linux's virtio transport takes before 6.2 (125 pages; later kernels
 * take more, and say so if they clamp), cache=mmap so host edits show
 * and mmap works, access=client so the guest checks permissions (as it
 * does for virtio-fs). */
void run_mount_lines(const struct run_opts *ro, struct buf *out,
			struct buf *root)
{
	for (unsigned i = 0; i < ro->nshares; i++) {
		const struct vm_share *sh = &ro->shares[i];

		/* The root: 9p's cache=loose, as nothing writes it. */
		if ((int)i == ro->rootfs) {
			buf_printf(root, "%s rootfs %s\n",
				   sh->fs == SHARE_9P ? "9p" : "virtiofs",
				   sh->fs == SHARE_9P ? TINYRD_9P_OPTIONS("loose") :
				   sh->dax ? "dax=always" : "-");
			for (size_t k = 0; k < ro->rw.n; k++)
				buf_printf(root, "rw %s\n", ro->rw.v[k]);
			continue;
		}

		buf_printf(out, "%s %s %s %s %s\n",
			   sh->fs == SHARE_9P ? "9p" : "virtiofs", sh->tag,
			   sh->mount, sh->ro ? "ro" : "rw",
			   sh->fs == SHARE_9P ? TINYRD_9P_OPTIONS("mmap") :
			   sh->dax ? "dax=always" : "-");
	}
}

/* Host-root mode: a quick sample of the root for the init to verify
 * before it switches (verify.h): /bin/sh and its dynamic loader, the two
 * files every command needs. Without them (a root that is not a Linux
 * userland) nothing is checked, said. */
static void root_sample(const struct vm_share *sh, struct buf *out)
{
	struct verify_params p = {
		.mount = "/newroot", .seed = verify_seed(), .quick = true,
		.msize = sh->fs == SHARE_9P ? TINYRD_9P_MSIZE : (VQ_SIZE_MAX - 8) * 4096u,
	};
	struct elf_info info = { 0 };
	char *sh_path = path_join(sh->dir, "bin/sh"), *paths[2] = { sh_path, NULL };
	size_t n = 1;

	if (!elfdeps_read(sh_path, &info) && info.interp)
		paths[n++] = path_join(sh->dir, info.interp);
	if (verify_manifest(out, sh->dir, paths, n, &p)) {
		buf_reset(out);
		warn("the root %s is not verified before the switch", sh->dir);
	}
	elfdeps_info_free(&info);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
}

/* Standard input worth forwarding: a pipe, a socket, a file, a terminal;
 * not /dev/null or another device. */
static bool forwardable_stdin(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	       S_ISREG(st.st_mode) || isatty(STDIN_FILENO);
}

/* Build the image, or take it from the cache. */
int run_get_image(struct build_opts *o, const struct run_opts *ro,
		     const char *kernel, struct buf *image)
{
	struct build b;
	char key[65], *dir = NULL, *path = NULL;
	int r;

	if (!o->no_vm_modules)
		o->auto_kmods = ro->nshares ? build_vm_share_modules : build_vm_modules;
	if (!o->kernel && !o->kver)
		o->kernel = kernel;
	r = build_init(&b, o);
	if (!r)
		r = build_resolve(&b);
	if (r)
		goto out;
	dir = cache_dir();
	if (dir) {
		cache_key(&b, key);
		path = xasprintf("%s/%s.img", dir, key);
		if (!ro->rebuild && !read_file(path, image)) {
			verbose("image %s (cached)", path);
			cache_touch(dir, path);
			goto out;
		}
		buf_reset(image);
		r = build_write(&b, path);
		if (!r)
			r = read_file(path, image);
		if (r == -ENOENT || r == -EACCES)
			r = error_errno(r, "%s", path);
		if (!r) {
			verbose("image %s (built)", path);
			cache_touch(dir, path);
		}
		goto out;
	}
	{
		struct buf raw = { 0 };
		int fd = memfd_create("tinyrd-image", MFD_CLOEXEC);

		r = fd < 0 ? error_errno(errno, "memfd_create") : build_image(&b, &raw);
		if (!r)
			r = compress_write(o->comp, o->level, raw.p, raw.len, fd,
					   "the image");
		if (!r && lseek(fd, 0, SEEK_SET) == 0)
			r = read_fd(fd, image);
		if (fd >= 0)
			close(fd);
		buf_free(&raw);
	}
out:
	build_free(&b);
	free(dir);
	free(path);
	return r;
}

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; p && (p = strstr(p, w)); p += n)
		if ((p == s || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
	return false;
}

static bool have_qemu(void)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;

	copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = path_join(d, "qemu-system-x86_64");

		found = !access(p, X_OK);
		free(p);
	}
	free(copy);
	return found;
}

/* Which VMM, which accelerator. The built-in launcher needs a KVM that
 * boots stock kernels; auto falls back to QEMU with TCG, saying why.
 * An explicit --accel is QEMU's option, so it asks for QEMU. */
static int choose_vmm(struct run_opts *ro, struct vm_config *vc)
{
	char why[256];
	bool kvm;

	if (ro->vmm == VMM_BUILTIN && ro->accel != ACCEL_AUTO)
		return error("--accel is QEMU's option; it does not go with "
			     "--vmm builtin");
	if (ro->vmm == VMM_AUTO && ro->accel != ACCEL_AUTO)
		ro->vmm = VMM_QEMU;
	if (ro->vmm == VMM_QEMU && ro->accel != ACCEL_AUTO) {
		vc->accel = ro->accel;
		return 0;
	}
	kvm = kvm_usable(why, sizeof(why));

	if (ro->vmm == VMM_BUILTIN) {
		if (!kvm && !ro->force)
			return error("%s; use --vmm qemu (TCG), or --force", why);
		return 0;
	}
	if (ro->vmm == VMM_AUTO) {
		if (kvm || ro->force)
			return 0;
		if (!have_qemu())
			return error("%s, and qemu-system-x86_64 is not installed "
				     "for the fallback", why);
		note("%s; using QEMU with TCG", why);
		ro->vmm = VMM_QEMU;
		vc->accel = ACCEL_TCG;
		return 0;
	}
	vc->accel = kvm ? ACCEL_KVM : ACCEL_TCG;
	if (!kvm)
		note("%s; using TCG", why);
	return 0;
}

/* The console sink the VMM hands ttyS0 to: console.c reads it. */
static void con_feed(void *ctx, const char *data, size_t n)
{
	console_feed(ctx, data, n);
}

static void con_end(void *ctx)
{
	console_end(ctx);
}

static int con_reported(void *ctx, bool *panic_after)
{
	const struct console *c = ctx;

	*panic_after = c->panic_after_status;
	return c->status;
}

static int report(const struct vm_result *res, const struct console *con,
		  const struct run_opts *ro, bool verbose_on)
{
	struct buf tail = { 0 };
	int st;

	switch (res->ending) {
	case VM_REPORTED:
		st = res->status;
		break;
	case VM_NO_REPORT:
		st = TINYRD_STATUS_NO_REPORT;
		fprintf(stderr, "tinyrd: the guest ended without reporting a "
			"status%s%s\n", con->panic || res->why[0] ? ": " : "",
			con->panic ? con->panic : res->why);
		break;
	case VM_TIMEOUT:
		st = TINYRD_STATUS_TIMEOUT;
		if (res->why[0])
			fprintf(stderr, "tinyrd: %s; the guest was stopped\n",
				res->why);
		else
			fprintf(stderr, "tinyrd: timed out after %u s; the guest "
				"was stopped\n", ro->timeout);
		break;
	case VM_INTERRUPTED:
		/* A reader that went away (run | head) is not news. */
		if (res->signal != SIGPIPE)
			fprintf(stderr, "tinyrd: %s; the guest was stopped\n",
				strsignal(res->signal));
		return 128 + res->signal;
	default:
		return TINYRD_STATUS_FAILED;
	}
	if ((st == TINYRD_STATUS_NO_REPORT || st == TINYRD_STATUS_TIMEOUT) && !verbose_on &&
	    con->ntail) {
		console_tail(con, &tail);
		fprintf(stderr, "tinyrd: the last %u lines of the console:\n%s",
			con->ntail, tail.p);
		buf_free(&tail);
	}
	if (ro->bisect && (st >= 128 || st == TINYRD_STATUS_NO_REPORT))
		st = 1;
	return st;
}

/* Shared directories exist: checked first, before anything is built. */
int run_check_shares(const struct run_opts *ro)
{
	for (unsigned i = 0; i < ro->nshares; i++) {
		struct stat st;

		if (stat(ro->shares[i].dir, &st))
			return error_errno(errno, "share %s", ro->shares[i].dir);
		if (!S_ISDIR(st.st_mode))
			return error_errno(ENOTDIR, "share %s", ro->shares[i].dir);
	}
	return 0;
}

/* A virtio-fs share's DAX window unless dax= says: a power of two, at
 * most VM_DAX_DEFAULT, the windows together at most half the guest's
 * RAM (the guest spends 1/64 of a window on page structures). None on
 * virtio-mmio. */
static void dax_defaults(struct run_opts *ro)
{
	uint64_t room = (uint64_t)ro->mem_mb << 19, each = VM_DAX_DEFAULT;
	unsigned n = 0;

	for (unsigned i = 0; i < ro->nshares; i++)
		n += ro->shares[i].fs == SHARE_VIRTIOFS && !ro->shares[i].dax_given;
	while (n && each > DAX_CHUNK && each * n > room)
		each >>= 1;
	for (unsigned i = 0; i < ro->nshares; i++) {
		struct vm_share *sh = &ro->shares[i];

		if (!sh->dax_given)
			sh->dax = sh->fs == SHARE_VIRTIOFS && !ro->mmio ? each : 0;
	}
}

/* The disks checked and the VMM chosen, before the image is finished:
 * what goes in it (forwarded stdin) depends on the VMM. */
int run_pick_vmm(struct run_opts *ro)
{
	struct vm_config vc = { 0 };

	for (unsigned i = 0; i < ro->ndisks; i++)
		if (access(ro->disks[i].file, ro->disks[i].ro ? R_OK : R_OK | W_OK))
			return error_errno(errno, "disk %s", ro->disks[i].file);
	if (choose_vmm(ro, &vc))
		return -1;
	if (ro->mmio && ro->vmm == VMM_QEMU)
		return error("--transport mmio is the built-in launcher's; QEMU runs here");
	/* virtio-fs is the launcher's own; QEMU serves 9p (its virtio-fs
	 * needs virtiofsd and shared memory). */
	for (unsigned i = 0; i < ro->nshares; i++) {
		struct vm_share *sh = &ro->shares[i];

		if (ro->vmm == VMM_QEMU && sh->fs_given && sh->fs == SHARE_VIRTIOFS)
			return error("share %s: fs=virtiofs is the built-in "
				     "launcher's; with QEMU use fs=9p", sh->dir);
		if (!sh->fs_given)
			sh->fs = ro->vmm == VMM_QEMU ? SHARE_9P : SHARE_VIRTIOFS;
		if (sh->fs != SHARE_VIRTIOFS && sh->dax_given && sh->dax)
			return error("share %s: dax= is virtio-fs's", sh->dir);
		if (ro->mmio && sh->dax_given && sh->dax)
			return error("share %s: dax= needs PCI (not --transport "
				     "mmio)", sh->dir);
	}
	dax_defaults(ro);
	ro->vm_accel = vc.accel;
	return 0;
}

/* Boot with the VMM picked, the statuses mapped. */
int run_launch(struct run_opts *ro, const char *kernel, int initrd,
		  int log_fd, bool interactive)
{
	struct vm_config vc = { .accel = ro->vm_accel };
	struct vm_result res;
	struct console con;
	struct buf append = { 0 };
	int r, st;

	/* reboot=t: a panic's reboot is a triple fault, no keyboard
	 * controller to wait for. */
	buf_printf(&append, "console=ttyS0 panic=-1%s%s%s%s",
		   ro->vmm == VMM_QEMU ? "" : " reboot=t",
		   log_level >= LOG_VERBOSE ? "" : " quiet",
		   ro->append ? " " : "", ro->append ? ro->append : "");
	vc.kernel = kernel;
	vc.initrd_fd = initrd;
	vc.append = append.p;
	vc.mem_mb = ro->mem_mb;
	vc.cpus = ro->cpus;
	vc.timeout = ro->timeout;
	vc.silence_timeout = ro->silence;
	vc.hugepages = ro->hugepages;
	memcpy(vc.disks, ro->disks, sizeof(vc.disks));
	vc.ndisks = ro->ndisks;
	memcpy(vc.shares, ro->shares, sizeof(vc.shares));
	vc.nshares = ro->nshares;
	vc.mmio_transport = ro->mmio;
	/* A shell on the console, for no command or tinyrd.shell: the
	 * console is the user's terminal then. */
	vc.interactive = interactive || has_word(ro->append, "tinyrd.shell");
	vc.out_fd = ro->out_fd >= 0 ? ro->out_fd : STDOUT_FILENO;
	vc.in_fd = ro->stdin && !vc.interactive ? STDIN_FILENO : -1;
	vc.err_fd = STDERR_FILENO;
	vc.echo_fd = log_level >= LOG_VERBOSE && !vc.interactive ? STDERR_FILENO : -1;
	vc.log_fd = log_fd;
	vc.verbose = log_level >= LOG_VERBOSE;
	console_init(&con);
	vc.console = (struct vm_console){ con_feed, con_end, con_reported, &con };
	r = ro->vmm == VMM_QEMU ? qemu_run(&vc, &res) : builtin_run(&vc, &res);
	st = r ? TINYRD_STATUS_FAILED : report(&res, &con, ro, vc.verbose);
	console_free(&con);
	buf_free(&append);
	return st;
}

int cmd_run(int argc, char **argv)
{
	struct option lo[ARRAY_SIZE(run_longopts) + 32];
	struct run_opts ro = RUN_OPTS_INIT;
	struct strv cmd = { 0 }, env = { 0 };
	struct build_opts o;
	struct buf image = { 0 }, mounts = { 0 }, root = { 0 }, sample = { 0 };
	struct run_file files[3];
	char *kernel = NULL, shortopts[64];
	int dd, opt, r, st = TINYRD_STATUS_FAILED, log_fd = -1, initrd = -1;
	size_t n = 0;

	/* The build options, then run's own. */
	for (const struct option *p = build_longopts; p->name; p++)
		lo[n++] = *p;
	for (size_t i = 0; i < ARRAY_SIZE(run_longopts); i++)
		lo[n++] = run_longopts[i];
	memset(&lo[n], 0, sizeof(lo[n]));
	snprintf(shortopts, sizeof(shortopts), "%si:m:c:", build_shortopts);
	dd = build_split_dashdash(argc, argv, shortopts, lo);

	build_opts_init(&o);
	optind = 1;
	while ((opt = getopt_long(dd, argv, shortopts, lo, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			build_opts_free(&o);
			return 0;
		}
		r = opt == '?' ? -EINVAL
		    : opt == 'i' || opt == 'm' || opt == 'c' || opt >= 512
			? run_parse_option(&ro, opt, optarg)
			: build_opts_parse(&o, opt, optarg);
		if (r) {
			fprintf(stderr, "Try 'tinyrd run --help'.\n");
			goto out;
		}
	}
	for (int i = optind; i < dd; i++)
		strv_push(&o.programs, argv[i]);
	if (build_opts_check(&o))
		goto out;
	/* The command and its environment travel per run, not in the image. */
	if (o.run && dd < argc) {
		error("--run and a command after -- cannot be combined");
		goto out;
	}
	if (o.run) {
		strv_push(&cmd, "/bin/sh");
		strv_push(&cmd, "-c");
		strv_push(&cmd, o.run);
		o.run = NULL;
	}
	for (int i = dd + 1; i < argc; i++)
		strv_push(&cmd, argv[i]);
	if (dd + 1 == argc) {
		error("nothing after --: expected a command");
		goto out;
	}
	for (size_t i = 0; i < o.env.n; i++)
		strv_push(&env, o.env.v[i]);
	strv_free(&o.env);
	if (o.print || o.output) {
		error("run writes no image: drop %s", o.print ? "--print" : "-o");
		goto out;
	}
	if (ro.image && (o.programs.n || o.recipes.n || o.kmods.n ||
			 o.copies.n || o.init || o.bare)) {
		error("-i boots a ready image: build options cannot change it");
		goto out;
	}

	if (ro.rw.n && ro.rootfs < 0) {
		error("--rw makes an overlay in the host's root: it needs --rootfs");
		goto out;
	}
	/* Host-root mode: the image is the init and the modules. */
	if (ro.rootfs >= 0 && !ro.image && !o.programs.n && !o.recipes.n &&
	    !o.copies.n)
		o.bare = true;
	if (run_check_shares(&ro) || run_find_kernel(o.kernel, &kernel))
		goto out;
	if (ro.image) {
		r = read_file(ro.image, &image);
		if (r) {
			error_errno(r, "%s", ro.image);
			goto out;
		}
		if (compress_detect(image.p, image.len) == COMP_UNKNOWN) {
			error("%s: not a cpio initrd", ro.image);
			goto out;
		}
	} else if (run_get_image(&o, &ro, kernel, &image)) {
		goto out;
	}
	if (run_pick_vmm(&ro))
		goto out;
	/* QEMU cannot hold input back until the init is ready for it. */
	ro.stdin = cmd.n && ro.vmm != VMM_QEMU && forwardable_stdin();
	run_mount_lines(&ro, &mounts, &root);
	if (ro.rootfs >= 0)
		root_sample(&ro.shares[ro.rootfs], &sample);
	files[0] = (struct run_file){ TINYRD_CONF_MOUNTS, &mounts };
	files[1] = (struct run_file){ TINYRD_CONF_ROOT, &root };
	files[2] = (struct run_file){ TINYRD_CONF_VERIFY, &sample };
	if (run_make_initrd(&image, &cmd, &env, files, 3, ro.stdin, &initrd))
		goto out;
	if (ro.console_log) {
		log_fd = open(ro.console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);
		if (log_fd < 0) {
			error_errno(errno, "%s", ro.console_log);
			goto out;
		}
	}
	st = run_launch(&ro, kernel, initrd, log_fd, !cmd.n);
out:
	if (log_fd >= 0)
		close(log_fd);
	if (initrd >= 0)
		close(initrd);
	buf_free(&image);
	buf_free(&mounts);
	buf_free(&root);
	buf_free(&sample);
	strv_free(&ro.rw);
	strv_free(&cmd);
	strv_free(&env);
	build_opts_free(&o);
	free(kernel);
	return st;
}

static void boot_usage(FILE *f)
{
	fprintf(f, "usage: tinyrd boot -k KERNEL -i IMAGE [options]\n"
		"\nBoot KERNEL with IMAGE in tinyrd's own KVM launcher: the console\n"
		"on the terminal (typed input goes to it), the command the image\n"
		"holds run by its init, the status it reports as the exit status.\n\n"
		"  -k, --kernel FILE      a bzImage, or an ELF vmlinux (PVH entry)\n"
		"  -i, --image IMAGE      the initrd\n"
		"      --append ARGS      more kernel command line\n"
		"  -m, --memory MB        guest memory (default 512)\n"
		"  -c, --cpus N           guest CPUs, 1 to 254 (default 1)\n"
		"      --timeout S        stop the guest after S seconds (status 124)\n"
		"      --silence-timeout S  stop it after S seconds without console\n"
		"                         output (status 124)\n"
		"      --bisect           statuses for git bisect run (see tinyrd-run(1))\n"
		"      --console-log FILE write the console to FILE too\n"
		"      --force            boot even where KVM fails the smoke boot\n"
		"      --hugepages        back guest memory with 2 MiB huge pages\n"
		"      --disk FILE[,ro]   a virtio-blk disk (/dev/vda, vdb...; repeatable)\n"
		"      --share DIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off]\n"
		"                         share a host directory under TAG (repeatable)\n"
		"      --transport pci|mmio  how virtio devices attach (mmio: for\n"
		"                         kernels with VIRTIO_MMIO_CMDLINE_DEVICES)\n"
		"  -v, --verbose          the launcher's decisions on stderr\n"
		"  -q, --quiet            errors only\n"
		"\nExit status as tinyrd run: the guest's; 123 it ended without\n"
		"reporting; 124 timeout; 125 tinyrd failed. See tinyrd-boot(1).\n");
}

int cmd_boot(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "memory", required_argument, NULL, OPT_MEM },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "silence-timeout", required_argument, NULL, OPT_SILENCE },
		{ "bisect", no_argument, NULL, OPT_BISECT },
		{ "console-log", required_argument, NULL, OPT_CONSOLE_LOG },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "share", required_argument, NULL, OPT_SHARE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = RUN_OPTS_INIT;
	const char *kernel = NULL;
	int opt, st = TINYRD_STATUS_FAILED, image = -1, log_fd = -1;

	ro.vmm = VMM_BUILTIN;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "k:i:m:c:vqh", lo, NULL)) != -1) {
		int r = 0;

		switch (opt) {
		case 'h':
			boot_usage(stdout);
			return 0;
		case 'k':
			kernel = optarg;
			break;
		case 'v':
			log_level = log_level < LOG_VERBOSE ? LOG_VERBOSE : LOG_DEBUG;
			break;
		case 'q':
			log_level = LOG_QUIET;
			break;
		case '?':
			r = -EINVAL;
			break;
		case OPT_SHARE:
			if (strstr(optarg, ",mount=")) {
				r = error("--share %s: mount= is for tinyrd run; "
					  "under boot the image's init mounts "
					  "the tag itself", optarg);
				break;
			}
			/* fall through */
		default:
			r = run_parse_option(&ro, opt, optarg);
		}
		if (r) {
			fprintf(stderr, "Try 'tinyrd boot --help'.\n");
			return TINYRD_STATUS_FAILED;
		}
	}
	if (optind < argc) {
		error("boot takes no arguments (%s); a command goes in the image, "
		      "or use tinyrd run -i", argv[optind]);
		return TINYRD_STATUS_FAILED;
	}
	if (!kernel || !ro.image) {
		error("boot needs -k KERNEL and -i IMAGE");
		return TINYRD_STATUS_FAILED;
	}
	if (run_check_shares(&ro))
		return TINYRD_STATUS_FAILED;
	image = open(ro.image, O_RDONLY | O_CLOEXEC);
	if (image < 0) {
		error_errno(errno, "%s", ro.image);
		goto out;
	}
	if (access(kernel, R_OK)) {
		error_errno(errno, "%s", kernel);
		goto out;
	}
	if (ro.console_log) {
		log_fd = open(ro.console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);
		if (log_fd < 0) {
			error_errno(errno, "%s", ro.console_log);
			goto out;
		}
	}
	if (run_pick_vmm(&ro))
		goto out;
	st = run_launch(&ro, kernel, image, log_fd, true);
out:
	if (image >= 0)
		close(image);
	if (log_fd >= 0)
		close(log_fd);
	return st;
}
