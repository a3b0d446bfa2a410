// SPDX-License-Identifier: MIT
/*
 * The coalesced ring (kvm.c): writes the guest made without an exit,
 * handed over in order before the next exit is handled. The ring is a
 * page here, filled as KVM fills it; the PCI address latch behind it is
 * the real one (conf1.c), so a read of 0xcfc after a queued 0xcf8 write
 * must see that write, as on the launcher's exits.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "helpers.h"
#include "../../src/common/log.h"
#include "../../src/vmm/bus.h"
#include "../../src/vmm/kvm.h"
#include "../../src/vmm/pci.h"
#include "../../src/vmm/x86/conf1.h"
#include "../../src/vmm/x86/layout.h"

static struct kvm_vm vm;
static struct bus pio;
static struct pci_bus pbus;
static struct pci_dev dev;
static struct pci_conf1 conf1;

/* What fn was handed, in order. */
static struct {
	uint64_t addr;
	uint8_t data[8];
	unsigned len;
	bool pio;
} got[8];
static unsigned ngot;

static void record(void *ctx, uint64_t addr, uint8_t *data, unsigned len,
		   bool is_pio)
{
	(void)ctx;
	assert_true(ngot < 8);
	got[ngot].addr = addr;
	memcpy(got[ngot].data, data, len);
	got[ngot].len = len;
	got[ngot++].pio = is_pio;
}

/* As the launcher's x86 board does: a port write through the bus. */
static void to_bus(void *ctx, uint64_t addr, uint8_t *data, unsigned len,
		   bool is_pio)
{
	(void)ctx;
	assert_true(is_pio);
	bus_access(&pio, addr, data, len, true);
}

/* KVM's side: one write queued at last. */
static void queue(uint64_t addr, uint32_t value, unsigned len, bool is_pio)
{
	struct kvm_coalesced_mmio *e = &vm.ring->coalesced_mmio[vm.ring->last];

	memset(e, 0, sizeof(*e));
	e->phys_addr = addr;
	e->len = len;
	e->pio = is_pio;
	memcpy(e->data, &value, sizeof(value));
	vm.ring->last = (vm.ring->last + 1) % vm.ring_max;
}

static uint32_t in32(uint16_t port)
{
	uint8_t d[4];

	bus_access(&pio, port, d, 4, false);
	return d[0] | d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

static int setup(void **state)
{
	long page = sysconf(_SC_PAGESIZE);

	(void)state;
	log_level = LOG_QUIET;
	memset(&vm, 0, sizeof(vm));
	/* Exactly a page: ASan sees any entry read past the ring. */
	vm.ring = calloc(1, (size_t)page);
	assert_non_null(vm.ring);
	vm.ring_max = (unsigned)((page - sizeof(*vm.ring)) /
				 sizeof(vm.ring->coalesced_mmio[0]));
	ngot = 0;
	memset(&pio, 0, sizeof(pio));
	memset(&dev, 0, sizeof(dev));
	pci_init(&pbus, 0xc0000000u, 0xd0000000u, PCI_INTX_PIN_BASE, NULL,
		 NULL, NULL);
	assert_int_equal(pci_add(&pbus, &dev, 0x1af4, 0x1043, 0x078000,
				 0x1af4, 3), 1);
	conf1 = (struct pci_conf1){ .bus = &pbus };
	assert_int_equal(bus_register(&pio, PCI_CONF1_PORT, 8, &pci_conf1_ops,
				      &conf1), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm.ring);
	return 0;
}

static void test_in_order(void **state)
{
	(void)state;
	assert_false(kvm_coalesced_pending(&vm));
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 0);
	queue(0xcf8, 0x80000800u, 4, true);
	queue(0xfe000000u, 0xabcd, 2, false);
	queue(0x70, 0x8f, 1, true);
	assert_true(kvm_coalesced_pending(&vm));
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 3);
	assert_false(kvm_coalesced_pending(&vm));
	assert_int_equal(got[0].addr, 0xcf8);
	assert_int_equal(got[0].len, 4);
	assert_true(got[0].pio);
	assert_int_equal(got[0].data[1], 0x08);
	assert_int_equal(got[1].addr, 0xfe000000u);
	assert_int_equal(got[1].len, 2);
	assert_false(got[1].pio);
	assert_int_equal(got[2].addr, 0x70);
	assert_int_equal(got[2].data[0], 0x8f);
	/* Taken off: a second drain hands nothing again. */
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 0);
	assert_int_equal(vm.ring->first, 3);
}

static void test_wraps(void **state)
{
	(void)state;
	vm.ring->first = vm.ring->last = vm.ring_max - 1;
	queue(0x70, 1, 1, true);
	queue(0x70, 2, 1, true);
	assert_int_equal(vm.ring->last, 1);
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 2);
	assert_int_equal(got[0].data[0], 1);
	assert_int_equal(got[1].data[0], 2);
	assert_int_equal(vm.ring->first, 1);
}

/* Lengths KVM never writes, and indices outside the ring: nothing read
 * past an entry or the page, nothing handed that is not a write. */
static void test_bad_entries(void **state)
{
	(void)state;
	queue(0x70, 0x11, 0, true);		/* empty: skipped */
	queue(0x80, 0x22, 200, true);		/* longer than data[]: 8 */
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 2);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].addr, 0x80);
	assert_int_equal(got[0].len, 8);
	ngot = 0;
	vm.ring->first = vm.ring_max;
	vm.ring->last = 0;
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 0);
	vm.ring->first = 0;
	vm.ring->last = vm.ring_max + 5;
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 0);
	assert_int_equal(ngot, 0);
	/* No ring (no vCPU 0, or KVM without one): nothing pending. */
	struct kvm_coalesced_mmio_ring *ring = vm.ring;

	vm.ring = NULL;
	assert_false(kvm_coalesced_pending(&vm));
	assert_int_equal(kvm_coalesced_drain(&vm, record, NULL), 0);
	vm.ring = ring;
}

/* Linux's conf1 read: outl(0xcf8) queued, then inl(0xcfc) exits; the
 * drain before that exit makes the read see its device. Without it the
 * read goes to the latch's old value (slot 0: nothing there). */
static void test_conf1_read_after_queued_address(void **state)
{
	(void)state;
	queue(PCI_CONF1_PORT, 0x80000000u | 1 << 11 | PCI_VENDOR_ID, 4, true);
	assert_int_equal(in32(PCI_CONF1_PORT + 4), 0xffffffffu);
	assert_int_equal(kvm_coalesced_drain(&vm, to_bus, NULL), 1);
	assert_int_equal(in32(PCI_CONF1_PORT + 4), 0x10431af4);
	/* Two addresses queued: the later one stands. */
	queue(PCI_CONF1_PORT, 0x80000000u | 2 << 11, 4, true);
	queue(PCI_CONF1_PORT, 0x80000000u | 1 << 11 | PCI_SUBSYSTEM_VENDOR_ID,
	      4, true);
	assert_int_equal(kvm_coalesced_drain(&vm, to_bus, NULL), 2);
	assert_int_equal(in32(PCI_CONF1_PORT + 4), 0x00031af4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_in_order),
		T(test_wraps),
		T(test_bad_entries),
		T(test_conf1_read_after_queued_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
