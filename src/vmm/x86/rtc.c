// SPDX-License-Identifier: MIT
/*
 * The CMOS real-time clock at ports 0x70/0x71, enough for Linux to read
 * the time at boot: the date and time in BCD, 24-hour, never updating
 * (UIP clear), a valid battery. Everything else reads as zero.
 */
#include <pthread.h>
#include <time.h>

#include "rtc.h"

static uint8_t bcd(int v)
{
	return (uint8_t)((v / 10) << 4 | (v % 10));
}

static uint8_t read_reg(uint8_t reg)
{
	time_t now = time(NULL);
	struct tm t;

	gmtime_r(&now, &t);
	switch (reg) {
	case 0x00: return bcd(t.tm_sec);
	case 0x02: return bcd(t.tm_min);
	case 0x04: return bcd(t.tm_hour);
	case 0x06: return bcd(t.tm_wday + 1);
	case 0x07: return bcd(t.tm_mday);
	case 0x08: return bcd(t.tm_mon + 1);
	case 0x09: return bcd(t.tm_year % 100);
	case 0x32: return bcd(t.tm_year / 100 + 19);	/* century */
	case 0x0a: return 0x26;		/* 32.768 kHz, 1024 Hz; UIP clear */
	case 0x0b: return 0x02;		/* 24-hour, BCD, no interrupts */
	case 0x0d: return 0x80;		/* battery good */
	default: return 0;
	}
}

static void rtc_io(void *dev, uint64_t addr, uint8_t *data, unsigned len,
		   bool write)
{
	struct rtc *r = dev;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < len; i++, addr++) {
		if (addr == 0) {
			if (write)
				r->index = data[i] & 0x7f;	/* bit 7: NMI mask */
			else
				data[i] = r->index;
		} else if (!write) {
			data[i] = read_reg(r->index);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

const struct bus_ops rtc_ops = {
	.name = "rtc",
	.io = rtc_io,
};
