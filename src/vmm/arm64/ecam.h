/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_ARM64_ECAM_H
#define TINYRD_ARM64_ECAM_H

#include "../bus.h"
#include "../pci.h"

/*
 * PCI configuration by ECAM (PCI Express Base 5.0 §7.2.2) for bus 0: a
 * memory range in which bus, device, function and register make the
 * offset (device in bits 15-19, function 12-14, register 0-11). Function
 * 0 of each slot answers with its 256 bytes and reads zeros beyond (no
 * extended capabilities); a slot without a device, another function or
 * a misaligned access reads all ones. The range's device is the bus.
 */
extern const struct bus_ops pci_ecam_ops;

#endif
