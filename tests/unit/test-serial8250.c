// SPDX-License-Identifier: MIT
/* The 8250: what Linux's driver probes, interrupts, data both ways. */
#include <linux/serial_reg.h>

#include "helpers.h"
#include "../../src/vmm/serial8250.h"

static struct buf sent;
static int level[16];
static int raised;
static int rooms;

static void sink(void *ctx, const uint8_t *d, unsigned n)
{
	(void)ctx;
	buf_add(&sent, d, n);
}

static void irq(void *ctx, unsigned line, int l)
{
	(void)ctx;
	level[line] = l;
	raised++;
}

static void room(void *ctx)
{
	(void)ctx;
	rooms++;
}

static uint8_t in(struct uart *u, unsigned reg)
{
	uint8_t v;

	uart_ops.io(u, reg, &v, 1, false);
	return v;
}

static void out(struct uart *u, unsigned reg, uint8_t v)
{
	uart_ops.io(u, reg, &v, 1, true);
}

static int setup(void **state)
{
	(void)state;
	buf_reset(&sent);
	memset(level, 0, sizeof(level));
	raised = 0;
	rooms = 0;
	return 0;
}

/* autoconfig() in drivers/tty/serial/8250/8250_port.c, in short. */
static void test_probe(void **state)
{
	struct uart u;

	(void)state;
	uart_init(&u, 4, sink, irq, NULL);
	out(&u, UART_SCR, 0xa5);
	assert_int_equal(in(&u, UART_SCR), 0xa5);
	out(&u, UART_IER, 0);
	assert_int_equal(in(&u, UART_IER), 0);
	out(&u, UART_IER, 0xff);
	assert_int_equal(in(&u, UART_IER), 0x0f);
	out(&u, UART_IER, 0);
	/* Loopback: modem outputs come back as inputs. */
	out(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	assert_int_equal(in(&u, UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
	out(&u, UART_TX, 'L');
	assert_int_equal(sent.len, 0);		/* nothing leaves in loopback */
	assert_int_equal(in(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(in(&u, UART_RX), 'L');
	out(&u, UART_MCR, UART_MCR_OUT2);
	/* FIFO: IIR's top bits say 16550A. */
	out(&u, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(in(&u, UART_IIR) >> 6, 3);
	/* The divisor latch behind DLAB. */
	out(&u, UART_LCR, UART_LCR_DLAB);
	out(&u, UART_DLL, 1);
	out(&u, UART_DLM, 0);
	assert_int_equal(in(&u, UART_DLL), 1);
	out(&u, UART_LCR, UART_LCR_WLEN8);
	assert_int_equal(in(&u, UART_LSR) & (UART_LSR_TEMT | UART_LSR_THRE),
			 UART_LSR_TEMT | UART_LSR_THRE);
}

static void test_transmit_interrupts(void **state)
{
	struct uart u;

	(void)state;
	uart_init(&u, 4, sink, irq, NULL);
	out(&u, UART_TX, 'h');
	out(&u, UART_TX, 'i');
	assert_int_equal(sent.len, 2);
	assert_memory_equal(sent.p, "hi", 2);
	assert_int_equal(level[4], 0);
	/* Enabling THRI with the transmitter empty interrupts at once... */
	out(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(level[4], 1);
	/* ...reading IIR acknowledges it... */
	assert_int_equal(in(&u, UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_int_equal(level[4], 0);
	assert_int_equal(in(&u, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* ...and the next byte sent raises it again. */
	out(&u, UART_TX, '!');
	assert_int_equal(level[4], 1);
	/* OUT2 gates the line on a PC. */
	out(&u, UART_MCR, 0);
	assert_int_equal(level[4], 0);
	out(&u, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(level[4], 1);
	out(&u, UART_IER, 0);
	assert_int_equal(level[4], 0);
}

static void test_receive(void **state)
{
	struct uart u;
	uint8_t big[UART_RX_SIZE + 10];

	(void)state;
	uart_init(&u, 3, sink, irq, NULL);
	out(&u, UART_IER, UART_IER_RDI);
	assert_int_equal(level[3], 0);
	assert_int_equal(uart_input(&u, (const uint8_t *)"ab", 2), 2);
	assert_int_equal(level[3], 1);
	assert_int_equal(in(&u, UART_IIR) & 0x0f, UART_IIR_RDI);
	assert_int_equal(in(&u, UART_RX), 'a');
	assert_int_equal(level[3], 1);
	assert_int_equal(in(&u, UART_RX), 'b');
	assert_int_equal(level[3], 0);
	assert_int_equal(in(&u, UART_LSR) & UART_LSR_DR, 0);
	/* A full FIFO takes no more; a FIFO reset empties it. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(uart_input(&u, big, sizeof(big)), UART_RX_SIZE);
	out(&u, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_int_equal(in(&u, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(level[3], 0);
}

/* Bytes waiting for the FIFO, as the launcher's main loop keeps them. */
struct pending {
	uint8_t buf[256];
	unsigned off, len;
};

/* Move what fits of p into the FIFO; true when p is empty. */
static bool flush(struct uart *u, struct pending *p)
{
	unsigned n = p->len ? uart_input(u, p->buf + p->off, p->len) : 0;

	p->off += n;
	p->len -= n;
	if (!p->len)
		p->off = 0;
	return !p->len;
}

/* Host input past a full FIFO is held back, not dropped: uart_input()
 * says what fitted, the rest waits, the guest's reads call room() once
 * half the FIFO is free (once per refusal), and every byte arrives in
 * order. */
static void test_backpressure(void **state)
{
	struct uart u;
	struct pending p = { .len = 0 };
	unsigned got = 0, i;

	(void)state;
	uart_init(&u, 4, sink, irq, NULL);
	uart_on_room(&u, room);
	/* Room to spare: nothing waits, no room call. */
	for (i = 0; i < 100; i++)
		p.buf[i] = (uint8_t)i;
	p.len = 100;
	assert_true(flush(&u, &p));
	assert_int_equal(p.len, 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(in(&u, UART_RX), i);
	assert_int_equal(rooms, 0);
	/* Fill the FIFO with a count, 256 bytes at a time, as the
	 * launcher reads them: the batch that does not fit stays. */
	for (i = 0; p.len || i < UART_RX_SIZE + 300;) {
		if (!p.len) {
			for (unsigned k = 0; k < sizeof(p.buf); k++)
				p.buf[k] = (uint8_t)(i + k);
			p.len = sizeof(p.buf);
			i += sizeof(p.buf);
		}
		if (!flush(&u, &p))
			break;
	}
	assert_int_equal(u.rx_len, UART_RX_SIZE);
	assert_int_not_equal(p.len, 0);
	assert_int_equal(p.off + p.len, sizeof(p.buf));
	/* Full: nothing more fits, nothing is taken from p. */
	assert_int_equal(uart_input(&u, (const uint8_t *)"x", 1), 0);
	i = p.len;
	assert_false(flush(&u, &p));
	assert_int_equal(p.len, i);
	/* The guest reads; room() comes at half, once. */
	for (; got < UART_RX_SIZE / 2 - 1; got++)
		assert_int_equal(in(&u, UART_RX), (uint8_t)got);
	assert_int_equal(rooms, 0);
	assert_int_equal(in(&u, UART_RX), (uint8_t)got++);
	assert_int_equal(rooms, 1);
	assert_int_equal(in(&u, UART_RX), (uint8_t)got++);
	assert_int_equal(rooms, 1);
	/* What waited goes in after what is there, in order. */
	assert_true(flush(&u, &p));
	while (in(&u, UART_LSR) & UART_LSR_DR) {
		assert_int_equal(in(&u, UART_RX), (uint8_t)got);
		got++;
	}
	assert_int_equal(got, UART_RX_SIZE + 256);
	assert_int_equal(rooms, 1);
	/* A FIFO reset makes room too. */
	memset(p.buf, 'y', sizeof(p.buf));
	for (i = 0; i < UART_RX_SIZE / sizeof(p.buf) + 1; i++) {
		p.off = 0;
		p.len = sizeof(p.buf);
		flush(&u, &p);
	}
	assert_int_equal(p.len, sizeof(p.buf));
	out(&u, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_int_equal(rooms, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_probe, setup),
		cmocka_unit_test_setup(test_transmit_interrupts, setup),
		cmocka_unit_test_setup(test_receive, setup),
		cmocka_unit_test_setup(test_backpressure, setup),
	};
	int r = cmocka_run_group_tests_name("serial8250", tests, NULL, NULL);

	buf_free(&sent);
	return r;
}
