// SPDX-License-Identifier: MIT
#include <string.h>

#include "layout.h"
#include "mptable.h"
#include "../../common/log.h"

struct mpf {
	char signature[4];
	uint32_t physptr;
	uint8_t length, spec, checksum;
	uint8_t feature[5];
} __attribute__((packed));

struct mpc {
	char signature[4];
	uint16_t length;
	uint8_t spec, checksum;
	char oem[8], product[12];
	uint32_t oemptr;
	uint16_t oemsize, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, apicid, apicver, flags;
	uint32_t signature, features, reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, apicid, apicver, flags;
	uint32_t addr;
} __attribute__((packed));

struct mpc_int {
	uint8_t type, irqtype;
	uint16_t irqflag;
	uint8_t srcbus, srcbusirq, dstapic, dstpin;
} __attribute__((packed));

enum { MP_CPU, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };
enum { MP_BUS_PCI, MP_BUS_ISA };

static uint8_t checksum(const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

int mptable_write(struct gmem *g, unsigned ncpu, uint32_t signature,
		  uint32_t features, uint32_t pci_slots)
{
	unsigned size = sizeof(struct mpf) + sizeof(struct mpc) +
			ncpu * sizeof(struct mpc_cpu) + 2 * sizeof(struct mpc_bus) +
			sizeof(struct mpc_ioapic) + (17 + 32) * sizeof(struct mpc_int);
	uint8_t *base, *p;
	struct mpf *f;
	struct mpc *c;
	unsigned ioapic = ncpu, count = 0;

	/* MP spec 1.4, chapter 4: an APIC id is one byte. */
	if (!ncpu || ncpu > MPTABLE_CPUS_MAX)
		return error("%u CPUs: the MP table names 1 to %u (8-bit APIC "
			     "ids, 0xff the broadcast one, one for the IOAPIC)",
			     ncpu, MPTABLE_CPUS_MAX);
	base = gmem_ptr(g, MPTABLE_ADDR, size);
	if (!base || MPTABLE_ADDR + size > HIGH_MEMORY)
		return error("MP table: no room at %#x for %u bytes",
			     MPTABLE_ADDR, size);
	f = (struct mpf *)base;
	c = (struct mpc *)(f + 1);
	memset(base, 0, size);
	p = (uint8_t *)(c + 1);
	for (unsigned i = 0; i < ncpu; i++, count++) {
		struct mpc_cpu *e = (struct mpc_cpu *)p;

		e->type = MP_CPU;
		e->apicid = (uint8_t)i;
		e->apicver = MPTABLE_APIC_VERSION;
		e->flags = 1 | (i == 0 ? 2 : 0);	/* enabled, bootstrap */
		e->signature = signature;
		e->features = features;
		p += sizeof(*e);
	}
	/* Linux matches a PCI device's interrupt entry by the MP bus id
	 * being its PCI bus number, so PCI is bus 0 and ISA bus 1. */
	for (unsigned bus = pci_slots ? 0 : 1; bus < 2; bus++) {
		struct mpc_bus *e = (struct mpc_bus *)p;

		e->type = MP_BUS;
		e->id = (uint8_t)bus;
		memcpy(e->name, bus == MP_BUS_PCI ? "PCI   " : "ISA   ", 6);
		p += sizeof(*e);
		count++;
	}
	{
		struct mpc_ioapic *e = (struct mpc_ioapic *)p;

		e->type = MP_IOAPIC;
		e->apicid = (uint8_t)ioapic;
		e->apicver = MPTABLE_IOAPIC_VERSION;
		e->flags = 1;
		e->addr = IOAPIC_ADDR;
		p += sizeof(*e);
		count++;
	}
	for (unsigned irq = 0; irq < 16; irq++) {
		struct mpc_int *e = (struct mpc_int *)p;

		if (irq == 2)
			continue;
		e->type = MP_INTSRC;
		e->irqtype = MP_INT;
		e->srcbus = MP_BUS_ISA;
		e->srcbusirq = (uint8_t)irq;
		e->dstapic = (uint8_t)ioapic;
		e->dstpin = (uint8_t)(irq ? irq : 2);
		p += sizeof(*e);
		count++;
	}
	/* INTA# of each slot; flags 0: as the bus has it (level, low). */
	for (unsigned slot = 0; slot < 32; slot++) {
		struct mpc_int *e = (struct mpc_int *)p;

		if (!(pci_slots & (1u << slot)))
			continue;
		e->type = MP_INTSRC;
		e->irqtype = MP_INT;
		e->srcbus = MP_BUS_PCI;
		e->srcbusirq = (uint8_t)(slot << 2);
		e->dstapic = (uint8_t)ioapic;
		e->dstpin = (uint8_t)(16 + slot % 8);
		p += sizeof(*e);
		count++;
	}
	for (unsigned lint = 0; lint < 2; lint++) {
		struct mpc_int *e = (struct mpc_int *)p;

		e->type = MP_LINTSRC;
		e->irqtype = lint ? MP_NMI : MP_EXTINT;
		e->dstapic = 0xff;		/* every LAPIC */
		e->dstpin = (uint8_t)lint;
		p += sizeof(*e);
		count++;
	}
	memcpy(c->signature, "PCMP", 4);
	c->length = (uint16_t)(p - (uint8_t *)c);
	c->spec = 4;
	memcpy(c->oem, "TINYRD  ", 8);
	memcpy(c->product, "TINYRD VM   ", 12);
	c->count = (uint16_t)count;
	c->lapic = LAPIC_ADDR;
	c->checksum = checksum(c, c->length);

	memcpy(f->signature, "_MP_", 4);
	f->physptr = MPTABLE_ADDR + sizeof(*f);
	f->length = 1;
	f->spec = 4;
	f->checksum = checksum(f, sizeof(*f));
	return (int)(p - base);
}
