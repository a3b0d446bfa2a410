/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_VMM_H
#define TINYRD_VMM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/sync.h"
#include "../common/util.h"

/* How a virtual machine is started, whichever VMM starts it. */
enum accel { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

#define VM_DISKS_MAX 8

struct vm_disk {
	char file[PATH_MAX];
	bool ro;
};

#define VM_SHARES_MAX 8

enum share_fs { SHARE_VIRTIOFS, SHARE_9P };

/* --share HOSTDIR[:TAG][,ro][,dev][,fs=virtiofs|9p][,mount=GUESTPATH] */
/* The largest DAX window a virtio-fs share gets unless dax= says. */
#define VM_DAX_DEFAULT (512ull << 20)

struct vm_share {
	char dir[PATH_MAX];
	char tag[33];
	char mount[PATH_MAX];	/* where run mounts it in the guest */
	enum share_fs fs;
	bool fs_given;		/* fs= was said (else the VMM's default) */
	bool ro, dev;
	uint64_t dax;		/* virtio-fs DAX window bytes, 0: none */
	bool dax_given;		/* dax= was said */
};

/*
 * Where the guest's console (ttyS0) goes: the VMM hands on every byte, in
 * order, and calls end when the guest is gone. What the console says is
 * the caller's to read (run's is console.c); a VMM that needs the init's
 * report (QEMU: abi.h's status line) asks reported: 0-255 or -1, with
 * *panic_after set when the kernel panicked after it. started: when the
 * init said that the command started (abi.h; vm_now_ms()'s clock), or 0,
 * for a silence timeout that counts from there; any thread may ask. To explain an ending the
 * supervisor (plan.c) asks for the kernel's panic line (or NULL), for the
 * init's failure (NULL when the status was not the init's own failure,
 * else its last line, or ""), and for the last lines, oldest first, each
 * ending in a newline: how many.
 */
struct vm_console {
	void (*feed)(void *ctx, const char *data, size_t n);
	void (*end)(void *ctx);
	int (*reported)(void *ctx, bool *panic_after);
	long long (*started)(void *ctx);	/* vm_now_ms() then, or 0 */
	const char *(*panic)(void *ctx);
	const char *(*failure)(void *ctx);
	unsigned (*tail)(void *ctx, struct buf *out);
	void *ctx;
};

struct vm_arch;
struct target;

struct vm_config {
	const struct vm_arch *arch;	/* the built-in launcher's (arch.h) */
	const struct target *target;	/* the guest's arch (QEMU's machine) */
	const char *kernel;
	const char *kernel_unpacked;	/* the VMM enters this vmlinux instead */
	int initrd_fd;		/* the initrd: image and per-run segment */
	const char *append;	/* the whole kernel command line */
	unsigned mem_mb;
	unsigned cpus;
	enum accel accel;	/* KVM or TCG, resolved */
	unsigned timeout;	/* seconds; 0: none */
	unsigned silence_timeout; /* seconds without console output; 0: none */
	bool silence_from_start; /* ... counted from the command's start */
	bool hugepages;
	bool interactive;	/* the console is the user's terminal */
	int out_fd;		/* the command's stdout (hvc0, else ttyS1) */
	int err_fd;		/* its stderr (hvc1); -1: with stdout */
	int in_fd;		/* forwarded to its stdin (hvc0); -1: none */
	int echo_fd;		/* -1, or a copy of the console (-v) */
	int log_fd;		/* -1, or --console-log */
	struct vm_console console; /* ttyS0, also to echo_fd and log_fd */
	bool verbose;
	bool mmio_transport;	/* --transport mmio (built-in launcher) */
	enum sync_mode coherence; /* --coherence, resolved (built-in launcher) */
	bool order_platform;	/* offer VIRTIO_F_ORDER_PLATFORM */
	bool no_confine;	/* --no-confine: no seccomp, Landlock, ... */
	struct vm_disk disks[VM_DISKS_MAX]; /* --disk, in order: vda, vdb... */
	unsigned ndisks;
	struct vm_share shares[VM_SHARES_MAX];	/* --share, resolved */
	unsigned nshares;
};

enum vm_ending {
	VM_REPORTED,		/* the init reported a status */
	VM_NO_REPORT,		/* ended without one: panic, reset, init death */
	VM_TIMEOUT,
	VM_INTERRUPTED,		/* a signal for tinyrd: the guest was stopped */
	VM_FAILED,		/* the VMM could not run it (logged) */
};

struct vm_result {
	enum vm_ending ending;
	int status;		/* VM_REPORTED */
	int signal;		/* VM_INTERRUPTED */
	char why[256];		/* VM_NO_REPORT, VM_TIMEOUT: what happened */
};

/* QEMU (qemu.c): whether this host has the arch's binary. */
bool qemu_present(const struct target *t);
/* Fills r in every case; returns 0, or -errno when QEMU
 * could not be started at all (logged). */
int qemu_run(const struct vm_config *c, struct vm_result *r);
/*
 * The status of a guest under QEMU, from the init's report on the console
 * (line: 0-255 or -1, panic_after: the kernel panicked after it) and
 * QEMU's wait status. isa-debug-exit makes QEMU exit with (value << 1) | 1:
 * the proof that the init reached the port, with only the low seven bits
 * of the status; the console line has all eight. A report the kernel
 * panicked after (in sync, say) does not count. -1: no report.
 */
int qemu_reported(int line, bool panic_after, int wait_status);

/* The built-in KVM launcher (launcher.c), same contract. */
int builtin_run(const struct vm_config *c, struct vm_result *r);

/*
 * What this host offers for KVM, each fact read where the kernel keeps
 * it, none inferred from another: the node and whether it opens, the
 * device a KVM module registered, the modules loaded, and the CPU flags
 * the host kernel reports (it hides VMX that the firmware disabled).
 */
struct kvm_host {
	bool node;			/* /dev/kvm exists */
	int open_errno;			/* opening it read-write: 0 or errno */
	char misc[16];			/* "10:232": /sys/class/misc/kvm/dev */
	bool kvm_intel, kvm_amd, kvm_pvm; /* in /sys/module */
	bool vmx, svm, hypervisor;	/* in /proc/cpuinfo's flags */
	bool pdpe1gb;
	unsigned phys_bits;		/* its "address sizes", or 0 */
};
void kvm_host_probe(struct kvm_host *h);
/*
 * tinyrd doctor: check what this host can boot guests with (KVM with a
 * smoke boot, the kernel and its modules, busybox, QEMU), print the
 * table (or JSON) on stdout; the verdict: 0 the built-in launcher works,
 * 1 only QEMU, 2 nothing (doctor.c).
 */
int doctor_run(const struct vm_arch *a, const char *kernel, bool json);

/*
 * How far this host's KVM gets toward booting a stock kernel, each stage
 * read from the host: the node (h), PVM's signs, opening it, the API
 * version, the capabilities the launcher uses, and a smoke boot of the
 * micro-guest. The smoke boot runs when every stage before it passed,
 * or always (smoke_always, for doctor) once the node opens.
 */
struct kvm_facts {
	const char *pvm;		/* PVM's sign found, or NULL */
	int open_errno;			/* 0: it opened read-write */
	int api;			/* KVM_GET_API_VERSION, -1: not read */
	unsigned nmissing, ncaps;	/* capabilities missing, of ncaps */
	char missing[200];
	int smoke;			/* 0 booted, -1 failed, 1 not run */
	char smoke_why[200];
	double smoke_ms;
};
void kvm_facts(const struct vm_arch *a, const struct kvm_host *h,
	       bool smoke_always, struct kvm_facts *f);
/* Every stage passed: the built-in launcher can boot a stock kernel. */
bool kvm_facts_usable(const struct kvm_facts *f);

/* Can KVM boot a stock kernel here (kvm_facts)? false with the reason
 * in why (no /dev/kvm, PVM, no permission, the API or capabilities, a
 * failed smoke boot). */
bool kvm_usable(const struct vm_arch *a, char *why, size_t n);

#endif
