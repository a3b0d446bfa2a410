// SPDX-License-Identifier: MIT
/*
 * The guest's devices from their specs: disks (--disk FILE[,ro]), shared
 * directories (--share DIR[:TAG][,ro][,dev][,fs=][,dax=][,mount=]) and
 * the root share (--rootfs DIR[,fs=]), each checked and said once.
 */
#include <errno.h>
#include <stdlib.h>

#include "run.h"
#include "../vmm/dax.h"

/* --disk FILE[,ro]: a comma followed by "ro" at the end makes it
 * read-only; any other comma belongs to the file name. */
int run_add_disk(struct run_opts *r, const char *arg)
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
	uint64_t n;

	if (!strcmp(v, "off") || !strcmp(v, "0")) {
		*out = 0;
		return 0;
	}
	if (parse_size(v, &n) || n > DAX_SIZE_MAX || n < DAX_CHUNK ||
	    (n & (n - 1)))
		return error("--share %s: dax= takes off or a power of two from "
			     "2M to 64G", arg);
	*out = n;
	return 0;
}

/* --share HOSTDIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,dax=SIZE|off][,mount=GUESTPATH].
 * The tag defaults to the directory's last name ("root" for /), made of
 * letters, digits and "_-." only. The fields after the first comma are
 * options; a directory name with a comma cannot be shared this way. */
int run_add_share(struct run_opts *r, const char *arg)
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
int run_set_rootfs(struct run_opts *r, const char *arg)
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
	ret = run_add_share(r, s);
	free(s);
	if (!ret) {
		r->rootfs = (int)r->nshares - 1;
		strcpy(r->shares[r->rootfs].mount, "/");
	}
	return ret;
}
