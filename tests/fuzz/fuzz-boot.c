// SPDX-License-Identifier: MIT
/*
 * Kernel images as the launchers and run read them: the bzImage setup
 * header and the version banner (src/common/kernel.c: kernel_release,
 * kernel_bzimage_payload), the PVH note of an ELF vmlinux
 * (kernel_pvh_entry), x86's loader of both (src/vmm/x86/boot.c, where
 * the launcher is x86's) and arm64's Image header and loader
 * (src/vmm/arm64/image.c), each into 64 MiB of guest RAM with a 4 KiB
 * initrd.
 *
 * Input: the kernel file, whole.
 *
 * Checked beyond the sanitizers: the payload lies in the file, and what
 * a loader says it placed lies in guest RAM.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../src/common/kernel.h"
#include "../../src/vmm/arm64/image.h"
#ifdef VMM_ARCH_x86
#include "../../src/vmm/x86/boot.h"
#endif

#define RAM (64u << 20)

static bool in(const struct gmem *g, uint64_t start, uint64_t end)
{
	return start <= end && (start == end || gmem_ptr(g, start, end - start));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* arm64/layout.h's and x86/layout.h's, which cannot meet in one file. */
	static const struct gmem_layout arm64 = { .base = 0x40000000 };
	static struct gmem g_arm64;
	static uint8_t initrd[4096];
	struct arm64_image ih;
	struct arm64_boot ab;
	char path[32], *release = NULL;
	uint64_t entry;
	size_t off, len;
	int fd;
#ifdef VMM_ARCH_x86
	static const struct gmem_layout x86 = {
		.base = 0, .hole = 0xc0000000ULL, .high_base = 0x100000000ULL,
	};
	static struct gmem g_x86;
	struct boot_info bi;

	if (!g_x86.host && gmem_init(&g_x86, RAM, false, &x86))
		fz_fail(__FILE__, __LINE__, "gmem_init");
#endif
	if (!g_arm64.host && gmem_init(&g_arm64, RAM, false, &arm64))
		fz_fail(__FILE__, __LINE__, "gmem_init");
	fz_quiet(false);

	fd = fz_memfd(data, size, path);
	if (!kernel_release(path, &release))
		fz_check(release && *release, "an empty release");
	free(release);
	close(fd);
	kernel_pvh_entry(data, size, &entry);
	if (!kernel_bzimage_payload(data, size, &off, &len))
		fz_check(off <= size && len <= size - off, "a payload past the file");
#ifdef VMM_ARCH_x86
	if (!boot_load_buffer(&g_x86, "fuzz", data, size, initrd, sizeof(initrd),
			      "console=ttyS0", &bi)) {
		fz_check(in(&g_x86, bi.kernel_start, bi.kernel_end),
			 "a kernel placed outside RAM");
		fz_check(in(&g_x86, bi.initrd_start, bi.initrd_start + bi.initrd_size),
			 "an initrd placed outside RAM");
		fz_check(memchr(bi.release, '\0', sizeof(bi.release)),
			 "an unterminated release");
	}
#endif
	arm64_image_parse("fuzz", data, size, &ih);
	if (!arm64_image_load(&g_arm64, "fuzz", data, size, initrd, sizeof(initrd),
			      &ab)) {
		fz_check(in(&g_arm64, ab.entry, ab.entry + size),
			 "an Image placed outside RAM");
		fz_check(in(&g_arm64, ab.initrd_start, ab.initrd_start + ab.initrd_size),
			 "an initrd placed outside RAM");
		fz_check(ab.dtb >= ab.kernel_end && in(&g_arm64, ab.dtb, ab.dtb + (2u << 20)),
			 "no room for the device tree");
	}
	return 0;
}
