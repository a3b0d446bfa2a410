// SPDX-License-Identifier: MIT
/* Register behaviour after the 16550A data sheet and <linux/serial_reg.h>. */
#include <linux/serial_reg.h>
#include <string.h>

#include "serial8250.h"

void uart_init(struct uart *u, unsigned irq, uart_sink_fn sink,
	       uart_irq_fn raise, void *ctx)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->irq = irq;
	u->sink = sink;
	u->raise = raise;
	u->ctx = ctx;
	u->mcr = UART_MCR_OUT2;
	u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	u->dll = 12;		/* 9600 baud, as a BIOS leaves it */
	u->lcr = UART_LCR_WLEN8;
}

static uint8_t lsr(const struct uart *u)
{
	/* The transmitter drains at once: always empty. */
	return UART_LSR_TEMT | UART_LSR_THRE | (u->rx_len ? UART_LSR_DR : 0);
}

/* The interrupt identification, highest priority first. */
static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = u->fcr & UART_FCR_ENABLE_FIFO ? 0xc0 : 0;

	if ((u->ier & UART_IER_RDI) && u->rx_len)
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thri_pending)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NO_INT;
}

/* On a PC, OUT2 gates the UART's interrupt onto the ISA line. */
static void update_irq(struct uart *u)
{
	int level = !(iir(u) & UART_IIR_NO_INT) && (u->mcr & UART_MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->raise)
			u->raise(u->ctx, u->irq, level);
	}
}

/* The guest took bytes: half the FIFO free tells a host it turned away. */
static void rx_taken(struct uart *u)
{
	if (u->rx_refused && u->rx_len <= UART_RX_SIZE / 2) {
		u->rx_refused = false;
		if (u->room)
			u->room(u->ctx);
	}
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
	uint8_t v = 0;

	switch (reg) {
	case UART_RX:
		if (u->lcr & UART_LCR_DLAB)
			return u->dll;
		if (u->rx_len) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_RX_SIZE;
			u->rx_len--;
			rx_taken(u);
		}
		return v;
	case UART_IER:
		return u->lcr & UART_LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR:
		v = iir(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thri_pending = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return lsr(u);
	case UART_MSR:
		if (u->mcr & UART_MCR_LOOP) {
			/* Loopback: the modem outputs come back as inputs. */
			v = 0;
			if (u->mcr & UART_MCR_RTS)
				v |= UART_MSR_CTS;
			if (u->mcr & UART_MCR_DTR)
				v |= UART_MSR_DSR;
			if (u->mcr & UART_MCR_OUT1)
				v |= UART_MSR_RI;
			if (u->mcr & UART_MCR_OUT2)
				v |= UART_MSR_DCD;
			return v;
		}
		return u->msr;
	case UART_SCR:
		return u->scr;
	}
	return 0xff;
}

static void write_reg(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_TX:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = v;
			return;
		}
		if (u->mcr & UART_MCR_LOOP) {
			/* Loopback: what is sent is received. */
			if (u->rx_len < UART_RX_SIZE) {
				u->rx[(u->rx_head + u->rx_len) % UART_RX_SIZE] = v;
				u->rx_len++;
			}
		} else if (u->sink) {
			u->sink(u->ctx, &v, 1);
		}
		u->thri_pending = true;
		return;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
			return;
		}
		/* Enabling THRI with the transmitter empty interrupts at once. */
		if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thri_pending = true;
		u->ier = v & 0x0f;
		return;
	case UART_FCR:
		u->fcr = v & (UART_FCR_ENABLE_FIFO | 0xc0);
		if (v & UART_FCR_CLEAR_RCVR) {
			u->rx_head = u->rx_len = 0;
			rx_taken(u);
		}
		return;
	case UART_LCR:
		u->lcr = v;
		return;
	case UART_MCR:
		u->mcr = v & 0x1f;
		return;
	case UART_SCR:
		u->scr = v;
		return;
	}
}

static void uart_io(void *dev, uint64_t addr, uint8_t *data, unsigned len,
		    bool write)
{
	struct uart *u = dev;

	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (unsigned)(addr + i) & 7;

		if (write)
			write_reg(u, reg, data[i]);
		else
			data[i] = read_reg(u, reg);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

const struct bus_ops uart_ops = {
	.name = "serial8250",
	.io = uart_io,
};

unsigned uart_input(struct uart *u, const uint8_t *data, unsigned len)
{
	unsigned n = 0;

	pthread_mutex_lock(&u->lock);
	while (n < len && u->rx_len < UART_RX_SIZE) {
		u->rx[(u->rx_head + u->rx_len) % UART_RX_SIZE] = data[n++];
		u->rx_len++;
	}
	if (n < len)
		u->rx_refused = true;
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

void uart_on_room(struct uart *u, uart_room_fn room)
{
	pthread_mutex_lock(&u->lock);
	u->room = room;
	pthread_mutex_unlock(&u->lock);
}
