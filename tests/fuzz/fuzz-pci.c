// SPDX-License-Identifier: MIT
/*
 * PCI configuration space (src/vmm/pci.c) and the virtio-pci transport
 * (src/vmm/virtio/pci.c, virtio.c) as a guest's driver reaches them: a
 * bus with its host bridge and one virtio function (two queues, 16 bytes
 * of device configuration, a shared-memory BAR) over 64 KiB of guest
 * RAM. The device's worker thread is played in line, so a run is one
 * thread: its kicks are taken and its queues served when the input says.
 *
 * Input: operations, each a byte whose low 3 bits pick it and whose
 * next bits say how:
 *
 *   0 config    bit 3 write, bit 4 the host bridge, bits 5-6 length 1, 2,
 *               4; u8 offset, then the data of a write
 *   1 memory    bit 3 write, bits 4-5 length 1, 2, 4, 8; u32 offset into
 *               the PCI memory window (the BARs), the data of a write
 *   2 port      bit 3 write, bits 4-5 length 1, 2, 4: type-1 access at
 *               0xcf8 + u8 % 8 (x86's; a no-op elsewhere)
 *   3 poke      u16 gpa, u8 len, len bytes into guest RAM
 *   4 worker    take the kicks and serve the queues the driver notified
 *   5 msi-x     signal u8 vector
 *   6 intx      bit 3 the level
 *   7 reset     the virtio status register written 0 from the host's
 *               side, as a stop does
 */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "../../src/vmm/bus.h"
#include "../../src/vmm/pci.h"
#include "../../src/vmm/virtio/pci.h"
#ifdef VMM_ARCH_x86
#include "../../src/vmm/x86/conf1.h"
#endif

#define RAM	(64u << 10)
#define WIN	0xc0000000u
#define WIN_LEN	0x100000u

static uint8_t ram[RAM];
static uint8_t devcfg[16];
static uint8_t shm[1u << 20];

static int msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)addr;
	(void)data;
	return 0;
}

static void irq(void *ctx, unsigned pin, int level)
{
	(void)ctx;
	(void)pin;
	(void)level;
}

static int shm_map(void *ctx, struct virtio_pci *vp, uint64_t gpa)
{
	(void)ctx;
	(void)vp;
	(void)gpa;
	return 0;
}

static void config(struct virtio_dev *d, uint32_t off, uint8_t *data,
		   unsigned len, bool write)
{
	(void)d;
	fz_check(off < sizeof(devcfg) && len <= sizeof(devcfg) - off,
		 "device configuration access past config_size");
	if (write)
		memcpy(devcfg + off, data, len);
	else
		memcpy(data, devcfg + off, len);
}

/* What a device does with a chain: reads it all, fills what it may. */
static int64_t echo(struct virtio_dev *d, const struct vq_chain *c,
		    const char **why)
{
	uint8_t b[256];
	uint64_t n = vq_read(c, 0, b, sizeof(b));

	(void)d;
	(void)why;
	return (int64_t)vq_write(c, 0, b, n);
}

static void notify(struct virtio_dev *d, unsigned q)
{
	virtio_serve(d, q, echo, q == 1);
}

static const struct virtio_ops ops = {
	.name = "fuzz",
	.id = 42,
	.nqueues = 2,
	.config_size = sizeof(devcfg),
	.features = 1ULL << 0 | 1ULL << 40,
	.config = config,
	.notify = notify,
};

/* A write's data: up to len bytes of the input. */
static void take(struct fz *f, uint8_t *d, unsigned len)
{
	const uint8_t *p;
	size_t n = fz_take(f, len, &p);

	memcpy(d, p, n);
}

/* The worker's loop body (virtio.c), in line. */
static void worker(struct virtio_dev *d)
{
	for (unsigned q = 0; q < ops.nqueues; q++) {
		uint64_t v;

		if (read(d->kick[q], &v, sizeof(v)) != sizeof(v))
			continue;
		pthread_mutex_lock(&d->lock);
		if (virtio_ready(d) && d->qr[q].enabled && !d->vq[q].broken)
			d->ops->notify(d, q);
		pthread_mutex_unlock(&d->lock);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned lens[] = { 1, 2, 4, 8 };
	static struct pci_bus b;
	static struct bus mmio, pio;
	static struct virtio_dev dev;
	static struct virtio_pci vp;
	struct fz f = { data, size };
	struct gmem mem;
	unsigned n = 0;
#ifdef VMM_ARCH_x86
	static struct pci_conf1 conf1;
#endif

	fz_quiet(false);
	memset(ram, 0, sizeof(ram));
	memset(devcfg, 0, sizeof(devcfg));
	memset(&mmio, 0, sizeof(mmio));
	memset(&pio, 0, sizeof(pio));
	gmem_wrap(&mem, ram, RAM, NULL);
	pci_init(&b, WIN, WIN + WIN_LEN, 16, msi, irq, NULL);
	pci_set_mmio64(&b, 1ULL << 36, (1ULL << 36) + (16ULL << 20));
	if (pci_attach(&b, &mmio) || virtio_init(&dev, &ops, NULL, &mem))
		fz_fail(__FILE__, __LINE__, "pci_attach, virtio_init");
	dev.shm = shm;
	dev.shm_size = sizeof(shm);
	if (virtio_pci_add(&b, &vp, &dev, NULL, shm_map, NULL))
		fz_fail(__FILE__, __LINE__, "virtio_pci_add");
#ifdef VMM_ARCH_x86
	conf1 = (struct pci_conf1){ .bus = &b };
	bus_register(&pio, 0xcf8, 8, &pci_conf1_ops, &conf1);
#endif
	while (f.n && n++ < 512) {
		uint8_t op = fz_u8(&f), d[8] = { 0 };
		bool write = op & 8;
		const uint8_t *p;

		switch (op & 7) {
		case 0: {
			unsigned len = lens[((op >> 5) & 3) % 3], off = fz_u8(&f);

			if (write)
				take(&f, d, len);
			pci_cfg_access(op & 0x10 ? &b.bridge : &vp.pci, off, d,
				       len, write);
			break;
		}
		case 1: {
			unsigned len = lens[(op >> 4) & 3];
			uint32_t off = fz_u32(&f) % WIN_LEN;

			if (write)
				take(&f, d, len);
			bus_access(&mmio, WIN + off, d, len, write);
			break;
		}
		case 2: {
			unsigned len = lens[((op >> 4) & 3) % 3];
			uint8_t port = fz_u8(&f) % 8;

			if (write)
				take(&f, d, len);
			bus_access(&pio, 0xcf8 + port, d, len, write);
			break;
		}
		case 3: {
			uint16_t gpa = fz_u16(&f);
			size_t len = fz_take(&f, fz_u8(&f), &p);

			if (gpa + len <= RAM)
				memcpy(ram + gpa, p, len);
			break;
		}
		case 4:
			worker(&dev);
			break;
		case 5:
			pci_msix_signal(&vp.pci, fz_u8(&f));
			break;
		case 6:
			pci_intx(&vp.pci, write);
			break;
		case 7:
			virtio_status_write(&dev, 0);
			break;
		}
	}
	virtio_pci_remove(&vp);
	virtio_destroy(&dev);
	/* Made again by the next run's inits. */
	pthread_mutex_destroy(&dev.lock);
	pthread_mutex_destroy(&b.lock);
	return 0;
}
