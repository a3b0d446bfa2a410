// SPDX-License-Identifier: MIT
/*
 * The recipe parser (src/image/recipe.c): lines, fields, escapes, modes
 * and numbers, every verb of its table, includes, over a build whose
 * sysroot is a small tree in the process's directory, so the verbs that
 * resolve (bin, copy, file, busybox, init, kmod) look there and nowhere
 * else; templates come from the same directory (TINYRD_TEMPLATES).
 *
 * Input: a recipe, up to its first NUL. A line of a verb that reads the
 * host (include, copy, file, init, busybox) may not hold "..", a ${VAR}
 * or an escape, nor a host path from the root, and an include only names
 * a recipe: the host outside the directory is not the fuzzer's to read
 * (one "copy ..////../" copied all of /tmp, and /dev/zero would hang).
 * The manifest made is printed (to /dev/null) when the parse succeeds.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../src/image/build.h"
#include "../../src/image/recipe.h"

/* The verbs that read the host, and which field is the host path. */
static const struct {
	const char *verb;
	unsigned path;
} readers[] = {
	{ "include", 0 }, { "copy", 0 }, { "file", 1 }, { "init", 0 },
	{ "busybox", 0 },
};

/* A line of a verb that reads the host holds no "..", '$' or '\\', and
 * its host path does not start with '/' (an include's holds no '/' at
 * all): the fuzzer reads only its own directory's files. */
static bool line_ok(const char *p, size_t n)
{
	const char *e = p + n;
	size_t w = strcspn(p, " \t\n");
	unsigned f = 0;

	for (size_t i = 0; i < ARRAY_SIZE(readers); i++) {
		if (strlen(readers[i].verb) != w || strncmp(p, readers[i].verb, w))
			continue;
		if (memmem(p, n, "..", 2) || memchr(p, '$', n) || memchr(p, '\\', n) ||
		    (!i && memchr(p, '/', n)))
			return false;
		for (p += w; p < e; f++) {	/* field f starts at p */
			p += strspn(p, " \t");
			if (p < e && f == readers[i].path && *p == '/')
				return false;
			p += strcspn(p, " \t\n");
		}
	}
	return true;
}

static bool host_paths_ok(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l) {
		const char *p = l + strspn(l, " \t");

		if (!line_ok(p, strcspn(p, "\n")))
			return false;
	}
	return true;
}

static char *setup(void)
{
	const char *d = fz_dir();
	char *t = path_join(d, "templates");

	setenv("TINYRD_TEMPLATES", t, 1);
	fz_write(t, "base.recipe", "dir /etc 0755 0 0\ninclude small\n", 32, 0644);
	fz_write(t, "small.recipe", "text /etc/hostname 0644 0 0 fuzz\\n\n", 35, 0644);
	fz_write(d, "recipes/local.recipe", "slink /sh /bin/sh 0777 0 0\n", 27, 0644);
	fz_write(d, "root/bin/sh", "#!/bin/busybox sh\n", 18, 0755);
	fz_write(d, "root/bin/busybox", "#!/bin/sh\n", 10, 0755);
	fz_write(d, "root/etc/ld.so.conf", "/lib\n", 5, 0644);
	fz_write(d, "root/data/hello.txt", "hello\n", 6, 0644);
	fz_write(d, "root/data/dir/x", "x", 1, 0600);
	free(t);
	return path_join(d, "root");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *root, *name;
	struct build_opts o;
	struct build b;
	char *text = xstrndup((const char *)data, size);

	fz_quiet(true);
	if (!root) {
		root = setup();
		name = path_join(fz_dir(), "recipes/fuzz.recipe");
	}
	if (!host_paths_ok(text)) {
		free(text);
		return -1;	/* not one to keep in the corpus */
	}
	build_opts_init(&o);
	o.sysroot = root;
	o.kver = "6.1.0-fuzz";
	if (build_init(&b, &o))
		fz_fail(__FILE__, __LINE__, "build_init");
	if (!recipe_parse(&b, name, text))
		manifest_print(&b.m, stdout);
	build_free(&b);
	build_opts_free(&o);
	free(text);
	return 0;
}
