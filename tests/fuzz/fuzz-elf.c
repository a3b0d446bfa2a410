// SPDX-License-Identifier: MIT
/*
 * The ELF dependency reader: src/image/elfread.c (class, machine,
 * PT_INTERP and the dynamic section as the loader reads them; imported
 * symbols) and src/image/elfdeps.c resolving a program inside a sysroot.
 *
 * Input: an ELF file, whole. It is read from a memfd, and is also the
 * sysroot's program, its loader and its libc
 * (/bin/prog, /lib64/ld-linux-x86-64.so.2, /lib/x86_64-linux-gnu/libc.so.6,
 * /lib/libc.so.6; /etc/ld.so.conf names /lib), so whatever it asks for
 * is found and read in turn.
 *
 * Checked beyond the sanitizers: what elf_read returns is either an
 * error with nothing kept, or strings that end.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../src/image/elfdeps.h"
#include "../../src/image/elfread.h"
#include "../../src/image/manifest.h"

static const char *const copies[] = {
	"bin/prog", "lib64/ld-linux-x86-64.so.2",
	"lib/x86_64-linux-gnu/libc.so.6", "lib/libc.so.6",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *root;
	struct elf_info info;
	struct hmap imports = { 0 };
	struct manifest m;
	struct elfdeps d;
	char path[32];
	int fd, r;

	fz_quiet(false);
	if (!root) {
		root = path_join(fz_dir(), "root");
		fz_write(root, "etc/ld.so.conf", "/lib\n", 5, 0644);
	}
	fd = fz_memfd(data, size, path);
	r = elf_read(path, &info);
	if (!r) {
		fz_check(info.elfclass == ELFCLASS32 || info.elfclass == ELFCLASS64,
			 "a class that is neither");
		for (size_t i = 0; i < info.needed.n; i++)
			fz_check(strlen(info.needed.v[i]) > 0, "an empty DT_NEEDED");
		elf_info_free(&info);
	} else {
		fz_check(!info.interp && !info.needed.n, "kept after an error");
	}
	elf_imports(path, &imports);
	hmap_free(&imports);
	close(fd);

	for (size_t i = 0; i < sizeof(copies) / sizeof(*copies); i++)
		fz_write(root, copies[i], data, size, 0755);
	manifest_init(&m, root);
	elfdeps_init(&d, &m);
	if (!elfdeps_add_program(&d, "/bin/prog", NULL)) {
		char *host = path_join(root, "bin/prog");
		const struct elf_info *pi = elfdeps_info(&d, host);

		if (pi)
			elfdeps_multiarch(&d, pi);
		free(host);
	}
	elfdeps_free(&d);
	manifest_free(&m);
	return 0;
}
