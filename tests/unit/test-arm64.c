// SPDX-License-Identifier: MIT
/*
 * The arm64 machine's pure parts, on any host: the Image header and the
 * placement of kernel, initrd and device tree (image.c), the device tree
 * (fdt.c) read back with libfdt, and configuration by ECAM (ecam.c).
 */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/arm64/ecam.h"
#include "../../src/vmm/arm64/fdt.h"
#include "../../src/vmm/arm64/image.h"
#include "../../src/vmm/arm64/layout.h"

static const struct gmem_layout arm64_ram = ARM64_RAM_LAYOUT;

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A kernel of len bytes with an Image header as Debian's 6.1 has it. */
static uint8_t *image(size_t len, uint64_t text_offset, uint64_t size,
		      uint64_t flags)
{
	uint8_t *k = calloc(1, len);

	memcpy(k, "MZ@\xfa", 4);
	put64(k + 0x08, text_offset);
	put64(k + 0x10, size);
	put64(k + 0x18, flags);
	memcpy(k + 0x38, "ARMd", 4);
	for (size_t i = 64; i < len; i++)
		k[i] = (uint8_t)(i * 7);
	return k;
}

static void test_header(void **state)
{
	struct arm64_image h;
	uint8_t *k = image(4096, 0, 0x2010000, 0xa);
	struct buf msgs = { 0 }, *prev;

	(void)state;
	assert_int_equal(arm64_image_parse("Image", k, 4096, &h), 0);
	assert_int_equal(h.text_offset, 0);
	assert_int_equal(h.image_size, 0x2010000);
	assert_int_equal(h.flags, 0xa);
	/* Before 3.17: image_size 0 means text_offset 0x80000. */
	put64(k + 0x10, 0);
	put64(k + 0x08, 0);
	assert_int_equal(arm64_image_parse("Image", k, 4096, &h), 0);
	assert_int_equal(h.text_offset, 0x80000);
	assert_int_equal(h.image_size, 4096);
	prev = log_capture(&msgs);
	put64(k + 0x10, 0x2010000);
	put64(k + 0x18, 0xb);		/* big-endian */
	assert_int_not_equal(arm64_image_parse("Image", k, 4096, &h), 0);
	put64(k + 0x18, 0xa);
	put64(k + 0x10, 1024);		/* smaller than the file */
	assert_int_not_equal(arm64_image_parse("Image", k, 4096, &h), 0);
	put64(k + 0x10, 0x2010000);
	k[0x38] = 'X';
	assert_int_not_equal(arm64_image_parse("Image", k, 4096, &h), 0);
	memcpy(k, "\x1f\x8b", 2);
	assert_int_not_equal(arm64_image_parse("vmlinuz", k, 4096, &h), 0);
	memcpy(k, "\177ELF", 4);
	assert_int_not_equal(arm64_image_parse("vmlinux", k, 4096, &h), 0);
	log_capture(prev);
	assert_non_null(strstr(msgs.p, "gzip"));
	assert_non_null(strstr(msgs.p, "ELF"));
	assert_non_null(strstr(msgs.p, "big-endian"));
	buf_free(&msgs);
	free(k);
}

static void test_load(void **state)
{
	size_t ram_len = 64u << 20, klen = 1u << 20, rdlen = 300000;
	uint8_t *ram = calloc(1, ram_len), *k, *rd = malloc(rdlen);
	struct arm64_boot b;
	struct buf msgs = { 0 }, *prev;
	struct gmem g;

	(void)state;
	for (size_t i = 0; i < rdlen; i++)
		rd[i] = (uint8_t)(i * 13 + 1);
	gmem_wrap(&g, ram, ram_len, &arm64_ram);
	/* text_offset honoured from the 2 MiB aligned start of RAM. */
	k = image(klen, 0x80000, 8u << 20, 0xa);
	assert_int_equal(arm64_image_load(&g, "Image", k, klen, rd, rdlen, &b), 0);
	assert_int_equal(b.entry, RAM_BASE + 0x80000);
	assert_int_equal(b.kernel_end, RAM_BASE + 0x80000 + (8u << 20));
	assert_memory_equal(ram + 0x80000, k, klen);
	/* The device tree in the last 2 MiB, the initrd right below it. */
	assert_int_equal(b.dtb, RAM_BASE + ram_len - (2u << 20));
	assert_int_equal(b.initrd_start % 4096, 0);
	assert_true(b.initrd_start + rdlen <= b.dtb);
	assert_true(b.dtb - (b.initrd_start + rdlen) < 4096);
	assert_true(b.initrd_start >= b.kernel_end);
	assert_int_equal(b.initrd_size, rdlen);
	assert_memory_equal(ram + (b.initrd_start - RAM_BASE), rd, rdlen);
	free(k);
	/* A kernel whose bss reaches the device tree does not fit. */
	prev = log_capture(&msgs);
	k = image(klen, 0, 63u << 20, 0xa);
	assert_int_not_equal(arm64_image_load(&g, "Image", k, klen, NULL, 0, &b), 0);
	free(k);
	/* Nor an initrd with no room between kernel and device tree. */
	k = image(klen, 0, 40u << 20, 0xa);
	free(rd);
	rd = calloc(1, 30u << 20);
	assert_int_not_equal(arm64_image_load(&g, "Image", k, klen, rd, 30u << 20,
					      &b), 0);
	log_capture(prev);
	assert_non_null(strstr(msgs.p, "-m"));
	buf_free(&msgs);
	free(k);
	free(rd);
	free(ram);
}

static const void *prop(const void *fdt, const char *path, const char *name,
			int *len)
{
	int off = fdt_path_offset(fdt, path);

	assert_true(off >= 0);
	return fdt_getprop(fdt, off, name, len);
}

static uint32_t cell(const void *p, unsigned i)
{
	fdt32_t v;

	memcpy(&v, (const uint8_t *)p + 4 * i, 4);
	return fdt32_to_cpu(v);
}

/* Properties are 4-byte aligned only. */
static uint64_t cell64(const void *p)
{
	return (uint64_t)cell(p, 0) << 32 | cell(p, 1);
}

static void test_fdt(void **state)
{
	static uint8_t buf[ARM64_DTB_MAX];
	const uint8_t seed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct arm64_fdt d = {
		.ncpu = 18, .mem_base = RAM_BASE, .mem_size = 512u << 20,
		.bootargs = "console=ttyS0 panic=-1",
		.initrd_start = 0x5e000000, .initrd_end = 0x5e123456,
		.pci = true, .pci_mmio64 = { 0x8000000000ull, 0x10000000000ull },
		.nmmio = 2, .mmio = { { VIRTIO_MMIO_BASE, VIRTIO_MMIO_SPI },
				      { VIRTIO_MMIO_BASE + 0x1000, VIRTIO_MMIO_SPI + 1 } },
		.seed = seed, .seed_len = sizeof(seed),
	};
	const void *p;
	const char *s;
	int len, off, n = 0;

	(void)state;
	assert_int_equal(arm64_fdt_build(&d, buf, sizeof(buf)), 0);
	assert_int_equal(fdt_check_header(buf), 0);
	assert_true(fdt_totalsize(buf) < 8192);
	/* The root's cells, and every interrupt to the GIC. */
	p = prop(buf, "/", "#address-cells", &len);
	assert_int_equal(cell(p, 0), 2);
	p = prop(buf, "/", "interrupt-parent", &len);
	assert_int_equal(cell(p, 0), cell(prop(buf, "/intc@8000000", "phandle",
					       &len), 0));
	/* RAM. */
	p = prop(buf, "/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(p, 1), RAM_BASE);
	assert_int_equal(cell(p, 3), 512u << 20);
	/* CPUs: psci, reg the MPIDR KVM gives (cpu 17: Aff1 1, Aff0 1). */
	fdt_for_each_subnode(off, buf, fdt_path_offset(buf, "/cpus")) {
		s = fdt_getprop(buf, off, "enable-method", &len);
		assert_string_equal(s, "psci");
		n++;
	}
	assert_int_equal(n, 18);
	p = prop(buf, "/cpus/cpu@101", "reg", &len);
	assert_int_equal(cell(p, 0), 0x101);
	assert_int_equal(arm64_mpidr(17), 0x101);
	assert_int_equal(arm64_mpidr(3), 3);
	/* PSCI 1.0 and 0.2 by HVC. */
	s = prop(buf, "/psci", "compatible", &len);
	assert_string_equal(s, "arm,psci-1.0");
	assert_string_equal(s + strlen(s) + 1, "arm,psci-0.2");
	assert_string_equal(prop(buf, "/psci", "method", &len), "hvc");
	/* GICv3: a redistributor for each CPU. */
	assert_string_equal(prop(buf, "/intc@8000000", "compatible", &len),
			    "arm,gic-v3");
	p = prop(buf, "/intc@8000000", "reg", &len);
	assert_int_equal(len, 32);
	assert_int_equal(cell(p, 5), GIC_REDIST_BASE);
	assert_int_equal(cell(p, 7), 18 * GIC_REDIST_SIZE);
	/* The timer's four PPIs, the virtual one KVM's (27 = 16 + 11). */
	p = prop(buf, "/timer", "interrupts", &len);
	assert_int_equal(len, 48);
	assert_int_equal(cell(p, 6), 1);
	assert_int_equal(cell(p, 7), 11);
	/* The console UART and its alias. */
	assert_string_equal(prop(buf, "/uart@9000000", "compatible", &len),
			    "ns16550a");
	p = prop(buf, "/uart@9000000", "interrupts", &len);
	assert_int_equal(cell(p, 1), UART_SPI);
	assert_string_equal(prop(buf, "/aliases", "serial0", &len), "/uart@9000000");
	assert_string_equal(prop(buf, "/aliases", "serial1", &len), "/uart@9001000");
	/* chosen. */
	assert_string_equal(prop(buf, "/chosen", "bootargs", &len),
			    "console=ttyS0 panic=-1");
	assert_string_equal(prop(buf, "/chosen", "stdout-path", &len),
			    "/uart@9000000");
	p = prop(buf, "/chosen", "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cell64(p), 0x5e000000);
	p = prop(buf, "/chosen", "linux,initrd-end", &len);
	assert_int_equal(cell64(p), 0x5e123456);
	p = prop(buf, "/chosen", "rng-seed", &len);
	assert_int_equal(len, 8);
	/* PCI: ECAM of bus 0, both windows, INTA# of slot s on SPI 8 + s % 8. */
	assert_string_equal(prop(buf, "/pcie@3f000000", "compatible", &len),
			    "pci-host-ecam-generic");
	p = prop(buf, "/pcie@3f000000", "ranges", &len);
	assert_int_equal(len, 14 * 4);
	assert_int_equal(cell(p, 0), 0x02000000);
	assert_int_equal(cell(p, 2), PCI_MMIO_START);
	assert_int_equal(cell(p, 7), 0x43000000);
	assert_int_equal(cell(p, 8), 0x80);
	p = prop(buf, "/pcie@3f000000", "interrupt-map", &len);
	assert_int_equal(len, 32 * 10 * 4);
	assert_int_equal(cell(p, 11 * 10), 11 << 11);
	assert_int_equal(cell(p, 11 * 10 + 8), PCI_INTX_SPI + 3);
	assert_non_null(prop(buf, "/pcie@3f000000", "dma-coherent", &len));
	/* virtio-mmio, edge-triggered SPIs. */
	p = prop(buf, "/virtio_mmio@a001000", "interrupts", &len);
	assert_int_equal(cell(p, 1), VIRTIO_MMIO_SPI + 1);
	assert_int_equal(cell(p, 2), 1);
	/* No PCI and no initrd: neither is described. */
	d.pci = false;
	d.initrd_end = d.initrd_start;
	assert_int_equal(arm64_fdt_build(&d, buf, sizeof(buf)), 0);
	assert_true(fdt_path_offset(buf, "/pcie@3f000000") < 0);
	assert_null(prop(buf, "/chosen", "linux,initrd-start", &len));
}

static void test_fdt_limits(void **state)
{
	static uint8_t buf[ARM64_DTB_MAX];
	struct arm64_fdt d = { .ncpu = 0, .mem_base = RAM_BASE, .mem_size = 1 << 30 };
	struct buf msgs = { 0 }, *prev = log_capture(&msgs);

	(void)state;
	assert_int_not_equal(arm64_fdt_build(&d, buf, sizeof(buf)), 0);
	d.ncpu = ARM64_CPUS_MAX + 1;
	assert_int_not_equal(arm64_fdt_build(&d, buf, sizeof(buf)), 0);
	d.ncpu = ARM64_CPUS_MAX;
	assert_int_equal(arm64_fdt_build(&d, buf, sizeof(buf)), 0);
	/* Too small a buffer is an error, not an overrun. */
	assert_int_not_equal(arm64_fdt_build(&d, buf, 256), 0);
	log_capture(prev);
	buf_free(&msgs);
}

/* ECAM reaches function 0 of each slot; the rest reads all ones. */
static void test_ecam(void **state)
{
	struct pci_bus b;
	uint8_t v[4];
	uint32_t id;

	(void)state;
	pci_init(&b, PCI_MMIO_START, PCI_MMIO_END, ARM64_SPI_LINE(PCI_INTX_SPI),
		 NULL, NULL, NULL);
	/* 00:00.0, the host bridge: vendor and class. */
	pci_ecam_ops.io(&b, 0, v, 4, false);
	memcpy(&id, v, 4);
	assert_int_not_equal(id, 0xffffffff);
	pci_ecam_ops.io(&b, 0x0a, v, 2, false);
	assert_int_equal(v[0] | v[1] << 8, PCI_CLASS_BRIDGE_HOST);
	/* Extended space of a present function: zeros (no capabilities). */
	pci_ecam_ops.io(&b, 0x100, v, 4, false);
	memcpy(&id, v, 4);
	assert_int_equal(id, 0);
	/* An empty slot, another function, a misaligned access. */
	pci_ecam_ops.io(&b, 5u << 15, v, 4, false);
	memcpy(&id, v, 4);
	assert_int_equal(id, 0xffffffff);
	pci_ecam_ops.io(&b, 1u << 12, v, 4, false);
	memcpy(&id, v, 4);
	assert_int_equal(id, 0xffffffff);
	pci_ecam_ops.io(&b, 2, v, 4, false);
	memcpy(&id, v, 4);
	assert_int_equal(id, 0xffffffff);
	/* The line of slot 3's INTA#. */
	assert_int_equal(pci_intx_pin(&b, 3), ARM64_SPI_LINE(PCI_INTX_SPI + 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_fdt),
		cmocka_unit_test(test_fdt_limits),
		cmocka_unit_test(test_ecam),
	};

	return cmocka_run_group_tests_name("arm64", tests, NULL, NULL);
}
