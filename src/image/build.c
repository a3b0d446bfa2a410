// SPDX-License-Identifier: MIT
/*
 * tinyrd build: the order in which things are resolved, and the atomic
 * write of the image.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cpio.h"
#include "moddeps.h"
#include "recipe.h"
#include "../common/abi.h"
#include "../common/json.h"
#include "../common/progress.h"
#include "../common/sha256.h"
#include "../common/target.h"


extern char **environ;

void build_opts_init(struct build_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->comp = COMP_DEFAULT;
	o->level = -1;
}

void build_opts_free(struct build_opts *o)
{
	strv_free(&o->recipes);
	strv_free(&o->programs);
	strv_free(&o->copies);
	strv_free(&o->kmods);
	strv_free(&o->kmods_noload);
	strv_free(&o->env);
	strv_free(&o->argv);
}

int build_opts_check(const struct build_opts *o)
{
	if (o->level > compress_max_level(o->comp))
		return error("--level %d: %s levels go from 0 to %d", o->level,
			     compress_name(o->comp), compress_max_level(o->comp));
	if (!o->trace)
		return 0;
	/* What is traced runs here: only an image for this host can hold
	 * it. */
	if (!o->argv.n)
		return error("--trace: expected the command to trace after --");
	if (o->run)
		return error("--trace traces the command after --, not --run");
	if (o->sysroot)
		return error("--trace runs the command on this host: not with "
			     "--sysroot");
	if (o->target && o->target != target_native())
		return error("--trace runs the command on this host (%s): not "
			     "with --arch %s", target_native()->name,
			     o->target->name);
	return 0;
}

int build_init(struct build *b, const struct build_opts *o)
{
	char real[PATH_MAX];

	memset(b, 0, sizeof(*b));
	b->o = o;
	b->target = o->target ? o->target : target_native();
	if (o->sysroot) {
		struct stat st;

		if (!realpath(o->sysroot, real) || stat(real, &st) < 0)
			return error_errno(errno, "--sysroot %s", o->sysroot);
		if (!S_ISDIR(st.st_mode))
			return error("--sysroot %s: not a directory", o->sysroot);
		b->sysroot = xstrdup(strcmp(real, "/") ? real : "");
	} else {
		b->sysroot = xstrdup("");
	}
	manifest_init(&b->m, b->sysroot);
	elfdeps_init(&b->elf, &b->m);
	b->elf.machine = b->target->elf_machine;
	return 0;
}

void build_free(struct build *b)
{
	moddeps_close(b->mods);
	elfdeps_free(&b->elf);
	runtime_free(&b->runtime);
	for (size_t i = 0; i < b->applets.cap; i++) {
		struct strv *v = b->applets.slots[i].val;

		if (v) {
			strv_free(v);
			free(v);
		}
	}
	hmap_free(&b->applets);
	manifest_free(&b->m);
	strv_free(&b->argv);
	strv_free(&b->env);
	free(b->kver);
	free(b->sysroot);
}

/* SRC[:/DEST]: a colon followed by an absolute path splits, so a source
 * may hold colons itself. */
static int copy_spec(struct build *b, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	char *src;
	int r;

	if (!colon || colon[1] != '/')
		return build_copy(b, spec, NULL);
	if (colon == spec)
		return error("--copy %s: expected SRC[:/DEST]", spec);
	src = xstrndup(spec, (size_t)(colon - spec));
	r = build_copy(b, src, colon + 1);
	free(src);
	return r;
}

static int add_nul_list(struct build *b, const char *path, const struct strv *v)
{
	struct buf data = { 0 };
	int r;

	for (size_t i = 0; i < v->n; i++)
		buf_add(&data, v->v[i], strlen(v->v[i]) + 1);
	r = manifest_add_data(&b->m, path, data.p, data.len, 0644, 0, 0, NULL);
	buf_free(&data);
	return r;
}

static int add_config(struct build *b)
{
	const struct build_opts *o = b->o;
	int r = 0;

	if (o->run && o->argv.n)
		return error("--run and a command after -- cannot be combined");
	if (o->run)
		build_set_shell_command(b, o->run);
	if (o->argv.n) {
		strv_free(&b->argv);
		for (size_t i = 0; i < o->argv.n; i++)
			strv_push(&b->argv, o->argv.v[i]);
	}
	for (size_t i = 0; i < o->env.n; i++)
		strv_push(&b->env, o->env.v[i]);
	if (b->argv.n)
		r = add_nul_list(b, TINYRD_CONF_ARGV, &b->argv);
	if (!r && b->env.n)
		r = add_nul_list(b, TINYRD_CONF_ENV, &b->env);
	if (!r && b->mods) {
		size_t len;
		const char *conf = moddeps_config(b->mods, &len);

		if (len)
			r = manifest_add_data(&b->m, TINYRD_CONF_MODULES, conf,
					      len, 0644, 0, 0, NULL);
		if (!r && !o->no_modprobe_files)
			r = moddeps_modprobe_files(b->mods);
	}
	return r;
}

/*
 * Merged /usr: where the host (or sysroot) has /bin -> usr/bin and the
 * image has /usr/bin, give the image the same link, so "/bin/sh" and
 * PATH lookups work whichever spelling a program or script uses.
 */
static int merged_usr_links(struct build *b)
{
	static const char *const tops[] = {
		"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	};
	int r = 0;

	for (size_t i = 0; !r && i < ARRAY_SIZE(tops); i++) {
		char *host = manifest_host_path(&b->m, tops[i]);
		char target[PATH_MAX], *dir;
		struct entry *e;
		ssize_t n = readlink(host, target, sizeof(target) - 1);

		free(host);
		if (n <= 0 || manifest_get(&b->m, tops[i]))
			continue;
		target[n] = '\0';
		dir = path_normalize(path_join("/", target));
		e = manifest_get(&b->m, dir);
		if (e && e->type == ENTRY_DIR)
			r = manifest_add_slink(&b->m, tops[i], target, 0777, 0, 0,
					       NULL);
		free(dir);
	}
	return r;
}

int build_resolve(struct build *b)
{
	const struct build_opts *o = b->o;
	int r = 0;

	/* The table of run-time needs is knowledge, not contents: a tinyrd
	 * without its data directory (a bare binary copied to a test box)
	 * builds on without it. */
	if (!o->no_runtime)
		r = recipe_load_template(b, "runtime");
	if (!r && !o->recipes.n && !o->bare)
		r = recipe_load(b, "base");
	for (size_t i = 0; !r && i < o->recipes.n; i++)
		r = recipe_load(b, o->recipes.v[i]);
	for (size_t i = 0; !r && i < o->programs.n; i++)
		r = elfdeps_add_program(&b->elf, o->programs.v[i], NULL);
	for (size_t i = 0; !r && i < o->copies.n; i++)
		r = copy_spec(b, o->copies.v[i]);
	if (!r && o->trace)
		r = build_trace(b);
	for (size_t i = 0; !r && i < o->kmods.n; i++)
		r = build_kmod(b, o->kmods.v[i]);
	for (size_t i = 0; !r && i < o->kmods_noload.n; i++)
		r = build_kmod_noload(b, o->kmods_noload.v[i]);
	for (size_t i = 0; !r && o->auto_kmods && o->auto_kmods[i]; i++)
		r = build_kmod_auto(b, o->auto_kmods[i]);
	if (!r && o->init)
		r = build_init_file(b, o->init);
	else if (!r && !o->no_init && !manifest_get(&b->m, "/init"))
		r = build_init_file(b, NULL);
	if (!r)
		r = add_config(b);
	if (!r)
		r = runtime_resolve(b);
	if (!r)
		r = merged_usr_links(b);
	if (!r)
		r = manifest_finalize(&b->m);
	if (!r)
		r = build_shadow_applets(b);
	return r;
}

static int source_date_epoch(long long *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	unsigned long v;

	*out = 0;
	if (!s || !*s)
		return 0;
	if (parse_ulong(s, 10, &v) || v > 0xffffffffUL)
		return error("SOURCE_DATE_EPOCH=%s: not a time in seconds", s);
	*out = (long long)v;
	return 0;
}

/* The temporary file, removed if a signal ends us mid-write. */
static char *volatile pending;

static void on_signal(int sig)
{
	if (pending)
		unlink(pending);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int open_output(const char *output, char **tmp)
{
	mode_t mask = umask(0);
	int fd;

	umask(mask);
	*tmp = xasprintf("%s.tmp.XXXXXX", output);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		char *dir = path_dirname(output);

		error_errno(err, "%s: cannot write in %s", output, dir);
		free(dir);
		free(*tmp);
		*tmp = NULL;
		return -err;
	}
	if (fchmod(fd, 0666 & ~mask) < 0)
		warn("%s: chmod: %s", *tmp, strerror(errno));
	return fd;
}

/* Write straight into what is not a regular file: a device or a pipe
 * (/dev/null, /dev/stdout) must stay what it is. */
/* Into what output is (a device, a pipe), or stdout itself for "-":
 * opening /dev/stdout again would start a regular file over from its
 * beginning, where a shell may have written an early segment first. */
static int write_in_place(struct build *b, const char *output,
			  const struct buf *raw)
{
	int fd, r;

	if (!strcmp(output, "-")) {
		output = "stdout";
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
	} else {
		fd = open(output, O_WRONLY | O_CLOEXEC);
	}

	if (fd < 0)
		return error_errno(errno, "%s", output);
	if (isatty(fd))
		r = error("%s: refusing to write an image to a terminal", output);
	else
		r = compress_write(b->o->comp, b->o->level, raw->p, raw->len, fd,
				   output);
	close(fd);
	return r;
}

int build_image(struct build *b, struct buf *raw)
{
	long long mtime;
	int r = source_date_epoch(&mtime);

	return r ? r : cpio_write(&b->m, mtime, raw);
}

int build_write(struct build *b, const char *output)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct buf raw = { 0 };
	char *tmp = NULL, *real = NULL;
	struct stat st;
	int fd, r;

	progress_begin();
	r = build_image(b, &raw);
	if (r)
		goto out;
	if (!strcmp(output, "-")) {
		r = write_in_place(b, "-", &raw);
		goto out;
	}
	if (!stat(output, &st)) {
		if (S_ISDIR(st.st_mode)) {
			r = error("%s: is a directory", output);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			r = write_in_place(b, output, &raw);
			goto out;
		}
		/* Through a symlink: replace the file, keep the link. */
		real = realpath(output, NULL);
		if (real)
			output = real;
	}
	fd = open_output(output, &tmp);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	pending = tmp;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], on_signal);
	r = compress_write(b->o->comp, b->o->level, raw.p, raw.len, fd, output);
	if (close(fd) < 0 && !r)
		r = error_errno(errno, "write %s", output);
	if (!r && rename(tmp, output) < 0)
		r = error_errno(errno, "%s", output);
	if (r)
		unlink(tmp);
	pending = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
out:
	progress_end();
	free(real);
	free(tmp);
	buf_free(&raw);
	return r;
}

const char *const build_vm_modules[] = { "8250", "virtio_pci",
					 "virtio_console", "virtio_rng",
					 "virtio_blk", NULL };
/* ... and with shares: both file systems, and overlay for --rw. */
const char *const build_vm_share_modules[] = { "8250", "virtio_pci",
					       "virtio_console", "virtio_rng",
					       "virtio_blk", "9p", "9pnet_virtio",
					       "virtiofs", "overlay", NULL };

/* --json: what was written, as one object on stdout. */
static int build_json(struct build *b, const char *output, double ms)
{
	struct buf img = { 0 };
	struct sha256 h;
	char hex[65];
	int r = read_file(output, &img);

	if (r)
		return error_errno(r, "%s", output);
	sha256_init(&h);
	sha256_update(&h, img.p, img.len);
	sha256_hex(&h, hex);
	printf("{\"output\":");
	json_str(stdout, output);
	printf(",\"bytes\":%zu,\"sha256\":\"%s\",\"entries\":%zu,"
	       "\"compression\":\"%s\",\"kernel_release\":", img.len, hex,
	       b->m.n, compress_name(b->o->comp));
	if (b->kver)
		json_str(stdout, b->kver);
	else
		printf("null");
	printf(",\"ms\":%.1f}\n", ms);
	buf_free(&img);
	return 0;
}

int build_run(struct build_opts *o)
{
	struct timespec t0, t1;
	struct build b;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* For a named kernel, the drivers its guest needs come along. */
	if ((o->kernel || o->kver || o->moddir) && !o->no_vm_modules)
		o->auto_kmods = build_vm_modules;
	r = build_init(&b, o);
	if (!r)
		r = source_date_epoch(&(long long){ 0 });	/* fail early */
	if (!r)
		r = build_resolve(&b);
	if (!r && o->print)
		manifest_print(&b.m, stdout);
	else if (!r)
		r = build_write(&b, o->output ? o->output : "initrd.img");
	if (!r && !o->print && !manifest_get(&b.m, "/init"))
		note("the image has no /init: the kernel will try /sbin/init, "
		     "/etc/init, /bin/init and /bin/sh");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!r && o->json)
		r = build_json(&b, o->output ? o->output : "initrd.img",
			       (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (!r && fflush(stdout) == EOF)
		r = error_errno(errno, "stdout");
	build_free(&b);
	return r;
}
