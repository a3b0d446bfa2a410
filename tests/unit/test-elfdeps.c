// SPDX-License-Identifier: MIT
/* The ELF resolver: crafted sysroots for every search rule and every kind
 * of broken file, and real host programs against the dynamic loader. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "elfcraft.h"
#include "../../src/image/elfdeps.h"

struct fx {
	char *root;
	struct manifest m;
	struct elfdeps d;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->root = mktemp_dir();
	manifest_init(&f->m, f->root);
	elfdeps_init(&f->d, &f->m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	elfdeps_free(&f->d);
	manifest_free(&f->m);
	rm_rf(f->root);
	free(f->root);
	free(f);
	return 0;
}

static void craft(struct fx *f, const char *rel, const struct craft *c)
{
	free(elfcraft_write(f->root, rel, c));
}

static bool has(struct fx *f, const char *path, enum entry_type t)
{
	struct entry *e = manifest_get(&f->m, path);

	return e && e->type == t;
}

#define A64 .machine = EM_AARCH64, .elfclass = ELFCLASS64
#define INTERP "/lib/ld-linux-aarch64.so.1"

/* A Debian-style arm64 sysroot: multiarch directories, merged /usr. */
static void arm64_base(struct fx *f)
{
	mkdir_at(f->root, "usr/lib/aarch64-linux-gnu");
	symlink_at(f->root, "lib", "usr/lib");
	craft(f, "usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
	      &(struct craft){ A64, .soname = "ld-linux-aarch64.so.1" });
	symlink_at(f->root, "usr/lib/ld-linux-aarch64.so.1",
		   "aarch64-linux-gnu/ld-linux-aarch64.so.1");
	craft(f, "usr/lib/aarch64-linux-gnu/libc.so.6",
	      &(struct craft){ A64, .soname = "libc.so.6",
			       .needed = { "ld-linux-aarch64.so.1" } });
}

static void test_foreign_multiarch(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	/* libfoo.so.1 -> libfoo.so.1.2.3, and a wrong-class copy earlier in
	 * the search order that must be skipped. */
	craft(f, "usr/lib/aarch64-linux-gnu/libfoo.so.1.2.3",
	      &(struct craft){ A64, .soname = "libfoo.so.1",
			       .needed = { "libc.so.6" } });
	symlink_at(f->root, "usr/lib/aarch64-linux-gnu/libfoo.so.1",
		   "libfoo.so.1.2.3");
	mkdir_at(f->root, "etc");
	write_at(f->root, "etc/ld.so.conf", "/opt/early\n", 11, 0644);
	craft(f, "opt/early/libfoo.so.1",
	      &(struct craft){ .machine = EM_AARCH64, .elfclass = ELFCLASS32 });
	craft(f, "usr/bin/hello",
	      &(struct craft){ A64, .interp = INTERP,
			       .needed = { "libfoo.so.1", "libc.so.6" } });

	assert_int_equal(elfdeps_add_program(&f->d, "/usr/bin/hello", NULL), 0);
	assert_int_equal(manifest_finalize(&f->m), 0);
	assert_true(has(f, "/usr/bin/hello", ENTRY_FILE));
	assert_true(has(f, "/lib", ENTRY_SLINK));
	assert_true(has(f, "/usr/lib/ld-linux-aarch64.so.1", ENTRY_SLINK));
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
			ENTRY_FILE));
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/libfoo.so.1", ENTRY_SLINK));
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/libfoo.so.1.2.3",
			ENTRY_FILE));
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/libc.so.6", ENTRY_FILE));
	assert_null(manifest_get(&f->m, "/opt/early/libfoo.so.1"));
}

/* Absolute symlinks inside a sysroot point inside it (/etc/alternatives
 * style), never at the host's files. */
static void test_sysroot_absolute_symlinks(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	craft(f, "opt/real/libalt.so.1", &(struct craft){ A64 });
	symlink_at(f->root, "usr/lib/aarch64-linux-gnu/libalt.so.1", "/etc/alternatives/libalt");
	symlink_at(f->root, "etc/alternatives/libalt", "/opt/real/libalt.so.1");
	craft(f, "usr/bin/alt", &(struct craft){ A64, .interp = INTERP,
						 .needed = { "libalt.so.1" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/usr/bin/alt", NULL), 0);
	assert_true(has(f, "/opt/real/libalt.so.1", ENTRY_FILE));
	assert_true(has(f, "/etc/alternatives/libalt", ENTRY_SLINK));
}

static void test_runpath_origin_lib_platform(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	craft(f, "app/lib/liba.so", &(struct craft){ A64, .soname = "liba.so" });
	craft(f, "usr/lib/aarch64-linux-gnu/x/libb.so", &(struct craft){ A64 });
	craft(f, "plat/aarch64/libc2.so", &(struct craft){ A64 });
	craft(f, "app/bin/tool",
	      &(struct craft){ A64, .interp = INTERP,
			       .runpath = "$ORIGIN/../lib:/${LIB}/x:/plat/$PLATFORM",
			       .needed = { "liba.so", "libb.so", "libc2.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/app/bin/tool", NULL), 0);
	assert_true(has(f, "/app/lib/liba.so", ENTRY_FILE));
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/x/libb.so", ENTRY_FILE));
	assert_true(has(f, "/plat/aarch64/libc2.so", ENTRY_FILE));
}

/* DT_RPATH is inherited by what the object loads; DT_RUNPATH is not, and
 * an object with DT_RUNPATH ignores its own DT_RPATH. */
static void test_rpath_inheritance(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	craft(f, "r/libdeep.so", &(struct craft){ A64 });
	craft(f, "r/libmid.so", &(struct craft){ A64, .needed = { "libdeep.so" } });
	craft(f, "bin/withrpath",
	      &(struct craft){ A64, .interp = INTERP, .rpath = "/r",
			       .needed = { "libmid.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/bin/withrpath", NULL), 0);
	assert_true(has(f, "/r/libdeep.so", ENTRY_FILE));

	craft(f, "q/libmid2.so", &(struct craft){ A64, .needed = { "libdeep2.so" } });
	craft(f, "q/libdeep2.so", &(struct craft){ A64 });
	craft(f, "bin/withrunpath",
	      &(struct craft){ A64, .interp = INTERP, .runpath = "/q",
			       .needed = { "libmid2.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/bin/withrunpath", NULL),
			 -EINVAL);

	craft(f, "bin/both",
	      &(struct craft){ A64, .interp = INTERP, .rpath = "/r",
			       .runpath = "/nowhere", .needed = { "libdeep.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/bin/both", NULL), -EINVAL);
}

/* A library already loaded under its SONAME satisfies a later DT_NEEDED,
 * even when that name would not be found by searching. */
static void test_soname_already_loaded(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	craft(f, "p/libx.so.9", &(struct craft){ A64, .soname = "libalias.so" });
	craft(f, "p/liby.so", &(struct craft){ A64, .needed = { "libalias.so" } });
	craft(f, "bin/s", &(struct craft){ A64, .interp = INTERP, .rpath = "/p",
					   .needed = { "libx.so.9", "liby.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/bin/s", NULL), 0);
	assert_true(has(f, "/p/liby.so", ENTRY_FILE));
}

static void test_ld_so_conf_include(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	write_at(f->root, "etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n",
		 33, 0644);
	write_at(f->root, "etc/ld.so.conf.d/a.conf", "# c\n/opt/a, /opt/b\n", 19,
		 0644);
	craft(f, "opt/b/libconf.so", &(struct craft){ A64 });
	craft(f, "bin/c", &(struct craft){ A64, .interp = INTERP,
					   .needed = { "libconf.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/bin/c", NULL), 0);
	assert_true(has(f, "/opt/b/libconf.so", ENTRY_FILE));
}

static void test_missing_library(void **state)
{
	struct fx *f = *state;

	arm64_base(f);
	craft(f, "bin/m", &(struct craft){ A64, .interp = INTERP,
					   .needed = { "libnothere.so.3" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/bin/m", NULL), -EINVAL);
	/* The interpreter is missing too in this one. */
	craft(f, "bin/n", &(struct craft){ A64, .interp = "/lib/ld-none.so" });
	assert_true(elfdeps_add_program(&f->d, "/bin/n", NULL) < 0);
}

/* add_program fails with -EINVAL and exactly this one-line error. */
static void expect_error(struct fx *f, const char *prog, const char *msg)
{
	struct capture c;
	char *err, *want;

	capture_begin(&c);
	assert_int_equal(elfdeps_add_program(&f->d, prog, NULL), -EINVAL);
	err = capture_end(&c);
	want = xasprintf("tinyrd: error: %s\n", msg);
	assert_string_equal(err, want);
	free(want);
	free(err);
}

/* A file by the needed name that is no ELF file (bad magic, too short)
 * is named in the error, as glibc says "invalid ELF header"; one of
 * another machine is skipped without a word, and a good one later in the
 * search order is used. */
static void test_library_not_elf(void **state)
{
	struct fx *f = *state;
	static const char text[] = "INPUT(-lfake)\n";	/* a linker script */
	static const char shorty[] = "\177ELF\002\001";

	arm64_base(f);
	mkdir_at(f->root, "etc");
	write_at(f->root, "etc/ld.so.conf", "/opt/early\n", 11, 0644);
	/* Named as the loader first tries it: /lib/<triplet>, here a link
	 * to /usr/lib/<triplet>. */
	write_at(f->root, "usr/lib/aarch64-linux-gnu/libtfake.so", text,
		 sizeof(text) - 1, 0644);
	craft(f, "x/needsfake", &(struct craft){ A64, .interp = INTERP,
						 .needed = { "libtfake.so" } });
	expect_error(f, "/x/needsfake", "libtfake.so: "
		     "/lib/aarch64-linux-gnu/libtfake.so: not an ELF file "
		     "(needed by /x/needsfake)");

	write_at(f->root, "usr/lib/aarch64-linux-gnu/libtshort.so", shorty,
		 sizeof(shorty) - 1, 0644);
	craft(f, "x/needsshort", &(struct craft){ A64, .interp = INTERP,
						  .needed = { "libtshort.so" } });
	expect_error(f, "/x/needsshort", "libtshort.so: "
		     "/lib/aarch64-linux-gnu/libtshort.so: not an ELF file "
		     "(needed by /x/needsshort)");

	/* Another machine only: skipped, so simply not found. */
	craft(f, "usr/lib/aarch64-linux-gnu/libtx86.so", &(struct craft){ 0 });
	craft(f, "x/needsx86", &(struct craft){ A64, .interp = INTERP,
						.needed = { "libtx86.so" } });
	expect_error(f, "/x/needsx86",
		     "libtx86.so: library not found (needed by /x/needsx86)");

	/* Not ELF in /opt/early (ld.so.conf), a good one in the multiarch
	 * directory later in the search: that one is used. */
	write_at(f->root, "opt/early/libtlater.so", text, sizeof(text) - 1, 0644);
	craft(f, "usr/lib/aarch64-linux-gnu/libtlater.so",
	      &(struct craft){ A64, .soname = "libtlater.so" });
	craft(f, "x/needslater", &(struct craft){ A64, .interp = INTERP,
						  .needed = { "libtlater.so" } });
	assert_int_equal(elfdeps_add_program(&f->d, "/x/needslater", NULL), 0);
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/libtlater.so", ENTRY_FILE));
	assert_null(manifest_get(&f->m, "/opt/early/libtlater.so"));
}

static void test_scripts(void **state)
{
	struct fx *f = *state;
	static const char env_script[] = "#!/usr/bin/env -S python9 -u\nprint()\n";
	static const char loop[] = "#!/s/loop\n";
	static const char rel[] = "#!interp\n";

	arm64_base(f);
	craft(f, "usr/bin/env", &(struct craft){ A64, .interp = INTERP });
	craft(f, "usr/bin/python9", &(struct craft){ A64, .interp = INTERP,
						     .needed = { "libc.so.6" } });
	write_at(f->root, "s/tool", env_script, sizeof(env_script) - 1, 0755);
	assert_int_equal(elfdeps_add_program(&f->d, "/s/tool", NULL), 0);
	assert_true(has(f, "/s/tool", ENTRY_FILE));
	assert_true(has(f, "/usr/bin/env", ENTRY_FILE));
	assert_true(has(f, "/usr/bin/python9", ENTRY_FILE));
	assert_true(has(f, "/usr/lib/aarch64-linux-gnu/libc.so.6", ENTRY_FILE));

	write_at(f->root, "s/loop", loop, sizeof(loop) - 1, 0755);
	assert_int_equal(elfdeps_add_program(&f->d, "/s/loop", NULL), -EINVAL);
	write_at(f->root, "s/rel", rel, sizeof(rel) - 1, 0755);
	assert_int_equal(elfdeps_add_program(&f->d, "/s/rel", NULL), -EINVAL);
}

static void test_path_lookup(void **state)
{
	struct fx *f = *state;
	char *p;

	arm64_base(f);
	craft(f, "usr/sbin/daemon9", &(struct craft){ A64 });
	p = elfdeps_which(&f->d, "daemon9", false);
	assert_non_null(p);
	assert_string_equal(p, "/usr/sbin/daemon9");
	free(p);
	assert_null(elfdeps_which(&f->d, "no-such-program-9", false));
	/* A host path under the sysroot names the file inside it. */
	p = xasprintf("%s/usr/sbin/daemon9", f->root);
	assert_int_equal(elfdeps_add_program(&f->d, p, NULL), 0);
	free(p);
	assert_true(has(f, "/usr/sbin/daemon9", ENTRY_FILE));
}

static void expect_corrupt(struct fx *f, const struct craft *c)
{
	struct elf_info info;
	char *p = elfcraft_write(f->root, "bad", c);

	assert_int_equal(elf_read(p, &info), -EINVAL);
	free(p);
}

static void test_corrupt(void **state)
{
	struct fx *f = *state;
	struct craft ok = { .interp = "/lib/ld.so", .needed = { "libc.so.6" },
			    .runpath = "/x" };
	struct craft c;
	struct elf_info info;
	char *p;

	p = elfcraft_write(f->root, "good", &ok);
	assert_int_equal(elf_read(p, &info), 0);
	assert_string_equal(info.interp, "/lib/ld.so");
	assert_int_equal(info.needed.n, 1);
	assert_string_equal(info.needed.v[0], "libc.so.6");
	assert_string_equal(info.runpath, "/x");
	assert_int_equal(info.machine, EM_X86_64);
	elf_info_free(&info);
	free(p);

	c = ok; c.truncate = 40; expect_corrupt(f, &c);
	c = ok; c.truncate = 100; expect_corrupt(f, &c);
	c = ok; c.phdrs_outside = true; expect_corrupt(f, &c);
	c = ok; c.interp_outside = true; expect_corrupt(f, &c);
	c = ok; c.strtab_outside = true; expect_corrupt(f, &c);
	c = ok; c.needed_out_of_range = true; expect_corrupt(f, &c);
	c = ok; c.unterminated = true; expect_corrupt(f, &c);
	c = ok; c.bad_class = 7; expect_corrupt(f, &c);

	/* 32-bit files parse as well. */
	c = ok; c.elfclass = ELFCLASS32; c.machine = EM_386;
	p = elfcraft_write(f->root, "good32", &c);
	assert_int_equal(elf_read(p, &info), 0);
	assert_int_equal(info.elfclass, ELFCLASS32);
	assert_string_equal(info.needed.v[0], "libc.so.6");
	elf_info_free(&info);
	free(p);

	/* Not ELF at all: -ENOEXEC, for the caller to word. */
	write_at(f->root, "text", "hello\n", 6, 0755);
	p = path_join(f->root, "text");
	assert_int_equal(elf_read(p, &info), -ENOEXEC);
	free(p);
	assert_int_equal(elfdeps_add_program(&f->d, "/text", NULL), -EINVAL);
}

/* Real programs on this host: the set of files must be what ld.so maps
 * (LD_TRACE_LOADED_OBJECTS prints it without running the program). */
static void test_host_programs_match_loader(void **state)
{
	static const char *const progs[] = {
		"/usr/bin/bash", "/usr/bin/strace", "/usr/bin/qemu-system-x86_64",
		"/usr/bin/git", "/usr/bin/gdb", "/usr/bin/perl",
	};
	int tested = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		struct manifest m;
		struct elfdeps d;
		struct buf ours = { 0 };
		char *cmd, *theirs;

		if (access(progs[i], X_OK))
			continue;
		manifest_init(&m, "");
		elfdeps_init(&d, &m);
		assert_int_equal(elfdeps_add_program(&d, progs[i], NULL), 0);
		assert_int_equal(manifest_finalize(&m), 0);
		for (size_t k = 0; k < m.n; k++) {
			char *real;

			if (m.v[k]->type != ENTRY_FILE)
				continue;
			real = realpath(m.v[k]->source, NULL);
			buf_printf(&ours, "%s\n", real);
			free(real);
		}
		cmd = xasprintf("{ echo %s; LD_TRACE_LOADED_OBJECTS=1 %s | "
				"grep -o '/[^ ]*'; } | xargs realpath | sort -u",
				progs[i], progs[i]);
		theirs = run_capture(cmd);
		assert_non_null(theirs);
		free(cmd);
		cmd = xasprintf("printf '%%s' '%s' | sort -u", ours.p);
		{
			char *sorted = run_capture(cmd);

			assert_non_null(sorted);
			assert_string_equal(sorted, theirs);
			free(sorted);
		}
		free(cmd);
		free(theirs);
		buf_free(&ours);
		elfdeps_free(&d);
		manifest_free(&m);
		tested++;
	}
	if (!tested)
		skip_because("none of the programs compared is installed");
}

/* Debian's arm64 cross libc, when installed, is a real foreign sysroot. */
static void test_real_arm64_sysroot(void **state)
{
	struct manifest m;
	struct elfdeps d;

	(void)state;
	if (access("/usr/aarch64-linux-gnu/lib/libc.so.6", R_OK)) {
		skip_because("libc6-arm64-cross is not installed");
	}
	manifest_init(&m, "/usr/aarch64-linux-gnu");
	elfdeps_init(&d, &m);
	assert_int_equal(elfdeps_add_program(&d, "/lib/libresolv.so.2", NULL), 0);
	assert_non_null(manifest_get(&m, "/lib/libc.so.6"));
	assert_non_null(manifest_get(&m, "/lib/ld-linux-aarch64.so.1"));
	elfdeps_free(&d);
	manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_foreign_multiarch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysroot_absolute_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runpath_origin_lib_platform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpath_inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soname_already_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ld_so_conf_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_library_not_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scripts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test(test_host_programs_match_loader),
		cmocka_unit_test(test_real_arm64_sysroot),
	};

	log_level = LOG_QUIET;
	return cmocka_run_group_tests_name("elfdeps", tests, NULL, NULL);
}
