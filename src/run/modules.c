// SPDX-License-Identifier: MIT
/*
 * A ready image (run -i IMAGE) and the devices its run asks for: when the
 * image's init would not find the modules a share or a disk needs, and
 * the kernel's modules are at hand, they come along in a segment of their
 * own, with the init's module list made whole in the per-run segment.
 */
#include <errno.h>
#include <stdlib.h>

#include "run.h"
#include "../common/abi.h"
#include "../image/build.h"

/* Is name the first word of a line of conf? */
static bool listed(const char *conf, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = conf; l && l < conf + len; ) {
		const char *nl = memchr(l, '\n', (size_t)(conf + len - l));

		if (!strncmp(l, name, n) && (l[n] == ' ' || l[n] == '\n' ||
					     l + n == conf + len))
			return true;
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

/* The drivers the plan's shares and disks need. */
static void needed(const struct run_plan *p, const struct strv *rw,
		   struct strv *out)
{
	const struct vm_config *c = &p->vm;

	for (unsigned i = 0; i < c->nshares; i++) {
		if (c->shares[i].fs == SHARE_9P) {
			strv_push(out, "9p");
			strv_push(out, "9pnet_virtio");
		} else {
			strv_push(out, "virtiofs");
		}
	}
	if (rw->n)
		strv_push(out, "overlay");
	if (c->ndisks)
		strv_push(out, "virtio_blk");
}

int run_image_modules(const struct run_plan *p, const struct run_opts *ro,
		      const struct build_opts *o, const char *kernel,
		      const struct buf *image, struct buf *segment,
		      struct buf *conf)
{
	struct strv want = { 0 }, missing = { 0 };
	struct buf had = { 0 }, quiet = { 0 }, *prev;
	struct build_opts mo;
	struct build b;
	bool found;
	int r;

	needed(p, &ro->rw, &want);
	if (!want.n) {
		strv_free(&want);
		return 0;
	}
	r = inspect_modules(ro->image, image, &had, &found);
	for (size_t i = 0; !r && i < want.n; i++)
		if (!listed(had.p ? had.p : "", had.len, want.v[i]))
			strv_push(&missing, want.v[i]);
	if (r || !missing.n)
		goto out;
	/* The modules as a build of their own: the kernel's tree, or the
	 * one named; without one at hand, nothing is added (said). */
	build_opts_init(&mo);
	mo.bare = mo.no_init = mo.no_modprobe_files = true;
	mo.kernel = kernel;
	mo.kver = o->kver;
	mo.moddir = o->moddir;
	for (size_t i = 0; i < missing.n; i++)
		strv_push(&mo.kmods, missing.v[i]);
	prev = log_capture(&quiet);
	r = build_init(&b, &mo);
	if (!r)
		r = build_resolve(&b);
	if (!r)
		r = build_image(&b, segment);
	log_capture(prev);
	if (r) {
		note("%s lacks %s, and the kernel's modules are not at hand to "
		     "add: %.*s", ro->image, missing.v[0],
		     (int)strcspn(quiet.p ? quiet.p : "", "\n"),
		     quiet.p ? quiet.p : "");
		buf_reset(segment);
		r = 0;
	} else {
		struct entry *e = manifest_get(&b.m, TINYRD_CONF_MODULES);
		const char *add = e ? e->data : NULL;
		size_t len = e && e->data ? e->size : 0;

		/* The image's list first, then what it lacked (each module
		 * after its dependencies). */
		buf_add(conf, had.p ? had.p : "", had.len);
		for (const char *l = add; l && l < add + len; ) {
			const char *nl = memchr(l, '\n', (size_t)(add + len - l));
			size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(add + len - l);
			char *name = xstrndup(l, strcspn(l, " \n"));

			if (!listed(had.p ? had.p : "", had.len, name))
				buf_add(conf, l, n);
			free(name);
			l += n;
		}
		verbose("%s: adding the modules it lacks: %s", ro->image,
			missing.v[0]);
	}
	build_free(&b);
	build_opts_free(&mo);
out:
	strv_free(&want);
	strv_free(&missing);
	buf_free(&had);
	buf_free(&quiet);
	return r;
}
