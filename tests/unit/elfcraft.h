/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_TEST_ELFCRAFT_H
#define TINYRD_TEST_ELFCRAFT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Minimal little-endian ELF files for the resolver's tests: one PT_LOAD
 * over the whole file, an optional PT_INTERP, a PT_DYNAMIC with its string
 * table, and knobs that break exactly one thing.
 */
struct craft {
	unsigned char elfclass;	/* 0: ELFCLASS64 */
	unsigned machine;	/* 0: EM_X86_64 */
	const char *interp;
	const char *needed[8];
	const char *soname, *rpath, *runpath;
	bool no_dynamic;
	/* corruptions */
	size_t truncate;	/* cut the file to this many bytes */
	bool strtab_outside;	/* DT_STRTAB outside every PT_LOAD */
	bool needed_out_of_range; /* a DT_NEEDED past DT_STRSZ */
	bool unterminated;	/* DT_STRSZ cuts the last string's NUL */
	bool interp_outside;	/* PT_INTERP past the end of the file */
	bool phdrs_outside;	/* e_phoff past the end of the file */
	unsigned char bad_class; /* e_ident[EI_CLASS] override */
};

/* Write dir/rel (parents created), mode 0755; returns the path. */
char *elfcraft_write(const char *dir, const char *rel, const struct craft *c);

#endif
