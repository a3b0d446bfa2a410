/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_X86_CONF1_H
#define TINYRD_X86_CONF1_H

#include <stdint.h>

#include "../bus.h"
#include "../pci.h"

/*
 * PCI configuration access of type 1, the way Linux finds a PC's bus
 * without ACPI (pci_check_type1()): the address register at port 0xcf8,
 * 32-bit accesses only, the data at 0xcfc-0xcff. Bus 0, function 0 only;
 * a function that is absent reads as all ones, which is how Linux learns
 * the slot is empty. Registered on the port bus over 8 ports, with
 * struct pci_conf1 as the device.
 */
struct pci_conf1 {
	struct pci_bus *bus;
	uint32_t cf8;		/* the address register (the vCPUs': atomic) */
};

extern const struct bus_ops pci_conf1_ops;

#endif
