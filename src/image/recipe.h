/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_RECIPE_H
#define TINYRD_RECIPE_H

#include "build.h"

/*
 * Recipes: the kernel's gen_init_cpio line format (file dir nod slink pipe
 * sock; the first word picks the handler) plus verbs that resolve (bin kmod
 * copy run include busybox env) and one for inline contents (text). Format:
 * tinyrd-recipe(5).
 */

/* Load a recipe by path, or by template name (NAME or NAME.recipe in the
 * templates directory). */
int recipe_load(struct build *b, const char *name);
/* Where templates live (malloc'ed): $TINYRD_TEMPLATES, templates/ beside
 * the binary, ../share/tinyrd/templates from it, else the datadir's. */
char *recipe_templates_dir(void);

/* Load the template NAME.recipe from the templates directory only; a
 * template that is not there is skipped (-v says so). */
int recipe_load_template(struct build *b, const char *name);

/* Parse recipe text; file names it in messages ("file:line: ...") and
 * relative paths are taken from its directory. */
int recipe_parse(struct build *b, const char *file, const char *text);

/* Undo manifest_escape(): \\ \n \t \0 \xHH. -EINVAL on a bad escape. */
int recipe_unescape(const char *in, struct buf *out);

#endif
