/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_RUNTIME_H
#define TINYRD_RUNTIME_H

#include "../common/util.h"

struct build;

/*
 * What programs and libraries need at run time beyond DT_NEEDED, from a
 * table of rules (runtime.c; the verb "runtime" of tinyrd-recipe(5),
 * the default table templates/runtime.recipe):
 *
 *	runtime WHEN PATTERN NEED [ARG...]
 *
 * WHEN is "path" (the ELF file's path in the image), "lib" (its SONAME,
 * else its file name) or "sym" (a dynamic symbol it imports); NEED is
 * lib, file, tree, nss, terminfo or gconv.
 */
struct runtime_rule;

struct runtime {
	struct runtime_rule **v;
	size_t n, alloc;
	struct hmap done;	/* host paths of the ELF files looked at */
};

void runtime_free(struct runtime *rt);

/* One rule from its fields (after the verb); origin ("file:line", may be
 * NULL) names it in -v. 0, or -EINVAL (said). */
int runtime_add(struct runtime *rt, const char *origin, char *const *f,
		int n);

/* Apply the rules to every ELF file of the image until nothing new comes
 * in. 0, or -errno (said). */
int runtime_resolve(struct build *b);

#endif
