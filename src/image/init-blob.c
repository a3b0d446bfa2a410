// SPDX-License-Identifier: MIT
/*
 * The tinyrd-init programs this tinyrd carries (initbin.S), one per
 * arch, told apart by their ELF headers' machine.
 */
#include <elf.h>
#include <errno.h>

#include "build.h"
#include "../common/target.h"

extern const char tinyrd_init_start[], tinyrd_init_end[];
extern const char tinyrd_init2_start[], tinyrd_init2_end[];

static const struct {
	const char *start, *end;
} blobs[] = {
	{ tinyrd_init_start, tinyrd_init_end },
	{ tinyrd_init2_start, tinyrd_init2_end },
};

const char *build_init_blob(const struct target *t, size_t *len)
{
	for (size_t i = 0; i < ARRAY_SIZE(blobs); i++) {
		const unsigned char *h = (const unsigned char *)blobs[i].start;
		size_t n = (size_t)(blobs[i].end - blobs[i].start);

		if (n >= sizeof(Elf64_Ehdr) && !memcmp(h, ELFMAG, SELFMAG) &&
		    (unsigned)(h[18] | h[19] << 8) == t->elf_machine) {
			*len = n;
			return blobs[i].start;
		}
	}
	return NULL;
}

int build_init_missing(const struct target *t)
{
	return error("this tinyrd has no tinyrd-init for %s: rebuild it with "
		     "%s-linux-gnu-gcc installed (apt-get install "
		     "gcc-%s-linux-gnu), or give --init FILE", t->name, t->uname,
		     t->uname);
}
