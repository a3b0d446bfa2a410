// SPDX-License-Identifier: MIT
/*
 * tinyrd inspect (src/image/inspect.c) of an initrd: its segments
 * (uncompressed cpio, and gzip, bzip2, xz, lzma, lz4, zstd streams,
 * src/image/compress.c), their newc entries (src/image/cpio.c) and the
 * init's configuration they add up to; listed, as JSON, and as the
 * commands' table (src/image/commands.c), as the three ways inspect
 * prints; and the modules configuration that run reads from an image.
 * What they print goes to /dev/null.
 *
 * Input: the image file, whole.
 */
#include <unistd.h>

#include "fuzz.h"
#include "../../src/image/build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = {
		INSPECT_LIST, INSPECT_LIST | INSPECT_JSON, INSPECT_COMMANDS,
	};
	struct buf img = { 0 }, mods = { 0 };
	char path[32];
	bool found;
	int fd;

	fz_quiet(true);
	fd = fz_memfd(data, size, path);
	for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++)
		inspect_image(path, flags[i]);
	buf_add(&img, data, size);
	inspect_modules(path, &img, &mods, &found);
	buf_free(&img);
	buf_free(&mods);
	close(fd);
	return 0;
}
