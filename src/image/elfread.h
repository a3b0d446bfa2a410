/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ELFREAD_H
#define TINYRD_ELFREAD_H

/* ELF files as the loader and the module loader see them (elfread.c). */
#include <stddef.h>

#include "../common/util.h"

struct elf_info {
	unsigned char elfclass;	/* ELFCLASS32 or ELFCLASS64 */
	unsigned char data;	/* ELFDATA2LSB or ELFDATA2MSB */
	unsigned machine;	/* EM_* */
	char *interp;		/* PT_INTERP, or NULL */
	char *soname;		/* DT_SONAME, or NULL */
	char *rpath;		/* DT_RPATH, or NULL */
	char *runpath;		/* DT_RUNPATH, or NULL */
	struct strv needed;	/* DT_NEEDED in file order */
};

/* Read an ELF file's loader information with libelf. Returns -ENOEXEC for a
 * file that is not ELF (nothing logged); any other failure is logged with
 * the path, "truncated or corrupt ELF file" for a broken one. */
int elf_read(const char *path, struct elf_info *info);
void elf_info_free(struct elf_info *info);

/* The values of KEY ("firmware") in a kernel module's .modinfo section,
 * from the module's bytes, appended to out. 0, or -EINVAL (nothing
 * logged) when data is not ELF or has no .modinfo. */
int elf_modinfo(const void *data, size_t len, const char *key,
		struct strv *out);

/* The names of the dynamic symbols an ELF file imports (undefined in
 * .dynsym), as keys of out. 0, -ENOEXEC (not ELF) or -errno; nothing
 * logged. A file without section headers imports nothing seen. */
int elf_imports(const char *path, struct hmap *out);

#endif
