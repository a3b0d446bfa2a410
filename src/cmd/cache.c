// SPDX-License-Identifier: MIT
/* tinyrd cache [list|size|prune|clear] [--max SIZE] [--json]: the images
 * tinyrd run keeps (src/run/cache.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "opt.h"
#include "../common/json.h"
#include "../run/cache.h"

enum { OPT_JSON = 256, OPT_MAX };

static const struct cmd_opt opts[] = {
	{ "max", OPT_MAX, "SIZE", "prune: the size to keep under (default: the\n"
	  "cap, $TINYRD_CACHE_MAX or 1G)", 0 },
	{ "json", OPT_JSON, NULL, "the answer as JSON, for scripts", 0 },
	{ "help", 'h', NULL, "this help", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tinyrd cache [list|size|prune|clear] [options]\n"
		"\nThe images tinyrd run built and keeps for the next run with the\n"
		"same inputs ($XDG_CACHE_HOME/tinyrd). They stay under a size cap,\n"
		"$TINYRD_CACHE_MAX (512M, 2G; 0: none), 1G by default: the least\n"
		"recently used go first.\n\n"
		"  list    each image, most recently used first (the default)\n"
		"  size    how many images, their bytes, and the cap\n"
		"  prune   remove the least recently used beyond the cap (or --max)\n"
		"  clear   remove every image\n\n");
	cmd_opt_usage(f, opts, 0);
}

static void stamp(const struct timespec *t, char *out, size_t n)
{
	struct tm tm;

	if (!localtime_r(&t->tv_sec, &tm) ||
	    !strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, n, "%lld", (long long)t->tv_sec);
}

static void show_list(const struct cache_list *l, bool json)
{
	char when[32];

	if (json)
		printf("{\"images\":[");
	for (size_t i = 0; i < l->n; i++) {
		const struct cache_entry *e = &l->v[i];

		if (json) {
			printf("%s{\"path\":", i ? "," : "");
			json_str(stdout, e->path);
			printf(",\"bytes\":%llu,\"used\":%lld}",
			       (unsigned long long)e->size, (long long)e->used.tv_sec);
			continue;
		}
		stamp(&e->used, when, sizeof(when));
		printf("%10llu  %s  %s\n", (unsigned long long)e->size, when, e->path);
	}
	if (json)
		printf("]}\n");
}

static int cache(int argc, char **argv)
{
	static const struct cmd_opt *const tables[] = { opts, NULL };
	static const char *const actions[] = { "list", "size", "prune", "clear" };
	struct option lo[8];
	char shortopts[8], *dir;
	const char *what = "list";
	struct cache_list l;
	uint64_t max, freed = 0;
	bool json = false, max_given = false;
	size_t gone;
	int opt, r = 0;

	cmd_opt_getopt(tables, 0, lo, ARRAY_SIZE(lo), shortopts, sizeof(shortopts));
	optind = 1;
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		} else if (opt == OPT_JSON) {
			json = true;
		} else if (opt == OPT_MAX && !parse_size(optarg, &max)) {
			max_given = true;
		} else {
			if (opt == OPT_MAX)
				error("--max %s: not a size (512M, 2G)", optarg);
			fprintf(stderr, "Try 'tinyrd cache --help'.\n");
			return 2;
		}
	}
	if (optind < argc)
		what = argv[optind++];
	if (optind < argc) {
		error("cache takes one action (%s)", argv[optind]);
		return 2;
	}
	r = -1;
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(what, actions[i]))
			r = 0;
	if (r) {
		error("cache %s: expected list, size, prune or clear", what);
		return 2;
	}
	if (!max_given && cache_max(&max)) {
		error("TINYRD_CACHE_MAX=%s: not a size (512M, 2G; 0: no cap)",
		      getenv("TINYRD_CACHE_MAX"));
		return 2;
	}
	dir = cache_dir();
	if (!dir) {
		error("no cache directory: neither XDG_CACHE_HOME nor HOME is set");
		return 1;
	}
	if (!strcmp(what, "prune") || !strcmp(what, "clear")) {
		bool all = !strcmp(what, "clear");

		/* prune with no cap keeps everything. */
		gone = all || max ? cache_prune(dir, all ? 0 : max, NULL, &freed) : 0;
		if (json)
			printf("{\"removed\":%zu,\"bytes\":%llu}\n", gone,
			       (unsigned long long)freed);
		else if (gone)
			note("removed %zu image%s, %llu bytes", gone,
			     gone == 1 ? "" : "s", (unsigned long long)freed);
	} else if (!(r = cache_list(dir, &l))) {
		if (!strcmp(what, "list"))
			show_list(&l, json);
		else if (json)
		{
			printf("{\"dir\":");
			json_str(stdout, dir);
			printf(",\"images\":%zu,\"bytes\":%llu,\"max\":%llu}\n",
			       l.n, (unsigned long long)l.bytes,
			       (unsigned long long)max);
		}
		else
			printf("%zu image%s, %llu bytes in %s (cap %s%llu bytes)\n",
			       l.n, l.n == 1 ? "" : "s", (unsigned long long)l.bytes,
			       dir, max ? "" : "none: ", (unsigned long long)max);
		cache_list_free(&l);
	}
	free(dir);
	return r ? 1 : 0;
}

const struct cmd cmd_cache = {
	"cache", cache, "list, size, prune or clear the image cache",
};
