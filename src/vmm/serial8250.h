/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_SERIAL8250_H
#define TINYRD_SERIAL8250_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"

/*
 * A 16550A UART: what Linux's 8250 driver probes and drives (scratch
 * register, FIFO detection, loopback test, THRE and RX interrupts). Bytes
 * the guest writes go to a sink at once, so the transmitter is always
 * empty; bytes from the host wait in a receive FIFO.
 */
#define UART_RX_SIZE 4096

typedef void (*uart_sink_fn)(void *ctx, const uint8_t *data, unsigned len);
typedef void (*uart_irq_fn)(void *ctx, unsigned irq, int level);
typedef void (*uart_room_fn)(void *ctx);

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	bool thri_pending;	/* a THRE interrupt not yet acknowledged */
	uint8_t rx[UART_RX_SIZE];
	unsigned rx_head, rx_len;
	bool rx_refused;	/* the host was turned away: tell it of room */
	unsigned irq;
	int irq_level;
	uart_sink_fn sink;
	uart_irq_fn raise;
	uart_room_fn room;	/* or NULL */
	void *ctx;
};

extern const struct bus_ops uart_ops;

void uart_init(struct uart *u, unsigned irq, uart_sink_fn sink,
	       uart_irq_fn raise, void *ctx);
/* Queue bytes from the host for the guest; returns how many fitted. When
 * not all did, room(ctx) is called (from the vCPU that reads the FIFO,
 * under the UART's lock) once the guest has emptied half of it. */
unsigned uart_input(struct uart *u, const uint8_t *data, unsigned len);
/* Call room(ctx) when there is room again after a refusal. */
void uart_on_room(struct uart *u, uart_room_fn room);
#endif
