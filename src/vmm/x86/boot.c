// SPDX-License-Identifier: MIT
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "layout.h"
#include "../../common/kernel.h"
#include "../../common/util.h"

/* Set while boot_load copies from read-only file mappings: each piece
 * copied into the guest is dropped from the process at once, so loading
 * a 60 MB vmlinux does not show in the launcher's resident memory. */
static bool drop_source;

static bool page_zero(const uint8_t *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

/*
 * Copy len bytes in; with skip_zero (fresh RAM, which reads zero and is
 * not yet allocated), not the pages of zeros. Debian's vmlinux carries
 * its 17 MB .bss and a 4 MB scratch area in the file, half of it zero
 * pages: copied, the launcher allocated and cleared all of them before
 * the guest ran (most of the load's time in the nested harness); left
 * alone, the guest's first write allocates them, in whole 2 MiB pages.
 * The destination is never read to decide: a page read stays mapped to
 * the shared zero page, and the guest's write to it becomes a 4 KiB
 * fault, a VM exit, each.
 */
static void copy_in(void *dst, const void *src, size_t len, bool skip_zero)
{
	const size_t chunk = 2u << 20, page = 4096;
	const uint8_t *s = src;
	uint8_t *d = dst;

	while (len) {
		size_t n = len < chunk ? len : chunk;
		uintptr_t a = ((uintptr_t)s + page - 1) & ~(uintptr_t)(page - 1);
		uintptr_t e = ((uintptr_t)s + n) & ~(uintptr_t)(page - 1);

		if (!skip_zero)
			memcpy(d, s, n);
		for (size_t o = 0, m; skip_zero && o < n; o += m) {
			m = page - ((uintptr_t)(d + o) & (page - 1));
			m = m < n - o ? m : n - o;
			if (!page_zero(s + o, m))
				memcpy(d + o, s + o, m);
		}
		if (drop_source && e > a)
			madvise((void *)a, e - a, MADV_DONTNEED);
		d += n;
		s += n;
		len -= n;
	}
}

/* Xen's PVH ABI (xen/include/public/arch-x86/hvm/start_info.h). */
#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

#define SETUP_HDR_OFF 0x1f1
#define HDRS_MAGIC 0x53726448	/* "HdrS" */
#define MIN_PROTOCOL 0x020c	/* 2.12: xloadflags, the 64-bit entry */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

void boot_gdt(struct gmem *g)
{
	uint64_t *gdt = gmem_ptr(g, GDT_ADDR, 8 * 8);

	memset(gdt, 0, 8 * 8);
	gdt[SEL_CODE64 / 8] = 0x00af9b000000ffffULL;	/* 64-bit code, 4G flat */
	gdt[SEL_DATA / 8] = 0x00cf93000000ffffULL;	/* data, 4G flat */
	gdt[SEL_TSS / 8] = 0x0000890000000067ULL;	/* TSS, limit 0x67 */
	gdt[SEL_TSS / 8 + 1] = 0;
	gdt[SEL_CODE32 / 8] = 0x00cf9b000000ffffULL;	/* 32-bit code, flat */
}

void boot_page_tables(struct gmem *g)
{
	uint64_t *pml4 = gmem_ptr(g, PML4_ADDR, 4096);
	uint64_t *pdpt = gmem_ptr(g, PDPT_ADDR, 4096);
	uint64_t *pd = gmem_ptr(g, PD_ADDR, 4 * 4096);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = PDPT_ADDR | 0x3;			/* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (PD_ADDR + i * 4096) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83;		/* present, writable, 2M */
}

unsigned boot_e820(const struct gmem *g, struct e820_range *out, unsigned max)
{
	struct e820_range r[4] = {
		{ 0, EBDA_START, 1 },
		{ EBDA_START, HIGH_MEMORY - EBDA_START, 2 },
		{ HIGH_MEMORY, g->low - HIGH_MEMORY, 1 },
		{ g->high_base, g->high, 1 },
	};
	unsigned n = 0;

	for (unsigned i = 0; i < 4 && n < max; i++)
		if (r[i].size)
			out[n++] = r[i];
	return n;
}

/* The initrd at the top of RAM below max, above low, page aligned. */
static int place_initrd(struct gmem *g, const char *name, uint64_t low,
			uint64_t max, const void *initrd, size_t len,
			struct boot_info *bi)
{
	uint64_t top = g->low < max ? g->low : max;
	uint64_t at;
	void *dst;

	if (!len)
		return 0;
	if (len > top || ((top - len) & ~0xfffULL) < low)
		return error("%s: the initrd (%zu KiB) does not fit in the guest's "
			     "memory below %#llx; give it more (-m)", name,
			     len >> 10, (unsigned long long)top);
	at = (top - len) & ~0xfffULL;
	dst = gmem_ptr(g, at, len);
	if (!dst)
		return error("%s: no guest memory for the initrd", name);
	copy_in(dst, initrd, len, false);
	bi->initrd_start = at;
	bi->initrd_size = len;
	return 0;
}

static int put_cmdline(struct gmem *g, const char *name, const char *cmdline,
		       size_t max)
{
	size_t n = strlen(cmdline);
	char *dst;

	if (n + 1 > max || n + 1 > CMDLINE_MAX)
		return error("%s: command line of %zu bytes is longer than the "
			     "kernel takes (%zu)", name, n, max - 1);
	dst = gmem_ptr(g, CMDLINE_ADDR, n + 1);
	memcpy(dst, cmdline, n + 1);
	return 0;
}

static int load_bzimage(struct gmem *g, const char *name, const uint8_t *k,
			size_t klen, const void *initrd, size_t initrd_len,
			const char *cmdline, struct boot_info *bi)
{
	struct boot_params *bp = gmem_ptr(g, ZERO_PAGE, sizeof(*bp));
	struct e820_range map[8];
	size_t setup, hdr_end, pm_len;
	uint64_t load, need;
	unsigned setup_sects, n, protocol;
	const struct setup_header *h;
	void *dst;

	protocol = le16(k + 0x206);
	bi->protocol = protocol;
	if (protocol < MIN_PROTOCOL)
		return error("%s: boot protocol %u.%02u is older than 2.12, which "
			     "the 64-bit entry needs", name, protocol >> 8,
			     protocol & 0xff);
	hdr_end = 0x202 + k[0x201];
	if (hdr_end > klen || hdr_end - SETUP_HDR_OFF > sizeof(bp->hdr))
		return error("%s: setup header runs past the file", name);
	h = (const struct setup_header *)(k + SETUP_HDR_OFF);
	if (!(le16((const uint8_t *)&h->xloadflags) & XLF_KERNEL_64))
		return error("%s: no 64-bit entry (XLF_KERNEL_64 is not set): "
			     "a 32-bit kernel", name);
	setup_sects = k[0x1f1] ? k[0x1f1] : 4;
	setup = (size_t)(setup_sects + 1) * 512;
	if (setup >= klen)
		return error("%s: setup code runs past the file", name);
	pm_len = klen - setup;

	/* Where the kernel wants to be; it decompresses in place and needs
	 * init_size bytes there. */
	load = le32((const uint8_t *)&h->pref_address);
	if (!load || h->relocatable_kernel)
		load = KERNEL_LOAD;
	need = le32((const uint8_t *)&h->init_size);
	if (need < pm_len)
		need = pm_len;
	dst = gmem_ptr(g, load, need);
	if (!dst)
		return error("%s: needs %llu MiB at %#llx; give the guest more "
			     "memory (-m)", name,
			     (unsigned long long)(need >> 20) + 1,
			     (unsigned long long)load);
	copy_in(dst, k + setup, pm_len, false);
	bi->kernel_start = load;
	bi->kernel_end = load + need;

	/* The zero page: the setup header as the file has it, then ours. */
	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + SETUP_HDR_OFF, k + SETUP_HDR_OFF,
	       hdr_end - SETUP_HDR_OFF);
	bp->hdr.type_of_loader = 0xff;		/* undefined loader */
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.vid_mode = 0xffff;		/* "normal" */
	bp->hdr.cmd_line_ptr = CMDLINE_ADDR;
	bp->ext_cmd_line_ptr = 0;
	{
		size_t max = protocol >= 0x206 ? bp->hdr.cmdline_size + 1 : 256;
		int r = put_cmdline(g, name, cmdline, max);

		if (r)
			return r;
	}
	if (initrd_len) {
		uint64_t max = (uint64_t)bp->hdr.initrd_addr_max + 1;
		int r = place_initrd(g, name, bi->kernel_end, max, initrd,
				     initrd_len, bi);

		if (r)
			return r;
		bp->hdr.ramdisk_image = (uint32_t)bi->initrd_start;
		bp->hdr.ramdisk_size = (uint32_t)bi->initrd_size;
		bp->ext_ramdisk_image = (uint32_t)(bi->initrd_start >> 32);
		bp->ext_ramdisk_size = (uint32_t)(bi->initrd_size >> 32);
	}
	n = boot_e820(g, map, ARRAY_SIZE(map));
	for (unsigned i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = (uint8_t)n;

	if (bp->hdr.kernel_version) {
		size_t off = (size_t)bp->hdr.kernel_version + 0x200, i = 0;

		while (off + i < klen && i + 1 < sizeof(bi->release) &&
		       k[off + i] > ' ' && k[off + i] < 0x7f) {
			bi->release[i] = (char)k[off + i];
			i++;
		}
		bi->release[i] = '\0';
	}
	bi->pvh = false;
	bi->entry = load + 0x200;		/* startup_64 */
	bi->zero_page = ZERO_PAGE;
	return 0;
}

/* Whether two of the (in-file) program headers' PT_LOADs share guest
 * memory: a later one's zeros must then be written over the earlier. */
static bool loads_overlap(const uint8_t *k, const Elf64_Ehdr *eh)
{
	const Elf64_Phdr *ph = (const void *)(k + eh->e_phoff);

	for (unsigned i = 0; i < eh->e_phnum; i++)
		for (unsigned j = i + 1; j < eh->e_phnum; j++) {
			const Elf64_Phdr *a = &ph[i], *b = &ph[j];

			if (a->p_type != PT_LOAD || b->p_type != PT_LOAD ||
			    !a->p_memsz || !b->p_memsz)
				continue;
			if (a->p_paddr + a->p_memsz < a->p_paddr ||
			    b->p_paddr + b->p_memsz < b->p_paddr ||
			    (a->p_paddr < b->p_paddr + b->p_memsz &&
			     b->p_paddr < a->p_paddr + a->p_memsz))
				return true;
		}
	return false;
}

static int load_pvh(struct gmem *g, const char *name, const uint8_t *k,
		    size_t klen, const void *initrd, size_t initrd_len,
		    const char *cmdline, struct boot_info *bi)
{
	Elf64_Ehdr ehdr, *eh = &ehdr;
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct e820_range map[8];
	uint64_t entry = 0, end = 0, start = UINT64_MAX;
	bool have_entry = false, skip_zero;
	unsigned n;
	int r;

	/* The headers are copied out: e_phoff need not be aligned. */
	if (klen < sizeof(*eh))
		return error("%s: an ELF file, but not a 64-bit x86 vmlinux", name);
	memcpy(eh, k, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64)
		return error("%s: an ELF file, but not a 64-bit x86 vmlinux", name);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > klen ||
	    (klen - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return error("%s: program headers outside the file", name);
	skip_zero = g->fresh && !loads_overlap(k, eh);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr phdr, *ph = &phdr;
		void *dst;

		memcpy(ph, k + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
		if (ph->p_type == PT_NOTE && !have_entry) {
			r = kernel_pvh_note(k, klen, ph->p_offset,
					    ph->p_filesz, &entry);
			if (r == -EINVAL)
				return error("%s: malformed ELF note", name);
			have_entry = !r;
		}
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > klen ||
		    ph->p_filesz > klen - ph->p_offset)
			return error("%s: a segment runs past the file", name);
		dst = gmem_ptr(g, ph->p_paddr, ph->p_memsz);
		if (!dst)
			return error("%s: a segment at %#llx does not fit in the "
				     "guest's memory (-m)", name,
				     (unsigned long long)ph->p_paddr);
		copy_in(dst, k + ph->p_offset, ph->p_filesz, skip_zero);
		if (!skip_zero)
			memset((uint8_t *)dst + ph->p_filesz, 0,
			       ph->p_memsz - ph->p_filesz);
		if (ph->p_paddr < start)
			start = ph->p_paddr;
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
	}
	if (!have_entry)
		return error("%s: no PVH entry (XEN_ELFNOTE_PHYS32_ENTRY): a "
			     "kernel built without CONFIG_PVH", name);
	/* Else the guest starts in memory nothing was loaded into, and
	 * the kernel's range would be [UINT64_MAX, 0). */
	if (start > end)
		return error("%s: no segment to load (PT_LOAD)", name);
	if (entry >= 1ULL << 32)
		return error("%s: the PVH entry is above 4 GiB", name);
	bi->kernel_start = start;
	bi->kernel_end = end;
	r = put_cmdline(g, name, cmdline, CMDLINE_MAX);
	if (!r)
		r = place_initrd(g, name, (end + 0xfff) & ~0xfffULL, 1ULL << 32,
				 initrd, initrd_len, bi);
	if (r)
		return r;

	si = gmem_ptr(g, PVH_START_INFO, sizeof(*si));
	memset(si, 0, sizeof(*si));
	si->magic = HVM_START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = CMDLINE_ADDR;
	if (initrd_len) {
		struct hvm_modlist_entry *mod = gmem_ptr(g, PVH_MODLIST, sizeof(*mod));

		memset(mod, 0, sizeof(*mod));
		mod->paddr = bi->initrd_start;
		mod->size = bi->initrd_size;
		si->nr_modules = 1;
		si->modlist_paddr = PVH_MODLIST;
	}
	n = boot_e820(g, map, ARRAY_SIZE(map));
	mm = gmem_ptr(g, PVH_MEMMAP, n * sizeof(*mm));
	for (unsigned i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_table_entry){ map[i].addr, map[i].size,
							 map[i].type, 0 };
	si->memmap_paddr = PVH_MEMMAP;
	si->memmap_entries = n;
	bi->pvh = true;
	bi->entry = entry;
	bi->start_info = PVH_START_INFO;
	return 0;
}

int boot_load_buffer(struct gmem *g, const char *name, const uint8_t *k,
		     size_t klen, const void *initrd, size_t initrd_len,
		     const char *cmdline, struct boot_info *bi)
{
	int r;

	memset(bi, 0, sizeof(*bi));
	if (klen >= SELFMAG && !memcmp(k, ELFMAG, SELFMAG))
		r = load_pvh(g, name, k, klen, initrd, initrd_len, cmdline, bi);
	else if (klen >= 0x250 && le32(k + 0x202) == HDRS_MAGIC)
		r = load_bzimage(g, name, k, klen, initrd, initrd_len, cmdline, bi);
	else
		r = error("%s: not a bzImage (no \"HdrS\" setup header) nor an "
			  "ELF vmlinux", name);
	g->fresh = false;
	if (!r) {
		boot_gdt(g);
		boot_page_tables(g);
	}
	return r;
}

int boot_load(struct gmem *g, const char *path, int initrd_fd,
	      const char *cmdline, struct boot_info *bi)
{
	struct file_view k, rd;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(errno, "%s", path);
	r = file_view_open(fd, &k);
	close(fd);
	if (r)
		return error_errno(r, "%s", path);
	r = file_view_open(initrd_fd, &rd);
	if (r) {
		file_view_close(&k);
		return error_errno(r, "initrd");
	}
	drop_source = k.mapped && rd.mapped;
	r = boot_load_buffer(g, path, k.p, k.len, rd.p, rd.len, cmdline, bi);
	drop_source = false;
	file_view_close(&rd);
	file_view_close(&k);
	return r;
}
