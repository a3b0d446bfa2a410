/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_MACHINE_H
#define TINYRD_MACHINE_H

/*
 * The built-in launcher's machine: what the core (launcher.c) keeps of a
 * running guest, and what an arch's board calls back (machine.c) to end
 * it, to hand on console and command output, or to raise a line.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "bus.h"
#include "confine.h"
#include "kvm.h"
#include "pci.h"
#include "vmm.h"
#include "watch.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/fs.h"
#include "virtio/mmio.h"

struct uart;
#include "virtio/p9.h"
#include "virtio/pci.h"
#include "../common/util.h"

#define MACHINE_VIRTIO_MAX (3 + VM_DISKS_MAX + VM_SHARES_MAX)

struct machine {
	struct kvm_vm vm;		/* first: a vCPU's vm is its machine */
	const struct vm_arch *arch;
	void *board;			/* the arch's devices (board_create) */
	struct kvm_vcpu *cpu;
	pthread_t *thread;
	unsigned ncpu, started;
	struct bus mmio;
	struct pci_bus pci;
	struct virtio_console con[2];	/* hvc0: stdout, hvc1: stderr */
	struct virtio_dev rng;
	struct virtio_blk blk[VM_DISKS_MAX];
	unsigned nblk;			/* disks open */
	struct virtio_p9 p9[VM_SHARES_MAX];
	unsigned np9;			/* 9p shares open */
	struct virtio_fs fs[VM_SHARES_MAX];
	unsigned nfs;			/* virtio-fs shares open */
	struct virtio_pci vpci[MACHINE_VIRTIO_MAX]; /* PCI functions, slot order */
	struct virtio_mmio vmmio[MACHINE_VIRTIO_MAX]; /* or MMIO windows */
	struct virtio_dev *vdev[MACHINE_VIRTIO_MAX];
	struct confine_thread conf[MACHINE_VIRTIO_MAX]; /* each worker's */
	struct buf mmio_args;		/* virtio_mmio.device=... for each */
	unsigned nvirtio;		/* devices set up (to tear down) */
	struct sync sync;		/* the rings' and buffers' (gmem.sync) */
	struct sync_test sync_test;	/* a test's stale line (TINYRD_TESTING) */
	const struct vm_config *cfg;
	struct vm_result *res;
	int room_fd;			/* eventfd: the console has room again */

	pthread_mutex_t lock;
	pthread_mutex_t ring_lock;	/* one vCPU drains the coalesced ring */
	unsigned long coalesced;	/* atomic: writes that did not exit */
	int stop;			/* atomic: vCPUs leave their loop */
	bool ended;
	long long last_output;		/* atomic: ms of the last console byte */
	struct vm_watch watch;		/* signals, terminal, watchdogs */
	int *probe;			/* per vCPU: 1 asked, 2 dead, 3 busy */
	unsigned long exits;		/* atomic: VM exits, for -v */
	struct confine confine;		/* seccomp, Landlock (confine.h) */
};

/* The first ending wins; every vCPU is stopped. */
void machine_end(struct machine *m, enum vm_ending how, int status,
		 const char *why);
/* Interrupt vCPU i's KVM_RUN. */
void machine_kick(struct machine *m, unsigned i);
/* The console's bytes from the guest: to the sink, the terminal or -v's
 * copy, and --console-log. */
void machine_console(struct machine *m, const uint8_t *data, unsigned len);
/* The console took what waited: the main loop passes on more. */
void machine_console_room(struct machine *m);
/* The command's output on a line of the board (no virtio console). */
void machine_output(struct machine *m, const uint8_t *data, unsigned len);
/* The init is ready for standard input. */
void machine_stdin_ready(struct machine *m);
/* An interrupt line raised or lowered; pulsed (an edge). */
/* A board's two 8250s on this machine: con the console (its bytes to
 * machine_console, room asked for when input waits), out the command's
 * output (machine_output), raising the lines given. */
void machine_uarts(struct machine *m, struct uart *con, unsigned con_irq,
		   struct uart *out, unsigned out_irq);
void machine_irq(struct machine *m, unsigned irq, int level);
void machine_pulse(struct machine *m, unsigned irq);

#endif
