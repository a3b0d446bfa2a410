/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_BUILD_H
#define TINYRD_BUILD_H

#include "compress.h"
#include "elfdeps.h"
#include "manifest.h"
#include "runtime.h"

struct moddeps;
struct target;

/* What the command line (or `run`) asked for. */
struct build_opts {
	const char *output;	/* "-" is stdout; NULL means initrd.img */
	bool print;
	bool bare;		/* no base recipe */
	bool no_init;		/* no tinyrd-init as /init */
	bool no_vm_modules;	/* --no-vm-modules: no auto_kmods */
	bool no_runtime;	/* --no-runtime: not the default runtime table */
	struct strv recipes;
	struct strv programs;
	struct strv copies;	/* SRC[:DEST] */
	struct strv kmods;	/* "NAME[ PARAMS]" */
	struct strv kmods_noload;	/* NAME: for modprobe, not loaded */
	/* No modprobe files: a segment over an image whose own they are. */
	bool no_modprobe_files;
	struct strv env;	/* NAME=VALUE */
	struct strv argv;	/* after -- */
	bool trace;		/* --trace: run argv on the host, add what it
				 * used (trace-image.c) */
	const char *trace_out;	/* --trace-out: those as a recipe file */
	const char *run;	/* --run: sh -c */
	const char *init;
	const char *kver;
	const char *kernel;
	const char *moddir;
	const char *sysroot;
	const struct target *target;	/* --arch; NULL: the host's */
	const char *busybox;
	bool json;		/* --json: what was written, on stdout */
	enum compression comp;
	int level;		/* -1: the algorithm's default */
	/* Modules a VMM's devices need: added when they are modules of the
	 * kernel and its tree is there, silently skipped otherwise. */
	const char *const *auto_kmods;
};

/* The drivers of the devices tinyrd's VMMs give a guest: the 8250 UART
 * (the console; under QEMU also the command's output) and virtio-pci with
 * virtio-console (the command's stdout and stderr in the launcher) and
 * virtio-rng. */
extern const char *const build_vm_modules[];
extern const char *const build_vm_share_modules[];

/* The state of one build. */
struct build {
	const struct build_opts *o;
	struct manifest m;
	struct elfdeps elf;
	struct runtime runtime;	/* the rules of "runtime" lines */
	struct hmap applets;	/* busybox host path -> its applets'
				 * paths (struct strv *), as read */
	struct moddeps *mods;	/* opened on the first module */
	char *kver;
	char *sysroot;		/* absolute, or "" */
	const struct target *target;	/* what every ELF file is for */
	struct strv argv;	/* the command for the init */
	struct strv env;
	int include_depth;
};

void build_opts_init(struct build_opts *o);
void build_opts_free(struct build_opts *o);
/* Check what can only be checked once all options are in (said). */
int build_opts_check(const struct build_opts *o);


int build_init(struct build *b, const struct build_opts *o);
void build_free(struct build *b);

/* tinyrd build: resolve o into an image written to o->output (or the
 * manifest printed, --print); 0, or -errno (said). */
int build_run(struct build_opts *o);

/* Resolve everything asked for into b->m and finalize it. */
int build_resolve(struct build *b);
/* The uncompressed newc archive of the resolved manifest. */
int build_image(struct build *b, struct buf *raw);
/* Write the image: to a temporary file renamed over output at the end, so
 * a failure leaves nothing behind. */
int build_write(struct build *b, const char *output);

/* trace-image.c: run the command (o->argv) on the host under ptrace and
 * add the files it used, leaving out and listing what is the host's or
 * the user's; --trace-out writes them as a recipe. 0, or -errno (said). */
int build_trace(struct build *b);

/* verbs.c: verbs shared by the command line and recipes. */
int build_kmod(struct build *b, const char *spec);
/* A module with what it needs, in the image for modprobe, not loaded by
 * the init (unless build_kmod asks for it too). */
int build_kmod_noload(struct build *b, const char *name);
/* name when the kernel has it as a module and its tree is there; else
 * nothing, and -v says so. */
int build_kmod_auto(struct build *b, const char *name);
int build_busybox(struct build *b, const char *path);
int build_copy(struct build *b, const char *src, const char *dest);
void build_set_shell_command(struct build *b, const char *cmd);
/* /init: the built-in tinyrd-init (file NULL) or a host file. */
int build_init_file(struct build *b, const char *file);

/* shadow.c: hide the applets of the busybox /bin/sh is wherever the
 * command's PATH leads their names to another program (finalized
 * manifest); 0, or -errno (said). */
int build_shadow_applets(struct build *b);

/* The embedded tinyrd-init for target t (init-blob.c), and its size; NULL
 * when this tinyrd was built without one for t. build_init_missing says
 * so, with the fix, and returns -ENOENT. */
const char *build_init_blob(const struct target *t, size_t *len);
int build_init_missing(const struct target *t);


/* inspect.c: what inspect_image shows. */
enum {
	INSPECT_LIST = 1,	/* the segments and entries */
	INSPECT_JSON = 2,	/* all of it as one JSON object (tinyrd(1)) */
	INSPECT_COMMANDS = 4,	/* which file each command name runs: as
				 * text, that only */
};
/* inspect.c: list IMAGE's segments and entries and show its init's
 * configuration on stdout, as flags say; 0, or -errno (said, and nothing
 * on stdout for JSON). */
int inspect_image(const char *name, unsigned flags);
/* The init's module configuration (abi.h TINYRD_CONF_MODULES) that the
 * initrd img (read from name) adds up to, appended to out; *found false
 * when it has none. 0 or -errno (said). */
int inspect_modules(const char *name, const struct buf *img,
		    struct buf *out, bool *found);

#endif
