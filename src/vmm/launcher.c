// SPDX-License-Identifier: MIT
/*
 * The built-in launcher, the arch-neutral part: a KVM VM whose board the
 * arch builds (arch.h; x86/board.c), PCI bus 0 (or virtio-mmio windows)
 * with two virtio-console devices (hvc0 the command's stdout, hvc1 its
 * stderr), virtio-rng, a virtio-blk per --disk and a 9p or virtio-fs
 * device per --share; one thread per vCPU and per virtio device, the
 * main thread for the terminal, signals and time limits. Once set up,
 * each thread confines itself to what its role needs (confine.h), and
 * the vCPUs enter the guest only when every thread is confined.
 *
 * Endings: the board's exit device gives the status (all eight bits), or
 * where there is none (arm64) the init's status line on the console
 * followed by a power-off; a triple fault, a reset, a power-off without a report, or every vCPU
 * stopped for good give VM_NO_REPORT with the reason; a KVM internal
 * error the same, with the registers on stderr; --timeout and
 * --silence-timeout VM_TIMEOUT; a signal VM_INTERRUPTED; a system call a
 * thread's filter forbids VM_FAILED, the call named. Nothing a guest
 * does ends the launcher any other way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "machine.h"
#include "virtio/rng.h"
#include "../common/log.h"

#define TICK_MS 100
#define PROBE_EVERY_MS 1000

/* A machine whose threads did not all end (stop_threads), kept. */
static struct machine *left_behind;

static void on_kick(int sig)
{
	(void)sig;	/* only to interrupt KVM_RUN */
}

/* Answer the main thread's question: stopped for good? */
static void probe(struct machine *m, struct kvm_vcpu *v)
{
	__atomic_store_n(&m->probe[v->id], m->arch->vcpu_dead(v) ? 2 : 3,
			 __ATOMIC_SEQ_CST);
}

/* After KVM_RUN failed with EFAULT: a file cut short under a DAX
 * mapping that its watch has not reported yet. */
static unsigned dax_fixup_all(struct machine *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->nfs; i++)
		n += dax_fixup(&m->fs[i].dax);
	return n;
}

/*
 * A PSCI SYSTEM_OFF, SYSTEM_RESET or crash (arm64). A machine without an
 * exit device ends with a power-off, and its init reported on the
 * console first (abi.h's status line; its stderr is the console): that
 * line is the status, as under QEMU, unless the kernel panicked after
 * it. A reset or crash is no report.
 */
static void system_event(struct machine *m, uint32_t type)
{
	const struct vm_console *con = &m->cfg->console;
	bool panic_after = false;
	int st = -1;

	if (type == KVM_SYSTEM_EVENT_SHUTDOWN && con->reported)
		st = con->reported(con->ctx, &panic_after);
	if (st >= 0 && !panic_after) {
		machine_end(m, VM_REPORTED, st, NULL);
		return;
	}
	machine_end(m, VM_NO_REPORT, 0,
		    type == KVM_SYSTEM_EVENT_RESET ? "the guest reset itself "
		    "(PSCI SYSTEM_RESET)" : type == KVM_SYSTEM_EVENT_CRASH ?
		    "the guest crashed (KVM_SYSTEM_EVENT_CRASH)" :
		    type == KVM_SYSTEM_EVENT_SHUTDOWN ? "the guest powered off "
		    "without reporting a status" : "the guest stopped (a system "
		    "event)");
}

#ifdef TINYRD_TESTING
/* Tests only (the tinyrd-testing and sanitizer builds): with
 * TINYRD_TEST_CONFINE=vcpu a vCPU opens /etc/passwd at its first exit,
 * a call its seccomp filter forbids, which must stop the guest (t1050). */
static void test_escape(const struct kvm_vcpu *v)
{
	const char *t = getenv("TINYRD_TEST_CONFINE");
	int fd;

	if (!t || strcmp(t, "vcpu") || v->id)
		return;
	fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}
#else
static void test_escape(const struct kvm_vcpu *v)
{
	(void)v;
}
#endif

/* A thread's confinement: its role, and the descriptors its ioctls may
 * name: every thread the VM's (interrupts), vCPUs and the supervisor
 * /dev/kvm's too (KVM_CHECK_EXTENSION); a vCPU's own is set by it. */
static struct confine_thread confine_as(struct machine *m, enum confine_role role,
					const char *name)
{
	struct confine_thread t = {
		.role = role, .kvm = -1, .vm = m->vm.fd, .vcpu = -1, .dir = -1,
		.arch_ioctls = m->arch->vcpu_ioctls,
		.narch_ioctls = m->arch->nvcpu_ioctls,
	};

	snprintf(t.name, sizeof(t.name), "%s", name);
	if (role == CONFINE_VCPU || role == CONFINE_SUPERVISOR)
		t.kvm = m->vm.kvm;
	return t;
}

/* A write from the coalesced ring, as its exit would have made it. */
static void coalesced_write(void *ctx, uint64_t addr, uint8_t *data,
			    unsigned len, bool pio)
{
	struct machine *m = ctx;

	__atomic_fetch_add(&m->coalesced, 1, __ATOMIC_RELAXED);
	if (!pio)
		bus_access(&m->mmio, addr, data, len, true);
	else if (m->arch->port_write)
		m->arch->port_write(m, (uint16_t)addr, data, len);
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *v = arg;
	struct machine *m = (struct machine *)v->vm;	/* vm is first */
	struct kvm_run *run = v->run;
	char why[160], name[16];
	struct confine_thread t;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	t = confine_as(m, CONFINE_VCPU, name);
	t.vcpu = v->fd;
	/* A failure is the supervisor's to act on (confine_wait). */
	confine_thread(&m->confine, &t);
	confine_hold(&m->confine);
	while (!__atomic_load_n(&m->stop, __ATOMIC_SEQ_CST)) {
		int err = kvm_vcpu_run(v);

		if (err) {
			if (err == -EINTR || err == -EAGAIN) {
				__atomic_store_n(&run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				if (__atomic_load_n(&m->probe[v->id],
						    __ATOMIC_SEQ_CST) == 1)
					probe(m, v);
				continue;
			}
			/* A file the host cut short under a DAX mapping:
			 * its missing pages get anonymous memory. */
			if (err == -EFAULT && dax_fixup_all(m))
				continue;
			snprintf(why, sizeof(why), "KVM_RUN on vcpu %u: %s",
				 v->id, strerror(-err));
			machine_end(m, VM_FAILED, 0, why);
			break;
		}
		if (!__atomic_fetch_add(&m->exits, 1, __ATOMIC_RELAXED))
			test_escape(v);
		/* Writes queued without an exit come first: this exit
		 * may read what they set (0xcfc after 0xcf8). */
		if (kvm_coalesced_pending(&m->vm)) {
			pthread_mutex_lock(&m->ring_lock);
			kvm_coalesced_drain(&m->vm, coalesced_write, m);
			pthread_mutex_unlock(&m->ring_lock);
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			bus_access(&m->mmio, run->mmio.phys_addr, run->mmio.data,
				   run->mmio.len > 8 ? 8 : run->mmio.len,
				   run->mmio.is_write);
			break;
		case KVM_EXIT_SHUTDOWN:
			machine_end(m, VM_NO_REPORT, 0, "triple fault (KVM_EXIT_SHUTDOWN)");
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			system_event(m, run->system_event.type);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			m->arch->vcpu_dump(v, false);
			snprintf(why, sizeof(why), "KVM internal error on vcpu %u, "
				 "suberror %u", v->id, run->internal.suberror);
			machine_end(m, VM_NO_REPORT, 0, why);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			m->arch->vcpu_dump(v, false);
			snprintf(why, sizeof(why), "vcpu %u could not enter the guest "
				 "(hardware reason %#llx)", v->id,
				 (unsigned long long)run->fail_entry
				 .hardware_entry_failure_reason);
			machine_end(m, VM_NO_REPORT, 0, why);
			break;
		default:
			if (m->arch->exit(m, v))
				break;
			m->arch->vcpu_dump(v, false);
			snprintf(why, sizeof(why), "unexpected exit %u on vcpu %u",
				 run->exit_reason, v->id);
			machine_end(m, VM_NO_REPORT, 0, why);
			break;
		}
	}
	return NULL;
}

static int signal_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct machine *m = ctx;

	return kvm_signal_msi(&m->vm, addr, data);
}

static void pci_irq(void *ctx, unsigned pin, int level)
{
	machine_irq(ctx, pin, level);
}

static int ioeventfd(void *ctx, uint64_t addr, int fd, bool assign)
{
	struct machine *m = ctx;

	return kvm_ioeventfd(&m->vm, addr, 2, fd, assign);
}

/* A device's shared memory (a DAX window) as a memory slot of its own. */
static int shm_map(void *ctx, struct virtio_pci *vp, uint64_t gpa)
{
	struct machine *m = ctx;
	unsigned n = KVM_SLOT_FIRST_FREE + (unsigned)(vp - m->vpci);

	return kvm_memory(&m->vm, n, gpa, gpa ? vp->dev->shm_size : 0,
			  vp->dev->shm);
}

/* Room for 64-bit BARs: from the first GiB boundary past RAM to the top
 * of the guest's physical address space. */
static void pci_mmio64(struct machine *m)
{
	unsigned bits = m->arch->phys_bits(&m->vm);
	uint64_t start = m->vm.mem.high ? m->vm.mem.high_base + m->vm.mem.high
					: m->vm.mem.base + m->vm.mem.low;

	start = (start + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	if (bits < 36)
		bits = 36;
	if (bits > 52)
		bits = 52;
	if (start < (1ull << bits))
		pci_set_mmio64(&m->pci, start, 1ull << bits);
}

/* The reader of our stdout went away: stop, as SIGPIPE would. */
static void output_closed(void *ctx)
{
	struct machine *m = ctx;

	pthread_mutex_lock(&m->lock);
	if (!m->ended)
		m->res->signal = SIGPIPE;
	pthread_mutex_unlock(&m->lock);
	machine_end(m, VM_INTERRUPTED, 0, NULL);
}

static void pulse_irq(void *ctx, unsigned irq)
{
	machine_pulse(ctx, irq);	/* an edge-triggered line */
}

/* A device's worker, first thing on its thread: confined (m->conf[i]). */
static int confine_worker(struct virtio_dev *d, void *ctx)
{
	struct machine *m = ctx;

	for (unsigned i = 0; i < m->nvirtio; i++)
		if (m->vdev[i] == d)
			return confine_thread(&m->confine, &m->conf[i]);
	return -EINVAL;
}

/* A device whose virtio_init() returned r: on PCI, or in the next MMIO
 * window with the arch's next free line; its worker started, to be
 * confined as t says. */
static int add_virtio(struct machine *m, struct virtio_dev *d, int r,
		      const struct confine_thread *t)
{
	const struct vm_arch *a = m->arch;
	unsigned i = m->nvirtio;

	if (i == ARRAY_SIZE(m->vdev))
		return error("too many virtio devices");
	m->vdev[i] = d;
	m->conf[i] = *t;
	m->nvirtio++;		/* torn down whatever happens next */
	if (r)
		return r;
	d->on_thread = confine_worker;
	d->on_thread_ctx = m;
	if (!m->cfg->mmio_transport) {
		r = virtio_pci_add(&m->pci, &m->vpci[i], d, ioeventfd, shm_map, m);
	} else if (i >= a->nvirtio_mmio_irqs) {
		r = error("--transport mmio: at most %u devices (interrupt "
			  "lines)", a->nvirtio_mmio_irqs);
	} else {
		char arg[80];

		r = virtio_mmio_add(&m->mmio, &m->vmmio[i], d,
				    a->virtio_mmio_base + (uint64_t)i * VIRTIO_MMIO_SIZE,
				    a->virtio_mmio_irqs[i], pulse_irq, m);
		virtio_mmio_cmdline(&m->vmmio[i], arg, sizeof(arg));
		buf_printf(&m->mmio_args, " %s", arg);
	}
	if (!r)
		r = virtio_start(d);
	return r;
}

static int setup_virtio(struct machine *m)
{
	const struct vm_config *c = m->cfg;
	int fds[2] = { c->out_fd, c->err_fd >= 0 ? c->err_fd : c->out_fd };
	struct confine_thread t;
	char name[16];
	int r;

	r = c->mmio_transport ? 0 : pci_attach(&m->pci, &m->mmio);
	/* Slot order is probe order: hvc0 before hvc1. */
	for (unsigned i = 0; i < 2 && !r; i++) {
		int e = virtio_console_init(&m->con[i], &m->vm.mem, fds[i],
					    i ? NULL : output_closed, m);

		if (!i && !e && c->in_fd >= 0)
			virtio_console_input(&m->con[0], c->in_fd);
		snprintf(name, sizeof(name), "hvc%u", i);
		t = confine_as(m, CONFINE_CONSOLE, name);
		r = add_virtio(m, &m->con[i].dev, e, &t);
	}
	if (!r) {
		t = confine_as(m, CONFINE_RNG, "virtio-rng");
		r = add_virtio(m, &m->rng, virtio_rng_init(&m->rng, &m->vm.mem), &t);
	}
	for (unsigned i = 0; i < c->ndisks && !r; i++) {
		r = virtio_blk_open(&m->blk[i], &m->vm.mem, c->disks[i].file,
				    c->disks[i].ro);
		if (!r) {
			m->nblk++;
			snprintf(name, sizeof(name), "vd%c", 'a' + i);
			t = confine_as(m, CONFINE_BLK, name);
			r = add_virtio(m, &m->blk[i].dev, 0, &t);
		}
	}
	for (unsigned i = 0; i < c->nshares && !r; i++) {
		const struct vm_share *sh = &c->shares[i];
		bool p9 = sh->fs == SHARE_9P;

		/* Each server in its own directory (Landlock), by the
		 * share's root handle. */
		snprintf(name, sizeof(name), "%s:%s", p9 ? "9p" : "fs", sh->tag);
		t = confine_as(m, p9 ? CONFINE_9P : CONFINE_VIRTIOFS, name);
		t.ro = sh->ro;
		t.dev = sh->dev;
		if (p9) {
			r = virtio_p9_open(&m->p9[m->np9], &m->vm.mem, sh->dir,
					   sh->tag, sh->ro, sh->dev);
			if (!r) {
				t.dir = m->p9[m->np9].share.root;
				r = add_virtio(m, &m->p9[m->np9++].dev, 0, &t);
			}
		} else {
			/* A DAX window needs PCI (virtio-mmio's shared
			 * memory registers are not served). */
			r = virtio_fs_open(&m->fs[m->nfs], &m->vm.mem, sh->dir,
					   sh->tag, sh->ro, sh->dev,
					   c->mmio_transport ? 0 : sh->dax);
			if (!r) {
				t.dir = m->fs[m->nfs].share.root;
				r = add_virtio(m, &m->fs[m->nfs++].dev, 0, &t);
			}
		}
	}
	return r;
}

/* How long the threads have to end once the guest has. One still inside
 * a host system call by then (a share whose file system does not
 * answer, or a vCPU waiting for that device) is named and left behind:
 * no thread can keep the launcher from ending. */
#define STOP_GRACE_MS 2000

/* A device as the user named it: a share's tag, a disk's number. */
static void device_name(const struct machine *m, const struct virtio_dev *d,
			char *out, size_t size)
{
	for (unsigned i = 0; i < m->np9; i++)
		if (d == &m->p9[i].dev) {
			snprintf(out, size, "%s (share %s)", d->ops->name, m->p9[i].tag);
			return;
		}
	for (unsigned i = 0; i < m->nfs; i++)
		if (d == &m->fs[i].dev) {
			snprintf(out, size, "%s (share %s)", d->ops->name, m->fs[i].tag);
			return;
		}
	for (unsigned i = 0; i < m->nblk; i++)
		if (d == &m->blk[i].dev) {
			snprintf(out, size, "%s (disk %u)", d->ops->name, i);
			return;
		}
	snprintf(out, size, "%s", d->ops->name);
}

/* Join the vCPUs and the devices' workers, all by one deadline; the
 * number of those left behind, each named. */
static unsigned stop_threads(struct machine *m)
{
	struct timespec by = deadline_in(STOP_GRACE_MS);
	unsigned left = 0;
	char name[64];

	for (unsigned i = 0; i < m->started; i++)
		if (thread_join_by(m->thread[i], &by) == ETIMEDOUT) {
			warn("vCPU %u did not stop within %u ms of the end "
			     "(waiting for a device?); tinyrd ends without it",
			     i, STOP_GRACE_MS);
			left++;
		}
	for (unsigned i = 0; i < m->nvirtio; i++)
		if (virtio_stop(m->vdev[i], &by)) {
			device_name(m, m->vdev[i], name, sizeof(name));
			warn("%s: its thread is still in a host system call %u ms "
			     "after the end; tinyrd ends without it", name,
			     STOP_GRACE_MS);
			left++;
		}
	return left;
}

static void teardown_virtio(struct machine *m)
{
	for (unsigned i = 0; i < m->nvirtio; i++) {
		virtio_pci_remove(&m->vpci[i]);
		virtio_destroy(m->vdev[i]);
	}
	buf_free(&m->mmio_args);
	for (unsigned i = 0; i < m->nblk; i++)
		virtio_blk_close(&m->blk[i]);
	for (unsigned i = 0; i < m->np9; i++)
		virtio_p9_close(&m->p9[i]);
	for (unsigned i = 0; i < m->nfs; i++)
		virtio_fs_close(&m->fs[i]);
	m->nvirtio = m->nblk = m->np9 = m->nfs = 0;
}

/* The board's devices, then the virtio ones; PCI first, as the board
 * may reach its configuration space. */
static int setup_devices(struct machine *m)
{
	const struct vm_arch *a = m->arch;
	int r;

	pci_init(&m->pci, (uint32_t)a->pci_window[0], (uint32_t)a->pci_window[1],
		 a->pci_intx_base, signal_msi, pci_irq, m);
	pci_mmio64(m);
	r = a->board_create(m);
	if (!r)
		r = setup_virtio(m);
	return r;
}

/* The sync mode every queue takes through guest memory, before any
 * device starts; and a test's stale-line injection, if asked. */
static int setup_sync(struct machine *m)
{
	const struct vm_config *c = m->cfg;
	int r = sync_init(&m->sync, c->coherence, c->order_platform);

	if (r)
		return error("--coherence %s: this build has no cache maintenance "
			     "for %s", sync_mode_name(c->coherence), m->arch->name);
	r = sync_test_env(&m->sync_test);
	if (r < 0)
		return r;
	if (r)
		m->sync.test = &m->sync_test;
	m->vm.mem.sync = &m->sync;
	return 0;
}

static int setup_vm(struct machine *m)
{
	const struct vm_config *c = m->cfg;
	int r = kvm_open(&m->vm, m->arch);

	if (!r)
		r = kvm_create(&m->vm, (uint64_t)c->mem_mb << 20, c->hugepages, true);
	if (!r)
		r = setup_sync(m);
	if (!r)
		r = setup_devices(m);
	if (!r)
		r = m->arch->load(m, c->append, m->mmio_args.p ? m->mmio_args.p : "");
	return r;
}

static int start_cpus(struct machine *m)
{
	sigset_t all, old;
	int r = 0;

	/* vCPU threads take no signal but the kick. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < m->ncpu && !r; i++) {
		r = kvm_vcpu_create(&m->vm, i, m->ncpu, true, &m->cpu[i]);
		if (!r && i == 0)
			r = m->arch->enter(m, &m->cpu[0]);
	}
	for (unsigned i = 0; i < m->ncpu && !r; i++) {
		sigset_t only = all;

		sigdelset(&only, SIGUSR1);
		pthread_sigmask(SIG_SETMASK, &only, NULL);
		r = thread_start(&m->thread[i], vcpu_thread, &m->cpu[i]);
		pthread_sigmask(SIG_SETMASK, &all, NULL);
		if (r)
			r = error_errno(r, "vcpu thread");
		else
			m->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Every thread confined (the workers started during setup, the vCPUs
 * waiting to enter the guest), then the supervisor itself; the vCPUs
 * go. 0, or -errno with the reason in m->confine.why. */
static int confine(struct machine *m)
{
	struct confine_thread t = confine_as(m, CONFINE_SUPERVISOR, "supervisor");
	unsigned n = m->started;
	int r;

	for (unsigned i = 0; i < m->nvirtio; i++)
		n += m->vdev[i]->running;
	r = confine_wait(&m->confine, n);
	if (!r && !m->confine.asan && confine_thread(&m->confine, &t))
		r = confine_wait(&m->confine, n + 1);
	if (!r && m->cfg->verbose)
		confine_show(&m->confine);
	confine_release(&m->confine);
	return r;
}

/* Every vCPU stopped for good (the arch says), twice in a row: dead. */
static bool all_halted(struct machine *m)
{
	bool all = true;

	for (unsigned i = 0; i < m->started; i++) {
		__atomic_store_n(&m->probe[i], 1, __ATOMIC_SEQ_CST);
		machine_kick(m, i);
	}
	usleep(20000);
	for (unsigned i = 0; i < m->started; i++)
		if (__atomic_load_n(&m->probe[i], __ATOMIC_SEQ_CST) != 2)
			all = false;
	return all;
}

static void main_loop(struct machine *m)
{
	const struct vm_config *c = m->cfg;
	long long start = vm_now_ms(), next_probe = start + PROBE_EVERY_MS;
	bool input = c->interactive;
	struct {
		uint8_t buf[256];
		unsigned off, len;
	} typed = { .len = 0 };
	int halted = 0;

	__atomic_store_n(&m->last_output, start, __ATOMIC_RELAXED);
	m->watch.start = start;		/* the watchdogs count from here */
	while (!__atomic_load_n(&m->stop, __ATOMIC_SEQ_CST)) {
		/* While typed bytes wait for room in the console's FIFO, no
		 * more are read: they stay in the terminal (backpressure),
		 * and the board's room call wakes us to pass them on. */
		struct pollfd fds[4 + VM_SHARES_MAX] = {
			{ .fd = m->watch.sigfd, .events = POLLIN },
			{ .fd = input && !typed.len ? STDIN_FILENO : -1,
			  .events = POLLIN },
			{ .fd = typed.len ? m->room_fd : -1, .events = POLLIN },
			{ .fd = confine_violation_fd(), .events = POLLIN },
		};
		long long now;
		char why[200];

		/* The DAX windows' file watches. */
		for (unsigned i = 0; i < m->nfs; i++)
			fds[4 + i] = (struct pollfd){ .fd = m->fs[i].dax.map ?
				m->fs[i].dax.watch : -1, .events = POLLIN };
		if (poll(fds, 4 + m->nfs, TICK_MS) > 0) {
			int s;
			uint64_t v;
			ssize_t n;

			/* A forbidden system call: stop (builtin_run says
			 * which). */
			if (fds[3].revents && confine_violation(why, sizeof(why))) {
				machine_end(m, VM_FAILED, 0, why);
				break;
			}
			for (unsigned i = 0; i < m->nfs; i++)
				if (fds[4 + i].revents)
					dax_events(&m->fs[i].dax);

			if (fds[0].revents && (s = vm_watch_signal(&m->watch))) {
				machine_end(m, VM_INTERRUPTED, 0, NULL);
				m->res->signal = s;
				break;
			}
			/* The room call's count only wakes us; the flush
			 * below passes the bytes on. */
			if (fds[2].revents && read(m->room_fd, &v, sizeof(v)) < 0)
				v = 0;
			if (fds[1].revents) {
				n = read(STDIN_FILENO, typed.buf, sizeof(typed.buf));
				if (n > 0) {
					typed.off = 0;
					typed.len = (unsigned)n;
				}
				else if (n == 0 || errno != EINTR)
					input = false;	/* end of input */
			}
		}
		/* Also each tick: a room call between two polls is not lost. */
		if (typed.len) {
			unsigned took = m->arch->console_input(m, typed.buf +
							       typed.off, typed.len);

			typed.off += took;
			typed.len -= took;
		}
		now = vm_now_ms();
		if (vm_watch_expired(&m->watch, now,
				     __atomic_load_n(&m->last_output, __ATOMIC_RELAXED),
				     why, sizeof(why))) {
			machine_end(m, VM_TIMEOUT, 0, why[0] ? why : NULL);
			break;
		}
		if (now >= next_probe) {
			next_probe = now + PROBE_EVERY_MS;
			halted = all_halted(m) ? halted + 1 : 0;
			if (halted >= 2) {
				machine_end(m, VM_NO_REPORT, 0,
				    "every CPU halted with interrupts off");
				break;
			}
		}
	}
}

int builtin_run(const struct vm_config *c, struct vm_result *r)
{
	struct sigaction kick_sa = { .sa_handler = on_kick }, old_kick;
	struct machine *m = xcalloc(1, sizeof(*m));
	unsigned left = 0;
	bool stopped;
	int rv;

	memset(r, 0, sizeof(*r));
	r->ending = VM_FAILED;
	m->cfg = c;
	m->arch = c->arch;
	m->res = r;
	m->ncpu = c->cpus;
	m->vm.kvm = m->vm.fd = -1;
	m->room_fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->ring_lock, NULL);
	m->cpu = xcalloc(m->ncpu, sizeof(*m->cpu));
	m->thread = xcalloc(m->ncpu, sizeof(*m->thread));
	m->probe = xcalloc(m->ncpu, sizeof(*m->probe));
	m->watch.sigfd = -1;
	m->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->room_fd < 0) {
		rv = error_errno(errno, "eventfd");
		goto out;
	}
	/* no_new_privs before the first thread, which each inherits. */
	rv = confine_begin(&m->confine, !c->no_confine);
	if (rv)
		goto out;
	rv = setup_vm(m);
	if (rv)
		goto out;
	rv = vm_watch_begin(&m->watch, c, true);
	if (rv)
		goto out;
	confine_files(&m->confine, (const int[]){ c->in_fd, c->out_fd, c->err_fd,
			c->echo_fd, c->log_fd, c->initrd_fd }, 6, c->nshares > 0);
	sigaction(SIGUSR1, &kick_sa, &old_kick);
	rv = start_cpus(m);
	if (rv)
		machine_end(m, VM_FAILED, 0, NULL);
	else if (confine(m))
		machine_end(m, VM_FAILED, 0, m->confine.why);
	else
		main_loop(m);
	confine_release(&m->confine);
	left = stop_threads(m);
	/* A forbidden call, wherever it came in the ending: the run is
	 * tinyrd's failure, whatever the guest said. */
	if (confine_violation(r->why, sizeof(r->why))) {
		r->ending = VM_FAILED;
		snprintf(r->why + strlen(r->why), sizeof(r->why) - strlen(r->why),
			 "; the guest was stopped");
	}
	vm_watch_end(&m->watch);
	sigaction(SIGUSR1, &old_kick, NULL);
	c->console.end(c->console.ctx);
	/* With -v, where a guest that was stopped stood: each vCPU's state
	 * and the board's, for a hang that prints nothing. */
	stopped = c->verbose && (r->ending == VM_TIMEOUT ||
				 r->ending == VM_INTERRUPTED);
	if (c->verbose)
		verbose("%lu VM exits, %lu writes queued without one, %lu "
			"unclaimed MMIO accesses", m->exits, m->coalesced,
			m->mmio.unclaimed);
	for (unsigned i = 0; stopped && i < m->started; i++)
		m->arch->vcpu_dump(&m->cpu[i], true);
	m->arch->board_dump(m, stopped);
	if (r->ending == VM_FAILED && !rv)
		rv = error("%s", r->why);
out:
	if (left) {
		/* Threads left behind may still touch the machine, guest
		 * memory and all: it stays, until the process ends. */
		vm_watch_end(&m->watch);
		left_behind = m;
		return rv;
	}
	teardown_virtio(m);
	sync_test_free(&m->sync_test);
	if (m->board)
		m->arch->board_destroy(m);
	for (unsigned i = 0; i < m->ncpu; i++)
		if (m->cpu[i].vm)
			kvm_vcpu_destroy(&m->cpu[i]);
	kvm_destroy(&m->vm);
	if (m->room_fd >= 0)
		close(m->room_fd);
	vm_watch_end(&m->watch);
	free(m->cpu);
	free(m->thread);
	free(m->probe);
	free(m);
	return rv;
}
