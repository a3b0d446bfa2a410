# tinyrd - build tiny initrds and run commands in a guest kernel
#
# Targets:
#   all (default)  build ./tinyrd
#   check          install missing test packages (as root), build, run every
#                  test; ends with "N passed, N failed[, N skipped]"
#   deps           install what is missing with apt-get (root), else list it
#   bisect-test    the long test: a real kernel bisection over Debian's
#                  linux-source-6.1 (tests/long/bisect.sh; ~15 min cold)
#   fuzz           build the libFuzzer targets (tests/fuzz/, clang) and run
#                  each for FUZZ_S seconds; new inputs and crashes go to
#                  $(O)/fuzz/run/, not the tree (tests/fuzz/README.md)
#   fuzz-campaign  fuzz with FUZZ_S=3600 FUZZ_RUNS=10000000 FUZZ_J=2: each
#                  target to 10 million runs or an hour (~3.5 hours here)
#   fuzz-targets   only build them (check does, when clang can)
#   demo           the README's main job: build tinyrd and an image, boot it
#   install, uninstall, clean
#
# Knobs (make VAR=value):
#   O=DIR          where objects, tinyrd-init and the test programs go
#                  (default build; ./tinyrd stays at the top)
#   V=1            print whole commands
#   WERROR=1       warnings are errors (CI)
#   T=PATTERN      with check: only tests whose file name contains PATTERN
#   SANITIZE=...   sanitizers for the unit tests (default address,undefined;
#                  empty disables)
#   PREFIX=/usr/local, DESTDIR=, bindir, libexecdir, datadir, mandir,
#   completionsdir (bash completion)
#   CROSS_COMPILE  a target prefix: make CROSS_COMPILE=aarch64-linux-gnu-
#                  builds an arm64 tinyrd against Debian's multiarch arm64
#                  -dev libraries (CC, PKG_CONFIG and the arch follow), as
#                  $(O)/tinyrd (use an O of its own: O=build/arm64)
#   FUZZ_S=60      with fuzz: seconds per target
#   FUZZ_RUNS=N    with fuzz: also stop a target after N executions
#   FUZZ_J=1       with fuzz: targets run at a time (one core each)
#   FUZZ_TARGETS   with fuzz: which targets (default every tests/fuzz/fuzz-*.c)
#   FUZZ_CC=clang  the compiler of the fuzz targets and their objects
#                  ($(O)/fuzz/), with -fsanitize=fuzzer,address,undefined
#   CC, CFLAGS, LDFLAGS, PKG_CONFIG
#   LIBFDT         how to link libfdt (arm64's launcher builds device trees;
#                  default: pkg-config's, else -l:libfdt.so.1, which needs
#                  only the runtime package libfdt1 of the target)
#   INIT_CC        compiler for the static tinyrd-init (default musl-gcc when
#                  installed, else $(CC) -static)
#   INIT2_CC       compiler for the other arch's tinyrd-init (default
#                  aarch64-linux-gnu-gcc -static on x86_64, and the other
#                  way round, when installed; empty: none)

VERSION = 0.1.0

PREFIX ?= /usr/local
bindir ?= $(PREFIX)/bin
libexecdir ?= $(PREFIX)/libexec
datadir ?= $(PREFIX)/share
mandir ?= $(datadir)/man
completionsdir ?= $(datadir)/bash-completion/completions

O ?= build
ifeq ($(filter-out . ./ /,$(O)),)
$(error O=$(O): the objects need a directory of their own)
endif
CROSS_COMPILE ?=
ifneq ($(CROSS_COMPILE),)
# make's built-in CC (cc) gives way to the cross compiler; one given on
# the command line or in the environment stays.
ifeq ($(origin CC),default)
CC = $(CROSS_COMPILE)gcc
endif
endif
CC ?= cc
CFLAGS ?= -O2 -g
# The target's triplet (aarch64-linux-gnu) picks the arch and, when
# cross compiling, the multiarch pkg-config files.
TARGET := $(shell $(CC) -dumpmachine 2>/dev/null)
TARGET_CPU := $(firstword $(subst -, ,$(TARGET)))
ifneq ($(CROSS_COMPILE),)
PKG_CONFIG ?= PKG_CONFIG_LIBDIR=/usr/lib/$(TARGET)/pkgconfig:/usr/share/pkgconfig pkg-config
else
PKG_CONFIG ?= pkg-config
endif
SANITIZE ?= address,undefined
INSTALL ?= install

WARNINGS = -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wshadow
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

PKGS = libarchive libelf libkmod libdeflate liblzma libzstd liblz4 zlib libseccomp
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || \
	echo -larchive -lelf -lkmod -ldeflate -llzma -lzstd -llz4 -lz -lseccomp)

ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) \
	-DTINYRD_VERSION='"$(VERSION)"' -DTINYRD_DATADIR='"$(datadir)/tinyrd"' \
	-MMD -MP $(CFLAGS)
ALL_LDLIBS = $(PKG_LIBS) -lpthread

ifneq ($(V),1)
Q = @
QUIET_CC = @echo '  CC      $@';
QUIET_LINK = @echo '  LINK    $@';
QUIET_GEN = @echo '  GEN     $@';
endif

.DELETE_ON_ERROR:
.SUFFIXES:

# The built-in launcher's arch (src/vmm/ARCH/, arch.h): the target's, as
# the compiler names it (uname -m's names), so a cross build gets its own.
VMM_ARCH_x86_64 = x86
VMM_ARCH_aarch64 = arm64
VMM_ARCH ?= $(VMM_ARCH_$(TARGET_CPU))
ifeq ($(VMM_ARCH),)
$(error no built-in launcher for $(TARGET_CPU) ($(CC) -dumpmachine): src/vmm/ has x86 and arm64)
endif
VMM_ARCH_SRCS = $(sort $(wildcard src/vmm/$(VMM_ARCH)/*.c))
VMM_ARCH_ASM = $(sort $(wildcard src/vmm/$(VMM_ARCH)/*.S))
# What an arch's launcher links beyond the core's libraries.
LIBFDT ?= $(shell $(PKG_CONFIG) --libs libfdt 2>/dev/null || echo -l:libfdt.so.1)
VMM_ARCH_LIBS_arm64 = $(LIBFDT)
ALL_LDLIBS += $(VMM_ARCH_LIBS_$(VMM_ARCH))

LIB_SRCS = \
	src/common/log.c src/common/util.c src/common/kernel.c \
	src/common/sha256.c src/common/iov.c src/common/crc32c.c \
	src/common/verify.c src/common/json.c src/common/progress.c \
	src/common/target.c \
	src/image/manifest.c src/image/manifest-host.c \
	src/image/manifest-print.c src/image/recipe.c src/image/elfread.c src/image/elfdeps.c \
	src/image/moddeps.c src/image/modindex.c src/image/modfiles.c src/image/cpio.c src/image/compress.c \
	src/image/build.c src/image/verbs.c src/image/inspect.c src/image/init-blob.c \
	src/image/busybox.c src/image/shadow.c src/image/commands.c src/image/runtime.c \
	src/image/trace.c src/image/trace-filter.c src/image/trace-image.c \
	src/run/run.c src/run/plan.c src/run/unpack.c src/run/modules.c src/run/devices.c src/run/cache.c src/run/console.c \
	src/run/ktree.c src/run/ktree-make.c src/run/ktree-config.c \
	src/run/verify-host.c src/run/verify-report.c src/run/verify-boot.c \
	src/vmm/qemu.c src/vmm/watch.c src/vmm/host.c src/vmm/mem.c src/vmm/bus.c \
	src/vmm/serial8250.c \
	src/vmm/kvm.c src/vmm/machine.c src/vmm/launcher.c src/vmm/confine.c src/vmm/landlock.c src/vmm/plan.c \
	src/vmm/doctor.c src/vmm/smoke.c src/vmm/coherence.c src/vmm/pci.c src/vmm/virtio/queue.c \
	src/vmm/virtio/virtio.c src/vmm/virtio/sync.c src/vmm/virtio/pci.c src/vmm/virtio/console.c \
	src/vmm/virtio/rng.c src/vmm/virtio/blk.c \
	src/vmm/virtio/mmio.c src/vmm/share.c \
	src/vmm/p9/p9.c src/vmm/p9/pdu.c src/vmm/p9/fid.c src/vmm/p9/ops.c \
	src/vmm/virtio/p9.c \
	src/vmm/fuse/fuse.c src/vmm/fuse/reply.c src/vmm/fuse/node.c \
	src/vmm/fuse/dir.c src/vmm/fuse/file.c src/vmm/virtio/fs.c src/vmm/dax.c \
	src/cmd/build-options.c src/cmd/run-options.c src/cmd/build.c \
	src/cmd/inspect.c src/cmd/run.c src/cmd/boot.c src/cmd/doctor.c \
	src/cmd/verify.c src/cmd/opt.c src/cmd/cache.c src/cmd/kconfig.c $(VMM_ARCH_SRCS)
ASM_OBJS = $(O)/src/image/initbin.o $(VMM_ARCH_ASM:%.S=$(O)/%.o)
LIB_OBJS = $(LIB_SRCS:%.c=$(O)/%.o) $(ASM_OBJS)
SAN_OBJS = $(LIB_SRCS:%.c=$(O)/%.san.o) $(ASM_OBJS)
INIT_BIN = $(O)/tinyrd-init

# tinyrd-init: static, libc only, as small as the libc allows.
INIT_SRCS = init/init.c init/mount.c init/module.c init/util.c init/root.c \
	init/verify-guest.c init/verify-manifest.c src/common/crc32c.c \
	src/common/verify.c
INIT_HDRS = init/init.h init/verify-guest.h init/verify-manifest.h src/common/abi.h \
	src/common/crc32c.h src/common/verify.h
ifneq ($(CROSS_COMPILE),)
INIT_CC ?= $(CC) -static
else
INIT_CC ?= $(shell command -v musl-gcc >/dev/null 2>&1 && echo musl-gcc || \
	echo '$(CC) -static')
endif
INIT_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) -Os -static \
	-ffunction-sections -fdata-sections -Wl,--gc-sections -s

# A second tinyrd-init, for the other arch's images (tinyrd build --arch),
# when its cross compiler is installed: glibc's static libc, as Debian has
# no cross musl. Without one, such images need --init FILE.
INIT2_ARCH_x86_64 = aarch64
INIT2_ARCH_aarch64 = x86_64
INIT2_ARCH = $(INIT2_ARCH_$(TARGET_CPU))
INIT2_CC ?= $(if $(INIT2_ARCH),$(shell command -v $(INIT2_ARCH)-linux-gnu-gcc \
	>/dev/null 2>&1 && echo '$(INIT2_ARCH)-linux-gnu-gcc -static'))
INIT2_BIN = $(if $(INIT2_CC),$(O)/tinyrd-init-$(INIT2_ARCH))

# The unit tests of x86's KVM-bound parts build where the launcher is
# x86's (their <asm/kvm.h> structures are x86's); arm64's pure parts
# (test-arm64) build on any host.
UNIT_ONLY_x86 = boot cpuid host mptable pci
UNIT_ELSEWHERE = $(if $(filter x86,$(VMM_ARCH)),,$(UNIT_ONLY_x86))
UNIT_SRCS = $(filter-out $(UNIT_ELSEWHERE:%=tests/unit/test-%.c), \
	$(sort $(wildcard tests/unit/test-*.c)))
UNIT_TESTS = $(UNIT_SRCS:%.c=$(O)/%)
UNIT_HELPERS = $(O)/tests/unit/elfcraft.san.o $(O)/tests/unit/helpers.san.o

MANS = man/tinyrd.1 man/tinyrd-run.1 man/tinyrd-boot.1 man/tinyrd-doctor.1 \
	man/tinyrd-verify.1 man/tinyrd-cache.1 man/tinyrd-kconfig.1 \
	man/tinyrd-recipe.5 man/tinyrd-init.8
TEMPLATES = $(wildcard templates/*.recipe)
KCONFIG_FRAGMENTS = $(wildcard templates/kconfig/*.config)

SAN_FLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all)

# The program: ./tinyrd, or in O=DIR when cross compiled (the host's
# ./tinyrd stays).
BIN = $(if $(CROSS_COMPILE),$(O)/tinyrd,tinyrd)

all: $(BIN)

$(BIN): $(O)/src/main.o $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(INIT_BIN): $(INIT_SRCS) $(INIT_HDRS)
	@mkdir -p $(@D)
	$(QUIET_LINK)$(INIT_CC) $(INIT_CFLAGS) -o $@ $(INIT_SRCS)

$(INIT2_BIN): $(INIT_SRCS) $(INIT_HDRS)
	@mkdir -p $(@D)
	$(QUIET_LINK)$(INIT2_CC) $(INIT_CFLAGS) -o $@ $(INIT_SRCS)

$(O)/src/image/initbin.o: src/image/initbin.S $(INIT_BIN) $(INIT2_BIN)
	@mkdir -p $(@D)
ifeq ($(INIT2_BIN),)
	@echo 'note: no $(INIT2_ARCH)-linux-gnu-gcc, so no tinyrd-init for' \
		'$(INIT2_ARCH) images (--arch); apt-get install gcc-$(INIT2_ARCH)-linux-gnu'
endif
	$(QUIET_CC)$(CC) -DTINYRD_INIT_BIN='"$(INIT_BIN)"' \
		$(if $(INIT2_BIN),-DTINYRD_INIT2_BIN='"$(INIT2_BIN)"') -c -o $@ $<

$(O)/%.o: %.S
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) -MMD -MP -c -o $@ $<

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# TINYRD_TESTING: what only tests may turn on (the stale-data injection,
# virtio/sync.h) is read in these objects, never in ./tinyrd's.
$(O)/%.san.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -DTINYRD_TESTING -c -o $@ $<

$(O)/tests/unit/test-%: $(O)/tests/unit/test-%.san.o $(UNIT_HELPERS) $(SAN_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) $(SAN_FLAGS) -o $@ $^ $(ALL_LDLIBS) -lcmocka

# The guest's checker runs natively in its test, the "mount" a directory.
$(O)/tests/unit/test-verify: $(O)/tests/unit/test-verify.san.o \
		$(O)/init/verify-guest.san.o $(O)/init/verify-manifest.san.o \
		$(UNIT_HELPERS) $(SAN_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) $(SAN_FLAGS) -o $@ $^ $(ALL_LDLIBS) -lcmocka

# arm64's pure parts (Image, device tree, ECAM) are tested on any host,
# with libfdt (libfdt-dev) whatever the launcher's arch.
ARM64_PURE = $(filter-out $(SAN_OBJS),$(O)/src/vmm/arm64/fdt.san.o \
	$(O)/src/vmm/arm64/image.san.o $(O)/src/vmm/arm64/ecam.san.o)
$(O)/tests/unit/test-arm64: $(O)/tests/unit/test-arm64.san.o $(ARM64_PURE) \
		$(UNIT_HELPERS) $(SAN_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) $(SAN_FLAGS) -o $@ $^ $(ALL_LDLIBS) $(LIBFDT) -lcmocka

# The CLI tests run this: tinyrd itself under the sanitizers.
$(O)/tinyrd-san: $(O)/src/main.san.o $(SAN_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) $(SAN_FLAGS) -o $@ $^ $(ALL_LDLIBS)

tests: $(BIN) $(O)/tinyrd-san $(UNIT_TESTS)

# tinyrd with what tests may turn on (TINYRD_TESTING) but no sanitizers,
# for the nested harness, where ASan's shadow memory does not fit:
# NESTED_EXTRA=build/tinyrd-testing tests/harness/nested.sh stale.sh
$(O)/%.testing.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -DTINYRD_TESTING -c -o $@ $<

$(O)/tinyrd-testing: $(O)/src/main.testing.o $(LIB_SRCS:%.c=$(O)/%.testing.o) $(ASM_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# The libFuzzer targets (tests/fuzz/README.md): tinyrd's sources built
# again with clang into $(O)/fuzz/, an archive the targets take what they
# need from, one program per parser.
FUZZ_CC ?= clang
# tests/run's regress.sh names it in its skip.
export FUZZ_CC
FUZZ_S ?= 60
FUZZ_RUNS ?=
FUZZ_J ?= 1
FUZZ_O = $(O)/fuzz
FUZZ_TARGETS = $(sort $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c)))
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz-%)
# Beyond tinyrd's own: arm64's Image parser on any host, and the guest's
# verify manifest reader.
FUZZ_SRCS = $(sort $(LIB_SRCS) src/vmm/arm64/image.c init/verify-manifest.c)
FUZZ_LIB = $(FUZZ_O)/libtinyrd.a
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# clang's -Wformat=2 adds -Wformat-nonliteral (log.c passes a format on),
# and it names the kernel's variable-sized UAPI structs as a GNU extension.
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) -Wno-format-nonliteral \
	-Wno-gnu-variable-sized-type-not-at-end $(PKG_CFLAGS) \
	-DTINYRD_VERSION='"$(VERSION)"' -DTINYRD_DATADIR='"$(datadir)/tinyrd"' \
	-DTINYRD_TESTING -DVMM_ARCH_$(VMM_ARCH) -MMD -MP -g -O1 $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_SRCS:%.c=$(FUZZ_O)/%.o) $(ASM_OBJS)
	$(Q)rm -f $@
	$(QUIET_LINK)$(AR) rcs $@ $^

$(FUZZ_O)/fuzz-%: $(FUZZ_O)/tests/fuzz/fuzz-%.o $(FUZZ_O)/tests/fuzz/fuzz.o $(FUZZ_LIB)
	$(QUIET_LINK)$(FUZZ_CC) $(LDFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ \
		$(ALL_LDLIBS)

# The seed corpora's generator (tests/fuzz/seed.sh), built with CC: the
# guest's verify checker runs in it natively.
$(O)/tests/fuzz/seed: $(O)/tests/fuzz/seed.o $(O)/tests/fuzz/seed-virtio.o \
		$(O)/tests/fuzz/seed-share.o $(O)/tests/unit/elfcraft.o \
		$(O)/init/verify-guest.o $(O)/init/verify-manifest.o $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# What confinement costs a share's server, without a guest
# (tests/bench/confine.sh).
$(O)/tests/bench/confine-cost: $(O)/tests/bench/confine-cost.o $(LIB_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# No "is up to date" for each target.
FUZZ_QUIET = $(if $(filter 1,$(V)),,-s)

# Built for check only where clang links a fuzzer: the regression test
# (tests/fuzz/regress.sh) says SKIP, with the reason, where it cannot.
fuzz-targets:
	$(Q)if $(SHELL) tests/fuzz/probe.sh $(FUZZ_CC) >/dev/null; then \
		$(MAKE) --no-print-directory $(FUZZ_QUIET) $(FUZZ_BINS); \
	else \
		echo "note: no fuzz targets: $$($(SHELL) tests/fuzz/probe.sh $(FUZZ_CC))"; \
	fi

fuzz:
	$(Q)$(SHELL) tests/fuzz/probe.sh $(FUZZ_CC) >/dev/null || \
		{ echo "make fuzz: $$($(SHELL) tests/fuzz/probe.sh $(FUZZ_CC))" >&2; exit 1; }
	$(Q)$(MAKE) --no-print-directory $(FUZZ_QUIET) $(FUZZ_BINS)
	$(Q)FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_J=$(FUZZ_J) \
		bash tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_S) $(FUZZ_TARGETS)

# The campaign of tests/fuzz/README.md: each target to 10 million runs or
# an hour, whichever comes first, a target on each of two cores.
fuzz-campaign:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_S=3600 FUZZ_RUNS=10000000 \
		FUZZ_J=2 FUZZ_TARGETS="$(FUZZ_TARGETS)"

deps:
	$(Q)$(SHELL) src/deps.sh build

# check builds with WERROR=1 unless told otherwise: what CI runs.
check:
	$(Q)$(SHELL) src/deps.sh test
	$(Q)$(MAKE) --no-print-directory tests WERROR=$(or $(WERROR),1)
	$(Q)$(MAKE) --no-print-directory fuzz-targets WERROR=$(or $(WERROR),1)
	$(Q)O=$(O) bash tests/run $(if $(T),-t '$(T)')

# A real kernel bisection (tests/long/bisect.sh), not part of check: the
# kernel's first build takes minutes.
bisect-test check-long:
	$(Q)$(SHELL) src/deps.sh long
	$(Q)$(MAKE) --no-print-directory tinyrd
	$(Q)bash tests/long/bisect.sh

# The README's main job: an image built, shown, and booted (Debian's stock
# kernel, fetched once into ~/.cache/tinyrd-tests) to say uname -a.
demo:
	$(Q)$(SHELL) src/deps.sh demo
	$(Q)$(MAKE) --no-print-directory tinyrd
	./tinyrd build -o demo.img
	./tinyrd inspect --config demo.img
	./tinyrd doctor -k "$$(tests/fixtures/kernel.sh)/vmlinuz" || true
	./tinyrd run -i demo.img -k "$$(tests/fixtures/kernel.sh)/vmlinuz" -- uname -a
	./tinyrd run -i demo.img -k "$$(tests/fixtures/kernel.sh)/vmlinuz" -- \
		sh -c 'echo hi; exit 3' || echo "tinyrd run exited with status $$?"

install: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(datadir)/tinyrd/templates \
		$(DESTDIR)$(libexecdir)/tinyrd \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man8
	$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(bindir)/tinyrd
	$(INSTALL) -m 755 $(INIT_BIN) $(DESTDIR)$(libexecdir)/tinyrd/tinyrd-init
	$(INSTALL) -m 644 $(TEMPLATES) $(DESTDIR)$(datadir)/tinyrd/templates
	$(INSTALL) -d $(DESTDIR)$(datadir)/tinyrd/templates/kconfig
	$(INSTALL) -m 644 $(KCONFIG_FRAGMENTS) $(DESTDIR)$(datadir)/tinyrd/templates/kconfig
	$(INSTALL) -m 644 man/tinyrd.1 man/tinyrd-run.1 man/tinyrd-boot.1 \
		man/tinyrd-doctor.1 man/tinyrd-verify.1 man/tinyrd-cache.1 \
		man/tinyrd-kconfig.1 $(DESTDIR)$(mandir)/man1
	$(INSTALL) -m 644 man/tinyrd-recipe.5 $(DESTDIR)$(mandir)/man5
	$(INSTALL) -m 644 man/tinyrd-init.8 $(DESTDIR)$(mandir)/man8
	$(INSTALL) -d $(DESTDIR)$(completionsdir)
	$(INSTALL) -m 644 src/completion.bash $(DESTDIR)$(completionsdir)/tinyrd

uninstall:
	rm -f $(DESTDIR)$(bindir)/tinyrd $(DESTDIR)$(completionsdir)/tinyrd
	rm -rf $(DESTDIR)$(datadir)/tinyrd $(DESTDIR)$(libexecdir)/tinyrd
	rm -f $(DESTDIR)$(mandir)/man1/tinyrd.1 $(DESTDIR)$(mandir)/man1/tinyrd-run.1 \
		$(DESTDIR)$(mandir)/man1/tinyrd-boot.1 $(DESTDIR)$(mandir)/man1/tinyrd-doctor.1 \
		$(DESTDIR)$(mandir)/man1/tinyrd-verify.1 $(DESTDIR)$(mandir)/man1/tinyrd-cache.1 \
		$(DESTDIR)$(mandir)/man1/tinyrd-kconfig.1 \
		$(DESTDIR)$(mandir)/man5/tinyrd-recipe.5 $(DESTDIR)$(mandir)/man8/tinyrd-init.8
	@# A prefix of its own (not /usr or /usr/local, whose directories
	@# the system owns) loses the directories install made, when empty.
	-@case "$(PREFIX)" in /usr|/usr/local) ;; *) \
		for d in $(mandir)/man1 $(mandir)/man5 $(mandir)/man8 $(mandir) \
			$(completionsdir) $(datadir)/bash-completion \
			$(libexecdir) $(bindir) $(datadir) $(PREFIX); do \
			rmdir "$(DESTDIR)$$d" 2>/dev/null; done ;; esac; true

clean:
	rm -f tinyrd demo.img
	rm -rf $(O)

.PHONY: all check deps demo install uninstall clean tests bisect-test check-long \
	fuzz fuzz-targets fuzz-campaign

-include $(shell find $(O) -name '*.d' 2>/dev/null)
# The unit tests' objects are intermediate; keep them (but not every target:
# a header gone from a .d file must still remake what included it).
.SECONDARY: $(UNIT_SRCS:%.c=$(O)/%.san.o) \
	$(FUZZ_TARGETS:%=$(FUZZ_O)/tests/fuzz/fuzz-%.o) $(FUZZ_O)/tests/fuzz/fuzz.o
