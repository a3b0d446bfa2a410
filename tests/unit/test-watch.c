// SPDX-License-Identifier: MIT
/* The watchdogs both VMMs share: which fires first, what it says, how
 * long the main loop may sleep, and the signals that stop a guest
 * arriving on the pipe instead of killing tinyrd. */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include "helpers.h"
#include "../../src/vmm/watch.h"

static void test_timeout_and_silence(void **state)
{
	struct vm_config c = { .timeout = 3, .silence_timeout = 1,
			       .interactive = false };
	struct vm_watch w = { .c = &c, .start = 1000 };
	char why[80];

	(void)state;
	/* Silence at 2000 comes before the timeout at 4000. */
	assert_int_equal(vm_watch_wait(&w, 1500, 1000), 500);
	assert_false(vm_watch_expired(&w, 1999, 1000, why, sizeof(why)));
	assert_true(vm_watch_expired(&w, 2000, 1000, why, sizeof(why)));
	assert_string_equal(why, "no console output for 1 s");
	/* Output keeps the silence away; the timeout still comes. */
	assert_int_equal(vm_watch_wait(&w, 3900, 3800), 100);
	assert_false(vm_watch_expired(&w, 3999, 3900, why, sizeof(why)));
	assert_true(vm_watch_expired(&w, 4000, 3900, why, sizeof(why)));
	assert_string_equal(why, "");
	/* Past due: no wait at all. */
	assert_int_equal(vm_watch_wait(&w, 5000, 3900), 0);
}

static bool started;

static long long is_started(void *ctx)
{
	(void)ctx;
	return started ? 1 : 0;
}

/* With silence_from_start the boot's silence does not count: only once
 * the console says the command started, from its last output on. */
static void test_silence_from_the_command_start(void **state)
{
	struct vm_config c = { .silence_timeout = 1, .silence_from_start = true,
			       .console = { .started = is_started } };
	struct vm_watch w = { .c = &c, .start = 1000 };
	char why[80];

	(void)state;
	started = false;
	assert_int_equal(vm_watch_wait(&w, 9000, 1000), -1);
	assert_false(vm_watch_expired(&w, 9000, 1000, why, sizeof(why)));
	started = true;
	assert_int_equal(vm_watch_wait(&w, 9000, 8800), 800);
	assert_false(vm_watch_expired(&w, 9799, 8800, why, sizeof(why)));
	assert_true(vm_watch_expired(&w, 9800, 8800, why, sizeof(why)));
	assert_string_equal(why, "no console output for 1 s");
	/* Without it, the boot's silence counts as before. */
	c.silence_from_start = false;
	started = false;
	assert_true(vm_watch_expired(&w, 2000, 1000, why, sizeof(why)));
}

static void test_no_watchdog(void **state)
{
	struct vm_config c = { 0 };
	struct vm_watch w = { .c = &c, .start = 0 };
	char why[80];

	(void)state;
	assert_int_equal(vm_watch_wait(&w, 1LL << 40, 0), -1);
	assert_false(vm_watch_expired(&w, 1LL << 40, 0, why, sizeof(why)));
	/* --timeout takes up to 2^30 s: the wait is clamped, not wrapped. */
	c.timeout = 1u << 30;
	assert_int_equal(vm_watch_wait(&w, 0, 0), INT_MAX);
}

static void test_signals_to_the_pipe(void **state)
{
	struct vm_config c = { 0 };
	struct vm_watch w;
	struct sigaction before, after;

	(void)state;
	sigaction(SIGTERM, NULL, &before);
	assert_int_equal(vm_watch_begin(&w, &c, false), 0);
	assert_int_equal(vm_watch_signal(&w), 0);	/* nothing yet */
	raise(SIGTERM);
	raise(SIGHUP);
	assert_int_equal(vm_watch_signal(&w), SIGTERM);
	assert_int_equal(vm_watch_signal(&w), SIGHUP);
	assert_int_equal(vm_watch_signal(&w), 0);
	vm_watch_end(&w);
	sigaction(SIGTERM, NULL, &after);
	assert_ptr_equal(before.sa_handler, after.sa_handler);
	assert_int_equal(w.sigfd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_and_silence),
		cmocka_unit_test(test_silence_from_the_command_start),
		cmocka_unit_test(test_no_watchdog),
		cmocka_unit_test(test_signals_to_the_pipe),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
