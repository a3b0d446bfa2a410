// SPDX-License-Identifier: MIT
/*
 * The verbs an image is made with, shared by the command line (build.c)
 * and recipes (recipe.c): a module with its dependencies, a host file, the
 * init, busybox with its applets, the command the init runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "moddeps.h"
#include "../common/kernel.h"

static int resolve_kver(struct build *b)
{
	if (b->kver)
		return 0;
	if (b->o->kver) {
		b->kver = xstrdup(b->o->kver);
		return 0;
	}
	if (b->o->kernel)
		return kernel_release(b->o->kernel, &b->kver);
	b->kver = kernel_host_release();
	return 0;
}

int build_kmod(struct build *b, const char *spec)
{
	size_t n = strcspn(spec, " \t");
	const char *params = spec + n + strspn(spec + n, " \t");
	char *name = xstrndup(spec, n);
	int r = 0;

	if (!*name)
		r = error("--kmod: empty module name");
	else if (strchr(params, '\n'))
		r = error("--kmod %s: parameters cannot hold a newline", name);
	if (!r)
		r = resolve_kver(b);
	if (!r && !b->mods)
		r = moddeps_open(&b->mods, &b->m, b->o->moddir, b->kver);
	if (!r)
		r = moddeps_add(b->mods, name, *params ? params : NULL);
	free(name);
	return r;
}

int build_kmod_auto(struct build *b, const char *name)
{
	int r = resolve_kver(b);

	if (r)
		return r;
	if (!b->mods && !moddeps_exists(&b->m, b->o->moddir, b->kver)) {
		verbose("no modules tree for %s: %s not added", b->kver, name);
		return 0;
	}
	if (!b->mods)
		r = moddeps_open(&b->mods, &b->m, b->o->moddir, b->kver);
	return r ? r : moddeps_add_if_module(b->mods, name);
}

int build_copy(struct build *b, const char *src, const char *dest)
{
	char *why = xasprintf("copy %s", src);
	int r = manifest_copy(&b->m, src, dest, why);

	free(why);
	return r;
}

int build_init_file(struct build *b, const char *file)
{
	char *why;
	int r;

	if (file) {
		why = xasprintf("init %s", file);
		r = manifest_add_file(&b->m, "/init", file, 0755, 0, 0, why);
		free(why);
		return r;
	}
	r = manifest_add_data(&b->m, "/init", tinyrd_init_start,
			      (size_t)(tinyrd_init_end - tinyrd_init_start),
			      0755, 0, 0, "init tinyrd-init (built in)");
	if (!r) {
		struct entry *e = manifest_get(&b->m, "/init");

		free(e->print_as);
		e->print_as = xstrdup("init");
	}
	return r;
}

void build_set_shell_command(struct build *b, const char *cmd)
{
	strv_free(&b->argv);
	strv_push(&b->argv, "/bin/sh");
	strv_push(&b->argv, "-c");
	strv_push(&b->argv, cmd);
}

/* Run "busybox --list-full" and collect its output. */
static int list_applets(const char *host, struct buf *out)
{
	char *argv[] = { (char *)host, (char *)"--list-full", NULL };
	posix_spawn_file_actions_t fa;
	int pfd[2], status, r;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return error_errno(errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	r = posix_spawn(&pid, host, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r) {
		close(pfd[0]);
		return error_errno(r, "%s: cannot run it to list its applets", host);
	}
	r = read_fd(pfd[0], out);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r)
		return error_errno(r, "%s --list-full", host);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !out->len)
		return error("%s --list-full failed: cannot list its applets "
			     "(a busybox for another architecture?)", host);
	return 0;
}

int build_busybox(struct build *b, const char *path)
{
	struct hmap dirs = { 0 };
	struct buf list = { 0 };
	char *bb = NULL, *canon = NULL, *host, *save = NULL;
	struct stat st;
	int r;

	bb = elfdeps_which(&b->elf, path ? path : "busybox", true);
	if (!bb)
		return error("%s: not found (install busybox-static, or pass "
			     "--bare)", path ? path : "busybox in PATH");
	r = elfdeps_add_program(&b->elf, bb, NULL);
	if (!r && (r = manifest_walk_host(&b->m, bb, &canon, &st)))
		error_errno(r, "%s", bb);
	if (r)
		goto out;
	host = manifest_host_path(&b->m, canon);
	r = list_applets(host, &list);
	free(host);
	for (char *l = r ? NULL : strtok_r(list.p, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *applet = path_normalize(xstrdup(l)), *dir, *phys, *link;

		dir = path_dirname(applet);
		phys = hmap_get(&dirs, dir);
		if (!phys) {
			if (manifest_walk_host(&b->m, dir, &phys, &st) < 0 ||
			    !S_ISDIR(st.st_mode)) {
				free(phys);
				phys = xstrdup(dir);
			}
			hmap_put(&dirs, dir, phys);
		}
		link = path_join(phys, path_basename(applet));
		if (strcmp(link, canon))
			r = manifest_add_weak_slink(&b->m, link, canon);
		free(link);
		free(dir);
		free(applet);
		if (r)
			break;
	}
	verbose("busybox applets linked to %s", canon);
out:
	for (size_t i = 0; i < dirs.cap; i++)
		free(dirs.slots[i].val);
	hmap_free(&dirs);
	buf_free(&list);
	free(canon);
	free(bb);
	return r;
}
