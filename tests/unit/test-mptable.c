// SPDX-License-Identifier: MIT
/* The MP table: checksums, entries, and the IRQ routing KVM implements. */
#include <errno.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../src/vmm/x86/layout.h"
#include "../../src/vmm/x86/mptable.h"

static const struct gmem_layout x86_ram = X86_RAM_LAYOUT;

static uint8_t sum(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += p[i];
	return s;
}

static void check(unsigned ncpu, uint32_t slots)
{
	static uint8_t ram[2 << 20];
	struct gmem g;
	uint8_t *f, *c, *e;
	unsigned len, count, cpus = 0, ints = 0, lints = 0, ioapics = 0;
	unsigned pci_ints = 0, buses = 0, ioapic_id = 0;
	bool irq0_to_pin2 = false, irq2 = false, apic_ids[256] = { false };
	int size;

	memset(ram, 0, sizeof(ram));
	gmem_wrap(&g, ram, sizeof(ram), &x86_ram);
	size = mptable_write(&g, ncpu, 0x00a50f00, 0x178bfbff, slots);
	f = ram + MPTABLE_ADDR;
	/* The floating pointer: "_MP_", 16 bytes, checksum, the table. */
	assert_memory_equal(f, "_MP_", 4);
	assert_int_equal(sum(f, 16), 0);
	assert_int_equal(f[8], 1);
	assert_int_equal(f[9], 4);
	assert_int_equal(*(uint32_t *)(f + 4), MPTABLE_ADDR + 16);
	c = ram + MPTABLE_ADDR + 16;
	assert_memory_equal(c, "PCMP", 4);
	len = *(uint16_t *)(c + 4);
	count = *(uint16_t *)(c + 34);
	assert_int_equal(sum(c, len), 0);
	assert_int_equal(*(uint32_t *)(c + 36), LAPIC_ADDR);
	e = c + 44;
	for (unsigned i = 0; i < count; i++) {
		switch (e[0]) {
		case 0:	/* processor: 20 bytes */
			assert_int_equal(e[1], cpus);
			assert_int_equal(e[3] & 1, 1);
			assert_int_equal(!!(e[3] & 2), cpus == 0);
			assert_int_equal(*(uint32_t *)(e + 4), 0x00a50f00);
			assert_false(apic_ids[e[1]]);
			apic_ids[e[1]] = true;
			cpus++;
			e += 20;
			continue;
		case 1:	/* bus: PCI 0 (its number), ISA 1 */
			assert_memory_equal(e + 2, e[1] ? "ISA   " : "PCI   ", 6);
			assert_true(e[1] == 1 || slots);
			buses++;
			break;
		case 2:	/* IOAPIC */
			assert_int_equal(e[1], ncpu);
			ioapic_id = e[1];
			assert_int_equal(*(uint32_t *)(e + 4), IOAPIC_ADDR);
			ioapics++;
			break;
		case 3:	/* I/O interrupt */
			assert_int_equal(e[6], ncpu);
			if (e[4] == 0) {	/* PCI: slot << 2 | INTA# */
				assert_true(slots & (1u << (e[5] >> 2)));
				assert_int_equal(e[5] & 3, 0);
				assert_int_equal(e[7], 16 + (e[5] >> 2) % 8);
				pci_ints++;
				break;
			}
			assert_int_equal(e[4], 1);
			if (e[5] == 0 && e[7] == 2)
				irq0_to_pin2 = true;
			if (e[5] == 2)
				irq2 = true;
			if (e[5] > 2)
				assert_int_equal(e[7], e[5]);
			assert_int_equal(e[6], ncpu);
			ints++;
			break;
		case 4:	/* local interrupt: ExtINT on LINT0, NMI on LINT1 */
			assert_int_equal(e[1], e[7] ? 1 : 3);
			assert_int_equal(e[6], 0xff);
			lints++;
			break;
		default:
			fail_msg("entry type %u", e[0]);
		}
		e += 8;
	}
	assert_int_equal(e - c, len);
	assert_int_equal(size, 16 + len);
	assert_int_equal(cpus, ncpu);
	assert_int_equal(ioapics, 1);
	/* 8-bit APIC ids: the IOAPIC's is no CPU's, and not 0xff (the
	 * broadcast id, which the LINT entries use). */
	assert_false(apic_ids[ioapic_id]);
	assert_int_not_equal(ioapic_id, 0xff);
	assert_false(apic_ids[0xff]);
	assert_int_equal(ints, 15);
	assert_int_equal(pci_ints, __builtin_popcount(slots));
	assert_int_equal(buses, slots ? 2 : 1);
	assert_int_equal(lints, 2);
	assert_true(irq0_to_pin2);
	assert_false(irq2);
	/* Inside the BIOS area the e820 map reserves. */
	assert_true(MPTABLE_ADDR + 16 + len <= HIGH_MEMORY);
}

static void test_mptable(void **state)
{
	(void)state;
	check(1, 0);
	check(2, 0x6);
	check(8, 0x1e);
	check(64, 0xfffffffe);
	check(MPTABLE_CPUS_MAX, 0xfffffffe);
	assert_int_equal(MPTABLE_CPUS_MAX, 254);
}

/* 255 CPUs would give the IOAPIC 0xff (broadcast), 256 give it 0 (CPU
 * 0's); neither is written, and the error says why. No CPU, or memory
 * without the BIOS area, is refused too. */
static void test_refused(void **state)
{
	static uint8_t ram[2 << 20];
	static const unsigned bad[] = { 255, 256, 1000, 0 };
	struct capture cap;
	struct gmem g;
	char *err;

	(void)state;
	memset(ram, 0, sizeof(ram));
	gmem_wrap(&g, ram, sizeof(ram), &x86_ram);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_begin(&cap);
		assert_int_equal(mptable_write(&g, bad[i], 0, 0, 0x2), -EINVAL);
		err = capture_end(&cap);
		assert_non_null(strstr(err, "CPUs: the MP table names 1 to 254"));
		free(err);
		assert_int_not_equal(memcmp(ram + MPTABLE_ADDR, "_MP_", 4), 0);
	}
	gmem_wrap(&g, ram, MPTABLE_ADDR + 64, &x86_ram);
	capture_begin(&cap);
	assert_int_equal(mptable_write(&g, 1, 0, 0, 0), -EINVAL);
	err = capture_end(&cap);
	assert_non_null(strstr(err, "MP table: no room"));
	free(err);
	assert_int_not_equal(memcmp(ram + MPTABLE_ADDR, "_MP_", 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mptable),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("mptable", tests, NULL, NULL);
}
