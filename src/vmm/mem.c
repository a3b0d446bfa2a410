// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"
#include "../common/log.h"

#define GMEM_ALIGN (2u << 20)
#define HUGE_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB/"

static long huge_count(const char *name)
{
	FILE *f = fopen(name, "re");
	long n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* Huge pages of 2 MiB: reserved when mapped (no MAP_NORESERVE), so that
 * too few is ENOMEM here, said in one line, and not a SIGBUS at the
 * guest's first touch of a page the pool cannot give. */
static void *map_huge(uint64_t len)
{
	uint64_t need = len / GMEM_ALIGN;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
		       -1, 0);
	long avail;

	if (p != MAP_FAILED || errno != ENOMEM)
		return p;
	/* Free pages others have reserved are not ours to take. */
	avail = huge_count(HUGE_SYSFS "free_hugepages") -
		huge_count(HUGE_SYSFS "resv_hugepages");
	error("--hugepages: %llu huge pages of 2 MiB needed, %ld free (see "
	      "/proc/sys/vm/nr_hugepages)", (unsigned long long)need,
	      avail > 0 ? avail : 0);
	errno = ENOMEM;
	return NULL;
}

static void split(struct gmem *g, const struct gmem_layout *lay)
{
	uint64_t room = lay && lay->hole ? lay->hole - lay->base : g->size;

	g->base = lay ? lay->base : 0;
	g->low = g->size > room ? room : g->size;
	g->high_base = lay ? lay->high_base : 0;
	g->high = g->size - g->low;
}

int gmem_init(struct gmem *g, uint64_t size, bool hugepages,
	      const struct gmem_layout *lay)
{
	/* Huge pages are mapped (and unmapped) whole. */
	uint64_t len = hugepages ? (size + GMEM_ALIGN - 1) & ~(uint64_t)(GMEM_ALIGN - 1)
				 : size;
	void *p;

	memset(g, 0, sizeof(*g));
	if (hugepages) {
		p = map_huge(len);
		if (!p)
			return -ENOMEM;	/* said */
	} else {
		/* Aligned to 2 MiB, so that transparent huge pages line up
		 * with the guest's 2 MiB frames and KVM maps them whole:
		 * otherwise every 4 KiB the guest touches first is a nested
		 * page fault, a VM exit. */
		p = mmap(NULL, size + GMEM_ALIGN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (p == MAP_FAILED)
		return error_errno(errno, "guest memory: %llu MiB%s",
				   (unsigned long long)(size >> 20),
				   hugepages ? " in huge pages" : "");
	if (!hugepages) {
		uintptr_t a = ((uintptr_t)p + GMEM_ALIGN - 1) & ~(uintptr_t)(GMEM_ALIGN - 1);
		size_t head = a - (uintptr_t)p;

		if (head)
			munmap(p, head);
		if (GMEM_ALIGN - head)
			munmap((uint8_t *)a + size, GMEM_ALIGN - head);
		p = (void *)a;
		/* The guest's pages fault in as it uses them; THP where it can. */
		madvise(p, size, MADV_HUGEPAGE);
	}
	g->host = p;
	g->size = size;
	g->mapped = true;
	g->fresh = true;
	g->map_len = len;
	split(g, lay);
	return 0;
}

void gmem_wrap(struct gmem *g, void *buf, uint64_t size,
	       const struct gmem_layout *lay)
{
	memset(g, 0, sizeof(*g));
	g->host = buf;
	g->size = size;
	split(g, lay);
}

void gmem_free(struct gmem *g)
{
	if (g->mapped && g->host)
		munmap(g->host, g->map_len);
	memset(g, 0, sizeof(*g));
}

void *gmem_ptr(const struct gmem *g, uint64_t gpa, uint64_t len)
{
	if (gpa >= g->base && gpa - g->base < g->low) {
		uint64_t off = gpa - g->base;

		if (len > g->low - off)
			return NULL;
		return g->host + off;
	}
	if (g->high && gpa >= g->high_base && gpa - g->high_base < g->high) {
		uint64_t off = gpa - g->high_base;

		if (len > g->high - off)
			return NULL;
		return g->host + g->low + off;
	}
	return NULL;
}
