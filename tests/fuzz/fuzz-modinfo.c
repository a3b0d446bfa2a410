// SPDX-License-Identifier: MIT
/*
 * What tinyrd reads of kernel modules itself, beside libkmod: a module's
 * .modinfo section (src/image/elfread.c, elf_modinfo: its firmware) and
 * the modules directory's text files that the image's modprobe files are
 * made from (src/image/modfiles.c, with the index writer and alias keys
 * of src/image/modindex.c).
 *
 * Input: a byte whose bit 0 picks
 *
 *   0  the rest is a module (an ELF file) whose .modinfo values of
 *      "firmware", "alias" and "depends" are read;
 *   1  the rest is up to eight parts, each with a u16 length in front:
 *      modules.order, .alias, .symbols, .softdep, .weakdep, .devname,
 *      .builtin and .builtin.modinfo of a modules directory (an empty
 *      part: no such file), from which the files are made for three
 *      modules (ext4, which needs crc16, and virtio_blk).
 *
 * Checked beyond the sanitizers: a modinfo value holds no NUL-less end
 * (each is a C string within the section).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../src/image/elfread.h"
#include "../../src/image/manifest.h"
#include "../../src/image/modfiles.h"

static const char *const files[] = {
	"modules.order", "modules.alias", "modules.symbols", "modules.softdep",
	"modules.weakdep", "modules.devname", "modules.builtin",
	"modules.builtin.modinfo",
};

static void modinfo(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "firmware", "alias", "depends" };
	/* libelf may write to what it reads (elf_memory takes char *). */
	char *copy = xmalloc(size ? size : 1);

	memcpy(copy, data, size);
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		struct strv out = { 0 };

		if (!elf_modinfo(copy, size, keys[k], &out))
			for (size_t i = 0; i < out.n; i++)
				fz_check(strlen(out.v[i]) < size, "a value longer than the module");
		strv_free(&out);
	}
	free(copy);
}

static void modfiles(struct fz *f)
{
	static char *dir;
	static struct modfiles_mod mods[3] = {
		{ .name = "ext4", .path = "kernel/fs/ext4/ext4.ko" },
		{ .name = "crc16", .path = "kernel/lib/crc16.ko" },
		{ .name = "virtio_blk", .path = "kernel/drivers/block/virtio_blk.ko" },
	};
	struct manifest m;

	if (!dir) {
		dir = path_join(fz_dir(), "modules");
		strv_push(&mods[0].deps, "kernel/lib/crc16.ko");
		strv_push(&mods[0].bbdeps, "kernel/lib/crc16.ko");
	}
	fz_rm_rf(dir);
	fz_mkdir(dir, "kernel");
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		const uint8_t *p;
		size_t n = fz_part(f, &p);

		if (n)
			fz_write(dir, files[i], p, n, 0644);
	}
	manifest_init(&m, "");
	modfiles_add(&m, dir, "6.1.0-fuzz", mods, 3);
	manifest_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	fz_quiet(false);
	if (fz_u8(&f) & 1)
		modfiles(&f);
	else
		modinfo(f.p, f.n);
	return 0;
}
