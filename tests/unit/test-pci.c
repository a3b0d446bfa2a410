// SPDX-License-Identifier: MIT
/* PCI config space the way Linux reads it: type-1 probing, the host
 * bridge, BAR sizing, the capability walk, MSI-X table writes, masking
 * and pending bits, INTx. */
#include <errno.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/pci.h"
#include "../../src/vmm/x86/conf1.h"
#include "../../src/vmm/x86/layout.h"

#define WIN_START 0xc0000000u
#define WIN_END   0xd0000000u

static struct {
	unsigned n;
	uint64_t addr;
	uint32_t data;
	int pin, level;
} got;

static int msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	got.n++;
	got.addr = addr;
	got.data = data;
	return 0;
}

static void irq(void *ctx, unsigned pin, int level)
{
	(void)ctx;
	got.pin = (int)pin;
	got.level = level;
}

static struct pci_bus b;
static struct bus pio, mmio;
static struct pci_conf1 conf1;
static struct pci_dev dev;
static uint64_t bar_off;
static unsigned bar_hits;

static void bar_io(struct pci_dev *d, unsigned bar, uint64_t off,
		   uint8_t *data, unsigned len, bool write)
{
	(void)d;
	(void)bar;
	bar_off = off;
	bar_hits++;
	if (!write)
		memset(data, 0x5a, len);
}

static void out32(uint16_t port, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	assert_true(bus_access(&pio, port, d, 4, true));
}

static uint32_t in32(uint16_t port)
{
	uint8_t d[4];

	bus_access(&pio, port, d, 4, false);
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
	       (uint32_t)d[3] << 24;
}

static uint32_t cfg_read(unsigned slot, unsigned off)
{
	out32(0xcf8, 0x80000000u | slot << 11 | (off & 0xfc));
	return in32(0xcfc);
}

static void cfg_write(unsigned slot, unsigned off, uint32_t v)
{
	out32(0xcf8, 0x80000000u | slot << 11 | (off & 0xfc));
	out32(0xcfc, v);
}

static uint32_t mem32(uint64_t gpa, bool write, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	bus_access(&mmio, gpa, d, 4, write);
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
	       (uint32_t)d[3] << 24;
}

static int setup(void **state)
{
	(void)state;
	log_level = LOG_QUIET;
	memset(&got, 0, sizeof(got));
	memset(&pio, 0, sizeof(pio));
	memset(&mmio, 0, sizeof(mmio));
	memset(&dev, 0, sizeof(dev));
	pci_init(&b, WIN_START, WIN_END, PCI_INTX_PIN_BASE, msi, irq, NULL);
	assert_int_equal(pci_add(&b, &dev, 0x1af4, 0x1043, 0x078000, 0x1af4, 3), 1);
	dev.bar_io = bar_io;
	assert_int_equal(pci_add_bar(&dev, 4, 0x4000), 0);
	assert_int_equal(pci_add_msix(&dev, 3, 4, 0x2000, 0x3000), 0);
	assert_true(pci_add_cap(&dev, PCI_CAP_ID_VNDR, 16) > 0);
	conf1 = (struct pci_conf1){ .bus = &b };
	assert_int_equal(bus_register(&pio, PCI_CONF1_PORT, 8, &pci_conf1_ops,
				      &conf1), 0);
	assert_int_equal(pci_attach(&b, &mmio), 0);
	return 0;
}

static void test_type1_probe(void **state)
{
	(void)state;
	/* pci_check_type1(): the address register reads back. */
	out32(0xcf8, 0x80000000u);
	assert_int_equal(in32(0xcf8), 0x80000000u);
	/* pci_sanity_check(): a host bridge at 00:00.0. */
	assert_int_equal(cfg_read(0, PCI_CLASS_REVISION) >> 16,
			 PCI_CLASS_BRIDGE_HOST);
	/* Our device in slot 1, an empty slot 2, function 1 and bus 1 absent. */
	assert_int_equal(cfg_read(1, PCI_VENDOR_ID), 0x10431af4);
	assert_int_equal(cfg_read(2, PCI_VENDOR_ID), 0xffffffffu);
	out32(0xcf8, 0x80000000u | 1 << 11 | 1 << 8);
	assert_int_equal(in32(0xcfc), 0xffffffffu);
	out32(0xcf8, 0x80000000u | 1 << 16 | 1 << 11);
	assert_int_equal(in32(0xcfc), 0xffffffffu);
	/* Enable bit clear: nothing. */
	out32(0xcf8, 1 << 11);
	assert_int_equal(in32(0xcfc), 0xffffffffu);
	assert_int_equal(cfg_read(1, PCI_SUBSYSTEM_VENDOR_ID), 0x00031af4);
	assert_int_equal(cfg_read(1, PCI_INTERRUPT_LINE) >> 8 & 0xff, 1); /* INTA# */
}

static void test_bar_sizing(void **state)
{
	uint32_t orig;

	(void)state;
	orig = cfg_read(1, PCI_BASE_ADDRESS_4);
	assert_int_equal(orig & 0xfff, 0);		/* 32-bit memory */
	assert_true(orig >= WIN_START && orig + 0x4000 <= WIN_END);
	assert_int_equal(orig % 0x4000, 0);		/* naturally aligned */
	/* __pci_read_base(): all ones in, the size mask out. */
	cfg_write(1, PCI_BASE_ADDRESS_4, 0xffffffffu);
	assert_int_equal(cfg_read(1, PCI_BASE_ADDRESS_4), 0xffffc000u);
	cfg_write(1, PCI_BASE_ADDRESS_4, orig);
	assert_int_equal(cfg_read(1, PCI_BASE_ADDRESS_4), orig);
	/* An absent BAR stays 0 whatever is written. */
	cfg_write(1, PCI_BASE_ADDRESS_0, 0xffffffffu);
	assert_int_equal(cfg_read(1, PCI_BASE_ADDRESS_0), 0);
	/* Read-only fields stay. */
	cfg_write(1, PCI_VENDOR_ID, 0);
	assert_int_equal(cfg_read(1, PCI_VENDOR_ID), 0x10431af4);
}

static void test_bar_decoding(void **state)
{
	uint32_t at;

	(void)state;
	at = cfg_read(1, PCI_BASE_ADDRESS_4);
	/* Memory decoding off: the BAR answers nothing. */
	assert_int_equal(mem32(at + 0x100, false, 0), 0xffffffffu);
	assert_int_equal(bar_hits, 0);
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(mem32(at + 0x100, false, 0), 0x5a5a5a5au);
	assert_int_equal(bar_off, 0x100);
	/* The guest moves it: the old place is empty, the new one decodes. */
	cfg_write(1, PCI_BASE_ADDRESS_4, WIN_START + 0x100000);
	assert_int_equal(mem32(at + 0x100, false, 0), 0xffffffffu);
	assert_int_equal(mem32(WIN_START + 0x100008, false, 0), 0x5a5a5a5au);
	assert_int_equal(bar_off, 8);
	assert_int_equal(pci_bar_addr(&dev, 4), WIN_START + 0x100000);
}

static void test_capability_walk(void **state)
{
	unsigned p, seen = 0, ids[8];

	(void)state;
	assert_true(cfg_read(1, PCI_COMMAND) >> 16 & PCI_STATUS_CAP_LIST);
	/* pci_find_next_cap_ttl(): pointer & ~3, stop at 0, bounded. */
	p = cfg_read(1, PCI_CAPABILITY_LIST) & 0xff;
	while (p && seen < 8) {
		uint32_t w;

		assert_true(p >= 0x40 && p % 4 == 0);
		w = cfg_read(1, p);
		ids[seen++] = w & 0xff;
		p = (w >> 8) & 0xfc;
	}
	assert_int_equal(seen, 2);
	assert_int_equal(ids[0], PCI_CAP_ID_MSIX);
	assert_int_equal(ids[1], PCI_CAP_ID_VNDR);
}

static unsigned msix_cap(void)
{
	return dev.msix_cap;
}

static void test_msix(void **state)
{
	uint32_t at, w;
	unsigned c = msix_cap();

	(void)state;
	w = cfg_read(1, c);
	assert_int_equal(w >> 16 & PCI_MSIX_FLAGS_QSIZE, 2);	/* 3 vectors */
	assert_int_equal(cfg_read(1, c + PCI_MSIX_TABLE), 0x2000 | 4);
	assert_int_equal(cfg_read(1, c + PCI_MSIX_PBA), 0x3000 | 4);
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	at = cfg_read(1, PCI_BASE_ADDRESS_4);
	/* Off: nothing delivered. */
	pci_msix_signal(&dev, 1);
	assert_int_equal(got.n, 0);
	/* Program vector 1, enabled but function-masked, as Linux does. */
	mem32(at + 0x2000 + 16, true, 0xfee01000u);
	mem32(at + 0x2000 + 16 + 4, true, 0);
	mem32(at + 0x2000 + 16 + 8, true, 0x4041);
	assert_int_equal(mem32(at + 0x2000 + 16 + 8, false, 0), 0x4041);
	cfg_write(1, c, (uint32_t)(PCI_MSIX_FLAGS_ENABLE |
				   PCI_MSIX_FLAGS_MASKALL) << 16);
	assert_true(pci_msix_enabled(&dev));
	/* Masked (the entry resets masked): pending, shown in the PBA. */
	pci_msix_signal(&dev, 1);
	assert_int_equal(got.n, 0);
	assert_int_equal(mem32(at + 0x3000, false, 0), 2);
	cfg_write(1, c, (uint32_t)PCI_MSIX_FLAGS_ENABLE << 16);
	assert_int_equal(got.n, 0);			/* entry still masked */
	mem32(at + 0x2000 + 16 + 12, true, 0);		/* unmask: delivered */
	assert_int_equal(got.n, 1);
	assert_int_equal(got.addr, 0xfee01000u);
	assert_int_equal(got.data, 0x4041);
	assert_int_equal(mem32(at + 0x3000, false, 0), 0);
	pci_msix_signal(&dev, 1);
	assert_int_equal(got.n, 2);
	/* Vectors beyond the table are ignored; so are odd accesses. */
	pci_msix_signal(&dev, 3);
	pci_msix_signal(&dev, 1000);
	assert_int_equal(got.n, 2);
	{
		uint8_t d[2] = { 0, 0 };

		bus_access(&mmio, at + 0x2000 + 16, d, 2, true);
		assert_int_equal(mem32(at + 0x2000 + 16, false, 0), 0xfee01000u);
	}
	/* The rest of the BAR is the device's. */
	mem32(at + 0x1000, false, 0);
	assert_int_equal(bar_off, 0x1000);
}

static void test_intx(void **state)
{
	(void)state;
	pci_intx(&dev, true);
	assert_int_equal(got.pin, (int)pci_intx_pin(&b, 1));
	assert_int_equal(got.level, 1);
	assert_true(cfg_read(1, PCI_COMMAND) >> 16 & PCI_STATUS_INTERRUPT);
	/* Interrupt disable lowers the line; the status bit stays. */
	cfg_write(1, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(got.level, 0);
	assert_true(cfg_read(1, PCI_COMMAND) >> 16 & PCI_STATUS_INTERRUPT);
	cfg_write(1, PCI_COMMAND, 0);
	assert_int_equal(got.level, 1);
	pci_intx(&dev, false);
	assert_int_equal(got.level, 0);
}

static void test_bar_space_runs_out(void **state)
{
	struct pci_bus small;
	struct pci_dev d;

	(void)state;
	pci_init(&small, WIN_START, WIN_START + 0x8000, 0, NULL, NULL, NULL);
	assert_int_equal(pci_add(&small, &d, 1, 2, 3, 4, 5), 1);
	assert_int_equal(pci_add_bar(&d, 0, 0x4000), 0);
	assert_int_equal(pci_add_bar(&d, 1, 0x8000), -ENOSPC);
	assert_int_equal(pci_add_bar(&d, 1, 3000), -EINVAL);
	assert_int_equal(pci_add_bar(&d, 6, 0x1000), -EINVAL);
}

/* A 64-bit prefetchable BAR above RAM, sized the way Linux sizes one
 * (all-ones into both halves), moved, and gone with decoding off; none
 * without room. */
static void moved(struct pci_dev *d)
{
	got.n++;
	got.addr = pci_bar_addr(d, 2);
}

static void test_bar64(void **state)
{
	struct pci_dev d2;
	uint32_t lo, hi;

	(void)state;
	memset(&d2, 0, sizeof(d2));
	assert_int_equal(pci_add(&b, &d2, 0x1af4, 0x105a, 0x00ff00, 0x1af4, 1), 2);
	assert_int_equal(pci_add_bar64(&d2, 2, 1ull << 29), -ENOSPC);
	pci_set_mmio64(&b, 0x150000000ull, 1ull << 40);
	assert_int_equal(pci_add_bar64(&d2, 5, 1ull << 29), -EINVAL);
	assert_int_equal(pci_add_bar64(&d2, 2, 3ull << 20), -EINVAL);
	assert_int_equal(pci_add_bar64(&d2, 2, 1ull << 29), 0);
	d2.bar_moved = moved;
	lo = cfg_read(2, PCI_BASE_ADDRESS_2);
	hi = cfg_read(2, PCI_BASE_ADDRESS_3);
	/* Naturally aligned: the first 512 MiB boundary from 5.25 GiB. */
	assert_int_equal(lo, 0x60000000u | PCI_BASE_ADDRESS_MEM_TYPE_64 |
			 PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(hi, 1);
	assert_int_equal(pci_bar_addr(&d2, 2), 0);	/* decoding off */
	cfg_write(2, PCI_COMMAND, PCI_COMMAND_MEMORY);
	assert_int_equal(got.addr, 0x160000000ull);
	assert_int_equal(pci_bar_addr(&d2, 2), 0x160000000ull);
	/* Sizing. */
	cfg_write(2, PCI_COMMAND, 0);
	assert_int_equal(got.addr, 0);
	cfg_write(2, PCI_BASE_ADDRESS_2, 0xffffffffu);
	cfg_write(2, PCI_BASE_ADDRESS_3, 0xffffffffu);
	assert_int_equal(cfg_read(2, PCI_BASE_ADDRESS_2), 0xe0000000u |
			 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(cfg_read(2, PCI_BASE_ADDRESS_3), 0xffffffffu);
	/* Moved to 16 GiB and decoding again. */
	cfg_write(2, PCI_BASE_ADDRESS_2, 0);
	cfg_write(2, PCI_BASE_ADDRESS_3, 4);
	cfg_write(2, PCI_COMMAND, PCI_COMMAND_MEMORY);
	assert_int_equal(got.addr, 0x400000000ull);
	/* The window's room is used up. */
	pci_set_mmio64(&b, 0x180000000ull, 0x190000000ull);
	assert_int_equal(pci_add_bar64(&d2, 0, 1ull << 29), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_type1_probe),
		T(test_bar_sizing),
		T(test_bar_decoding),
		T(test_capability_walk),
		T(test_msix),
		T(test_intx),
		T(test_bar_space_runs_out),
		T(test_bar64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
