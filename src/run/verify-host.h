/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_RUN_VERIFY_HOST_H
#define TINYRD_RUN_VERIFY_HOST_H

/*
 * The host's half of the data-path check (the formats are in
 * src/common/abi.h, the guest's half in init/verify-guest.c):
 *
 *   1. verify_fixture() fills a directory with files made to break a
 *      data path (sizes around pages, msize, 1 MiB; a sparse file), or
 *      the caller picks files (in host-root mode the dynamic loader and
 *      /bin/sh);
 *   2. verify_manifest() writes what they must contain, as the guest
 *      will see them under the share's mount point;
 *   3. the guest runs "tinyrd-init verify MANIFEST"; the report learns
 *      what to expect from the manifest (verify_report_expect()), the
 *      guest's standard output goes to verify_report_feed(), then
 *      verify_report_finish();
 *   4. verify_sweep_check() checks the files the guest wrote into the
 *      share and deletes them;
 *   5. verify_report_print() prints a table or JSON, and
 *      verify_report_status() is the exit status.
 *
 * No virtio, no KVM: the share is a directory, the guest a byte stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/util.h"
#include "../common/verify.h"

/* What tinyrd verify was asked (verify-boot.c). */
struct verify_opts {
	const char *kernel;	/* -k, else run's choice */
	const char *dir;	/* --share DIR, else a fixture in a temporary one */
	const char *fs;		/* --fs virtiofs|9p, else the VMM's default */
	bool quick;
	unsigned flags;		/* VERIFY_PRINT_* */
};

struct build_opts;
struct run_opts;
/* Boot a guest that checks the share, check its report and the files it
 * wrote, print the results; the exit status (0 passed, 1 a check failed,
 * else run's). */
int verify_share(const struct verify_opts *v, struct build_opts *o,
		 struct run_opts *ro);

/* 512K, 768K, 1M, 1280K, 1536K, 2M, and last 64M, which quick runs leave
 * out: pass VERIFY_SWEEP_SMALL or VERIFY_SWEEP_ALL as the count. */
extern const uint64_t verify_sweep_sizes[];
#define VERIFY_SWEEP_SMALL	6
#define VERIFY_SWEEP_ALL	7

struct verify_params {
	const char *mount;	/* where the share's root is in the guest */
	const char *sweep_dir;	/* under the share, relative; NULL: no sweep */
	uint64_t seed;		/* of the sweep data: verify_seed() */
	unsigned msize;		/* 9p msize, or virtio-fs's max read size */
	bool quick;		/* fewer read passes (the sweep is nsweep's) */
	const uint64_t *sweep;	/* sweep file sizes, multiples of 4096 */
	size_t nsweep;		/* 0: no sweep (run --rootfs's sample) */
};

/* A fresh seed for each run, so that data of an earlier run is told
 * apart (stale) from this one's. */
uint64_t verify_seed(void);

/*
 * Create the fixture's files in dir (which should be empty; existing
 * files of the same names are an error, never overwritten). Content is
 * the data stream of a seed derived from each name: the same bytes every
 * time. verify_fixture_names() adds the names, relative to dir, to out.
 */
int verify_fixture(const char *dir);
void verify_fixture_names(struct strv *out);

/*
 * The manifest for the files paths (absolute, or relative to dir) of the
 * share dir, appended to out. Each path is resolved on the host (symlinks
 * too: the guest would resolve an absolute one against its own root) and
 * must stay inside dir and be a regular file; the guest reads it at
 * mount/<its path relative to dir>. Errors are logged.
 */
int verify_manifest(struct buf *out, const char *dir, char *const *paths,
		    size_t npaths, const struct verify_params *p);

enum verify_kind {
	VERIFY_OK,
	VERIFY_SKIP,
	VERIFY_FAIL,
	VERIFY_WROTE,
};

struct verify_result {
	enum verify_kind kind;
	enum verify_class cls;	/* VERIFY_FAIL */
	bool host;		/* found by the host (sweep, protocol) */
	char *path;		/* decoded; "" for protocol failures */
	char *method;
	uint64_t offset;	/* VERIFY_FAIL */
	uint64_t bytes;		/* VERIFY_OK, VERIFY_WROTE */
	char *detail;		/* VERIFY_FAIL, VERIFY_SKIP; printable ASCII */
};

/*
 * The results of a run. The guest's output is untrusted: lines are
 * bounded, every field checked, and whatever does not parse between the
 * begin and end lines, or a missing end, is a PROTOCOL failure; nothing
 * in it can make the host crash, allocate without bound or pass a run.
 */
/* Where the parser is in the guest's output. */
enum verify_state {
	VERIFY_BEFORE,		/* no begin line yet: chatter is ignored */
	VERIFY_INSIDE,		/* every line must parse */
	VERIFY_ENDED,		/* the end line came: the guest finished */
};

struct verify_report {
	struct verify_result *r;
	size_t n, alloc;
	unsigned failures, passed;
	unsigned classes[VERIFY_NCLASSES];
	/* the parser */
	enum verify_state state;
	unsigned long line;	/* lines since begin */
	long guest_failures;	/* from the end line, -1 before */
	unsigned guest_fails;	/* fail lines seen */
	unsigned dropped;	/* results past the limit */
	bool overlong;		/* discarding the rest of a long line */
	struct buf partial;
	/* what the guest owes: "PATH METHOD", escaped (verify_report_expect),
	 * and the bytes an ok result of each must have checked (the size;
	 * for seek the data in the host's extents) */
	struct strv expect;
	uint64_t *expect_bytes;
	char *expect_sweepdir;
};

void verify_report_init(struct verify_report *r);
void verify_report_free(struct verify_report *r);
/*
 * The manifest given to the guest (verify_manifest's text): every file
 * must then have a result for every method (abi.h), every sweep file a
 * wrote line or a failure, and every ok result the bytes this manifest
 * makes the method check, or the run fails with PROTOCOL: output that
 * lost lines, a guest that skipped checks, or one that checked less than
 * it was sent (a manifest damaged on its way), is not a pass. Call before
 * verify_report_finish().
 */
void verify_report_expect(struct verify_report *r, const char *manifest,
			  size_t len);
/* Any amount of the guest's output, in any pieces. */
void verify_report_feed(struct verify_report *r, const char *data, size_t len);
/* One line, without its newline (a trailing CR is dropped). */
void verify_report_line(struct verify_report *r, const char *line, size_t len);
/* The end of the output: a last line without newline, a missing end. */
void verify_report_finish(struct verify_report *r);
/* A result of the host's own; detail may be NULL. */
void verify_report_add(struct verify_report *r, enum verify_kind kind,
		       enum verify_class cls, const char *path,
		       const char *method, uint64_t offset, uint64_t bytes,
		       const char *detail);

/*
 * Check the sweep files of p in the share dir and delete them (and the
 * sweep directory when it is left empty). Findings go to r; the return
 * value is 0 or -errno only for trouble of the host's own. A file the
 * guest failed to write is not checked again (the guest named it); when
 * the guest did not finish, only the files it said it wrote are checked.
 */
int verify_sweep_check(struct verify_report *r, const char *dir,
		       const struct verify_params *p);
/* Delete what a sweep of p leaves in dir; before a run, too. */
void verify_sweep_clean(const char *dir, const struct verify_params *p);

/* VERIFY_PRINT_ALL: every check, not only failures, in the table. */
#define VERIFY_PRINT_JSON	1u
#define VERIFY_PRINT_ALL	2u
void verify_report_print(const struct verify_report *r, FILE *out,
			 unsigned flags);
/* 0 when everything passed, 1 on any failure (and when nothing ran). */
int verify_report_status(const struct verify_report *r);

#endif
