// SPDX-License-Identifier: MIT
/*
 * The built-in launcher: a KVM VM with the in-kernel IRQ chip and PIT, two
 * 8250 UARTs (ttyS0 console, ttyS1 the command's output when there is no
 * virtio), PCI bus 0 with two virtio-console devices (hvc0 the command's
 * stdout, hvc1 its stderr), virtio-rng and a virtio-blk per --disk, the exit port, a CMOS clock, the keyboard
 * controller's reset line; one thread per vCPU and per virtio device,
 * the main thread for the terminal, signals and time limits.
 *
 * Endings: the exit port gives the status (all eight bits); a triple
 * fault, a reset, a power-off without a report, or every vCPU halted with
 * interrupts off give VM_NO_REPORT with the reason; a KVM internal error
 * the same, with the registers on stderr; --timeout and --silence-timeout
 * VM_TIMEOUT; a signal VM_INTERRUPTED. Nothing a guest does ends the
 * launcher any other way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot.h"
#include "bus.h"
#include "cpuid.h"
#include "kvm.h"
#include "layout.h"
#include "mptable.h"
#include "pci.h"
#include "rtc.h"
#include "serial8250.h"
#include "vmm.h"
#include "watch.h"
#include "virtio/blk.h"
#include "virtio/p9.h"
#include "virtio/fs.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/pci.h"
#include "virtio/rng.h"
#include "../common/abi.h"
#include "../common/util.h"

#define TICK_MS 100
#define PROBE_EVERY_MS 1000

struct launcher {
	struct kvm_vm vm;
	struct kvm_vcpu *cpu;
	pthread_t *thread;
	unsigned ncpu, started;
	struct bus pio, mmio;
	struct uart com1, com2;
	struct rtc rtc;
	struct pci_bus pci;
	struct virtio_console con[2];	/* hvc0: stdout, hvc1: stderr */
	struct virtio_dev rng;
	struct virtio_blk blk[VM_DISKS_MAX];
	unsigned nblk;			/* disks open */
	struct virtio_p9 p9[VM_SHARES_MAX];
	unsigned np9;			/* 9p shares open */
	struct virtio_fs fs[VM_SHARES_MAX];
	unsigned nfs;			/* virtio-fs shares open */
	struct virtio_pci vpci[3 + VM_DISKS_MAX + VM_SHARES_MAX]; /* PCI functions, slot order */
	struct virtio_mmio vmmio[3 + VM_DISKS_MAX + VM_SHARES_MAX]; /* or MMIO windows */
	struct virtio_dev *vdev[3 + VM_DISKS_MAX + VM_SHARES_MAX];
	struct buf mmio_args;		/* virtio_mmio.device=... for each */
	unsigned nvirtio;		/* devices set up (to tear down) */
	const struct vm_config *cfg;
	struct vm_result *res;
	int room_fd;			/* eventfd: ttyS0 has room again */

	pthread_mutex_t lock;
	int stop;			/* atomic: vCPUs leave their loop */
	bool ended;
	long long last_output;		/* atomic: ms of the last console byte */
	struct vm_watch watch;		/* signals, terminal, watchdogs */
	int *probe;			/* per vCPU: 1 asked, 2 halted IF=0, 3 busy */
	unsigned long exits;		/* atomic: VM exits, for -v */
};

static void on_kick(int sig)
{
	(void)sig;	/* only to interrupt KVM_RUN */
}

static void kick(struct launcher *l, unsigned i)
{
	__atomic_store_n(&l->cpu[i].run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(l->thread[i], SIGUSR1);
}

/* The first ending wins; every vCPU is stopped. */
static void end(struct launcher *l, enum vm_ending how, int status,
		const char *why)
{
	pthread_mutex_lock(&l->lock);
	if (!l->ended) {
		l->ended = true;
		l->res->ending = how;
		l->res->status = status;
		snprintf(l->res->why, sizeof(l->res->why), "%s", why ? why : "");
	}
	pthread_mutex_unlock(&l->lock);
	__atomic_store_n(&l->stop, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < l->started; i++)
		kick(l, i);
}

static void raise_irq(void *ctx, unsigned irq, int level)
{
	struct launcher *l = ctx;

	kvm_irq_line(&l->vm, irq, level);
}

static void console_sink(void *ctx, const uint8_t *data, unsigned len)
{
	struct launcher *l = ctx;
	const struct vm_config *c = l->cfg;

	c->console.feed(c->console.ctx, (const char *)data, len);
	if (c->interactive)
		write_all(STDOUT_FILENO, data, len);
	else if (c->echo_fd >= 0)
		write_all(c->echo_fd, data, len);
	if (c->log_fd >= 0)
		write_all(c->log_fd, data, len);
	__atomic_store_n(&l->last_output, vm_now_ms(), __ATOMIC_RELAXED);
}

/* ttyS0 took half of what waited: wake the main loop to pass on more. */
static void console_room(void *ctx)
{
	struct launcher *l = ctx;
	uint64_t one = 1;

	if (write(l->room_fd, &one, sizeof(one)) < 0)
		return;		/* already signalled */
}

static void output_sink(void *ctx, const uint8_t *data, unsigned len)
{
	struct launcher *l = ctx;

	/* Blocking: a slow reader holds the guest back, nothing is lost. */
	write_all(l->cfg->out_fd, data, len);
	__atomic_store_n(&l->last_output, vm_now_ms(), __ATOMIC_RELAXED);
}

/* Answer the main thread's question: halted with interrupts off? */
static void probe(struct launcher *l, struct kvm_vcpu *v)
{
	struct kvm_mp_state mp;
	struct kvm_regs r;
	int answer = 3;

	if (!kvm_vcpu_state(v, &mp, NULL)) {
		if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
		    mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
			answer = 2;	/* an AP never started */
		else if (mp.mp_state == KVM_MP_STATE_HALTED &&
			 !kvm_vcpu_state(v, &mp, &r) && !(r.rflags & 0x200))
			answer = 2;
	}
	__atomic_store_n(&l->probe[v->id], answer, __ATOMIC_SEQ_CST);
}

static void port_io(struct launcher *l, struct kvm_run *run)
{
	uint8_t *p = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size) {
		if (out && run->io.port == TINYRD_EXIT_PORT) {
			end(l, VM_REPORTED, p[0], NULL);
			return;
		}
		if (out && run->io.port == TINYRD_STDIN_PORT) {
			virtio_console_open_input(&l->con[0]);
			continue;
		}
		if (out && run->io.port == I8042_COMMAND_PORT && p[0] == 0xfe) {
			end(l, VM_NO_REPORT, 0,
			    "the guest reset itself (keyboard controller)");
			return;
		}
		bus_access(&l->pio, run->io.port, p, run->io.size, out);
	}
}

/* After KVM_RUN failed with EFAULT: a file cut short under a DAX
 * mapping that its watch has not reported yet. */
static unsigned dax_fixup_all(struct launcher *l)
{
	unsigned n = 0;

	for (unsigned i = 0; i < l->nfs; i++)
		n += dax_fixup(&l->fs[i].dax);
	return n;
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *v = arg;
	struct launcher *l = (struct launcher *)v->vm;	/* vm is first */
	struct kvm_run *run = v->run;
	char why[160];

	while (!__atomic_load_n(&l->stop, __ATOMIC_SEQ_CST)) {
		int err = kvm_vcpu_run(v);

		if (err) {
			if (err == -EINTR || err == -EAGAIN) {
				__atomic_store_n(&run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				if (__atomic_load_n(&l->probe[v->id],
						    __ATOMIC_SEQ_CST) == 1)
					probe(l, v);
				continue;
			}
			/* A file the host cut short under a DAX mapping:
			 * its missing pages get anonymous memory. */
			if (err == -EFAULT && dax_fixup_all(l))
				continue;
			snprintf(why, sizeof(why), "KVM_RUN on vcpu %u: %s",
				 v->id, strerror(-err));
			end(l, VM_FAILED, 0, why);
			break;
		}
		__atomic_fetch_add(&l->exits, 1, __ATOMIC_RELAXED);
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			port_io(l, run);
			break;
		case KVM_EXIT_MMIO:
			bus_access(&l->mmio, run->mmio.phys_addr, run->mmio.data,
				   run->mmio.len > 8 ? 8 : run->mmio.len,
				   run->mmio.is_write);
			break;
		case KVM_EXIT_SHUTDOWN:
			end(l, VM_NO_REPORT, 0, "triple fault (KVM_EXIT_SHUTDOWN)");
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			snprintf(why, sizeof(why), "the guest %s",
				 run->system_event.type == KVM_SYSTEM_EVENT_RESET
				 ? "reset itself" : run->system_event.type ==
				 KVM_SYSTEM_EVENT_CRASH ? "crashed" : "powered off");
			end(l, VM_NO_REPORT, 0, why);
			break;
		case KVM_EXIT_HLT:
			end(l, VM_NO_REPORT, 0, "the guest halted");
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			kvm_vcpu_dump(v);
			snprintf(why, sizeof(why), "KVM internal error on vcpu %u, "
				 "suberror %u", v->id, run->internal.suberror);
			end(l, VM_NO_REPORT, 0, why);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			kvm_vcpu_dump(v);
			snprintf(why, sizeof(why), "vcpu %u could not enter the guest "
				 "(hardware reason %#llx)", v->id,
				 (unsigned long long)run->fail_entry
				 .hardware_entry_failure_reason);
			end(l, VM_NO_REPORT, 0, why);
			break;
		default:
			kvm_vcpu_dump(v);
			snprintf(why, sizeof(why), "unexpected exit %u on vcpu %u",
				 run->exit_reason, v->id);
			end(l, VM_NO_REPORT, 0, why);
			break;
		}
	}
	return NULL;
}

static int signal_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct launcher *l = ctx;

	return kvm_signal_msi(&l->vm, addr, data);
}

static void pci_irq(void *ctx, unsigned pin, int level)
{
	struct launcher *l = ctx;

	kvm_irq_line(&l->vm, pin, level);
}

static int ioeventfd(void *ctx, uint64_t addr, int fd, bool assign)
{
	struct launcher *l = ctx;

	return kvm_ioeventfd(&l->vm, addr, 2, fd, assign);
}

/* A device's shared memory (a DAX window) as a memory slot of its own. */
static int shm_map(void *ctx, struct virtio_pci *vp, uint64_t gpa)
{
	struct launcher *l = ctx;
	unsigned n = KVM_SLOT_FIRST_FREE + (unsigned)(vp - l->vpci);

	return kvm_memory(&l->vm, n, gpa, gpa ? vp->dev->shm_size : 0,
			  vp->dev->shm);
}

/* Room for 64-bit BARs: from the first GiB boundary past RAM to the top
 * of the guest's physical address space. */
static void pci_mmio64(struct launcher *l)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(&l->vm.cpuid, 0x80000008, 0);
	unsigned bits = e && (e->eax & 0xff) >= 36 ? e->eax & 0xff : 36;
	uint64_t start = HIGH_RAM_START + l->vm.mem.high;

	start = (start + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	if (bits > 52)
		bits = 52;
	if (start < (1ull << bits))
		pci_set_mmio64(&l->pci, start, 1ull << bits);
}

/* The reader of our stdout went away: stop, as SIGPIPE would. */
static void output_closed(void *ctx)
{
	struct launcher *l = ctx;

	pthread_mutex_lock(&l->lock);
	if (!l->ended)
		l->res->signal = SIGPIPE;
	pthread_mutex_unlock(&l->lock);
	end(l, VM_INTERRUPTED, 0, NULL);
}

static void pulse_irq(void *ctx, unsigned irq)
{
	struct launcher *l = ctx;

	kvm_irq_line(&l->vm, irq, 1);	/* an edge-triggered ISA line */
	kvm_irq_line(&l->vm, irq, 0);
}

/* A device whose virtio_init() returned r: on PCI, or in the next MMIO
 * window with the next free ISA IRQ; its worker started. */
static int add_virtio(struct launcher *l, struct virtio_dev *d, int r)
{
	static const unsigned irqs[] = { VIRTIO_MMIO_IRQS };
	unsigned i = l->nvirtio;

	if (i == ARRAY_SIZE(l->vdev))
		return error("too many virtio devices");
	l->vdev[i] = d;
	l->nvirtio++;		/* torn down whatever happens next */
	if (r)
		return r;
	if (!l->cfg->mmio_transport) {
		r = virtio_pci_add(&l->pci, &l->vpci[i], d, ioeventfd, shm_map, l);
	} else if (i >= ARRAY_SIZE(irqs)) {
		r = error("--transport mmio: at most %zu devices (ISA IRQs)",
			  ARRAY_SIZE(irqs));
	} else {
		char arg[80];

		r = virtio_mmio_add(&l->mmio, &l->vmmio[i], d,
				    VIRTIO_MMIO_BASE + (uint64_t)i * VIRTIO_MMIO_SIZE,
				    irqs[i], pulse_irq, l);
		virtio_mmio_cmdline(&l->vmmio[i], arg, sizeof(arg));
		buf_printf(&l->mmio_args, " %s", arg);
	}
	if (!r)
		r = virtio_start(d);
	return r;
}

static int setup_virtio(struct launcher *l)
{
	const struct vm_config *c = l->cfg;
	int fds[2] = { c->out_fd, c->err_fd >= 0 ? c->err_fd : c->out_fd };
	int r;

	pci_init(&l->pci, PCI_MMIO_START, PCI_MMIO_END, signal_msi, pci_irq, l);
	pci_mmio64(l);
	r = c->mmio_transport ? 0 : pci_attach(&l->pci, &l->pio, &l->mmio);
	/* Slot order is probe order: hvc0 before hvc1. */
	for (unsigned i = 0; i < 2 && !r; i++) {
		int e = virtio_console_init(&l->con[i], &l->vm.mem, fds[i],
					    i ? NULL : output_closed, l);

		if (!i && !e && c->in_fd >= 0)
			virtio_console_input(&l->con[0], c->in_fd);
		r = add_virtio(l, &l->con[i].dev, e);
	}
	if (!r)
		r = add_virtio(l, &l->rng, virtio_rng_init(&l->rng, &l->vm.mem));
	for (unsigned i = 0; i < c->ndisks && !r; i++) {
		r = virtio_blk_open(&l->blk[i], &l->vm.mem, c->disks[i].file,
				    c->disks[i].ro);
		if (!r) {
			l->nblk++;
			r = add_virtio(l, &l->blk[i].dev, 0);
		}
	}
	for (unsigned i = 0; i < c->nshares && !r; i++) {
		const struct vm_share *sh = &c->shares[i];

		if (sh->fs == SHARE_9P) {
			r = virtio_p9_open(&l->p9[l->np9], &l->vm.mem, sh->dir,
					   sh->tag, sh->ro, sh->dev);
			if (!r)
				r = add_virtio(l, &l->p9[l->np9++].dev, 0);
		} else {
			/* A DAX window needs PCI (virtio-mmio's shared
			 * memory registers are not served). */
			r = virtio_fs_open(&l->fs[l->nfs], &l->vm.mem, sh->dir,
					   sh->tag, sh->ro, sh->dev,
					   c->mmio_transport ? 0 : sh->dax);
			if (!r)
				r = add_virtio(l, &l->fs[l->nfs++].dev, 0);
		}
	}
	return r;
}

static void teardown_virtio(struct launcher *l)
{
	for (unsigned i = 0; i < l->nvirtio; i++) {
		virtio_pci_remove(&l->vpci[i]);
		virtio_destroy(l->vdev[i]);
	}
	buf_free(&l->mmio_args);
	for (unsigned i = 0; i < l->nblk; i++)
		virtio_blk_close(&l->blk[i]);
	for (unsigned i = 0; i < l->np9; i++)
		virtio_p9_close(&l->p9[i]);
	for (unsigned i = 0; i < l->nfs; i++)
		virtio_fs_close(&l->fs[i]);
	l->nvirtio = l->nblk = l->np9 = l->nfs = 0;
}

static int setup_devices(struct launcher *l)
{
	int r;

	uart_init(&l->com1, COM1_IRQ, console_sink, raise_irq, l);
	uart_init(&l->com2, COM2_IRQ, output_sink, raise_irq, l);
	uart_on_room(&l->com1, console_room);
	pthread_mutex_init(&l->rtc.lock, NULL);
	r = bus_register(&l->pio, COM1_PORT, 8, &uart_ops, &l->com1);
	if (!r)
		r = bus_register(&l->pio, COM2_PORT, 8, &uart_ops, &l->com2);
	if (!r)
		r = bus_register(&l->pio, RTC_PORT, 2, &rtc_ops, &l->rtc);
	if (!r)
		r = setup_virtio(l);
	return r;
}

static uint32_t pci_slots(const struct launcher *l)
{
	uint32_t m = 0;

	for (unsigned s = 1; s < PCI_SLOTS; s++)
		if (l->pci.dev[s])
			m |= 1u << s;
	return m;
}

static int setup_vm(struct launcher *l, struct boot_info *bi)
{
	const struct vm_config *c = l->cfg;
	struct kvm_cpuid_entry2 *leaf1;
	int r = kvm_open(&l->vm);

	struct buf cmdline = { 0 };

	if (!r)
		r = kvm_create(&l->vm, (uint64_t)c->mem_mb << 20, c->hugepages, true);
	if (!r)
		r = setup_devices(l);
	/* With MMIO devices the kernel learns of them here; and with no PCI
	 * bus, pci=off spares it some 33,000 probes of 0xcf8, each an exit.
	 * With one, pci=noearly spares it some 16,000: on CPUs the kernel
	 * takes for a K8 (family 15, as QEMU's TCG CPUs are) the search for
	 * an AGP bridge (aperture_64.c) reads the class of every slot of all
	 * 256 buses, where a VM has no AGP to find. The early chipset quirks
	 * it also skips are for hardware a VM does not have. */
	buf_printf(&cmdline, "%s%s%s", c->append,
		   c->mmio_transport ? " pci=off" : " pci=noearly",
		   l->mmio_args.p ? l->mmio_args.p : "");
	if (!r)
		r = boot_load(&l->vm.mem, c->kernel, c->initrd_fd, cmdline.p, bi);
	buf_free(&cmdline);
	if (r)
		return r;
	leaf1 = cpuid_find(&l->vm.cpuid, 1, 0);
	r = mptable_write(&l->vm.mem, l->ncpu, leaf1 ? leaf1->eax : 0,
			  leaf1 ? leaf1->edx : 0, pci_slots(l));
	if (r < 0)
		return r;
	if (c->verbose)
		verbose("%s: %s entry at %#llx, initrd %#llx+%llu, %u MiB, %u "
			"CPU%s", c->kernel, bi->pvh ? "PVH" : "64-bit",
			(unsigned long long)bi->entry,
			(unsigned long long)bi->initrd_start,
			(unsigned long long)bi->initrd_size, c->mem_mb, l->ncpu,
			l->ncpu > 1 ? "s" : "");
	return 0;
}

static int start_cpus(struct launcher *l, const struct boot_info *bi)
{
	sigset_t all, old;
	int r = 0;

	/* vCPU threads take no signal but the kick. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < l->ncpu && !r; i++) {
		r = kvm_vcpu_create(&l->vm, i, l->ncpu, true, &l->cpu[i]);
		if (!r && i == 0)
			r = bi->pvh ? kvm_vcpu_enter32(&l->cpu[0], bi->entry,
						       bi->start_info)
				    : kvm_vcpu_enter64(&l->cpu[0], bi->entry,
						       bi->zero_page);
	}
	for (unsigned i = 0; i < l->ncpu && !r; i++) {
		sigset_t only = all;

		sigdelset(&only, SIGUSR1);
		pthread_sigmask(SIG_SETMASK, &only, NULL);
		r = thread_start(&l->thread[i], vcpu_thread, &l->cpu[i]);
		pthread_sigmask(SIG_SETMASK, &all, NULL);
		if (r)
			r = error_errno(r, "vcpu thread");
		else
			l->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Every vCPU halted with interrupts off, twice in a row: dead. */
static bool all_halted(struct launcher *l)
{
	bool all = true;

	for (unsigned i = 0; i < l->started; i++) {
		__atomic_store_n(&l->probe[i], 1, __ATOMIC_SEQ_CST);
		kick(l, i);
	}
	usleep(20000);
	for (unsigned i = 0; i < l->started; i++)
		if (__atomic_load_n(&l->probe[i], __ATOMIC_SEQ_CST) != 2)
			all = false;
	return all;
}

static void main_loop(struct launcher *l)
{
	const struct vm_config *c = l->cfg;
	long long start = vm_now_ms(), next_probe = start + PROBE_EVERY_MS;
	bool input = c->interactive;
	struct uart_pending typed = { .len = 0 };
	int halted = 0;

	__atomic_store_n(&l->last_output, start, __ATOMIC_RELAXED);
	l->watch.start = start;		/* the watchdogs count from here */
	while (!__atomic_load_n(&l->stop, __ATOMIC_SEQ_CST)) {
		/* While typed bytes wait for room in ttyS0's FIFO, no more
		 * are read: they stay in the terminal (backpressure), and
		 * the UART's room call wakes us to pass them on. */
		struct pollfd fds[3 + VM_SHARES_MAX] = {
			{ .fd = l->watch.sigfd, .events = POLLIN },
			{ .fd = input && !typed.len ? STDIN_FILENO : -1,
			  .events = POLLIN },
			{ .fd = typed.len ? l->room_fd : -1, .events = POLLIN },
		};
		long long now;
		char why[80];

		/* The DAX windows' file watches. */
		for (unsigned i = 0; i < l->nfs; i++)
			fds[3 + i] = (struct pollfd){ .fd = l->fs[i].dax.map ?
				l->fs[i].dax.watch : -1, .events = POLLIN };
		if (poll(fds, 3 + l->nfs, TICK_MS) > 0) {
			int s;
			uint64_t v;
			ssize_t n;

			for (unsigned i = 0; i < l->nfs; i++)
				if (fds[3 + i].revents)
					dax_events(&l->fs[i].dax);

			if (fds[0].revents && (s = vm_watch_signal(&l->watch))) {
				end(l, VM_INTERRUPTED, 0, NULL);
				l->res->signal = s;
				break;
			}
			/* The room call's count only wakes us; the flush
			 * below passes the bytes on. */
			if (fds[2].revents && read(l->room_fd, &v, sizeof(v)) < 0)
				v = 0;
			if (fds[1].revents) {
				n = read(STDIN_FILENO, typed.buf, sizeof(typed.buf));
				if (n > 0)
					typed.len = (unsigned)n;
				else if (n == 0 || errno != EINTR)
					input = false;	/* end of input */
			}
		}
		/* Also each tick: a room call between two polls is not lost. */
		if (typed.len)
			uart_pending_flush(&l->com1, &typed);
		now = vm_now_ms();
		if (vm_watch_expired(&l->watch, now,
				     __atomic_load_n(&l->last_output, __ATOMIC_RELAXED),
				     why, sizeof(why))) {
			end(l, VM_TIMEOUT, 0, why[0] ? why : NULL);
			break;
		}
		if (now >= next_probe) {
			next_probe = now + PROBE_EVERY_MS;
			halted = all_halted(l) ? halted + 1 : 0;
			if (halted >= 2) {
				end(l, VM_NO_REPORT, 0,
				    "every CPU halted with interrupts off");
				break;
			}
		}
	}
}

/* With -v, where a guest that was stopped stood: each vCPU's state and
 * the UARTs' registers, for a hang that prints nothing. */
static void dump_stopped(struct launcher *l)
{
	static const char *const mp[] = { "runnable", "uninitialized",
		"init-received", "halted", "sipi-received", "stopped",
		"check-stop", "operating", "load" };

	for (unsigned i = 0; i < l->started; i++) {
		struct kvm_mp_state st = { 0 };
		struct kvm_regs r;

		if (kvm_vcpu_state(&l->cpu[i], &st, &r))
			continue;
		verbose("vcpu %u: %s, rip %#llx, rflags %#llx", i,
			st.mp_state < ARRAY_SIZE(mp) ? mp[st.mp_state] : "?",
			(unsigned long long)r.rip, (unsigned long long)r.rflags);
	}
	for (int i = 0; i < 2; i++) {
		struct uart *u = i ? &l->com2 : &l->com1;

		verbose("ttyS%d: ier %#x lcr %#x mcr %#x fcr %#x, %u bytes "
			"unread, THRE %s, irq %u %s", i, u->ier, u->lcr, u->mcr,
			u->fcr, u->rx_len, u->thri_pending ? "pending" : "idle",
			u->irq, u->irq_level ? "high" : "low");
	}
}

int builtin_run(const struct vm_config *c, struct vm_result *r)
{
	struct sigaction kick_sa = { .sa_handler = on_kick }, old_kick;
	struct launcher *l = xcalloc(1, sizeof(*l));
	struct boot_info bi;
	int rv;

	memset(r, 0, sizeof(*r));
	r->ending = VM_FAILED;
	l->cfg = c;
	l->res = r;
	l->ncpu = c->cpus;
	l->vm.kvm = l->vm.fd = -1;
	l->room_fd = -1;
	pthread_mutex_init(&l->lock, NULL);
	l->cpu = xcalloc(l->ncpu, sizeof(*l->cpu));
	l->thread = xcalloc(l->ncpu, sizeof(*l->thread));
	l->probe = xcalloc(l->ncpu, sizeof(*l->probe));
	l->watch.sigfd = -1;
	l->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->room_fd < 0) {
		rv = error_errno(errno, "eventfd");
		goto out;
	}
	rv = setup_vm(l, &bi);
	if (rv)
		goto out;
	rv = vm_watch_begin(&l->watch, c, true);
	if (rv)
		goto out;
	sigaction(SIGUSR1, &kick_sa, &old_kick);
	rv = start_cpus(l, &bi);
	if (rv)
		end(l, VM_FAILED, 0, NULL);
	else
		main_loop(l);
	for (unsigned i = 0; i < l->started; i++)
		pthread_join(l->thread[i], NULL);
	vm_watch_end(&l->watch);
	sigaction(SIGUSR1, &old_kick, NULL);
	c->console.end(c->console.ctx);
	if (c->verbose) {
		verbose("%lu VM exits, %lu unclaimed port and %lu MMIO accesses",
			l->exits, l->pio.unclaimed, l->mmio.unclaimed);
		if (r->ending == VM_TIMEOUT || r->ending == VM_INTERRUPTED)
			dump_stopped(l);
	}
	for (unsigned i = 0; i < BUS_TRACK && l->pio.top[i].count; i++)
		debug("unclaimed port %#llx: %lu accesses",
		      (unsigned long long)l->pio.top[i].addr, l->pio.top[i].count);
	if (r->ending == VM_FAILED && !rv)
		rv = error("%s", r->why);
out:
	teardown_virtio(l);
	for (unsigned i = 0; i < l->ncpu; i++)
		if (l->cpu[i].vm)
			kvm_vcpu_destroy(&l->cpu[i]);
	kvm_destroy(&l->vm);
	if (l->room_fd >= 0)
		close(l->room_fd);
	vm_watch_end(&l->watch);
	free(l->cpu);
	free(l->thread);
	free(l->probe);
	free(l);
	return rv;
}
