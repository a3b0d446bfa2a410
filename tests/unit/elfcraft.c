// SPDX-License-Identifier: MIT
#include <elf.h>
#include <stdlib.h>

#include "elfcraft.h"
#include "helpers.h"

#define BASE 0x10000

static void put(struct buf *b, size_t off, uint64_t v, int n)
{
	while (b->len < off + (size_t)n)
		buf_addc(b, 0);
	for (int i = 0; i < n; i++)
		b->p[off + (size_t)i] = (char)(v >> (8 * i));
}

char *elfcraft_write(const char *dir, const char *rel, const struct craft *c)
{
	bool is64 = c->elfclass != ELFCLASS32;
	int w = is64 ? 8 : 4;		/* address size */
	size_t ehsz = is64 ? 64 : 52, phsz = is64 ? 56 : 32;
	size_t dynsz = is64 ? 16 : 8, nph = 3;
	size_t interp_off, str_off, dyn_off, strsz, ndyn = 0;
	struct buf b = { 0 }, str = { 0 };
	size_t needed_off[8], soname_off = 0, rpath_off = 0, runpath_off = 0;
	int nn = 0;
	char *path;

	buf_addc(&str, '\0');
	for (; nn < 8 && c->needed[nn]; nn++) {
		needed_off[nn] = str.len;
		buf_add(&str, c->needed[nn], strlen(c->needed[nn]) + 1);
	}
#define STR(field, off) if (c->field) { off = str.len; \
	buf_add(&str, c->field, strlen(c->field) + 1); }
	STR(soname, soname_off)
	STR(rpath, rpath_off)
	STR(runpath, runpath_off)
#undef STR
	strsz = c->unterminated ? str.len - 1 : str.len;

	interp_off = ehsz + nph * phsz;
	str_off = interp_off + (c->interp ? strlen(c->interp) + 1 : 0);
	dyn_off = (str_off + str.len + 7) & ~(size_t)7;

	/* ELF header */
	buf_add(&b, ELFMAG, SELFMAG);
	put(&b, EI_CLASS, c->bad_class ? c->bad_class : is64 ? ELFCLASS64 : ELFCLASS32, 1);
	put(&b, EI_DATA, ELFDATA2LSB, 1);
	put(&b, EI_VERSION, EV_CURRENT, 1);
	put(&b, 16, ET_DYN, 2);
	put(&b, 18, c->machine ? c->machine : EM_X86_64, 2);
	put(&b, 20, EV_CURRENT, 4);
	put(&b, 24, BASE, w);			/* e_entry */
	put(&b, 24 + w, c->phdrs_outside ? 1u << 20 : ehsz, w); /* e_phoff */
	put(&b, 24 + 2 * w, 0, w);		/* e_shoff */
	put(&b, 24 + 3 * w + 4, ehsz, 2);	/* e_ehsize */
	put(&b, 24 + 3 * w + 6, phsz, 2);	/* e_phentsize */
	put(&b, 24 + 3 * w + 8, nph, 2);	/* e_phnum */
	put(&b, 24 + 3 * w + 10, is64 ? 64 : 40, 2); /* e_shentsize */

	/* Dynamic array first, to know the file size. */
	if (!c->no_dynamic) {
		size_t o = dyn_off;
#define DYN(tag, val) do { put(&b, o, tag, w); put(&b, o + (size_t)w, val, w); \
	o += dynsz; ndyn++; } while (0)
		for (int i = 0; i < nn; i++)
			DYN(DT_NEEDED, needed_off[i]);
		if (c->needed_out_of_range)
			DYN(DT_NEEDED, strsz + 100);
		if (c->soname)
			DYN(DT_SONAME, soname_off);
		if (c->rpath)
			DYN(DT_RPATH, rpath_off);
		if (c->runpath)
			DYN(DT_RUNPATH, runpath_off);
		DYN(DT_STRTAB, c->strtab_outside ? 0x7000000 : BASE + str_off);
		DYN(DT_STRSZ, strsz);
		DYN(DT_NULL, 0);
#undef DYN
	}
	put(&b, str_off, 0, 1);
	memcpy(b.p + str_off, str.p, str.len);
	if (c->interp) {
		put(&b, interp_off + strlen(c->interp), 0, 1);
		memcpy(b.p + interp_off, c->interp, strlen(c->interp) + 1);
	}
	while (b.len < dyn_off)
		buf_addc(&b, 0);

	/* Program headers: PT_LOAD, PT_INTERP, PT_DYNAMIC (or PT_NULL). */
	for (size_t i = 0; i < nph; i++) {
		size_t o = ehsz + i * phsz;
		uint32_t type = PT_NULL;
		uint64_t off = 0, filesz = 0;

		if (i == 0) {
			type = PT_LOAD;
			filesz = b.len;
		} else if (i == 1 && c->interp) {
			type = PT_INTERP;
			off = c->interp_outside ? b.len + 4096 : interp_off;
			filesz = strlen(c->interp) + 1;
		} else if (i == 2 && !c->no_dynamic) {
			type = PT_DYNAMIC;
			off = dyn_off;
			filesz = ndyn * dynsz;
		}
		put(&b, o, type, 4);
		if (is64) {
			put(&b, o + 4, PF_R, 4);
			put(&b, o + 8, off, 8);
			put(&b, o + 16, BASE + off, 8);
			put(&b, o + 24, BASE + off, 8);
			put(&b, o + 32, filesz, 8);
			put(&b, o + 40, filesz, 8);
			put(&b, o + 48, 8, 8);
		} else {
			put(&b, o + 4, off, 4);
			put(&b, o + 8, BASE + off, 4);
			put(&b, o + 12, BASE + off, 4);
			put(&b, o + 16, filesz, 4);
			put(&b, o + 20, filesz, 4);
			put(&b, o + 24, PF_R, 4);
			put(&b, o + 28, 4, 4);
		}
	}
	if (c->truncate && c->truncate < b.len)
		b.len = c->truncate;
	write_at(dir, rel, b.p, b.len, 0755);
	path = path_join(dir, rel);
	buf_free(&b);
	buf_free(&str);
	return path;
}
