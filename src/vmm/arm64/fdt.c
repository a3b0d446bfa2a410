// SPDX-License-Identifier: MIT
/*
 * The arm64 machine's device tree (fdt.h), written with libfdt's
 * sequential writer. Bindings: Documentation/devicetree/bindings/ in the
 * kernel (arm/cpus.yaml, arm/psci.yaml, interrupt-controller/
 * arm,gic-v3.yaml, timer/arm,arch_timer.yaml, serial/8250.yaml,
 * pci/host-generic-pci.yaml, virtio/mmio.yaml, chosen.yaml).
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#include "fdt.h"
#include "../../common/log.h"

#define GIC_PHANDLE		1
/* <dt-bindings/interrupt-controller/arm-gic.h> and irq.h */
#define GIC_SPI			0
#define GIC_PPI			1
#define IRQ_EDGE_RISING		1
#define IRQ_LEVEL_HIGH		4
#define UART_CLOCK		1843200

uint64_t arm64_mpidr(unsigned id)
{
	return (uint64_t)(id & 0xf) | (uint64_t)((id >> 4) & 0xff) << 8 |
	       (uint64_t)((id >> 12) & 0xff) << 16;
}

/* The first libfdt error stops the writing; fdt_strerror says it. */
struct w {
	void *fdt;
	int err;
};

static void begin(struct w *w, const char *name)
{
	if (!w->err)
		w->err = fdt_begin_node(w->fdt, name);
}

static void end(struct w *w)
{
	if (!w->err)
		w->err = fdt_end_node(w->fdt);
}

static void prop(struct w *w, const char *name, const void *v, int len)
{
	if (!w->err)
		w->err = fdt_property(w->fdt, name, v, len);
}

static void str(struct w *w, const char *name, const char *v)
{
	if (!w->err)
		w->err = fdt_property_string(w->fdt, name, v);
}

static void u32(struct w *w, const char *name, uint32_t v)
{
	if (!w->err)
		w->err = fdt_property_u32(w->fdt, name, v);
}

static void u64(struct w *w, const char *name, uint64_t v)
{
	if (!w->err)
		w->err = fdt_property_u64(w->fdt, name, v);
}

/* A property of n cells, given as host-order values. */
static void cells(struct w *w, const char *name, const uint32_t *c, unsigned n)
{
	fdt32_t be[64 * 10];

	if (n > sizeof(be) / sizeof(be[0])) {
		w->err = -FDT_ERR_NOSPACE;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(c[i]);
	prop(w, name, be, (int)(n * sizeof(be[0])));
}

/* reg = <address size> with two cells each. */
static void reg(struct w *w, uint64_t addr, uint64_t size)
{
	uint32_t c[4] = { (uint32_t)(addr >> 32), (uint32_t)addr,
			  (uint32_t)(size >> 32), (uint32_t)size };

	cells(w, "reg", c, 4);
}

static void node_at(struct w *w, const char *kind, uint64_t addr)
{
	char name[64];

	snprintf(name, sizeof(name), "%s@%llx", kind, (unsigned long long)addr);
	begin(w, name);
}

static void cpus(struct w *w, unsigned n)
{
	begin(w, "cpus");
	u32(w, "#address-cells", 1);
	u32(w, "#size-cells", 0);
	for (unsigned i = 0; i < n; i++) {
		node_at(w, "cpu", arm64_mpidr(i));
		str(w, "device_type", "cpu");
		str(w, "compatible", "arm,arm-v8");
		str(w, "enable-method", "psci");
		u32(w, "reg", (uint32_t)arm64_mpidr(i));
		end(w);
	}
	end(w);
}

static void psci(struct w *w)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";

	begin(w, "psci");
	prop(w, "compatible", compat, sizeof(compat));
	str(w, "method", "hvc");
	end(w);
}

static void gic(struct w *w, unsigned ncpu)
{
	uint32_t r[8] = { 0, GIC_DIST_BASE, 0, GIC_DIST_SIZE,
			  0, GIC_REDIST_BASE, 0, GIC_REDIST_SIZE * ncpu };

	node_at(w, "intc", GIC_DIST_BASE);
	str(w, "compatible", "arm,gic-v3");
	u32(w, "#interrupt-cells", 3);
	prop(w, "interrupt-controller", NULL, 0);
	/* Address cells of its own, for the PCI interrupt map's parent
	 * unit addresses. */
	u32(w, "#address-cells", 2);
	u32(w, "#size-cells", 2);
	prop(w, "ranges", NULL, 0);
	cells(w, "reg", r, 8);
	u32(w, "phandle", GIC_PHANDLE);
	end(w);
}

static void timer(struct w *w)
{
	const uint32_t irqs[12] = {
		GIC_PPI, TIMER_PPI_SEC, IRQ_LEVEL_HIGH,
		GIC_PPI, TIMER_PPI_PHYS, IRQ_LEVEL_HIGH,
		GIC_PPI, TIMER_PPI_VIRT, IRQ_LEVEL_HIGH,
		GIC_PPI, TIMER_PPI_HYP, IRQ_LEVEL_HIGH,
	};

	begin(w, "timer");
	str(w, "compatible", "arm,armv8-timer");
	cells(w, "interrupts", irqs, 12);
	prop(w, "always-on", NULL, 0);
	end(w);
}

static void uart(struct w *w, uint64_t base, unsigned spi)
{
	const uint32_t irq[3] = { GIC_SPI, spi, IRQ_LEVEL_HIGH };

	node_at(w, "uart", base);
	str(w, "compatible", "ns16550a");
	reg(w, base, UART_SIZE);
	cells(w, "interrupts", irq, 3);
	u32(w, "clock-frequency", UART_CLOCK);
	u32(w, "reg-shift", 0);
	u32(w, "reg-io-width", 1);
	end(w);
}

/*
 * The ECAM host bridge for bus 0 (pci-host-ecam-generic): a 32-bit
 * memory window, the 64-bit prefetchable one above RAM when there is
 * one, and INTA# of each slot on its SPI (pci.h: line base + slot % 8).
 * The core raises INTA# only, so the map names pin 1 alone.
 */
static void pci(struct w *w, const struct arm64_fdt *d)
{
	uint32_t ranges[14] = {
		0x02000000, 0, PCI_MMIO_START, 0, PCI_MMIO_START,
		0, PCI_MMIO_END - PCI_MMIO_START,
	};
	uint32_t map[32 * 10], mask[4] = { 0xf800, 0, 0, 7 };
	uint32_t bus[2] = { 0, 0 };
	unsigned nr = 7, nm = 0;

	if (d->pci_mmio64[1] > d->pci_mmio64[0]) {
		uint64_t a = d->pci_mmio64[0], n = d->pci_mmio64[1] - a;
		uint32_t r64[7] = { 0x43000000, (uint32_t)(a >> 32), (uint32_t)a,
				    (uint32_t)(a >> 32), (uint32_t)a,
				    (uint32_t)(n >> 32), (uint32_t)n };

		for (unsigned i = 0; i < 7; i++)
			ranges[nr++] = r64[i];
	}
	for (unsigned s = 0; s < 32; s++) {
		uint32_t e[10] = { s << 11, 0, 0, 1, GIC_PHANDLE, 0, 0,
				   GIC_SPI, PCI_INTX_SPI + s % 8, IRQ_LEVEL_HIGH };

		for (unsigned i = 0; i < 10; i++)
			map[nm++] = e[i];
	}
	node_at(w, "pcie", PCI_ECAM_BASE);
	str(w, "compatible", "pci-host-ecam-generic");
	str(w, "device_type", "pci");
	u32(w, "#address-cells", 3);
	u32(w, "#size-cells", 2);
	u32(w, "#interrupt-cells", 1);
	u32(w, "linux,pci-domain", 0);
	cells(w, "bus-range", bus, 2);
	reg(w, PCI_ECAM_BASE, PCI_ECAM_SIZE);
	cells(w, "ranges", ranges, nr);
	cells(w, "interrupt-map-mask", mask, 4);
	cells(w, "interrupt-map", map, nm);
	prop(w, "dma-coherent", NULL, 0);
	end(w);
}

static void virtio_mmio(struct w *w, const struct arm64_fdt_mmio *m)
{
	const uint32_t irq[3] = { GIC_SPI, m->spi, IRQ_EDGE_RISING };

	node_at(w, "virtio_mmio", m->base);
	str(w, "compatible", "virtio,mmio");
	reg(w, m->base, 0x1000);
	cells(w, "interrupts", irq, 3);
	prop(w, "dma-coherent", NULL, 0);
	end(w);
}

/* The 8250 driver numbers its ports by these (ttyS0 the console). */
static void aliases(struct w *w)
{
	char path[64];

	begin(w, "aliases");
	snprintf(path, sizeof(path), "/uart@%x", UART_BASE);
	str(w, "serial0", path);
	snprintf(path, sizeof(path), "/uart@%x", UART2_BASE);
	str(w, "serial1", path);
	end(w);
}

static void chosen(struct w *w, const struct arm64_fdt *d)
{
	char path[64];

	snprintf(path, sizeof(path), "/uart@%x", UART_BASE);
	begin(w, "chosen");
	str(w, "bootargs", d->bootargs ? d->bootargs : "");
	str(w, "stdout-path", path);
	if (d->initrd_end > d->initrd_start) {
		u64(w, "linux,initrd-start", d->initrd_start);
		u64(w, "linux,initrd-end", d->initrd_end);
	}
	if (d->seed && d->seed_len)
		prop(w, "rng-seed", d->seed, (int)d->seed_len);
	end(w);
}

int arm64_fdt_build(const struct arm64_fdt *d, void *buf, size_t size)
{
	struct w w = { .fdt = buf };

	if (!d->ncpu || d->ncpu > ARM64_CPUS_MAX)
		return error("device tree: %u CPUs; the GIC's redistributors "
			     "have room for 1 to %u", d->ncpu, ARM64_CPUS_MAX);
	if (d->nmmio > VIRTIO_MMIO_COUNT)
		return error("device tree: %u virtio-mmio devices, at most %u",
			     d->nmmio, VIRTIO_MMIO_COUNT);
	w.err = fdt_create(buf, (int)size);
	if (!w.err)
		w.err = fdt_finish_reservemap(buf);
	begin(&w, "");
	str(&w, "compatible", "linux,dummy-virt");
	str(&w, "model", "tinyrd arm64");
	u32(&w, "#address-cells", 2);
	u32(&w, "#size-cells", 2);
	u32(&w, "interrupt-parent", GIC_PHANDLE);
	aliases(&w);
	chosen(&w, d);
	node_at(&w, "memory", d->mem_base);
	str(&w, "device_type", "memory");
	reg(&w, d->mem_base, d->mem_size);
	end(&w);
	cpus(&w, d->ncpu);
	psci(&w);
	gic(&w, d->ncpu);
	timer(&w);
	uart(&w, UART_BASE, UART_SPI);
	uart(&w, UART2_BASE, UART2_SPI);
	if (d->pci)
		pci(&w, d);
	for (unsigned i = 0; i < d->nmmio; i++)
		virtio_mmio(&w, &d->mmio[i]);
	end(&w);
	if (!w.err)
		w.err = fdt_finish(buf);
	if (!w.err)
		w.err = fdt_pack(buf);
	if (w.err)
		return error("device tree: %s", fdt_strerror(w.err));
	return 0;
}
