// SPDX-License-Identifier: MIT
/* Port and MMIO dispatch: offsets, overlaps, unclaimed accesses. */
#include "helpers.h"
#include "../../src/vmm/bus.h"

struct dev {
	uint64_t last;
	unsigned len;
	bool write;
	uint8_t value;
};

static void io(void *d, uint64_t addr, uint8_t *data, unsigned len, bool write)
{
	struct dev *v = d;

	v->last = addr;
	v->len = len;
	v->write = write;
	if (write)
		v->value = data[0];
	else
		memset(data, v->value, len);
}

static const struct bus_ops ops = { .name = "test", .io = io };

static void test_dispatch(void **state)
{
	struct bus b = { 0 };
	struct dev a = { 0 }, c = { 0 };
	uint8_t d[8];

	(void)state;
	log_level = LOG_QUIET;
	assert_int_equal(bus_register(&b, 0x3f8, 8, &ops, &a), 0);
	assert_int_equal(bus_register(&b, 0x2f8, 8, &ops, &c), 0);
	assert_true(bus_register(&b, 0x3fc, 8, &ops, &c) < 0);	/* overlaps */
	assert_true(bus_register(&b, 0x10, 0, &ops, &c) < 0);	/* empty */
	d[0] = 0x42;
	assert_true(bus_access(&b, 0x3fb, d, 1, true));
	assert_int_equal(a.last, 3);
	assert_true(a.write);
	assert_int_equal(a.value, 0x42);
	assert_true(bus_access(&b, 0x2f8, d, 2, false));
	assert_int_equal(c.last, 0);
	assert_int_equal(c.len, 2);
	/* Nobody's: reads are all ones, writes vanish, both counted. */
	memset(d, 0, sizeof(d));
	assert_false(bus_access(&b, 0xcfc, d, 4, false));
	assert_memory_equal(d, "\xff\xff\xff\xff", 4);
	assert_false(bus_access(&b, 0xcf8, d, 4, true));
	/* Straddling a range's end is not the device's. */
	assert_false(bus_access(&b, 0x3ff, d, 2, false));
	assert_int_equal(b.unclaimed, 3);
	assert_int_equal(b.top[0].addr, 0xcfc);
	assert_int_equal(b.top[1].addr, 0xcf8);
	for (int i = 0; i < BUS_MAX_RANGES - 2; i++)
		assert_int_equal(bus_register(&b, 0x1000 + 16 * (uint64_t)i, 8, &ops, &a), 0);
	assert_true(bus_register(&b, 0x9000, 8, &ops, &a) < 0);	/* full */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
