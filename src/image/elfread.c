// SPDX-License-Identifier: MIT
/*
 * Reading ELF files: the loader's view of a program or library (class,
 * machine, PT_INTERP, the dynamic section's DT_NEEDED, DT_SONAME, DT_RPATH
 * and DT_RUNPATH) and a kernel module's .modinfo. libelf on the program
 * headers only, as the loader does (section headers may be stripped), with
 * every offset checked against the file. The only user of libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfread.h"

static int corrupt(const char *path, const char *what)
{
	return error("%s: truncated or corrupt ELF file (%s)", path, what);
}

void elf_info_free(struct elf_info *info)
{
	free(info->interp);
	free(info->soname);
	free(info->rpath);
	free(info->runpath);
	strv_free(&info->needed);
	memset(info, 0, sizeof(*info));
}

struct segs {
	GElf_Phdr *load;
	size_t n;
};

/* Map a virtual address to a file offset through the PT_LOAD segments. */
static bool vaddr_to_off(const struct segs *s, GElf_Addr v, GElf_Off *off,
			 GElf_Xword *avail)
{
	for (size_t i = 0; i < s->n; i++) {
		const GElf_Phdr *p = &s->load[i];

		if (v >= p->p_vaddr && v - p->p_vaddr < p->p_filesz) {
			*off = p->p_offset + (v - p->p_vaddr);
			*avail = p->p_filesz - (v - p->p_vaddr);
			return true;
		}
	}
	return false;
}

/* A NUL-terminated string at offset o of a table of size n, or NULL. */
static const char *table_str(const char *tab, GElf_Xword n, GElf_Xword o)
{
	if (o >= n || !memchr(tab + o, '\0', n - o))
		return NULL;
	return tab + o;
}

static int read_dynamic(Elf *e, const char *path, const char *raw, size_t size,
			const struct segs *segs, GElf_Off off, GElf_Xword len,
			struct elf_info *info)
{
	size_t ent = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
	GElf_Xword strtab = 0, strsz = 0, avail;
	GElf_Xword soname = 0, rpath = 0, runpath = 0;
	bool has_strtab = false, has_soname = false, has_rpath = false;
	bool has_runpath = false;
	struct { GElf_Xword *v; size_t n; } needed = { 0 };
	GElf_Off stroff;
	Elf_Data *data;
	const char *tab;
	int r = 0;

	if (!ent || off > size || len > size - off)
		return corrupt(path, "PT_DYNAMIC outside the file");
	data = elf_getdata_rawchunk(e, (int64_t)off, len, ELF_T_DYN);
	if (!data)
		return corrupt(path, elf_errmsg(-1));
	needed.v = xcalloc(len / ent + 1, sizeof(*needed.v));
	for (size_t i = 0; i < len / ent; i++) {
		GElf_Dyn dyn;

		if (!gelf_getdyn(data, (int)i, &dyn)) {
			r = corrupt(path, elf_errmsg(-1));
			goto out;
		}
		if (dyn.d_tag == DT_NULL)
			break;
		switch (dyn.d_tag) {
		case DT_NEEDED:
			needed.v[needed.n++] = dyn.d_un.d_val;
			break;
		case DT_SONAME:
			soname = dyn.d_un.d_val;
			has_soname = true;
			break;
		case DT_RPATH:
			rpath = dyn.d_un.d_val;
			has_rpath = true;
			break;
		case DT_RUNPATH:
			runpath = dyn.d_un.d_val;
			has_runpath = true;
			break;
		case DT_STRTAB:
			strtab = dyn.d_un.d_ptr;
			has_strtab = true;
			break;
		case DT_STRSZ:
			strsz = dyn.d_un.d_val;
			break;
		}
	}
	if (!needed.n && !has_soname && !has_rpath && !has_runpath)
		goto out;
	if (!has_strtab || !vaddr_to_off(segs, strtab, &stroff, &avail)) {
		r = corrupt(path, "DT_STRTAB outside every PT_LOAD segment");
		goto out;
	}
	if (!strsz || strsz > avail)
		strsz = avail;
	if (stroff > size || strsz > size - stroff) {
		r = corrupt(path, "string table outside the file");
		goto out;
	}
	tab = raw + stroff;
	for (size_t i = 0; i < needed.n; i++) {
		const char *s = table_str(tab, strsz, needed.v[i]);

		if (!s || !*s) {
			r = corrupt(path, "DT_NEEDED outside the string table");
			goto out;
		}
		strv_push(&info->needed, s);
	}
#define DYNSTR(has, val, field, name)					\
	if (has) {							\
		const char *s = table_str(tab, strsz, val);		\
		if (!s) {						\
			r = corrupt(path, name " outside the string table"); \
			goto out;					\
		}							\
		info->field = xstrdup(s);				\
	}
	DYNSTR(has_soname, soname, soname, "DT_SONAME")
	DYNSTR(has_rpath, rpath, rpath, "DT_RPATH")
	DYNSTR(has_runpath, runpath, runpath, "DT_RUNPATH")
#undef DYNSTR
out:
	free(needed.v);
	return r;
}

static int read_elf(int fd, const char *path, struct elf_info *info)
{
	struct segs segs = { 0 };
	GElf_Off dyn_off = 0;
	GElf_Xword dyn_len = 0;
	bool dynamic = false;
	size_t phnum, size;
	GElf_Ehdr eh;
	char *raw;
	Elf *e;
	int r = 0;

	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return corrupt(path, elf_errmsg(-1));
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		r = corrupt(path, "bad ELF header");
		goto out;
	}
	raw = elf_rawfile(e, &size);
	info->elfclass = (unsigned char)gelf_getclass(e);
	info->data = eh.e_ident[EI_DATA];
	info->machine = eh.e_machine;
	if (!raw || (info->elfclass != ELFCLASS32 && info->elfclass != ELFCLASS64)) {
		r = corrupt(path, "bad ELF class");
		goto out;
	}
	if (elf_getphdrnum(e, &phnum) < 0) {
		r = corrupt(path, elf_errmsg(-1));
		goto out;
	}
	/* libelf quietly reports no program headers when the table runs past
	 * the end of the file; the loader would fail, so check it here. */
	if (eh.e_phnum && (phnum < eh.e_phnum ||
	    eh.e_phentsize != gelf_fsize(e, ELF_T_PHDR, 1, EV_CURRENT) ||
	    eh.e_phoff > size ||
	    (size - eh.e_phoff) / eh.e_phentsize < phnum)) {
		r = corrupt(path, "program headers outside the file");
		goto out;
	}
	segs.load = xcalloc(phnum + 1, sizeof(*segs.load));
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			r = corrupt(path, elf_errmsg(-1));
			goto out;
		}
		switch (ph.p_type) {
		case PT_LOAD:
			if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
				r = corrupt(path, "PT_LOAD outside the file");
				goto out;
			}
			segs.load[segs.n++] = ph;
			break;
		case PT_DYNAMIC:
			dynamic = true;
			dyn_off = ph.p_offset;
			dyn_len = ph.p_filesz;
			break;
		case PT_INTERP:
			if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset ||
			    !ph.p_filesz ||
			    !memchr(raw + ph.p_offset, '\0', ph.p_filesz)) {
				r = corrupt(path, "PT_INTERP outside the file");
				goto out;
			}
			free(info->interp);
			info->interp = xstrdup(raw + ph.p_offset);
			break;
		}
	}
	if (dynamic)
		r = read_dynamic(e, path, raw, size, &segs, dyn_off, dyn_len,
				 info);
out:
	free(segs.load);
	elf_end(e);
	return r;
}

int elf_read(const char *path, struct elf_info *info)
{
	unsigned char ident[EI_NIDENT];
	ssize_t n;
	int fd, r;

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return error_errno(errno, "%s", path);
	{
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return error("%s: not a regular file", path);
		}
	}
	n = pread(fd, ident, sizeof(ident), 0);
	if (n < 0) {
		r = error_errno(errno, "%s", path);
		goto out;
	}
	if (n < SELFMAG || memcmp(ident, ELFMAG, SELFMAG)) {
		r = -ENOEXEC;
		goto out;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		r = error("libelf: %s", elf_errmsg(-1));
		goto out;
	}
	r = read_elf(fd, path, info);
	if (r)
		elf_info_free(info);
out:
	close(fd);
	return r;
}

int elf_modinfo(const void *data, size_t len, const char *key,
		    struct strv *out)
{
	size_t klen = strlen(key), shstrndx;
	Elf_Scn *scn = NULL;
	Elf *e;
	int r = -EINVAL;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_memory((char *)data, len);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx)) {
		elf_end(e);
		return -EINVAL;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name, *p;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".modinfo"))
			continue;
		d = elf_rawdata(scn, NULL);
		if (!d || !d->d_buf)
			break;
		/* NUL-separated KEY=VALUE strings, maybe padded with NULs;
		 * a last one without its NUL is cut off, not read past. */
		for (p = d->d_buf; p < (const char *)d->d_buf + d->d_size;) {
			size_t n = strnlen(p, (size_t)((const char *)d->d_buf +
						      d->d_size - p));

			if (p + n < (const char *)d->d_buf + d->d_size &&
			    !strncmp(p, key, klen) && p[klen] == '=')
				strv_push(out, p + klen + 1);
			p += n + 1;
		}
		r = 0;
		break;
	}
	elf_end(e);
	return r;
}

int elf_imports(const char *path, struct hmap *out)
{
	Elf_Scn *scn = NULL;
	int fd, r = 0;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		close(fd);
		return -ENOEXEC;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM ||
		    !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 1; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym))
				break;
			if (sym.st_shndx != SHN_UNDEF)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && *name)
				hmap_put(out, name, (void *)1);
		}
		break;
	}
	elf_end(e);
	close(fd);
	return r;
}
