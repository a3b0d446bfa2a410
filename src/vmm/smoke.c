// SPDX-License-Identifier: MIT
/* doctor's smoke boot: the arch's micro-guest on a fresh VM (smoke.h). */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kvm.h"
#include "smoke.h"
#include "../common/log.h"
#include "../common/util.h"

#define SMOKE_MEM (4u << 20)
#define SMOKE_LIMIT_MS 2000

struct watchdog {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	pthread_t target;
	struct kvm_run *run;
};

static void on_kick(int sig)
{
	(void)sig;
}

/* If the guest has not reported in time, interrupt KVM_RUN. */
static void *watch(void *arg)
{
	struct watchdog *w = arg;
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SMOKE_LIMIT_MS / 1000;
	pthread_mutex_lock(&w->lock);
	while (!w->done && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&w->cond, &w->lock, &until);
	if (!w->done) {
		__atomic_store_n(&w->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(w->target, SIGUSR1);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int run_guest(const struct smoke_guest *g, struct kvm_vcpu *v,
		     char *why, size_t n)
{
	struct kvm_run *run = v->run;
	int state = 0;

	for (;;) {
		int err = kvm_vcpu_run(v);

		if (err == -EINTR) {
			snprintf(why, n, "no report within %u ms: the guest "
				 "does not run at speed", SMOKE_LIMIT_MS);
			return -1;
		}
		if (err) {
			snprintf(why, n, "KVM_RUN: %s", strerror(-err));
			return -1;
		}
		switch (g->exit(v, &state, why, n)) {
		case SMOKE_PASSED:
			return 0;
		case SMOKE_RUN:
			continue;
		case SMOKE_FAILED:
			return -1;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(why, n, "KVM internal error, suberror %u",
				 run->internal.suberror);
			return -1;
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(why, n, "the CPU would not enter the guest "
				 "(hardware reason %#llx)",
				 (unsigned long long)run->fail_entry
				 .hardware_entry_failure_reason);
			return -1;
		default:
			snprintf(why, n, "unexpected exit %u", run->exit_reason);
			return -1;
		}
	}
}

int smoke_boot(const struct vm_arch *a, const struct smoke_guest *g,
	       char *why, size_t n, double *ms)
{
	struct sigaction sa = { .sa_handler = on_kick }, old;
	struct watchdog w = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .cond = PTHREAD_COND_INITIALIZER };
	struct kvm_vcpu v = { 0 };
	struct kvm_vm vm;
	struct buf msgs = { 0 };
	struct buf *prev = log_capture(&msgs);
	struct timespec t0, t1;
	pthread_t tid;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = kvm_open(&vm, a);
	if (!r)
		r = kvm_create(&vm, SMOKE_MEM, false, false);
	if (!r) {
		size_t len = (size_t)(g->end - g->start);

		memcpy(gmem_ptr(&vm.mem, g->base, len), g->start, len);
		if (g->prepare)
			g->prepare(&vm);
		r = kvm_vcpu_create(&vm, 0, 1, false, &v);
	}
	if (!r)
		r = g->enter(&v, g->base);
	log_capture(prev);
	if (r) {
		snprintf(why, n, "%.*s", (int)strcspn(msgs.p ? msgs.p : "", "\n"),
			 msgs.p ? msgs.p : "");
		r = -1;
		goto out;
	}
	sigaction(SIGUSR1, &sa, &old);
	w.target = pthread_self();
	w.run = v.run;
	if (thread_start(&tid, watch, &w)) {
		snprintf(why, n, "cannot start a thread");
		r = -1;
		goto restore;
	}
	r = run_guest(g, &v, why, n);
	pthread_mutex_lock(&w.lock);
	w.done = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ms)
		*ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
restore:
	sigaction(SIGUSR1, &old, NULL);
out:
	if (v.vm)
		kvm_vcpu_destroy(&v);
	kvm_destroy(&vm);
	buf_free(&msgs);
	return r;
}
