// SPDX-License-Identifier: MIT
/* What a board calls back in the machine (machine.h). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "machine.h"
#include "serial8250.h"

void machine_kick(struct machine *m, unsigned i)
{
	__atomic_store_n(&m->cpu[i].run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(m->thread[i], SIGUSR1);
}

void machine_end(struct machine *m, enum vm_ending how, int status,
		 const char *why)
{
	pthread_mutex_lock(&m->lock);
	if (!m->ended) {
		m->ended = true;
		m->res->ending = how;
		m->res->status = status;
		snprintf(m->res->why, sizeof(m->res->why), "%s", why ? why : "");
	}
	pthread_mutex_unlock(&m->lock);
	__atomic_store_n(&m->stop, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < m->started; i++)
		machine_kick(m, i);
}

void machine_console(struct machine *m, const uint8_t *data, unsigned len)
{
	const struct vm_config *c = m->cfg;

	c->console.feed(c->console.ctx, (const char *)data, len);
	if (c->interactive)
		write_all(STDOUT_FILENO, data, len);
	else if (c->echo_fd >= 0)
		write_all(c->echo_fd, data, len);
	if (c->log_fd >= 0)
		write_all(c->log_fd, data, len);
	__atomic_store_n(&m->last_output, vm_now_ms(), __ATOMIC_RELAXED);
}

void machine_console_room(struct machine *m)
{
	uint64_t one = 1;

	if (write(m->room_fd, &one, sizeof(one)) < 0)
		return;		/* already signalled */
}

void machine_output(struct machine *m, const uint8_t *data, unsigned len)
{
	/* Blocking: a slow reader holds the guest back, nothing is lost. */
	write_all(m->cfg->out_fd, data, len);
	__atomic_store_n(&m->last_output, vm_now_ms(), __ATOMIC_RELAXED);
}

void machine_stdin_ready(struct machine *m)
{
	virtio_console_open_input(&m->con[0]);
}

void machine_irq(struct machine *m, unsigned irq, int level)
{
	kvm_irq_line(&m->vm, irq, level);
}

void machine_pulse(struct machine *m, unsigned irq)
{
	kvm_irq_line(&m->vm, irq, 1);
	kvm_irq_line(&m->vm, irq, 0);
}

/* The UARTs' callbacks, which take a void context. */
static void uart_irq(void *ctx, unsigned irq, int level)
{
	machine_irq(ctx, irq, level);
}

static void uart_console(void *ctx, const uint8_t *data, unsigned len)
{
	machine_console(ctx, data, len);
}

static void uart_room(void *ctx)
{
	machine_console_room(ctx);
}

static void uart_output(void *ctx, const uint8_t *data, unsigned len)
{
	machine_output(ctx, data, len);
}

void machine_uarts(struct machine *m, struct uart *con, unsigned con_irq,
		   struct uart *out, unsigned out_irq)
{
	uart_init(con, con_irq, uart_console, uart_irq, m);
	uart_on_room(con, uart_room);
	uart_init(out, out_irq, uart_output, uart_irq, m);
}
