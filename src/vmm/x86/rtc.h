/* SPDX-License-Identifier: MIT */
#ifndef TINYRD_RTC_H
#define TINYRD_RTC_H

#include <pthread.h>
#include <stdint.h>

#include "../bus.h"


struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
};

extern const struct bus_ops rtc_ops;

#endif
