// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "util.h"

#define SETUP_HDR_MAGIC_OFF 0x202	/* "HdrS" */
#define SETUP_VERSION_OFF 0x206
#define SETUP_KVER_OFF 0x20e
#define SETUP_KVER_BASE 0x200

static char *release_word(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] && s[n] != ' ' && s[n] != '\n' &&
	       (unsigned char)s[n] > 0x20 && (unsigned char)s[n] < 0x7f)
		n++;
	return n ? xstrndup(s, n) : NULL;
}

static char *from_setup_header(const struct buf *b)
{
	const unsigned char *p = (const unsigned char *)b->p;
	unsigned version, off;

	if (b->len < 0x210 || memcmp(p + SETUP_HDR_MAGIC_OFF, "HdrS", 4))
		return NULL;
	version = p[SETUP_VERSION_OFF] | p[SETUP_VERSION_OFF + 1] << 8;
	off = p[SETUP_KVER_OFF] | p[SETUP_KVER_OFF + 1] << 8;
	if (version < 0x200 || !off)
		return NULL;
	off += SETUP_KVER_BASE;
	if (off >= b->len)
		return NULL;
	return release_word(b->p + off, b->len - off);
}

static char *from_banner(const struct buf *b)
{
	static const char banner[] = "Linux version ";
	const char *p = b->p, *end = b->p + b->len;

	while ((p = memmem(p, (size_t)(end - p), banner, sizeof(banner) - 1))) {
		char *r;

		p += sizeof(banner) - 1;
		r = release_word(p, (size_t)(end - p));
		/* The banner is "Linux version %s (%s@%s) ...". */
		if (r && p + strlen(r) + 2 < end && p[strlen(r)] == ' ' &&
		    p[strlen(r) + 1] == '(')
			return r;
		free(r);
	}
	return NULL;
}

int kernel_release(const char *path, char **out)
{
	struct buf b = { 0 };
	int r = read_file(path, &b);

	if (r) {
		buf_free(&b);
		return error_errno(r, "%s", path);
	}
	*out = from_setup_header(&b);
	if (!*out)
		*out = from_banner(&b);
	buf_free(&b);
	if (!*out)
		return error("%s: not a Linux kernel image (no setup header or "
			     "version banner)", path);
	return 0;
}

char *kernel_host_release(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return xstrdup("unknown");
	return xstrdup(u.release);
}

/* Xen's PVH ABI: the 32-bit entry as a "Xen" note of this type. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int kernel_pvh_note(const uint8_t *k, size_t klen, uint64_t off,
		    uint64_t size, uint64_t *entry)
{
	uint64_t end = off + size;

	if (end > klen || end < off)
		return -EINVAL;
	while (off + sizeof(Elf64_Nhdr) <= end) {
		const uint8_t *n = k + off;
		uint32_t namesz = rd32(n), descsz = rd32(n + 4), type = rd32(n + 8);
		uint64_t name = off + sizeof(Elf64_Nhdr);
		uint64_t desc = name + ((namesz + 3ULL) & ~3ULL);
		uint64_t next = desc + ((descsz + 3ULL) & ~3ULL);

		if (next > end || next <= off)
			return -EINVAL;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(k + name, "Xen", 4)) {
			if (descsz == 4)
				*entry = rd32(k + desc);
			else if (descsz == 8)
				*entry = rd32(k + desc) |
					 (uint64_t)rd32(k + desc + 4) << 32;
			else
				return -EINVAL;
			return 0;
		}
		off = next;
	}
	return -ENOENT;
}

int kernel_pvh_entry(const uint8_t *k, size_t klen, uint64_t *entry)
{
	Elf64_Ehdr eh;

	if (klen < sizeof(eh))
		return -EINVAL;
	memcpy(&eh, k, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > klen ||
	    (klen - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
		return -EINVAL;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, k + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE &&
		    !kernel_pvh_note(k, klen, ph.p_offset, ph.p_filesz, entry))
			return 0;
	}
	return -ENOENT;
}

/* Documentation/arch/x86/boot.rst: setup_sects at 0x1f1, the protocol
 * version at 0x206, payload_offset and payload_length at 0x248 (2.08+). */
int kernel_bzimage_payload(const uint8_t *k, size_t klen, size_t *off,
			   size_t *len)
{
	unsigned setup, version;
	uint64_t start, n;

	if (klen < 0x250 || memcmp(k + SETUP_HDR_MAGIC_OFF, "HdrS", 4))
		return -EINVAL;
	version = k[SETUP_VERSION_OFF] | k[SETUP_VERSION_OFF + 1] << 8;
	if (version < 0x208)
		return -ENOTSUP;
	setup = k[0x1f1] ? k[0x1f1] : 4;
	start = (uint64_t)(setup + 1) * 512 + rd32(k + 0x248);
	n = rd32(k + 0x24c);
	if (!n || start > klen || n > klen - start)
		return -EINVAL;
	*off = (size_t)start;
	*len = (size_t)n;
	return 0;
}
