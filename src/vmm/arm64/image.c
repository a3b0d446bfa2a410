// SPDX-License-Identifier: MIT
/* The arm64 Image loader (image.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "../../common/log.h"
#include "../../common/util.h"

#define SZ_2M		(2ull << 20)
/* booting.rst: text_offset when image_size is 0 (kernels before 3.17). */
#define OLD_TEXT_OFFSET	0x80000

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int arm64_image_parse(const char *name, const uint8_t *k, size_t len,
		      struct arm64_image *out)
{
	memset(out, 0, sizeof(*out));
	if (len >= 2 && k[0] == 0x1f && k[1] == 0x8b)
		return error("%s: a gzip-compressed Image; give the Image itself "
			     "(gunzip it; Debian's arm64 vmlinuz is one)", name);
	if (len >= 4 && !memcmp(k, "\177ELF", 4))
		return error("%s: an ELF vmlinux; arm64 boots the Image "
			     "(arch/arm64/boot/Image)", name);
	if (len < 64 || le64(k + 0x38) % (1ull << 32) != ARM64_IMAGE_MAGIC)
		return error("%s: not an arm64 Image (no \"ARM\\x64\" magic at "
			     "0x38)", name);
	out->text_offset = le64(k + 0x08);
	out->image_size = le64(k + 0x10);
	out->flags = le64(k + 0x18);
	if (!out->image_size) {
		out->text_offset = OLD_TEXT_OFFSET;
		out->image_size = len;
	}
	if (out->flags & 1)
		return error("%s: a big-endian kernel; the launcher runs "
			     "little-endian guests", name);
	if (out->image_size < len)
		return error("%s: the header's image_size (%llu) is smaller than "
			     "the file (%zu)", name,
			     (unsigned long long)out->image_size, len);
	if (out->text_offset >= SZ_2M * 512)
		return error("%s: text_offset %#llx is not believable", name,
			     (unsigned long long)out->text_offset);
	return 0;
}

int arm64_image_load(struct gmem *g, const char *name, const uint8_t *k,
		     size_t klen, const void *initrd, size_t initrd_len,
		     struct arm64_boot *b)
{
	uint64_t ram_end = g->base + g->low, top;
	void *dst;
	int r;

	memset(b, 0, sizeof(*b));
	r = arm64_image_parse(name, k, klen, &b->hdr);
	if (r)
		return r;
	/* A 2 MiB aligned base as close as possible to the start of RAM,
	 * whichever placement flag 3 allows. */
	b->entry = ((g->base + SZ_2M - 1) & ~(SZ_2M - 1)) + b->hdr.text_offset;
	b->kernel_end = b->entry + b->hdr.image_size;
	/* The device tree has a 2 MiB block of its own, the last one. */
	b->dtb = (ram_end & ~(SZ_2M - 1)) - SZ_2M;
	if (ram_end < SZ_2M * 2 || b->dtb < b->kernel_end)
		return error("%s: the kernel (%llu MiB with its bss) does not fit "
			     "in the guest's %llu MiB; give it more (-m)", name,
			     (unsigned long long)(b->hdr.image_size >> 20),
			     (unsigned long long)(g->low >> 20));
	dst = gmem_ptr(g, b->entry, klen);
	if (!dst)
		return error("%s: no guest memory at %#llx", name,
			     (unsigned long long)b->entry);
	memcpy(dst, k, klen);
	if (!initrd_len)
		return 0;
	top = b->dtb;
	if (initrd_len > top - b->kernel_end ||
	    ((top - initrd_len) & ~0xfffull) < b->kernel_end)
		return error("%s: the initrd (%zu KiB) does not fit in the guest's "
			     "memory above the kernel; give it more (-m)", name,
			     initrd_len >> 10);
	b->initrd_start = (top - initrd_len) & ~0xfffull;
	b->initrd_size = initrd_len;
	dst = gmem_ptr(g, b->initrd_start, initrd_len);
	if (!dst)
		return error("%s: no guest memory for the initrd", name);
	memcpy(dst, initrd, initrd_len);
	return 0;
}

int arm64_image_load_file(struct gmem *g, const char *path, int initrd_fd,
			  struct arm64_boot *b)
{
	struct file_view k, rd = { 0 };
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(errno, "%s", path);
	r = file_view_open(fd, &k);
	close(fd);
	if (r)
		return error_errno(r, "%s", path);
	if (initrd_fd >= 0)
		r = file_view_open(initrd_fd, &rd);
	if (r) {
		file_view_close(&k);
		return error_errno(r, "initrd");
	}
	r = arm64_image_load(g, path, k.p, k.len, rd.p, rd.len, b);
	file_view_close(&rd);
	file_view_close(&k);
	return r;
}
