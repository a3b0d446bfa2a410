// SPDX-License-Identifier: MIT
/* Loading kernels without KVM: the zero page, e820, command line and
 * initrd from Debian's real bzImage; PVH from its vmlinux; page tables,
 * GDT, guest memory; kernels that must be refused. */
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/vmm/x86/boot.h"
#include "../../src/vmm/x86/layout.h"

static const struct gmem_layout x86_ram = X86_RAM_LAYOUT;

#define RAM (256u << 20)

static void *ram;
static struct gmem g;

static int setup(void **state)
{
	(void)state;
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	assert_true(ram != MAP_FAILED);
	gmem_wrap(&g, ram, RAM, &x86_ram);
	log_level = LOG_QUIET;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(ram, RAM);
	return 0;
}

static const char *kdir(void)
{
	return kernel_fixture();
}

/* Translate through the identity page tables as the MMU would. */
static uint64_t walk(uint64_t va)
{
	uint64_t *pml4 = gmem_ptr(&g, PML4_ADDR, 4096), e;

	e = pml4[(va >> 39) & 511];
	assert_true(e & 1);
	e = ((uint64_t *)gmem_ptr(&g, e & ~0xfffULL, 4096))[(va >> 30) & 511];
	assert_true(e & 1);
	e = ((uint64_t *)gmem_ptr(&g, e & ~0xfffULL, 4096))[(va >> 21) & 511];
	assert_true(e & 1);
	assert_true(e & 0x80);		/* a 2 MiB page */
	return (e & ~0x1fffffULL) | (va & 0x1fffff);
}

static void test_page_tables_and_gdt(void **state)
{
	uint64_t *gdt;

	(void)state;
	boot_page_tables(&g);
	boot_gdt(&g);
	for (uint64_t a = 0; a < (4ULL << 30); a += 0x3fff123)
		assert_int_equal(walk(a), a);
	assert_int_equal(walk(0xfee00000), 0xfee00000);
	gdt = gmem_ptr(&g, GDT_ADDR, 64);
	assert_int_equal(gdt[SEL_CODE64 / 8], 0x00af9b000000ffffULL);	/* L, P, code */
	assert_int_equal(gdt[SEL_DATA / 8], 0x00cf93000000ffffULL);
	assert_int_equal(gdt[0], 0);
}

static void test_memory_and_e820(void **state)
{
	struct gmem big;
	struct e820_range m[8];
	unsigned n;

	(void)state;
	/* 4 GiB: 3 GiB low, 1 GiB from 4 GiB, the hole in between. */
	gmem_wrap(&big, (void *)0x1000, 4ULL << 30, &x86_ram);
	assert_int_equal(big.low, 3ULL << 30);
	assert_int_equal(big.high, 1ULL << 30);
	assert_non_null(gmem_ptr(&big, (3ULL << 30) - 16, 16));
	assert_null(gmem_ptr(&big, (3ULL << 30) - 16, 17));	/* into the hole */
	assert_null(gmem_ptr(&big, 0xfec00000, 4));
	assert_non_null(gmem_ptr(&big, 1ULL << 32, 1ULL << 30));
	assert_null(gmem_ptr(&big, 1ULL << 32, (1ULL << 30) + 1));
	assert_null(gmem_ptr(&big, 5ULL << 30, 1));
	assert_null(gmem_ptr(&big, ~0ULL - 4, 8));		/* wraps */
	n = boot_e820(&big, m, 8);
	assert_int_equal(n, 4);
	assert_int_equal(m[0].addr, 0);
	assert_int_equal(m[0].size, EBDA_START);
	assert_int_equal(m[1].type, 2);
	assert_int_equal(m[1].addr + m[1].size, HIGH_MEMORY);
	assert_int_equal(m[2].addr, HIGH_MEMORY);
	assert_int_equal(m[2].addr + m[2].size, 3ULL << 30);
	assert_int_equal(m[3].addr, 1ULL << 32);
	assert_int_equal(m[3].size, 1ULL << 30);
	n = boot_e820(&g, m, 8);
	assert_int_equal(n, 3);			/* no high RAM at 256 MiB */
}

static struct buf read_kernel(const char *name)
{
	struct buf b = { 0 };
	char *p = path_join(kdir(), name);

	assert_int_equal(read_file(p, &b), 0);
	free(p);
	return b;
}

static void test_debian_bzimage(void **state)
{
	static const char initrd[] = "0707010000 pretend initrd";
	const char *cmd = "console=ttyS0 panic=-1 quiet";
	struct boot_info bi;
	struct boot_params *bp;
	struct buf k, kver = { 0 };
	char *p;
	size_t setup_len;

	(void)state;
	if (!kdir())
		skip_because("no Debian kernel: %s", kernel_fixture_why());
	k = read_kernel("vmlinuz");
	assert_int_equal(boot_load_buffer(&g, "vmlinuz", (uint8_t *)k.p, k.len,
					  initrd, sizeof(initrd), cmd, &bi), 0);
	bp = gmem_ptr(&g, ZERO_PAGE, sizeof(*bp));
	/* The setup header as the file has it... */
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_true(bp->hdr.version >= 0x20c);
	assert_true(bp->hdr.xloadflags & XLF_KERNEL_64);
	/* ...and what the loader fills in. */
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.cmd_line_ptr, CMDLINE_ADDR);
	assert_string_equal((char *)gmem_ptr(&g, CMDLINE_ADDR, 1), cmd);
	assert_int_equal(bp->hdr.ramdisk_image, bi.initrd_start);
	assert_int_equal(bp->hdr.ramdisk_size, sizeof(initrd));
	assert_memory_equal(gmem_ptr(&g, bi.initrd_start, sizeof(initrd)), initrd,
			    sizeof(initrd));
	assert_int_equal(bi.initrd_start % 4096, 0);
	assert_true(bi.initrd_start >= bi.kernel_end);
	assert_true(bi.initrd_start + sizeof(initrd) <= (uint64_t)bp->hdr.initrd_addr_max + 1);
	assert_true(bi.initrd_start + sizeof(initrd) <= RAM);
	assert_int_equal(bp->e820_entries, 3);
	assert_int_equal(bp->e820_table[2].addr, HIGH_MEMORY);
	assert_int_equal(bp->e820_table[2].addr + bp->e820_table[2].size, RAM);
	assert_int_equal(bp->e820_table[1].type, 2);
	/* The protected-mode kernel at 16 MiB, entered 0x200 into it. */
	setup_len = ((size_t)(((uint8_t *)k.p)[0x1f1] ? ((uint8_t *)k.p)[0x1f1] : 4) + 1) * 512;
	assert_int_equal(bi.kernel_start, KERNEL_LOAD);
	assert_memory_equal(gmem_ptr(&g, KERNEL_LOAD, 4096), k.p + setup_len, 4096);
	assert_int_equal(bi.entry, KERNEL_LOAD + 0x200);
	assert_int_equal(bi.zero_page, ZERO_PAGE);
	assert_false(bi.pvh);
	p = path_join(kdir(), "kver");
	assert_int_equal(read_file(p, &kver), 0);
	free(p);
	assert_memory_equal(bi.release, kver.p, strlen(bi.release));
	buf_free(&kver);
	buf_free(&k);
}

/* A setup header only, with the fields the loader checks. */
static void fake_bzimage(uint8_t *k, size_t len, unsigned version,
			 unsigned xloadflags)
{
	memset(k, 0, len);
	k[0x1f1] = 1;				/* setup_sects */
	memcpy(k + 0x202, "HdrS", 4);
	k[0x206] = version & 0xff;
	k[0x207] = version >> 8;
	k[0x201] = 0x6a;			/* header up to 0x26c */
	k[0x236] = xloadflags & 0xff;
	k[0x22c] = 0xff;			/* initrd_addr_max */
	k[0x22d] = 0xff;
	k[0x22e] = 0xff;
	k[0x22f] = 0x7f;
	k[0x238] = 0xff;			/* cmdline_size 255 */
}

/* boot_load_buffer() on k, with its error (stderr) in *err. */
static int load_capture(uint8_t *k, size_t len, char **err)
{
	struct boot_info bi;
	struct capture c;
	int r;

	capture_begin(&c);
	r = boot_load_buffer(&g, "k", k, len, NULL, 0, "", &bi);
	*err = capture_end(&c);
	return r;
}

static void test_refused_kernels(void **state)
{
	static uint8_t k[64 << 10];
	struct boot_info bi;
	char longcmd[400], *err;

	(void)state;
	/* Refused, in one line that says why. */
	fake_bzimage(k, sizeof(k), 0x20b, XLF_KERNEL_64);
	assert_int_equal(load_capture(k, sizeof(k), &err), -EINVAL);
	assert_string_equal(err, "tinyrd: error: k: boot protocol 2.11 is older "
			    "than 2.12, which the 64-bit entry needs\n");
	free(err);
	fake_bzimage(k, sizeof(k), 0x20f, XLF_CAN_BE_LOADED_ABOVE_4G);
	assert_int_equal(load_capture(k, sizeof(k), &err), -EINVAL);
	assert_string_equal(err, "tinyrd: error: k: no 64-bit entry "
			    "(XLF_KERNEL_64 is not set): a 32-bit kernel\n");
	free(err);
	fake_bzimage(k, sizeof(k), 0x20f, XLF_KERNEL_64);
	assert_int_equal(boot_load_buffer(&g, "k", k, sizeof(k), NULL, 0, "ok", &bi), 0);
	memset(longcmd, 'x', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = '\0';
	assert_int_equal(boot_load_buffer(&g, "k", k, sizeof(k), NULL, 0, longcmd, &bi),
			 -EINVAL);
	/* An initrd larger than the guest's memory. */
	assert_int_equal(boot_load_buffer(&g, "k", k, sizeof(k), ram, RAM, "", &bi),
			 -EINVAL);
	assert_int_equal(boot_load_buffer(&g, "k", (const uint8_t *)"hello", 5, NULL,
					  0, "", &bi), -EINVAL);
	/* Truncated: the setup header says more setup sectors than there are. */
	k[0x1f1] = 200;
	assert_int_equal(boot_load_buffer(&g, "k", k, 0x1000, NULL, 0, "", &bi),
			 -EINVAL);
}

/* The initrd goes at the top of RAM below the kernel's initrd_addr_max
 * (boot.rst: "the highest address that may be occupied by the initial
 * ramdisk"), not at the top of a larger guest's RAM; one that does not fit
 * between the kernel and that limit is refused. */
static void test_initrd_addr_max(void **state)
{
	static uint8_t k[64 << 10];
	const uint32_t max = (64u << 20) - 1;
	const size_t len = 3u << 20 | 123;
	uint8_t *initrd = xmalloc(40u << 20);
	struct boot_info bi;
	struct boot_params *bp;

	(void)state;
	memset(initrd, 0x5a, len);
	fake_bzimage(k, sizeof(k), 0x20f, XLF_KERNEL_64);
	memcpy(k + 0x22c, &max, 4);
	assert_int_equal(boot_load_buffer(&g, "k", k, sizeof(k), initrd, len, "", &bi),
			 0);
	bp = gmem_ptr(&g, ZERO_PAGE, sizeof(*bp));
	assert_int_equal(bp->hdr.initrd_addr_max, max);
	assert_true(bi.initrd_start + len - 1 <= max);
	/* As high as it goes under the limit, page aligned. */
	assert_int_equal(bi.initrd_start, ((uint64_t)max + 1 - len) & ~0xfffULL);
	assert_true(bi.initrd_start >= bi.kernel_end);
	assert_int_equal(bp->hdr.ramdisk_image, bi.initrd_start);
	assert_int_equal(bp->hdr.ramdisk_size, len);
	assert_memory_equal(gmem_ptr(&g, bi.initrd_start, len), initrd, len);
	/* The guest's 256 MiB would hold 60 MiB, the 48 below the limit and
	 * above the kernel at 16 MiB do not. */
	assert_int_equal(boot_load_buffer(&g, "k", k, sizeof(k), initrd, 40u << 20,
					  "", &bi), 0);
	free(initrd);
	initrd = xmalloc(60u << 20);
	memset(initrd, 0, 60u << 20);
	assert_int_equal(boot_load_buffer(&g, "k", k, sizeof(k), initrd, 60u << 20,
					  "", &bi), -EINVAL);
	free(initrd);
}

/*
 * A PVH vmlinux whose segments hold pages of zeros, loaded three ways:
 * into memory that is not zero (a loader that skipped zero pages there
 * would leave the garbage), into fresh memory (where it skips them), and
 * into fresh memory with a second segment laid over the first's data
 * page with zeros (the later segment wins, as in any ELF loader). Each
 * time the segments read back as the file has them, their tails past the
 * file as zeros.
 */
static void test_pvh_zero_pages(void **state)
{
	enum { PG = 4096, FILESZ = 3 * PG + 100, MEMSZ = FILESZ + 2 * PG + 50,
	       PADDR = 0x1000000, OFF = 2 * PG, NOTE = 256 };
	static uint8_t k[OFF + FILESZ];
	Elf64_Ehdr *h = (Elf64_Ehdr *)k;
	Elf64_Phdr *ph = (Elf64_Phdr *)(k + 64);
	uint32_t *note = (uint32_t *)(k + NOTE);
	struct boot_info bi;
	uint8_t *seg = k + OFF, *mem;

	(void)state;
	memcpy(k, ELFMAG, SELFMAG);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_machine = EM_X86_64;
	h->e_phentsize = sizeof(Elf64_Phdr);
	h->e_phoff = 64;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE, .p_filesz = 20 };
	note[0] = 4;			/* "Xen" */
	note[1] = 4;
	note[2] = 18;			/* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(note + 3, "Xen", 4);
	note[4] = PADDR;
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = OFF, .p_paddr = PADDR,
			      .p_filesz = FILESZ, .p_memsz = MEMSZ };
	/* Over the first page, the file's second: zeros. */
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = OFF + PG,
			      .p_paddr = PADDR, .p_filesz = PG, .p_memsz = PG };
	memset(seg, 0x11, PG);		/* page 0: data, page 1: zeros */
	seg[2 * PG + 7] = 0x22;		/* page 2: mostly zeros */
	memset(seg + 3 * PG, 0x33, 100);
	for (int way = 0; way < 3; way++) {
		h->e_phnum = way == 2 ? 3 : 2;
		mem = gmem_ptr(&g, PADDR, MEMSZ + PG);
		if (!way)
			memset(mem, 0xa5, MEMSZ + PG);
		else
			g.fresh = true;		/* as gmem_init leaves it */
		assert_int_equal(boot_load_buffer(&g, "z", k, sizeof(k), NULL, 0,
						  "", &bi), 0);
		assert_false(g.fresh);
		assert_true(bi.pvh);
		assert_int_equal(bi.entry, PADDR);
		if (way == 2) {
			for (size_t i = 0; i < PG; i++)
				if (mem[i])
					fail_msg("byte %zu under the second segment "
						 "is %#x", i, mem[i]);
			assert_memory_equal(mem + PG, seg + PG, FILESZ - PG);
		} else {
			assert_memory_equal(mem, seg, FILESZ);
		}
		for (size_t i = FILESZ; i < MEMSZ; i++)
			if (mem[i])
				fail_msg("byte %zu of the tail is %#x", i, mem[i]);
		/* Past the segment the loader writes nothing. */
		assert_int_equal(mem[MEMSZ], way ? 0 : 0xa5);
		teardown(NULL);
		setup(NULL);
	}
}

static void test_debian_vmlinux_pvh(void **state)
{
	static const char initrd[] = "pvh initrd";
	struct boot_info bi;
	struct buf k = { 0 };
	char *cmd;
	uint32_t *si;
	uint64_t *mm;
	int r;

	(void)state;
	if (!kdir())
		skip_because("no Debian kernel: %s", kernel_fixture_why());
	cmd = xasprintf("%s/tests/fixtures/extract-vmlinux.sh %s/vmlinuz",
			getenv("TINYRD_SRCDIR") ? getenv("TINYRD_SRCDIR") : ".", kdir());
	{
		FILE *f = popen(cmd, "r");
		char chunk[1 << 16];
		size_t n;

		assert_non_null(f);
		while ((n = fread(chunk, 1, sizeof(chunk), f)))
			buf_add(&k, chunk, n);
		assert_int_equal(pclose(f), 0);
	}
	free(cmd);
	r = boot_load_buffer(&g, "vmlinux", (uint8_t *)k.p, k.len, initrd,
			     sizeof(initrd), "console=ttyS0", &bi);
	assert_int_equal(r, 0);
	assert_true(bi.pvh);
	assert_true(bi.entry > 0x100000 && bi.entry < bi.kernel_end);
	assert_int_equal(bi.start_info, PVH_START_INFO);
	si = gmem_ptr(&g, PVH_START_INFO, 56);
	assert_int_equal(si[0], 0x336ec578);		/* magic */
	assert_int_equal(si[1], 1);			/* version */
	assert_int_equal(si[3], 1);			/* one module: the initrd */
	mm = gmem_ptr(&g, PVH_MODLIST, 16);
	assert_int_equal(mm[0], bi.initrd_start);
	assert_int_equal(mm[1], sizeof(initrd));
	assert_int_equal(si[12], 3);			/* memmap entries */
	assert_string_equal((char *)gmem_ptr(&g, CMDLINE_ADDR, 1), "console=ttyS0");
	buf_free(&k);

	/* An ELF without a PVH note is refused. */
	{
		uint8_t e[4096] = { 0 };
		Elf64_Ehdr *h = (Elf64_Ehdr *)e;

		memcpy(e, ELFMAG, SELFMAG);
		h->e_ident[EI_CLASS] = ELFCLASS64;
		h->e_machine = EM_X86_64;
		h->e_phentsize = sizeof(Elf64_Phdr);
		h->e_phoff = 64;
		h->e_phnum = 0;
		assert_int_equal(boot_load_buffer(&g, "e", e, sizeof(e), NULL, 0, "",
						  &bi), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_page_tables_and_gdt, setup, teardown),
		cmocka_unit_test(test_memory_and_e820),
		cmocka_unit_test_setup_teardown(test_debian_bzimage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_kernels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_addr_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debian_vmlinux_pvh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pvh_zero_pages, setup, teardown),
	};

	return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
