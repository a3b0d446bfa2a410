// SPDX-License-Identifier: MIT
/* Option tables into getopt's tables and --help's lines (opt.h). */
#include <string.h>

#include "opt.h"

#define HELP_COLUMN 25

static bool taken(const struct cmd_opt *o, unsigned want)
{
	return !want || (o->flags & want);
}

size_t cmd_opt_getopt(const struct cmd_opt *const *tables, unsigned want,
		      struct option *lo, size_t max, char *shortopts, size_t n)
{
	size_t nlo = 0, ns = 0;

	for (; *tables; tables++) {
		for (const struct cmd_opt *o = *tables; o->name; o++) {
			if (!taken(o, want) || nlo + 1 >= max)
				continue;
			lo[nlo++] = (struct option){ o->name, o->arg ? required_argument
						     : no_argument, NULL, o->key };
			if (o->key < 256 && ns + 3 < n) {
				shortopts[ns++] = (char)o->key;
				if (o->arg)
					shortopts[ns++] = ':';
			}
		}
	}
	memset(&lo[nlo], 0, sizeof(lo[nlo]));
	shortopts[ns] = '\0';
	return nlo;
}

void cmd_opt_usage(FILE *f, const struct cmd_opt *t, unsigned want)
{
	for (const struct cmd_opt *o = t; o->name; o++) {
		char head[80];
		const char *h = o->help;
		int len;

		if (!taken(o, want))
			continue;
		if (o->key < 256)
			len = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->key,
				       o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			len = snprintf(head, sizeof(head), "      --%s%s%s", o->name,
				       o->arg ? " " : "", o->arg ? o->arg : "");
		/* The text beside the option when it fits, else below it. */
		if (len < HELP_COLUMN)
			fprintf(f, "%s%*s", head, HELP_COLUMN - len, "");
		else
			fprintf(f, "%s\n%*s", head, HELP_COLUMN, "");
		for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(f, "%.*s\n%*s", (int)(nl - h), h, HELP_COLUMN, "");
		fprintf(f, "%s\n", h);
	}
}
