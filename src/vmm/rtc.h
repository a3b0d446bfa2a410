/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_RTC_H
#define TINYRD_RTC_H

#include <pthread.h>
#include <stdint.h>

#include "bus.h"

#define RTC_PORT 0x70

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
};

extern const struct bus_ops rtc_ops;

#endif
