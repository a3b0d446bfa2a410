// SPDX-License-Identifier: MIT
/*
 * The binary part of the fuzz targets' seed corpora (tests/fuzz/seed.sh
 * runs it): inputs in each target's format (the comment at the top of
 * tests/fuzz/fuzz-TARGET.c) that do what a real driver, guest or file
 * does, built from the real structures (the kernel's UAPI headers, the
 * ELF files of tests/unit/elfcraft.c, a verify manifest and the guest's
 * results from tinyrd's own code run natively), so that fuzzing starts
 * past the first checks. The same bytes every time.
 *
 *   seed DIR        writes DIR/TARGET/NAME
 *
 * This file: the helpers (seed.h), and the seeds of boot, elf, modinfo
 * and verify.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "seed.h"
#include "../../init/verify-guest.h"
#include "../../src/run/verify-host.h"
#include "../unit/elfcraft.h"

const char *seed_dir;

/* elfcraft.c writes through this (tests/unit/helpers.c has the other). */
void write_at(const char *dir, const char *rel, const void *data, size_t len,
	      mode_t mode)
{
	char *p = path_join(dir, rel);
	int fd;

	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, data, len)) {
		perror(p);
		exit(1);
	}
	close(fd);
	free(p);
}

void seed_save(const char *target, const char *name, const struct buf *b)
{
	char *rel = xasprintf("%s/%s", target, name);

	write_at(seed_dir, rel, b->p ? b->p : "", b->len, 0644);
	free(rel);
}

/* Little-endian fields into a buffer. */
void u8(struct buf *b, uint8_t v) { buf_addc(b, (char)v); }
void u16(struct buf *b, uint16_t v) { u8(b, (uint8_t)v); u8(b, (uint8_t)(v >> 8)); }
void u32(struct buf *b, uint32_t v) { u16(b, (uint16_t)v); u16(b, (uint16_t)(v >> 16)); }
void u64(struct buf *b, uint64_t v) { u32(b, (uint32_t)v); u32(b, (uint32_t)(v >> 32)); }
void put32(struct buf *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[at + (size_t)i] = (char)(v >> (8 * i));
}


void part(struct buf *b, const char *s, size_t n)
{
	u16(b, (uint16_t)n);
	buf_add(b, s, n);
}

/* --- boot (fuzz-boot.c) ---------------------------------------------- */

/* A gzip stream of n bytes of x86 code's likeness. */
static void gzip_of(struct buf *out, size_t n)
{
	uint8_t in[512], z[1024];
	z_stream s = { 0 };

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 13);
	if (n > sizeof(in))
		n = sizeof(in);
	deflateInit2(&s, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
	s.next_in = in;
	s.avail_in = (uInt)n;
	s.next_out = z;
	s.avail_out = sizeof(z);
	deflate(&s, Z_FINISH);
	buf_add(out, z, sizeof(z) - s.avail_out);
	deflateEnd(&s);
}

/* Documentation/arch/x86/boot.rst: a setup sector, the setup header of
 * protocol 2.15 and a gzip payload. */
static void bzimage(struct buf *b, uint16_t version, uint16_t xloadflags)
{
	struct buf z = { 0 };
	const char *kver = "6.1.0-fuzz (fuzz@tinyrd) #1 SMP";
	size_t setup = 2 * 512;

	buf_reset(b);
	gzip_of(&z, 512);
	for (size_t i = 0; i < setup; i++)
		u8(b, 0);
	b->p[0x1f1] = 1;			/* setup_sects */
	put32(b, 0x1fe, 0xaa55);
	b->p[0x200] = (char)0xeb;		/* jmp past the header */
	b->p[0x201] = 0x6a;			/* to 0x26c */
	memcpy(b->p + 0x202, "HdrS", 4);
	b->p[0x206] = (char)version;
	b->p[0x207] = (char)(version >> 8);
	b->p[0x20e] = 0x00;			/* kernel_version at 0x300 */
	b->p[0x20f] = 0x01;
	memcpy(b->p + 0x300, kver, strlen(kver) + 1);
	b->p[0x211] = 1;			/* LOADED_HIGH */
	put32(b, 0x22c, 0x7fffffff);		/* initrd_addr_max */
	put32(b, 0x230, 0x200000);		/* kernel_alignment */
	b->p[0x234] = 1;			/* relocatable */
	b->p[0x236] = (char)xloadflags;
	put32(b, 0x238, 2047);			/* cmdline_size */
	put32(b, 0x248, 0);			/* payload_offset */
	put32(b, 0x24c, (uint32_t)z.len);	/* payload_length */
	put32(b, 0x258, 0x1000000);		/* pref_address */
	put32(b, 0x260, 0x400000);		/* init_size */
	buf_add(b, z.p, z.len);
	buf_free(&z);
}

/* An ELF vmlinux with one PT_LOAD and the Xen note of PVH. */
static void pvh(struct buf *b, uint32_t descsz)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = 0x1000000, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 2,
	};
	size_t data = sizeof(eh) + 2 * sizeof(Elf64_Phdr);
	Elf64_Phdr load = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = data,
		.p_vaddr = 0xffffffff81000000, .p_paddr = 0x1000000,
		.p_filesz = 64, .p_memsz = 8192, .p_align = 0x200000,
	};
	Elf64_Phdr note = {
		.p_type = PT_NOTE, .p_offset = data + 64, .p_filesz = 12 + 4 + 8,
		.p_align = 4,
	};

	buf_reset(b);
	buf_add(b, &eh, sizeof(eh));
	buf_add(b, &load, sizeof(load));
	buf_add(b, &note, sizeof(note));
	for (int i = 0; i < 64; i++)
		u8(b, 0x90);
	u32(b, 4);
	u32(b, descsz);
	u32(b, 18);			/* XEN_ELFNOTE_PHYS32_ENTRY */
	buf_add(b, "Xen", 4);
	u64(b, 0x1000000);
}

/* Documentation/arch/arm64/booting.rst's 64-byte header. */
static void image(struct buf *b, uint64_t image_size, uint64_t flags)
{
	buf_reset(b);
	u32(b, 0x91005a4d);		/* "MZ" and a branch, as EFI stubs have */
	u32(b, 0x14000000);
	u64(b, 0);			/* text_offset */
	u64(b, image_size);
	u64(b, flags);
	u64(b, 0);
	u64(b, 0);
	u64(b, 0);
	u32(b, 0x644d5241);		/* "ARM\x64" */
	u32(b, 0);
	for (int i = 0; i < 448; i++)
		u8(b, 0);
}

static void seed_boot(void)
{
	struct buf b = { 0 };

	bzimage(&b, 0x020f, 3);
	seed_save("boot", "bzimage", &b);
	bzimage(&b, 0x020b, 0);
	seed_save("boot", "bzimage-old", &b);
	pvh(&b, 8);
	seed_save("boot", "pvh", &b);
	pvh(&b, 4);
	seed_save("boot", "pvh-32", &b);
	image(&b, 0x20000, 0xa);
	seed_save("boot", "arm64-image", &b);
	image(&b, 0, 0);
	seed_save("boot", "arm64-image-old", &b);
	buf_reset(&b);
	buf_adds(&b, "\x7f\x45LF-ish junk... Linux version 6.1.0-fuzz "
		 "(fuzz@tinyrd) (gcc) #1 SMP PREEMPT_DYNAMIC\n");
	seed_save("boot", "banner", &b);
	buf_free(&b);
}

/* --- ELF (fuzz-elf.c) ------------------------------------------------ */

static void elf(const char *name, const struct craft *c)
{
	char *p = elfcraft_write(seed_dir, name, c);

	free(p);
}

static void seed_elf(void)
{
	static const struct { const char *name; struct craft c; } crafts[] = {
		{ "elf/program", { .interp = "/lib64/ld-linux-x86-64.so.2",
				   .needed = { "libc.so.6" } } },
		{ "elf/library", { .soname = "libfuzz.so.1", .runpath = "$ORIGIN/../lib",
				   .needed = { "libc.so.6", "libm.so.6" } } },
		{ "elf/rpath", { .rpath = "/opt/lib:$ORIGIN", .needed = { "libc.so.6" } } },
		{ "elf/class32", { .elfclass = ELFCLASS32, .machine = EM_386,
				   .interp = "/lib/ld-linux.so.2",
				   .needed = { "libc.so.6" } } },
		{ "elf/static", { .no_dynamic = true } },
		{ "elf/strtab-outside", { .needed = { "libc.so.6" }, .strtab_outside = true } },
		{ "elf/needed-out-of-range", { .needed = { "libc.so.6" },
					       .needed_out_of_range = true } },
		{ "elf/unterminated", { .soname = "libx.so", .unterminated = true } },
		{ "elf/interp-outside", { .interp = "/lib/ld.so", .interp_outside = true } },
		{ "elf/phdrs-outside", { .phdrs_outside = true } },
		{ "elf/truncated", { .needed = { "libc.so.6" }, .truncate = 100 } },
	};

	for (size_t i = 0; i < sizeof(crafts) / sizeof(*crafts); i++)
		elf(crafts[i].name, &crafts[i].c);
}

/* --- module info (fuzz-modinfo.c) ------------------------------------ */

/* A relocatable module's likeness: a .modinfo section and the section
 * names, nothing else. */
static void module(struct buf *b)
{
	static const char info[] = "license=GPL\0firmware=fuzz/fw.bin\0"
		"alias=pci:v00001AF4d00001042sv*sd*bc*sc*i*\0depends=crc16\0"
		"firmware=fuzz/other.bin\0name=fuzz\0vermagic=6.1.0 SMP\0";
	static const char names[] = "\0.modinfo\0.shstrtab\0";
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_REL, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_ehsize = sizeof(Elf64_Ehdr), .e_shentsize = sizeof(Elf64_Shdr),
		.e_shnum = 3, .e_shstrndx = 2,
	};
	size_t at = sizeof(eh) + sizeof(info) + sizeof(names);
	Elf64_Shdr sh[3] = {
		{ 0 },
		{ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
		  .sh_offset = sizeof(eh), .sh_size = sizeof(info), .sh_addralign = 1 },
		{ .sh_name = 10, .sh_type = SHT_STRTAB,
		  .sh_offset = sizeof(eh) + sizeof(info), .sh_size = sizeof(names),
		  .sh_addralign = 1 },
	};

	at = (at + 7) & ~(size_t)7;
	eh.e_shoff = at;
	buf_add(b, &eh, sizeof(eh));
	buf_add(b, info, sizeof(info));
	buf_add(b, names, sizeof(names));
	while (b->len < at)
		u8(b, 0);
	buf_add(b, sh, sizeof(sh));
}


#define PART(b, s) part(b, s, sizeof(s) - 1)

static void seed_modinfo(void)
{
	struct buf b = { 0 };

	u8(&b, 0);
	module(&b);
	seed_save("modinfo", "module", &b);

	buf_reset(&b);
	u8(&b, 1);
	PART(&b, "kernel/fs/ext4/ext4.ko\nkernel/lib/crc16.ko\n"
		 "kernel/drivers/block/virtio_blk.ko.xz\nkernel/other.ko\n");
	PART(&b, "# Aliases extracted from modules themselves.\n"
		 "alias fs-ext4 ext4\nalias virtio:d00000002v* virtio_blk\n"
		 "alias pci:v00001AF4d00001042sv*sd*bc*sc*i* virtio_blk\n"
		 "alias of:N*T*Cfoo[ab]C* virtio_blk\nalias bad[x virtio_blk\n");
	PART(&b, "# Aliases for symbols, used by symbol_request().\n"
		 "alias symbol:crc16 crc16\nalias symbol:jbd2_journal ext4\n");
	PART(&b, "# Soft dependencies extracted from modules themselves.\n"
		 "softdep ext4 pre: crc32c\n");
	PART(&b, "weakdep ext4 crc32c\n");
	PART(&b, "# Device nodes to trigger on-demand module loading.\n"
		 "virtio_blk vda b254:0\n");
	PART(&b, "kernel/fs/fuse/fuse.ko\nkernel/lib/zlib_inflate.ko\n");
	PART(&b, "fuse.alias=char-major-10-229\0fuse.license=GPL\0"
		 "fuse.alias=devname:fuse\0zlib_inflate.license=GPL\0");
	seed_save("modinfo", "modules-dir", &b);
	buf_free(&b);
}

/* --- verify (fuzz-verify.c) ------------------------------------------ */

/* The manifest of two files as the host writes it for a share mounted at
 * mount, with a sweep of two sizes. */
static char *manifest(const char *dir, const char *mount, bool quick)
{
	static const uint64_t sweep[] = { 4096, 8192 };
	static char *const files[] = { "small", "sub/dir/two pages" };
	struct verify_params p = {
		.mount = mount, .sweep_dir = "sweep", .seed = 0x5eed,
		.msize = 8192, .quick = quick, .sweep = sweep, .nsweep = 2,
	};
	struct buf b = { 0 };

	if (verify_manifest(&b, dir, files, 2, &p))
		exit(1);
	return buf_detach(&b, NULL);
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	struct buf b = { 0 };
	size_t n = strlen(from);

	for (const char *p; (p = strstr(s, from)); s = p + n) {
		buf_add(&b, s, (size_t)(p - s));
		buf_adds(&b, to);
	}
	buf_adds(&b, s);
	return buf_detach(&b, NULL);
}

static void verify_case(const char *dir, const char *name, bool quick,
			const char *tamper)
{
	const char *mount = "/mnt/share";
	char *real = realpath(dir, NULL), *host = manifest(dir, mount, quick);
	char *local = manifest(dir, real, quick), *mpath, *out, *guest;
	size_t len;
	struct buf b = { 0 };
	FILE *f;

	/* The guest's checker, run here over the directory itself. */
	mpath = path_join(dir, "../manifest");
	write_at(dir, "../manifest", local, strlen(local), 0644);
	f = open_memstream(&out, &len);
	verify_run(mpath, f);
	fclose(f);
	guest = replace_all(out, real, mount);
	if (tamper) {
		char *t = replace_all(guest, "ok ", tamper);

		free(guest);
		guest = t;
	}
	u8(&b, 15);
	part(&b, host, strlen(host));
	buf_adds(&b, "[    1.234] console chatter\n");
	buf_adds(&b, guest);
	seed_save("verify", name, &b);
	buf_reset(&b);
	u8(&b, 4);		/* the output in pieces of 16 bytes */
	part(&b, host, strlen(host));
	buf_adds(&b, guest);
	name = xasprintf("%s-pieces", name);
	seed_save("verify", name, &b);
	free((char *)name);
	free(mpath);
	free(real);
	free(host);
	free(local);
	free(out);
	free(guest);
	buf_free(&b);
}

static void seed_verify(void)
{
	char tmpl[] = "/tmp/tinyrd-seed.XXXXXX", *dir;
	uint8_t page[8192];

	if (!mkdtemp(tmpl))
		exit(1);
	dir = path_join(tmpl, "share");
	mkdir(dir, 0755);
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 31 + 7);
	write_at(dir, "small", page, 100, 0644);
	write_at(dir, "sub/dir/two pages", page, sizeof(page), 0644);
	verify_case(dir, "passed", false, NULL);
	verify_case(dir, "quick", true, NULL);
	verify_case(dir, "garbled", false, "fail CORRUPT ");
	free(dir);
	dir = xasprintf("rm -rf '%s'", tmpl);
	if (system(dir))
		exit(1);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seed DIR\n");
		return 2;
	}
	seed_dir = argv[1];
	seed_queue();
	seed_p9();
	seed_fuse();
	seed_pci();
	seed_blk();
	seed_boot();
	seed_elf();
	seed_modinfo();
	seed_verify();
	return 0;
}
