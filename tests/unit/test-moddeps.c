// SPDX-License-Identifier: MIT
/* The module resolver on a fixture tree (tests/fixtures/modtree.sh) and,
 * when the tests' kernel is there, on Debian's real tree against modprobe. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"
#include "../../src/image/moddeps.h"

#define KVER "9.9.9-test"

static char *tree;	/* a sysroot with lib/modules/KVER and lib/firmware */

static const char *srcdir(void)
{
	const char *s = getenv("TINYRD_SRCDIR");

	return s && *s ? s : ".";
}

static int group_setup(void **state)
{
	char *cmd;
	int r;

	(void)state;
	tree = mktemp_dir();
	cmd = xasprintf("%s/tests/fixtures/modtree.sh %s %s >/dev/null 2>&1",
			srcdir(), tree, KVER);
	r = system(cmd);
	free(cmd);
	return r ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rm_rf(tree);
	free(tree);
	return 0;
}

struct fx {
	struct manifest m;
	struct moddeps *d;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	manifest_init(&f->m, tree);
	assert_int_equal(moddeps_open(&f->d, &f->m, NULL, KVER), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	moddeps_close(f->d);
	manifest_free(&f->m);
	free(f);
	return 0;
}

#define MOD "/lib/modules/" KVER "/kernel/fixture/"

/* Dependencies first (modules.dep order), pre-softdeps before the module,
 * post-softdeps after it; found by alias. */
static void test_order(void **state)
{
	struct fx *f = *state;
	size_t len;

	assert_int_equal(moddeps_add(f->d, "fixture-alias-a", "opt=1"), 0);
	assert_string_equal(moddeps_config(f->d, &len),
			    "fixe " MOD "fixe.ko\n"
			    "fixb " MOD "fixb.ko\n"
			    "fixc " MOD "fixc.ko\n"
			    "fixa " MOD "fixa.ko opt=1\n"
			    "fixd " MOD "fixd.ko\n");
	/* Asking again changes nothing. */
	assert_int_equal(moddeps_add(f->d, "fixa", NULL), 0);
	assert_int_equal(moddeps_add(f->d, "fixe", NULL), 0);
	assert_string_equal(moddeps_config(f->d, &len),
			    "fixe " MOD "fixe.ko\n"
			    "fixb " MOD "fixb.ko\n"
			    "fixc " MOD "fixc.ko\n"
			    "fixa " MOD "fixa.ko opt=1\n"
			    "fixd " MOD "fixd.ko\n");
	assert_int_equal(strlen(moddeps_config(f->d, &len)), len);
}

/* Compressed modules are stored decompressed, under the name without the
 * suffix, with the compressed file as their source. */
static void test_compressed(void **state)
{
	struct fx *f = *state;
	struct entry *e;

	assert_int_equal(moddeps_add(f->d, "fixc", NULL), 0);
	assert_int_equal(moddeps_add(f->d, "fixd", NULL), 0);
	e = manifest_get(&f->m, MOD "fixc.ko");
	assert_non_null(e);
	assert_true(e->decompress);
	assert_true(str_ends(e->source, "fixc.ko.xz"));
	e = manifest_get(&f->m, MOD "fixd.ko");
	assert_non_null(e);
	assert_true(e->decompress);
	assert_null(manifest_get(&f->m, MOD "fixd.ko.zst"));
}

static void test_firmware(void **state)
{
	struct fx *f = *state;

	assert_int_equal(moddeps_add(f->d, "fixa", NULL), 0);
	assert_non_null(manifest_get(&f->m, "/lib/firmware/tinyrd/fixa.bin"));
	assert_null(manifest_get(&f->m, "/lib/firmware/tinyrd/absent.bin"));
}

static void test_builtin_and_unknown(void **state)
{
	struct fx *f = *state;
	size_t len;

	assert_int_equal(moddeps_add(f->d, "fixbuiltin", NULL), 0);
	moddeps_config(f->d, &len);
	assert_int_equal(len, 0);
	assert_int_equal(moddeps_add(f->d, "no_such_module", NULL), -EINVAL);
}

/* What a VMM's devices need: added when a module, quietly skipped when
 * built in or absent. */
static void test_add_if_module(void **state)
{
	struct fx *f = *state;
	struct capture c;
	size_t len;
	char *err;

	capture_begin(&c);
	log_level = LOG_NORMAL;
	assert_int_equal(moddeps_add_if_module(f->d, "fixbuiltin"), 0);
	assert_int_equal(moddeps_add_if_module(f->d, "no_such_module"), 0);
	assert_int_equal(moddeps_add_if_module(f->d, "fixb"), 0);
	log_level = LOG_QUIET;
	err = capture_end(&c);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(moddeps_config(f->d, &len),
			    "fixe " MOD "fixe.ko\nfixb " MOD "fixb.ko\n");
	assert_true(moddeps_exists(&f->m, NULL, KVER));
	assert_false(moddeps_exists(&f->m, NULL, "0.0-none"));
}

/* For modprobe only: in the image, out of the init's list until a module
 * is asked for with what it needs. */
static void test_noload(void **state)
{
	struct fx *f = *state;
	size_t len;

	assert_int_equal(moddeps_add_noload(f->d, "fixture-alias-a"), 0);
	assert_non_null(manifest_get(&f->m, MOD "fixa.ko"));
	assert_non_null(manifest_get(&f->m, MOD "fixc.ko"));
	assert_non_null(manifest_get(&f->m, MOD "fixd.ko"));
	moddeps_config(f->d, &len);
	assert_int_equal(len, 0);
	assert_int_equal(moddeps_add(f->d, "fixb", NULL), 0);
	assert_string_equal(moddeps_config(f->d, &len),
			    "fixe " MOD "fixe.ko\nfixb " MOD "fixb.ko\n");
	assert_int_equal(moddeps_add(f->d, "fixa", "opt=1"), 0);
	assert_string_equal(moddeps_config(f->d, &len),
			    "fixe " MOD "fixe.ko\n"
			    "fixb " MOD "fixb.ko\n"
			    "fixc " MOD "fixc.ko\n"
			    "fixa " MOD "fixa.ko opt=1\n"
			    "fixd " MOD "fixd.ko\n");
	assert_int_equal(moddeps_add_noload(f->d, "fixg"), 0);
	assert_null(strstr(moddeps_config(f->d, &len), "fixg"));
}

static void assert_same_file(struct fx *f, const char *name)
{
	char *img = xasprintf("/lib/modules/" KVER "/%s", name);
	char *host = xasprintf("%s/lib/modules/" KVER "/%s", tree, name);
	struct entry *e = manifest_get(&f->m, img);
	struct buf b = { 0 };

	if (!e)
		fail_msg("no %s", img);
	assert_int_equal(read_file(host, &b), 0);
	if (e->size != b.len || memcmp(e->data, b.p, b.len))
		fail_msg("%s differs from depmod's", img);
	buf_free(&b);
	free(host);
	free(img);
}

/* The whole tree asked for: the modprobe files are depmod's own, but
 * for the modules' names (stored decompressed) and BusyBox's
 * modules.dep, where fixa's pre-softdep fixc comes with its
 * dependencies (its post-softdep fixd cannot). */
static void test_modprobe_files(void **state)
{
	static const char *const all[] = {
		"fixa", "fixb", "fixc", "fixd", "fixe", "fixg",
	};
	static const char *const same[] = {
		"modules.alias", "modules.alias.bin", "modules.symbols",
		"modules.symbols.bin", "modules.softdep", "modules.builtin.bin",
		"modules.builtin.alias.bin",
	};
	struct fx *f = *state;
	struct entry *e;

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		assert_int_equal(moddeps_add_noload(f->d, all[i]), 0);
	assert_int_equal(moddeps_modprobe_files(f->d), 0);
	e = manifest_get(&f->m, "/lib/modules/" KVER "/modules.dep");
	assert_non_null(e);
	assert_string_equal(e->data,
			    "kernel/fixture/fixe.ko:\n"
			    "kernel/fixture/fixb.ko: kernel/fixture/fixe.ko\n"
			    "kernel/fixture/fixc.ko:\n"
			    "kernel/fixture/fixd.ko:\n"
			    "kernel/fixture/fixa.ko: kernel/fixture/fixc.ko "
			    "kernel/fixture/fixb.ko kernel/fixture/fixe.ko\n"
			    "kernel/fixture/fixg.ko:\n");
	e = manifest_get(&f->m, "/lib/modules/" KVER "/modules.order");
	assert_non_null(e);
	assert_string_equal(e->data,
			    "kernel/fixture/fixe.ko\nkernel/fixture/fixb.ko\n"
			    "kernel/fixture/fixc.ko\nkernel/fixture/fixd.ko\n"
			    "kernel/fixture/fixa.ko\nkernel/fixture/fixg.ko\n");
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		assert_same_file(f, same[i]);
	e = manifest_get(&f->m, "/lib/modules/" KVER "/modules.builtin");
	assert_non_null(e);
	assert_true(str_ends(e->source, "/modules.builtin"));
	assert_non_null(manifest_get(&f->m, "/lib/modules/" KVER "/modules.dep.bin"));
}

/* A part of the tree: only its lines. */
static void test_modprobe_files_subset(void **state)
{
	struct fx *f = *state;
	struct entry *e;

	assert_int_equal(moddeps_add(f->d, "fixb", NULL), 0);
	assert_int_equal(moddeps_modprobe_files(f->d), 0);
	e = manifest_get(&f->m, "/lib/modules/" KVER "/modules.dep");
	assert_string_equal(e->data, "kernel/fixture/fixe.ko:\n"
			    "kernel/fixture/fixb.ko: kernel/fixture/fixe.ko\n");
	e = manifest_get(&f->m, "/lib/modules/" KVER "/modules.symbols");
	assert_string_equal(e->data,
			    "# Aliases for symbols, used by symbol_request().\n"
			    "alias symbol:fixb_fn fixb\nalias symbol:fixe_fn fixe\n");
	e = manifest_get(&f->m, "/lib/modules/" KVER "/modules.alias");
	assert_string_equal(e->data, "# Aliases extracted from modules themselves.\n");
	assert_null(manifest_get(&f->m, MOD "fixa.ko"));
}

static void test_missing_dir(void **state)
{
	struct manifest m;
	struct moddeps *d = NULL;

	(void)state;
	manifest_init(&m, tree);
	assert_int_equal(moddeps_open(&d, &m, NULL, "0.0.0-none"), -ENOENT);
	assert_int_equal(moddeps_open(&d, &m, "/nonexistent/dir", KVER), -ENOENT);
	assert_null(d);
	manifest_free(&m);
}

/* --moddir accepts the directory itself, or an INSTALL_MOD_PATH. */
static void test_moddir_forms(void **state)
{
	char *dir = xasprintf("%s/lib/modules/%s", tree, KVER);
	struct manifest m;
	struct moddeps *d;
	size_t len;

	(void)state;
	manifest_init(&m, "");
	assert_int_equal(moddeps_open(&d, &m, dir, KVER), 0);
	assert_int_equal(moddeps_add(d, "fixb", NULL), 0);
	assert_string_equal(moddeps_config(d, &len),
			    "fixe " MOD "fixe.ko\nfixb " MOD "fixb.ko\n");
	moddeps_close(d);
	assert_int_equal(moddeps_open(&d, &m, tree, KVER), 0);
	moddeps_close(d);
	manifest_free(&m);
	free(dir);
}

/* The same order modprobe prints, deduplicated, with no configuration. */
static char *modprobe_order(const char *root, const char *kver, const char *mod)
{
	char *cmd = xasprintf("modprobe -C /dev/null -d %s -S %s --show-depends %s"
			      " | awk '$1 == \"insmod\" { sub(\"^%s\", \"\", $2); "
			      "sub(\"[.](xz|zst|gz)$\", \"\", $2); "
			      "if (!seen[$2]++) print $2 }'",
			      root, kver, mod, root);
	char *out = run_capture(cmd);

	free(cmd);
	return out;
}

static char *our_order(struct moddeps *d)
{
	struct buf b = { 0 };
	size_t len;
	char *conf = xstrdup(moddeps_config(d, &len)), *save = NULL;

	for (char *l = strtok_r(conf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *path = strchr(l, ' ') + 1;

		buf_printf(&b, "%.*s\n", (int)strcspn(path, " "), path);
	}
	free(conf);
	buf_reserve(&b, 0);
	return buf_detach(&b, NULL);
}

static void compare_with_modprobe(const char *root, const char *kver,
				  const char *const *mods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct manifest m;
		struct moddeps *d;
		char *theirs, *ours;

		manifest_init(&m, root);
		assert_int_equal(moddeps_open(&d, &m, NULL, kver), 0);
		assert_int_equal(moddeps_add(d, mods[i], NULL), 0);
		theirs = modprobe_order(root, kver, mods[i]);
		assert_non_null(theirs);
		ours = our_order(d);
		if (strcmp(ours, theirs))
			print_error("module %s:\nours:\n%stheirs:\n%s", mods[i],
				    ours, theirs);
		assert_string_equal(ours, theirs);
		free(ours);
		free(theirs);
		moddeps_close(d);
		manifest_free(&m);
	}
}

static void test_fixture_matches_modprobe(void **state)
{
	static const char *const mods[] = { "fixa", "fixture-alias-a", "fixb", "fixc" };

	(void)state;
	if (!have_program("modprobe"))
		skip_because("no modprobe (kmod) to compare with");
	compare_with_modprobe(tree, KVER, mods, ARRAY_SIZE(mods));
}

/* Debian's kernel: modules with long dependency chains, softdeps from
 * modules.softdep, aliases. TINYRD_KERNEL_DIR comes from
 * tests/fixtures/kernel.sh via tests/run. */
static void test_debian_matches_modprobe(void **state)
{
	static const char *const mods[] = {
		"9p", "9pnet_virtio", "ext4", "ext2", "virtio_pci", "virtio_blk",
		"virtio_net", "virtio_console", "kvm_amd", "kvm_intel", "ohci_pci",
		"uhci_hcd", "btrfs", "xfs", "nfsv4", "fuse", "virtiofs", "e1000e",
		"snd_hda_intel", "i915", "overlay", "loop", "dm_crypt", "vhost_net",
		"tun", "bridge", "crypto-crc32c", "fs-vfat", "nvme", "xhci_pci",
	};
	const char *dir = kernel_fixture();
	char *kver, *p;
	struct buf b = { 0 };

	(void)state;
	if (!dir)
		skip_because("no Debian kernel: %s", kernel_fixture_why());
	if (!have_program("modprobe"))
		skip_because("no modprobe (kmod) to compare with");
	p = path_join(dir, "kver");
	assert_int_equal(read_file(p, &b), 0);
	free(p);
	kver = xstrndup(b.p, strcspn(b.p, "\n"));
	compare_with_modprobe(dir, kver, mods, ARRAY_SIZE(mods));
	free(kver);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_firmware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_if_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modprobe_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modprobe_files_subset, setup, teardown),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_moddir_forms),
		cmocka_unit_test(test_fixture_matches_modprobe),
		cmocka_unit_test(test_debian_matches_modprobe),
	};

	log_level = LOG_QUIET;
	return cmocka_run_group_tests_name("moddeps", tests, group_setup,
					   group_teardown);
}
